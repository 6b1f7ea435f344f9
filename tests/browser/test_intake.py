"""Issue 5 end to end in Chromium, for both partnerships: a notification, information
requests, the police reply in the portal, and the Combined Summary with its PDF."""

import io
from datetime import timedelta

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.factories import working_days_ahead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# An invented name: it must show in the restricted file and nowhere else.
CHILD_NAME = "Tamsin Browser-Testcase"


def sign_in_again(page, username):
    """A second sign-in soon after the first: `current_code` gives a code the
    authenticator has not used yet."""
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def pdf_text(download) -> str:
    with open(download.path(), "rb") as pdf:
        reader = pypdf.PdfReader(io.BytesIO(pdf.read()))
    # Table cells wrap: compare words, not line breaks.
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def record_notification(page, office, authority, slug):
    sign_in(page, office)
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("button", name="Record a notification").click()
    expect(
        page.get_by_role("heading", name="Record a Local Authority notification")
    ).to_be_visible()
    assert_accessible(page, f"{slug}-notification-form")

    today = timezone.localdate()
    page.get_by_label("Notifying Local Authority").select_option(label=authority)
    fill_date(page, "Date the partnership received the notification", today)
    page.get_by_label("The child was seriously harmed").check()
    page.get_by_label("Suspected", exact=True).check()
    page.get_by_label("Local Authority reference").first.fill("LA-BROWSER-1")
    page.get_by_label("Full name").first.fill(CHILD_NAME)
    # Forgot the summary: told so beside the field, and nothing typed is lost.
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a summary of the incident.")
    expect(page.get_by_label("Full name").first).to_have_value(CHILD_NAME)
    assert_accessible(page, f"{slug}-notification-error")
    page.get_by_label("Summary of the incident").fill(
        "Child A, aged 4, was admitted to hospital with injuries that need explaining."
    )
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text("Notification recorded.")).to_be_visible()
    heading = page.get_by_role("heading", level=1).inner_text()
    reference = heading.removeprefix("Case ").strip()
    expect(page.get_by_text("Child A (subject child)")).to_be_visible()
    assert CHILD_NAME not in page.content()
    assert_accessible(page, f"{slug}-case-overview")

    page.get_by_role("link", name="Restricted file").click()
    expect(page.get_by_role("cell", name=CHILD_NAME)).to_be_visible()
    assert_accessible(page, f"{slug}-restricted-file")
    page.get_by_role("link", name="Deadlines").click()
    expect(page.get_by_role("table", name="Deadlines")).to_contain_text(
        "Rapid Review complete and sent to the National Panel"
    )
    return reference


def send_requests(page, slug, *, school_label, tick):
    page.get_by_role("link", name="Information requests").click()
    assert_accessible(page, f"{slug}-requests-empty")
    page.get_by_role("button", name="Send information requests").click()
    expect(page.get_by_label("Leicestershire Police")).to_be_checked()
    for label in tick:
        page.get_by_label(label).check()
    expect(page.get_by_text(school_label)).to_be_visible()
    assert_accessible(page, f"{slug}-send-requests")
    due = working_days_ahead(7)
    fill_date(page, "Reply deadline", due)
    page.get_by_role("button", name="Send the requests").click()
    expect(page.get_by_text("Requests sent to")).to_be_visible()
    rows = page.get_by_role("table", name="Requests sent")
    expect(rows).to_contain_text("Leicestershire Police")
    assert_accessible(page, f"{slug}-requests-sent")
    return due


