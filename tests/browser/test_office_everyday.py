"""Everyday use by the Business Office, in the browser with axe (issue 12): the case
list's filter panel and its tags, a search by a child's details that never reaches a URL
and is logged without the name, where the case stands on every case page, the Rapid
Review on the timeline, and the papers form's defaults and warning."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, Child, InformationRequest, Partnership, RequestStatus, Stage
from rapidreview.models import Invitation
from rapidreview.selectors import invitable_people
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_intake import sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICE = {
    "leicester": ("leicester-office", "Priya Shah"),
    "leicestershire-rutland": ("lr-office", "Tom Ellis"),
}


def apply_filters(page):
    page.get_by_role("button", name="Apply filters").click()


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_filter_panel_stays_open_with_its_tags(page, slug):
    username, name = OFFICE[slug]
    sign_in(page, username)
    page.goto("/cases/")
    panel = page.locator(".moj-filter")
    expect(panel).to_be_visible()
    assert_accessible(page, f"case-list-{slug}")

    page.get_by_label("Lead officer").select_option(label=name)
    apply_filters(page)
    expect(panel).to_be_visible()
    tag = page.locator(".moj-filter__tag", has_text=name)
    expect(tag).to_be_visible()
    assert_accessible(page, f"case-list-lead-officer-{slug}")

    page.get_by_label("Has an overdue deadline").check()
    page.get_by_role("group", name="Date received from").get_by_label("Year").fill("2020")
    page.get_by_role("group", name="Date received from").get_by_label("Month").fill("1")
    page.get_by_role("group", name="Date received from").get_by_label("Day").fill("1")
    apply_filters(page)
    expect(panel).to_be_visible()
    expect(page.locator(".moj-filter__tag", has_text="Has an overdue deadline")).to_be_visible()
    expect(page.locator(".moj-filter__tag", has_text="From 1 January 2020")).to_be_visible()
    expect(tag).to_be_visible()
    assert_accessible(page, f"case-list-overdue-dates-{slug}")

    tag.click()  # removes the lead officer only
    expect(page.locator(".moj-filter__tag", has_text=name)).to_have_count(0)
    expect(page.locator(".moj-filter__tag", has_text="Has an overdue deadline")).to_be_visible()
    expect(page.get_by_label("Lead officer")).to_have_value("")
    sign_out(page)


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_a_search_by_the_childs_details_stays_out_of_the_address_and_the_log(page, slug):
    partnership = Partnership.objects.get(slug=slug)
    child = (
        Child.objects.for_partnership(partnership)
        .exclude(name="")
        .exclude(local_authority_reference="")
        .select_related("case")
        .first()
    )
    username, _ = OFFICE[slug]
    sign_in(page, username)
    page.goto("/cases/")
    page.get_by_label("Local Authority reference").fill(child.local_authority_reference)
    page.get_by_role("button", name="Search", exact=True).click()
    found = page.get_by_role("table", name="Cases found")
    expect(found).to_contain_text(child.case.reference)
    assert child.local_authority_reference not in page.url
    assert_accessible(page, f"case-search-la-reference-{slug}")

    page.get_by_label("Child's name").fill(child.name)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(found).to_contain_text(child.case.reference)
    assert child.name not in page.url
    assert_accessible(page, f"case-search-name-{slug}")

    page.goto("/access-log/?action=search")
    log = page.get_by_role("table")
    expect(log).to_contain_text("Searched by a child's name")
    expect(log).to_contain_text(username)
    expect(page.locator("main")).not_to_contain_text(child.name)
    assert_accessible(page, f"access-log-name-search-{slug}")
    sign_out(page)


def test_case_pages_say_where_the_case_stands_and_the_timeline_credits_the_review(page):
    leicester = Partnership.objects.get(slug="leicester")
    case = (
        Case.objects.for_partnership(leicester)
        .filter(
            stage=Stage.RAPID_REVIEW,
            rapid_review__meeting__isnull=False,
            rapid_review__signed_off_at__isnull=True,
        )
        .order_by("-opened_on")
        .first()
    )
    username, name = OFFICE["leicester"]
    sign_in(page, username)
    for path, shot in (
        ("", "overview"),
        ("deadlines/", "deadlines"),
        ("rapid-review/", "rapid-review"),
    ):
        page.goto(f"/cases/{case.reference}/{path}")
        standing = page.locator(".govuk-summary-list").first
        expect(standing).to_contain_text("Rapid Review")
        expect(standing).to_contain_text("Last done")
        expect(standing).to_contain_text("Next due")
        expect(standing).not_to_contain_text("Nothing due")
        assert_accessible(page, f"case-standing-{shot}")

    page.goto(f"/cases/{case.reference}/timeline/")
    meeting_set = page.locator(".moj-timeline__item", has_text="Meeting set for")
    expect(meeting_set.first).to_be_visible()
    expect(meeting_set.first).to_contain_text("by ")
    assert_accessible(page, "case-timeline-rapid-review")
    sign_out(page)


def test_the_papers_form_ticks_the_usual_invitees_and_warns_of_outstanding_replies(page):
    leicester = Partnership.objects.get(slug="leicester")
    outstanding = (
        InformationRequest.objects.for_partnership(leicester)
        .filter(
            case__stage=Stage.RAPID_REVIEW,
            case__rapid_review__meeting__isnull=False,
            case__rapid_review__signed_off_at__isnull=True,
        )
        .exclude(status__in=[RequestStatus.SUBMITTED, RequestStatus.ACCEPTED])
        .select_related("case__rapid_review", "agency")
    )
    invitations = Invitation.objects.for_partnership(leicester)
    request = next(
        r
        for r in outstanding
        if not invitations.filter(review=r.case.rapid_review, agency=r.agency).exists()
    )
    invited = invitations.filter(review=request.case.rapid_review, user__isnull=False)
    people = invitable_people(leicester, set(invited.values_list("user_id", flat=True)))
    assert people, "the demo's CRG has members not yet invited"

    sign_in(page, OFFICE["leicester"][0])
    page.goto(f"/cases/{request.case.reference}/rapid-review/papers/")
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("Replies still outstanding")
    expect(warning).to_contain_text(request.agency.name)
    for _, label in people:
        expect(page.get_by_label(label, exact=True)).to_be_checked()
    expect(page.get_by_label(request.agency.name, exact=True)).to_be_checked()
    assert_accessible(page, "papers-defaults")
    sign_out(page)
