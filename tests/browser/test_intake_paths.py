"""Issue 12 in Chromium, in both partnerships: a looked-after child's death and a
22-year-old care leaver's death are recorded through the notification form's follow-up
step and go to the Case Review Group, not to a Rapid Review (§1.3.5); sibling sections are
added on demand; the CRG's decision moves the case on."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Partnership
from rapidreview.models import CrgMeeting, MeetingKind
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_intake import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNERSHIPS = {
    "leicester": ("leicester-office", "Leicester City Council"),
    "leicestershire-rutland": ("lr-office", "Leicestershire County Council"),
}
SUBJECT_NAME = "Rowan Browser-Testcase"


def first_page(page, slug, authority):
    """The first page, with a sibling section added on demand."""
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("button", name="Record a notification").click()
    expect(
        page.get_by_role("heading", name="Record a Local Authority notification")
    ).to_be_visible()
    expect(page.get_by_text("The summary is shared with the agencies")).to_be_visible()
    # Nothing about care yet: it is asked only if the child died.
    expect(page.get_by_text("Was the child looked after")).to_have_count(0)
    expect(page.get_by_role("heading", name="Sibling 1 (optional)")).to_have_count(0)
    assert_accessible(page, f"{slug}-paths-first-page")
    today = timezone.localdate()
    page.get_by_label("Notifying Local Authority").select_option(label=authority)
    fill_date(page, "Date the partnership received the notification", today)
    page.get_by_label("The child died").check()
    page.get_by_label("Neither known nor suspected").check()
    page.get_by_label("Summary of the incident").fill("Child A died in their placement.")
    page.get_by_label("Local Authority reference").first.fill("LA-PATHS-1")
    page.get_by_label("Full name").first.fill(SUBJECT_NAME)
    page.get_by_role("button", name="Add another child").click()
    expect(page.get_by_role("heading", name="Sibling 1 (optional)")).to_be_visible()
    expect(page.get_by_label("Full name").first).to_have_value(SUBJECT_NAME)
    expect(page.get_by_label("Summary of the incident")).to_have_value(
        "Child A died in their placement."
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_accessible(page, f"{slug}-paths-sibling-added")
    page.get_by_label("Sibling 1: local authority reference").fill("LA-PATHS-2")
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_role("heading", name="The child's care")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-follow-up")


def care_dates(page, slug):
    today = timezone.localdate()
    # Asked but left empty: every missing answer is named at once.
    page.get_by_role("button", name="Record the notification").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Enter the date the Secretary of State for Education")
    expect(alert).to_contain_text("Enter the date Ofsted was notified.")
    assert_accessible(page, f"{slug}-paths-follow-up-errors")
    fill_date(page, "Date the Secretary of State for Education was notified", today)
    fill_date(page, "Date Ofsted was notified", today)
    page.get_by_role("button", name="Record the notification").click()


def at_the_crg(page, slug, name):
    expect(page.get_by_text("goes to the Case Review Group")).to_be_visible()
    expect(page.get_by_text("Next: the Case Review Group considers")).to_be_visible()
    expect(page.get_by_text("CRG consideration").first).to_be_visible()
    expect(page.get_by_text("Child B (sibling)")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-{name}-case")
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ")
    page.get_by_role("link", name="Deadlines").click()
    expect(page.get_by_text("Rapid Review complete")).to_have_count(0)
    assert_accessible(page, f"{slug}-paths-{name}-deadlines")
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", name="Deaths for the CRG to consider")).to_be_visible()
    expect(page.get_by_role("link", name=f"Case {reference}")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-{name}-dashboard")
    return reference


@pytest.mark.parametrize("slug", list(PARTNERSHIPS))
def test_a_looked_after_childs_death_goes_to_the_crg_which_decides(page, slug):
    office, authority = PARTNERSHIPS[slug]
    sign_in(page, office)
    first_page(page, slug, authority)
    # Changing the first page keeps everything typed, then comes back here.
    page.get_by_label("A looked-after child").check()
    page.get_by_role("button", name="Change the notification").click()
    expect(page.get_by_label("Full name").first).to_have_value(SUBJECT_NAME)
    expect(page.get_by_label("Sibling 1: local authority reference")).to_have_value("LA-PATHS-2")
    assert_accessible(page, f"{slug}-paths-changed")
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_label("A looked-after child")).to_be_checked()
    page.get_by_role("button", name="Record the notification").click()
    care_dates(page, slug)
    reference = at_the_crg(page, slug, "looked-after")

    meeting = CrgMeeting.unscoped.create(
        partnership=Partnership.objects.get(slug=slug),
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate(),
    )
    # The dashboard's item opens the CRG's consideration.
    page.get_by_role("link", name=f"Case {reference}").click()
    expect(page.get_by_role("heading", name="The CRG's consideration of the death")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-decision-form")
    page.get_by_label(str(meeting)).check()
    fill_date(page, "Date of the decision", timezone.localdate())
    page.get_by_label("The serious-incident criteria apply").check()
    page.get_by_label("The CRG's rationale").fill("Neglect is now suspected.")
    page.get_by_role("button", name="Record the CRG's decision").click()
    expect(page.get_by_text("The CRG's decision is recorded")).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Rapid Review")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-decided")
    page.get_by_role("link", name="Deadlines").click()
    expect(page.get_by_text("Rapid Review complete and sent to the National Panel")).to_be_visible()
    page.get_by_role("link", name="CRG consideration").click()
    expect(page.get_by_text("Neglect is now suspected.")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-decision-read")


@pytest.mark.parametrize("slug", list(PARTNERSHIPS))
def test_a_22_year_old_care_leavers_death_goes_to_the_crg(page, slug):
    office, authority = PARTNERSHIPS[slug]
    sign_in(page, office)
    first_page(page, slug, authority)
    page.get_by_label("A care leaver").check()
    page.get_by_role("button", name="Record the notification").click()
    page.get_by_label("Care leaver's age").fill("22")
    care_dates(page, slug)
    reference = at_the_crg(page, slug, "care-leaver")
    CrgMeeting.unscoped.create(
        partnership=Partnership.objects.get(slug=slug),
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate(),
    )
    page.get_by_role("link", name=f"Case {reference}").click()
    expect(page.get_by_text("A care leaver died, aged 22.")).to_be_visible()
    # §1.3.5: the serious-incident criteria are considered only for a care leaver under 18.
    expect(page.get_by_label("The serious-incident criteria apply")).to_have_count(0)
    expect(page.get_by_label("a local review would bring learning")).to_be_visible()
    assert_accessible(page, f"{slug}-paths-care-leaver-consideration")
