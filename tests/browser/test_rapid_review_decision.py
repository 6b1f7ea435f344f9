"""Issue 6 end to end in Chromium: from a notification to the Case Review Group's signed
decision, the Rapid Review Report, the outcome to agencies and the LCSPR that follows
(§4.4-4.8); and a decision not to proceed, with the learning disseminated (§4.6.2)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import AgencyKind, Case, ChildRole, Partnership, Stage, User
from cases.selectors import working_calendar
from cases.timescales import TIMESCALES_BY_KIND, work_out
from rapidreview import services
from rapidreview.forms.decision import criterion_text
from rapidreview.models import DECISION_CRITERIA, MeetingKind, RapidReview
from reviews.models import Lcspr
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_intake import fill_date, pdf_text, sign_in_again, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KLOES = [
    "How agencies shared what they knew about the family's moves",
    "How the school's attendance concerns were heard by health visitors",
]


def received_for_a_meeting_today(partnership) -> date:
    """A notification date whose 7-13 working-day window (§4.4.2) holds today."""
    cal = working_calendar(partnership=partnership)
    today = timezone.localdate()
    earliest = TIMESCALES_BY_KIND["rapid_review_meeting_earliest"]
    latest = TIMESCALES_BY_KIND["rapid_review_meeting_latest"]
    day = today
    while True:
        day -= timedelta(days=1)
        start = work_out(earliest, partnership, day, cal).due
        end = work_out(latest, partnership, day, cal).due
        if start <= today <= end:
            return day


def the_reference(page) -> str:
    return page.get_by_role("heading", level=1).inner_text().removeprefix("Case ").strip()


def open_task(page, reference, name):
    page.goto(f"/cases/{reference}/rapid-review/")
    page.get_by_role("link", name=name).click()


def assess_every_criterion(page, finding):
    for criterion in DECISION_CRITERIA:
        text = criterion_text(criterion)
        page.get_by_role("group", name=text, exact=True).get_by_label(finding).check()
        page.get_by_label(f"Rationale: {text}", exact=True).fill(
            f"The meeting's view on: {text.lower()}"
        )


def sign(page, username, *, organisation=None, again=False):
    """Sign the decision in: the chair approves; a partner's representative confirms."""
    (sign_in_again if again else sign_in)(page, username)
    if organisation:
        page.get_by_label(f"{organisation} – Case Review Group member").check()
        page.get_by_role("button", name="Continue").click()


