"""The office acting for agencies with nobody on the portal, in the browser with axe
(issue 12): blank templates and every letter downloaded, an emailed reply entered on the
agency's behalf with its original, and an invitation nobody could be emailed marked as
sent by post."""

import zipfile

import pytest
from playwright.sync_api import expect

from cases.models import InformationRequest, Partnership, RequestStatus
from rapidreview.models import Invitation
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICE = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
ICB = "Leicester, Leicestershire and Rutland Integrated Care Board"
HOSPITALS = "University Hospitals of Leicester NHS Trust"


def unanswered_request(partnership, agency_name):
    return (
        InformationRequest.objects.for_partnership(partnership)
        .filter(agency__name=agency_name, status=RequestStatus.NOT_STARTED)
        .select_related("case")
        .first()
    )


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_office_downloads_the_blank_templates_and_every_letter(page, slug):
    partnership = Partnership.objects.get(slug=slug)
    request = unanswered_request(partnership, ICB)
    reference = request.case.reference
    sign_in(page, OFFICE[slug])

    page.goto(f"/cases/{reference}/requests/")
    with page.expect_download() as letters:
        page.get_by_role("link", name="Download every agency's letter (ZIP of PDFs)").click()
    assert letters.value.suggested_filename == f"{reference}-information-request-letters.zip"
    with zipfile.ZipFile(letters.value.path()) as archive:
        assert f"{reference}-information-request-letter-leicestershire-police.pdf" in (
            archive.namelist()
        )
    assert_accessible(page, f"offline-requests-{slug}")

    page.goto(f"/cases/{reference}/requests/{request.pk}/")
    with page.expect_download() as reply:
        page.get_by_role("link", name="Reply Template, blank (PDF)").click()
    assert reply.value.suggested_filename.startswith(f"{reference}-information-request-reply")
    chronology = page.get_by_role("link", name="Chronology template, blank (PDF)")
    # Only Leicester sends a chronology template with its requests (§4.1.7, §4.3.1).
    if partnership.uses_chronology_template:
        with page.expect_download() as blank:
            chronology.click()
        assert blank.value.suggested_filename.startswith(f"{reference}-chronology-template")
    else:
        expect(chronology).to_have_count(0)
    expect(page.get_by_text(f"Nobody at {ICB} uses the portal")).to_be_visible()
    assert_accessible(page, f"offline-request-{slug}")


def test_the_office_records_an_emailed_reply_on_the_agencys_behalf(page, tmp_path):
    leicester = Partnership.objects.get(slug="leicester")
    request = unanswered_request(leicester, ICB)
    reference = request.case.reference
    sign_in(page, "leicester-office")
    page.goto(f"/cases/{reference}/requests/{request.pk}/")

    # The original is required.
    page.get_by_role("button", name="Attach it and enter the reply").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Attach the email or document the agency's reply came in."
    )
    assert_accessible(page, "on-behalf-original-missing")

    email = tmp_path / "icb-reply.txt"
    email.write_text("From: safeguarding@icb.example\n\nThe GP saw the child twice.\n")
    page.get_by_label("The email or document the reply came in").set_input_files(email)
    page.get_by_role("button", name="Attach it and enter the reply").click()
    expect(page.get_by_text("The original is attached.")).to_be_visible()
    expect(
        page.get_by_text("Entered by the Business Office on the agency's behalf")
    ).to_be_visible()
    assert_accessible(page, "on-behalf-reply")

    page.get_by_role("group", name="Has your agency been involved").get_by_label(
        "Yes", exact=True
    ).check()
    page.get_by_label("Your agency's involvement with the child and family").fill(
        "The GP saw the child twice in 2026."
    )
    page.get_by_label("Facts").fill("Two GP appointments, both attended.")
    page.get_by_role("group", name="Has your agency secured its records").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Completed by (name and role)").fill("Named GP for safeguarding")
    page.get_by_role("button", name="Record as submitted").click()

    expect(page.get_by_text(f"The reply from {ICB} is recorded as submitted")).to_be_visible()
    expect(
        page.get_by_text("Entered by the Business Office on the agency's behalf")
    ).to_be_visible()
    expect(page.get_by_role("link", name="icb-reply.txt")).to_be_visible()
    expect(page.get_by_text("Two GP appointments, both attended.")).to_be_visible()
    assert_accessible(page, "on-behalf-recorded")


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_an_invitation_nobody_could_be_emailed_is_marked_sent_by_post(page, slug):
    partnership = Partnership.objects.get(slug=slug)
    invitation = (
        Invitation.objects.for_partnership(partnership)
        .filter(agency__name=HOSPITALS, email_sent_at__isnull=True, deliveries__isnull=True)
        .select_related("review__case")
        .first()
    )
    reference = invitation.review.case.reference
    sign_in(page, OFFICE[slug])
    page.goto("/")
    expect(page.get_by_role("heading", name="Not sent to anyone")).to_be_visible()
    assert_accessible(page, f"offline-dashboard-{slug}")

    page.goto(f"/cases/{reference}/rapid-review/papers/")
    row = page.get_by_role("row").filter(has_text=HOSPITALS)
    expect(row).to_contain_text("Not sent: nobody on the portal")
    assert_accessible(page, f"offline-papers-{slug}")

    row.get_by_role("link", name="Mark as sent another way").click()
    page.get_by_label("By post").check()
    assert_accessible(page, f"offline-mark-sent-{slug}")
    page.get_by_role("button", name="Record it as sent").click()

    expect(page.get_by_text(f"The invitation to {HOSPITALS} is recorded as sent.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=HOSPITALS)
    expect(row).to_contain_text("Sent by post")
    expect(row).not_to_contain_text("Not sent")
    assert_accessible(page, f"offline-papers-sent-{slug}")
