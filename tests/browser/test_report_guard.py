"""Issue 15, the anonymisation guard (§9.1.3), in Chromium for both partnerships: the
office puts a phrase on the case's never-publish list, the guard finds it and the child's
name in a finished draft, the CRG chair accepts one hit with a reason (after being told
the reason is missing), and axe finds nothing on either page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Child, Partnership, Stage
from cases.services import case_stage_set
from reviews.models import DraftSource, ReportDraft, ReportSection
from reviews.services import lcspr_open
from reviews.services.report_guard import REASON_NEEDED
from reviews.views.report_guard import WHO_ACTS
from tests.browser.test_intake import sign_out
from tests.browser.test_lcspr import check_page, sign_in_as
from tests.factories import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAST = {
    "leicester": ("leicester-office", "leicester-chair"),
    "leicestershire-rutland": ("lr-office", "lr-chair"),
}


@pytest.fixture
def review(request, demo):
    """An LCSPR whose finished first draft names the child and a never-publish phrase."""
    partnership = Partnership.objects.get(slug=request.param)
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    Child.unscoped.create(case=case, pseudonym="Child A", name="Jayden Whitlock")
    draft = ReportDraft.unscoped.create(
        lcspr=lcspr, number=1, source=DraftSource.WRITTEN, finished_at=timezone.now()
    )
    ReportSection.unscoped.create(
        draft=draft,
        order=1,
        heading="Background",
        body="Child A lived with Mother.\n\nJayden's family slept in the blue caravan.",
    )
    return (*CAST[request.param], case.reference)


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_guard_finds_the_list_and_the_name_and_the_chair_accepts(page, review):
    office, chair, reference = review
    sign_in_as(page, office)
    page.goto(f"/cases/{reference}/lcspr/report/drafts/1/anonymisation/")
    page.get_by_role("button", name="Run the check again").click()
    expect(page.get_by_role("cell", name="A child's name", exact=True)).to_be_visible()
    expect(page.get_by_text(WHO_ACTS)).to_be_visible()
    check_page(page, "guard-hits-office")

    page.goto(f"/cases/{reference}/lcspr/report/never-publish/")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check_page(page, "guard-never-publish-error")
    page.get_by_label("Word or phrase").fill("blue caravan")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.get_by_role("cell", name="blue caravan", exact=True)).to_be_visible()
    check_page(page, "guard-never-publish")
    sign_out(page)

    sign_in_as(page, chair)
    page.goto(f"/cases/{reference}/lcspr/report/drafts/1/anonymisation/")
    listed = page.get_by_role("cell", name="On the case's never-publish list", exact=True)
    expect(listed).to_be_visible()
    expect(page.locator("mark", has_text="blue caravan")).to_be_visible()
    check_page(page, "guard-hits-chair")
    page.get_by_role("button", name="Accept this hit: A child's name").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name=REASON_NEEDED)).to_be_visible()
    check_page(page, "guard-hits-chair-error")
    page.get_by_role("textbox", name="Why this may stay in the report").first.fill(
        "The family's own name for the caravan site, not identifying"
    )
    page.get_by_role("button", name="Accept this hit: A child's name").click()
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    check_page(page, "guard-hits-accepted")