def test_leicester_from_notification_to_a_signed_decision_to_proceed_and_the_lcspr(page):
    leicester = Partnership.objects.get(slug="leicester")
    received = received_for_a_meeting_today(leicester)
    today = timezone.localdate()

    # The Business Office records the notification.
    sign_in(page, "leicester-office")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("button", name="Record a notification").click()
    page.get_by_label("Notifying Local Authority").select_option(label="Leicester City Council")
    fill_date(page, "Date the partnership received the notification", received)
    page.get_by_label("The child was seriously harmed").check()
    page.get_by_label("Suspected", exact=True).check()
    page.get_by_label("Local Authority reference").first.fill("LA-RR-1")
    page.get_by_label("Summary of the incident").fill("Child A, aged 2, was admitted to hospital.")
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text("Notification recorded.")).to_be_visible()
    reference = the_reference(page)

    # An extraordinary meeting today, inside the window, holds the Rapid Review (§4.4).
    page.get_by_role("link", name="CRG meetings").click()
    page.get_by_role("group", name="What kind of meeting?").get_by_label(
        "Extraordinary meeting"
    ).check()
    fill_date(page, "Date of the meeting", today)
    page.get_by_label("Where (optional)").fill("City Hall, room 2")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.get_by_text("is in the calendar")).to_be_visible()
    page.goto(f"/cases/{reference}/rapid-review/")
    expect(page.get_by_role("link", name="Send the papers and invitations")).to_have_count(0)
    assert_accessible(page, "rr-task-list-start")
    page.get_by_label(f"{today:%A %-d %B %Y}: Extraordinary meeting").check()
    page.get_by_role("button", name="Set the meeting").click()
    expect(page.get_by_text("The Rapid Review meeting is set.")).to_be_visible()

    # Papers and invitations (§4.5.2, §4.7.1).
    page.get_by_role("link", name="Send the papers and invitations").click()
    expect(page.get_by_role("link", name="combined chronology")).to_have_count(1)
    # The CRG's members and the Scrutineer come ticked (§4.7.1); the police are added.
    expect(page.get_by_label("Independent Scrutineer", exact=False).first).to_be_checked()
    page.get_by_label("Leicestershire Police").check()
    assert_accessible(page, "rr-papers")
    page.get_by_role("button", name="Send the invitations").click()
    expect(page.get_by_text(re.compile(r"\d+ invitations sent"))).to_be_visible()
    assert_accessible(page, "rr-papers-sent")

    # Attendance: three partner agencies, two of them Safeguarding Partners (§4.6.1).
    open_task(page, reference, "Attendance, declarations and quorum")
    for name, agency in (
        ("DI Kate Moss", "Leicestershire Police"),
        ("Ms Lena Ward", "Leicester City Council"),
        ("Ms Jo Patel", "University Hospitals of Leicester NHS Trust"),
    ):
        page.get_by_label("Name, for someone without an account").fill(name)
        page.get_by_label("Agency represented").select_option(label=agency)
        page.get_by_label("No conflict of interest").check()
        page.get_by_role("group", name="Agreed to keep the meeting's business").get_by_label(
            "Yes"
        ).check()
        page.get_by_role("button", name="Record the attendee").click()
        expect(page.get_by_text(f"{name} is recorded.")).to_be_visible()
    expect(page.get_by_text("Quorate: 3 partner agencies are represented")).to_be_visible()

    # The Independent Scrutineer's advice, asked for by the chair (§4.7.2).
    open_task(page, reference, "Independent Scrutineer's advice")
    page.get_by_label("Given in the meeting when the chair asked").check()
    page.get_by_label("Advice", exact=True).fill("The multi-agency concerns justify a review.")
    fill_date(page, "Date the advice was given", today)
    assert_accessible(page, "rr-scrutineer")
    page.get_by_role("button", name="Record the advice").click()
    expect(page.get_by_text("The multi-agency concerns justify a review.")).to_be_visible()

    # The record of §4.6.2 and an immediate safety action, tracked to done.
    open_task(page, reference, "Facts, immediate learning and potential to improve")
    page.get_by_label("Facts of the case reviewed").fill("The facts in the Combined Summary.")
    page.get_by_label("Immediate learning", exact=True).fill("Health visitors to copy the school.")
    page.get_by_label("How the immediate learning will be shared").fill("A briefing.")
    page.get_by_label("Potential for identifying improvements").fill("Real potential.")
    assert_accessible(page, "rr-record")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The meeting record is saved.")).to_be_visible()
    open_task(page, reference, "Immediate safety actions")
    page.get_by_label("Action", exact=True).fill("Visit the sibling at home this week.")
    page.get_by_label("Owner").fill("Duty social worker, Leicester City Council")
    fill_date(page, "Due date", today + timedelta(days=3))
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_role("cell", name="Visit the sibling at home this week.")).to_be_visible()
    fill_date(page, "Date action 1 was done", today)
    page.get_by_role("button", name="Record action 1 as done").click()
    expect(page.get_by_text("Action 1 is recorded as done.")).to_be_visible()
    assert_accessible(page, "rr-actions")

    # Sections 2 and 3 of the Combined Summary agreed at the meeting (§4.6.3).
    open_task(page, reference, "Combined Summary sections 2 and 3")
    page.get_by_label("Section 2").fill("The analysis agreed at the meeting.")
    page.get_by_label("Section 3").fill("The recommendation to proceed.")
    assert_accessible(page, "rr-sections")
    page.get_by_role("button", name="Save as agreed").click()
    expect(page.get_by_text("Sections 2 and 3 of the Combined Summary are agreed.")).to_be_visible()

    # The decision against every §1.4 criterion; forgetting the KLOEs is said plainly.
    open_task(page, reference, "The decision, against the §1.4 criteria")
    page.get_by_label("Proceed to a Local Child Safeguarding Practice Review", exact=True).check()
    page.get_by_label("Rationale for the decision").fill("Agencies did not work together.")
    assess_every_criterion(page, "Applies")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Key Lines of Enquiry")
    expect(page.get_by_label("Rationale for the decision")).to_have_value(
        "Agencies did not work together."
    )
    assert_accessible(page, "rr-decision-error")
    page.get_by_label("Key Lines of Enquiry").fill("\n".join(KLOES))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision is recorded. It now needs signing off.")).to_be_visible()
    sign_out(page)

    # Sign-off: the chair approves; the Police and the Local Authority confirm. Each
    # finds the decision on their dashboard, and the page says who is still to sign.
    sign(page, "leicester-chair")
    waiting = page.get_by_role("heading", name="Waiting for your sign-off")
    expect(waiting).to_be_visible()
    assert_accessible(page, "dashboard-chair-sign-off-waiting")
    page.get_by_role("link", name=f"Case {reference}").first.click()
    expect(page.get_by_role("heading", name="Still to sign")).to_be_visible()
    expect(page.get_by_text("Dr Ruth Adeyemi can sign")).to_be_visible()
    assert_accessible(page, "rr-sign-off-chair")
    page.get_by_role("button", name="Approve the decision as CRG chair").click()
    expect(page.get_by_text("You have approved the decision.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for your sign-off")).to_have_count(0)
    sign_out(page)
    sign(
        page,
        "police-crg",
        organisation="Leicester Safeguarding Children Partnership",
    )
    expect(page.get_by_text("to sign for the Police")).to_be_visible()
    assert_accessible(page, "dashboard-member-sign-off-waiting")
    page.get_by_role("link", name=f"Case {reference}").first.click()
    page.get_by_label("Police").check()
    assert_accessible(page, "rr-sign-off-partner")
    page.get_by_role("button", name="Confirm the decision").click()
    sign_out(page)
    sign(page, "leicester-la-crg")
    page.goto(f"/cases/{reference}/rapid-review/sign-off/")
    page.get_by_label("Local Authority").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("heading", name="Decision signed off")).to_be_visible()
    assert_accessible(page, "rr-signed-off")
    sign_out(page)

    # After the meeting (§4.8): the report, its sending, the outcome to agencies.
    sign_in_again(page, "leicester-office")
    open_task(page, reference, "Report to the National Panel and outcome to agencies")
    assert_accessible(page, "rr-after")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Rapid Review Report (PDF)").click()
    text = pdf_text(download.value)
    assert reference in text
    assert "Proceed to a Local Child Safeguarding Practice Review" in text
    for kloe in KLOES:
        assert kloe in text
    assert "DRAFT" not in text
    fill_date(page, "Date the Rapid Review Report was sent to the National Panel", today)
    page.get_by_role("button", name="Record the sending").click()
    expect(page.get_by_text(f"Met on {today:%-d %B %Y}")).to_be_visible()
    fill_date(page, "Date the decision was notified to the National Panel", today)
    page.get_by_role("button", name="Record the notification").click()
    page.get_by_role("button", name="Send the outcome to").click()
    expect(page.get_by_text("The outcome is sent to")).to_be_visible()
    outcomes = page.get_by_role("table", name="Outcomes sent")
    expect(outcomes).to_contain_text("Leicestershire Police")
    expect(outcomes).to_contain_text("Leicester City Council")
    assert_accessible(page, "rr-after-sent")

    page.goto(f"/cases/{reference}/rapid-review/decision/")
    expect(page.get_by_text("The meeting's view on:", exact=False).first).to_be_visible()
    assert_accessible(page, "rr-decision-signed-off")

    # The LCSPR is open, and its six months run from the decision (§3.1.2).
    page.get_by_role("link", name="Deadlines").click()
    deadlines = page.get_by_role("table", name="Deadlines")
    expect(deadlines).to_contain_text("LCSPR complete")
    case = Case.objects.for_partnership(leicester).get(reference=reference)
    assert case.stage == Stage.LCSPR
    assert Lcspr.objects.for_partnership(leicester).get(case=case).decided_on == today
    sign_out(page)

    # The police read the outcome in the portal, with the reminder about inspectorates.
    sign_in(page, "police-portal")
    page.get_by_role("link", name="Meeting papers and outcomes").click()
    assert_accessible(page, "portal-papers")
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_text("closed when its decision was signed off")).to_be_visible()
    assert_accessible(page, "portal-invitation-papers")
    page.get_by_role("link", name="All meeting papers and outcomes").click()
    page.get_by_role("link", name=reference).last.click()
    expect(
        page.get_by_text("Proceed to a Local Child Safeguarding Practice Review")
    ).to_be_visible()
    expect(page.get_by_text("inspectorate", exact=False).first).to_be_visible()
    assert_accessible(page, "portal-outcome")