def police_reply(page, reference, slug, *, chronology_template):
    sign_in(page, "police-portal")
    page.get_by_role("link", name="Information requests", exact=True).click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    assert_accessible(page, f"{slug}-portal-home")
    page.get_by_role("link", name=reference).click()
    expect(
        page.get_by_role("heading", name=f"Information request: case {reference}")
    ).to_be_visible()
    chronology_link = page.get_by_role("link", name="Chronology template (PDF)")
    expect(chronology_link).to_have_count(1 if chronology_template else 0)
    # The police can find their records: the child's name is in the restricted panel,
    # and nowhere else on the page or in its address.
    panel = page.get_by_role("region", name="OFFICIAL-SENSITIVE: who this request is about")
    expect(panel).to_contain_text(CHILD_NAME)
    assert page.content().count(CHILD_NAME) == 1
    assert CHILD_NAME.split()[0] not in page.url

    page.get_by_label("Yes").first.check()
    page.get_by_label("Your agency's involvement with the child and family").fill(
        "Officers attended the home twice this year."
    )
    page.get_by_label("Facts", exact=True).fill("Two attendances; one referral to social care.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("The draft is saved.")).to_be_visible()
    expect(page.get_by_label("Facts", exact=True)).to_have_value(
        "Two attendances; one referral to social care."
    )
    assert_accessible(page, f"{slug}-portal-reply-draft")

    page.get_by_role("link", name="Chronology", exact=True).click()
    for days, event in ((40, "Domestic incident reported"), (12, "Child A seen with a bruise")):
        fill_date(page, "Date", timezone.localdate() - timedelta(days=days))
        page.get_by_label("Source").fill("Police incident log")
        page.get_by_label("Event").fill(event)
        page.get_by_role("button", name="Add the entry").click()
        expect(page.get_by_text("Chronology entry added.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Child A seen with a bruise")
    assert_accessible(page, f"{slug}-portal-chronology")

    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_label("Upload a document").set_input_files(
        {"name": "incident-log.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("The document is attached.")).to_be_visible()
    assert_accessible(page, f"{slug}-portal-documents")

    page.get_by_role("link", name="Information-sharing decisions").click()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for this decision")
    page.get_by_label("What information?").fill("Intelligence about a third party")
    page.get_by_label("Not shared").check()
    page.get_by_label("Reason (§2.1.6)").fill("It concerns an unrelated investigation.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Information-sharing decision recorded.")).to_be_visible()
    assert_accessible(page, f"{slug}-portal-sharing-decisions")

    page.get_by_role("link", name="Reply", exact=True).click()
    page.get_by_role("button", name="Submit to the Business Office").click()
    # Incomplete: kept as a draft, and each missing answer is named.
    expect(page.get_by_role("alert")).to_contain_text("secured its records")
    assert_accessible(page, f"{slug}-portal-reply-incomplete")
    page.get_by_role("group", name="Has your agency secured its records").get_by_label(
        "Yes"
    ).check()
    fill_date(page, "Date the records were secured", timezone.localdate())
    page.get_by_label("Nominated representative who can reach the records").fill(
        "DI Public Protection"
    )
    page.get_by_label("Completed by (name and role)").fill("DS Sam Patel")
    page.get_by_role("button", name="Submit to the Business Office").click()
    expect(
        page.get_by_text(f"Your reply about case {reference} has been submitted")
    ).to_be_visible()
    sign_out(page)


def test_leicestershire_and_rutland_intake_to_combined_summary(page):
    reference = record_notification(page, "lr-office", "Leicestershire County Council", "lr")
    due = send_requests(
        page,
        "lr",
        school_label="requests for school information go via the Education representatives",
        tick=[],
    )
    expect(page.get_by_label("Charnwood Heights Secondary School (demo school)")).to_have_count(0)
    sign_out(page)
    police_reply(page, reference, "lr", chronology_template=False)

    sign_in_again(page, "lr-office")
    page.goto(f"/cases/{reference}/combined-summary/")
    expect(page.get_by_text("Two attendances; one referral to social care.")).to_be_visible()
    expect(page.get_by_role("link", name="Combined chronology")).to_have_count(0)
    assert_accessible(page, "lr-combined-summary")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Combined Summary Report (PDF)").click()
    text = pdf_text(download.value)
    assert reference in text
    assert "Two attendances; one referral to social care." in text
    assert CHILD_NAME not in text

    page.goto(f"/cases/{reference}/requests/")
    page.get_by_role("link", name="Leicestershire Police").click()
    expect(page.get_by_text("incident-log.pdf")).to_be_visible()
    assert_accessible(page, "lr-request-reply")
    with page.expect_download() as download:
        page.get_by_role("link", name="Information Request Letter (PDF)").click()
    letter = pdf_text(download.value)
    assert reference in letter
    assert f"{due:%A} {due.day} {due:%B %Y}" in letter
    page.get_by_role("button", name="Accept the reply").click()
    expect(page.get_by_text("is accepted")).to_be_visible()


def test_leicester_intake_sends_the_chronology_template_and_combines_chronologies(page):
    reference = record_notification(page, "leicester-office", "Leicester City Council", "leicester")
    send_requests(
        page,
        "leicester",
        school_label="requests go directly to schools",
        tick=["Riverside Primary Academy (demo school)"],
    )
    sign_out(page)
    police_reply(page, reference, "leicester", chronology_template=True)

    sign_in_again(page, "leicester-office")
    page.goto(f"/cases/{reference}/combined-summary/")
    expect(page.get_by_text("Two attendances; one referral to social care.")).to_be_visible()
    # The five usual agencies and the school were asked; only the police have replied.
    expect(page.get_by_text("No reply yet")).to_have_count(5)
    expect(page.get_by_role("heading", name="Riverside Primary Academy")).to_be_visible()
    page.get_by_role("link", name="Combined chronology").click()
    table = page.get_by_role("table", name="Combined chronology")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Domestic incident reported")
    expect(table).to_contain_text("Leicestershire Police")
    assert_accessible(page, "leicester-combined-chronology")
    # Long: prepared by the worker (run in-process here, issue 18), then downloaded.
    page.get_by_role("button", name="Prepare the PDF").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    text = pdf_text(download.value)
    assert reference in text
    assert "Child A seen with a bruise" in text


def test_a_referral_is_progressed_then_becomes_a_rapid_review(page):
    """§4.1.5, §4.1.6, §4.9: the referral path, then the Local Authority notifies."""
    sign_in(page, "leicester-office")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("button", name="Record a referral").click()
    assert_accessible(page, "referral-form")
    page.get_by_label("Referring agency").select_option(
        label="Leicestershire Partnership NHS Trust"
    )
    fill_date(page, "Date the referral was received", timezone.localdate())
    page.get_by_label("Summary of the incident").fill(
        "Child A, aged 8, disclosed neglect at school."
    )
    page.get_by_label("§1.4.1 Concerns about two or more agencies working together").check()
    page.get_by_label("The referrer's reasons").fill("Three agencies knew of the family.")
    page.get_by_label("Local Authority reference").first.fill("LA-REF-9")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.get_by_text("Referral recorded.")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ").strip()
    assert_accessible(page, "referral-overview")

    # No letters until the CRG wants agencies' information (§4.9).
    page.goto(f"/cases/{reference}/requests/send/")
    expect(page.get_by_role("button", name="Send the requests")).to_have_count(0)
    page.get_by_role("link", name="Record it on the referral's progress page").click()
    fill_date(
        page, "Date shared with the Local Authority's CRG representative", timezone.localdate()
    )
    page.get_by_label("Local Authority CRG representative").fill("Head of Service (demo)")
    page.get_by_role("group", name="Does the CRG want agencies' information?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Reason for the decision").fill("It may meet the criteria.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("The referral's progress is saved.")).to_be_visible()
    assert_accessible(page, "referral-progress")

    page.get_by_role("link", name="Information requests").click()
    page.get_by_role("button", name="Send information requests").click()
    fill_date(page, "Reply deadline", working_days_ahead(5))
    page.get_by_role("button", name="Send the requests").click()
    expect(page.get_by_text("Requests sent to")).to_be_visible()

    # The Local Authority notifies: the same case becomes a Rapid Review (§4.1.6).
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="The Local Authority notified: start the Rapid Review").click()
    assert_accessible(page, "referral-convert")
    page.get_by_label("Notifying Local Authority").select_option(label="Leicester City Council")
    fill_date(page, "Date the partnership received the notification", timezone.localdate())
    page.get_by_label("The child died").check()
    page.get_by_label("Known", exact=True).check()
    page.get_by_label("Summary of the incident").fill("Child A died in hospital.")
    page.get_by_label("Neither", exact=True).check()
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text(f"Case {reference} is now a Rapid Review")).to_be_visible()
    page.get_by_role("link", name="Deadlines").click()
    deadlines = page.get_by_role("table", name="Deadlines")
    expect(deadlines).to_contain_text("Rapid Review complete and sent to the National Panel")
    expect(deadlines).to_contain_text("Waived")
    assert_accessible(page, "referral-converted-deadlines")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Stage changed to Rapid Review")).to_be_visible()
