"""The CRG calendar and setting the Rapid Review meeting (§4.4), in Chromium."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, Partnership, Stage
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def newest_rapid_review(slug):
    partnership = Partnership.objects.get(slug=slug)
    return (
        Case.objects.for_partnership(partnership)
        .filter(stage=Stage.RAPID_REVIEW)
        .order_by("-opened_on")
        .first()
    )


@pytest.mark.parametrize(
    ("office", "slug", "holds_parameters_meeting"),
    [("leicester-office", "leicester", True), ("lr-office", "leicestershire-rutland", False)],
)
def test_the_office_keeps_the_calendar_and_sets_the_rapid_review_meeting(
    page, office, slug, holds_parameters_meeting
):
    sign_in(page, office)
    page.get_by_role("link", name="CRG meetings").click()
    calendar = page.get_by_role("table", name="Coming meetings")
    expect(calendar).to_contain_text("Monthly CRG meeting")
    expect(calendar).to_contain_text("Held only if needed")
    kinds = page.get_by_role("group", name="What kind of meeting?")
    expect(kinds.get_by_label("Meeting to agree the request parameters")).to_have_count(
        1 if holds_parameters_meeting else 0
    )
    assert_accessible(page, f"{slug}-crg-meetings")

    case = newest_rapid_review(slug)
    page.goto(f"/cases/{case.reference}/rapid-review/")
    expect(page.get_by_text("7 to 13 working days after the notification")).to_be_visible()
    parameters = page.get_by_role("heading", name="Meeting to agree the request parameters")
    expect(parameters).to_have_count(1 if holds_parameters_meeting else 0)
    assert_accessible(page, f"{slug}-rapid-review-meeting")

    choices = page.get_by_role("group", name="Which meeting will hold the Rapid Review?")
    outside = choices.get_by_label("(outside the window)").first
    outside.check()
    page.get_by_role("button", name="Set the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("outside the 7 to 13 working-day window")
    assert_accessible(page, f"{slug}-rapid-review-meeting-error")
    page.get_by_label("Reason, if the meeting is outside the window").fill(
        "The Safeguarding Partners cannot all attend earlier."
    )
    page.get_by_role("button", name="Set the meeting").click()
    expect(page.get_by_text("The Rapid Review meeting is set.")).to_be_visible()
    expect(page.get_by_text("Outside the window: The Safeguarding Partners")).to_be_visible()


def test_attendance_and_declarations_make_the_meeting_quorate(page):
    sign_in(page, "lr-office")
    page.get_by_role("link", name="CRG meetings").click()
    page.get_by_role("link", name="Monthly CRG meeting").first.click()
    expect(page.get_by_text("Not quorate")).to_be_visible()
    assert_accessible(page, "meeting-attendance")
    typed_name = page.get_by_label("Name, for someone without an account")
    confidentiality = page.get_by_role("group", name="Agreed to keep the meeting's business")
    # A declared conflict needs its details and whether they take part (§1.5.8), and
    # confidentiality is an answer, not a blank: each said beside its field.
    typed_name.fill("Dr Amina Rahman")
    page.get_by_label("Agency represented").select_option(
        label="Leicester, Leicestershire and Rutland Integrated Care Board"
    )
    page.get_by_label("Declared a conflict of interest").check()
    page.get_by_role("button", name="Record the attendee").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Say what the conflict of interest is")
    expect(alert).to_contain_text("Say whether the attendee takes part in the decision")
    expect(alert).to_contain_text("agreed to confidentiality")
    expect(typed_name).to_have_value("Dr Amina Rahman")
    assert_accessible(page, "meeting-attendance-error")
    page.get_by_label("No conflict of interest").check()
    confidentiality.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the attendee").click()
    expect(page.get_by_text("Dr Amina Rahman is recorded.")).to_be_visible()
    # Someone with an account is picked from the list: their agency comes with them.
    page.get_by_label("Who attended").select_option(
        label="DCI Amira Hussain (Case Review Group member, Leicestershire Police)"
    )
    page.get_by_label("No conflict of interest").check()
    confidentiality.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the attendee").click()
    expect(page.get_by_text("DCI Amira Hussain is recorded.")).to_be_visible()
    # A conflict declared by someone who takes no part leaves their agency uncounted.
    typed_name.fill("Ms Jo Patel")
    page.get_by_label("Agency represented").select_option(
        label="University Hospitals of Leicester NHS Trust"
    )
    page.get_by_label("Declared a conflict of interest").check()
    page.get_by_label("The conflict of interest, if declared").fill("Treated the child's mother.")
    page.get_by_role("group", name="If a conflict is declared").get_by_label("No").check()
    confidentiality.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the attendee").click()
    expect(page.get_by_text("Ms Jo Patel is recorded.")).to_be_visible()
    expect(page.get_by_text("Took no part in the decision", exact=True)).to_be_visible()
    expect(page.get_by_text("Not quorate: 2 partner agencies are represented")).to_be_visible()
    typed_name.fill("Mr Lee Grant")
    page.get_by_label("Agency represented").select_option(
        label="University Hospitals of Leicester NHS Trust"
    )
    page.get_by_label("No conflict of interest").check()
    confidentiality.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the attendee").click()
    expect(page.get_by_text("Quorate: 3 partner agencies are represented")).to_be_visible()
    assert_accessible(page, "meeting-quorate")