@pytest.fixture
def lr_review_at_the_meeting(demo):
    """A Leicestershire & Rutland Rapid Review on its meeting day, quorate and minuted:
    the decision is what is left."""
    lr = Partnership.objects.get(slug="leicestershire-rutland")
    office = User.objects.get(username="lr-office")
    case = case_services.notification_record(
        partnership=lr,
        details=case_services.NotificationDetails(
            received_on=received_for_a_meeting_today(lr),
            summary="Child B.",
            notifying_authority=lr.agencies.get(name="Leicestershire County Council"),
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )
    meeting = services.crg_meeting_create(
        partnership=lr,
        kind=MeetingKind.EXTRAORDINARY,
        held_on=timezone.localdate(),
        actor=office,
    )
    services.rapid_review_meeting_set(case=case, meeting=meeting, actor=office, version=1)
    for agency in lr.agencies.filter(
        kind__in=[AgencyKind.POLICE, AgencyKind.LOCAL_AUTHORITY, AgencyKind.HEALTH_TRUST]
    ):
        services.attendance_record(
            meeting=meeting,
            actor=office,
            name=f"Rep of {agency.name}",
            agency=agency,
            declaration="none",
            confidentiality_agreed=True,
        )
    review = RapidReview.objects.for_partnership(lr).get(case=case)
    services.record_save(
        review=review,
        actor=office,
        version=review.version,
        facts_reviewed="The facts.",
        immediate_learning="",
        learning_sharing="",
        improvement_potential="Little: the learning is already known.",
    )
    services.no_immediate_action_record(review=review, actor=office)
    services.summary_sections_agree(
        case=case, actor=office, version=1, section_2="Analysis.", section_3="Not to proceed."
    )
    return case


def test_leicestershire_and_rutland_decides_not_to_proceed_and_disseminates_the_learning(
    page, lr_review_at_the_meeting
):
    reference = lr_review_at_the_meeting.reference
    sign_in(page, "lr-office")
    # A referral without a notification is decided at a scheduled meeting (§4.9).
    referral = Case.objects.for_partnership(lr_review_at_the_meeting.partnership).filter(
        stage=Stage.REFERRAL_DECISION
    )
    page.goto(f"/cases/{referral.first().reference}/rapid-review/")
    expect(page.get_by_text("two months after it was received (§4.9)")).to_be_visible()
    assert_accessible(page, "lr-referral-decision")
    page.goto(f"/cases/{reference}/rapid-review/")
    expect(page.get_by_text("Quorate", exact=True)).to_be_visible()
    assert_accessible(page, "lr-rr-task-list")
    page.get_by_role("link", name="The decision, against the §1.4 criteria").click()
    page.get_by_label("Do not proceed to a Local Child Safeguarding Practice Review").check()
    page.get_by_label("Rationale for the decision").fill("All the learning is in the Rapid Review.")
    assess_every_criterion(page, "Does not apply")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("disseminated")
    page.get_by_label("How the Rapid Review learning will be disseminated").fill(
        "A 7-minute briefing to every agency in the partnership."
    )
    page.get_by_label("Other learning processes that will bring forward improvements").fill(
        "None beyond the briefing."
    )
    assert_accessible(page, "lr-rr-decision")
    page.get_by_role("button", name="Record the decision").click()
    sign_out(page)

    sign(page, "lr-chair")
    page.goto(f"/cases/{reference}/rapid-review/sign-off/")
    page.get_by_role("button", name="Approve the decision as CRG chair").click()
    sign_out(page)
    sign(
        page,
        "police-crg",
        organisation="Leicestershire & Rutland Safeguarding Children Partnership",
    )
    page.goto(f"/cases/{reference}/rapid-review/sign-off/")
    page.get_by_label("Police").check()
    page.get_by_role("button", name="Confirm the decision").click()
    sign_out(page)
    sign(page, "lr-la-crg")
    page.goto(f"/cases/{reference}/rapid-review/sign-off/")
    page.get_by_label("Local Authority").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_text("The case closes once the decision is notified")).to_be_visible()
    assert_accessible(page, "lr-rr-signed-off")
    sign_out(page)

    sign_in_again(page, "lr-office")
    page.goto(f"/cases/{reference}/rapid-review/after/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Rapid Review Report (PDF)").click()
    text = pdf_text(download.value)
    assert "Do not proceed to a Local Child Safeguarding Practice Review" in text
    assert "A 7-minute briefing to every agency in the partnership." in text
    page.get_by_role("button", name="Send the outcome to").click()
    expect(page.get_by_text("The outcome is sent to")).to_be_visible()
    assert_accessible(page, "lr-rr-after")
    # The decision notified to the National Panel closes the case (§1.6.3).
    fill_date(page, "Date the decision was notified to the National Panel", timezone.localdate())
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text("The decision's notification to the National Panel")).to_be_visible()
    case = Case.objects.for_partnership(lr_review_at_the_meeting.partnership).get(
        reference=reference
    )
    assert case.stage == Stage.CLOSED
    assert not Lcspr.objects.for_partnership(case.partnership).filter(case=case).exists()
