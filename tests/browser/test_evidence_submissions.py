"""Issue 14, agency submissions, end to end in Chromium in both partnerships: the Business
Office names the police's Safeguarding Lead (§8.2.2), asks the police for a chronology and
another agency for a factual summary (§8.2.1), the police submit through the portal's
service, and the Reviewer returns the chronology for more information (§8.7). axe checks
every page visited."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import (
    Agency,
    ChronologyEntry,
    InformationRequest,
    Partnership,
    RequestStatus,
    Stage,
    User,
)
from cases.services import case_stage_set
from cases.tenancy import Scope
from reviews.models import CollectionTool
from reviews.services import lcspr_open
from tests.browser.test_intake import fill_date, sign_out
from tests.browser.test_lcspr import check_page, sign_in_as
from tests.factories import appoint, open_case, working_days_ahead
from tests.reviews.test_submissions import agree_terms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLICE = "Leicestershire Police"
CAST = {
    "leicester": ("leicester-office", "reviewer"),
    "leicestershire-rutland": ("lr-office", "lr-reviewer"),
}


@pytest.fixture
def review(request, demo):
    """An LCSPR whose terms of reference the CRG agreed, with its Reviewer appointed."""
    slug = request.param
    office, reviewer = CAST[slug]
    partnership = Partnership.objects.get(slug=slug)
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    appoint(case, User.objects.get(username=reviewer))
    agree_terms(lcspr, tools=[CollectionTool.KEY_EVENTS_CHRONOLOGY])
    other = (
        Agency.objects.filter(partnerships=partnership)
        .exclude(name=POLICE)
        .order_by("name")
        .first()
    )
    return slug, office, reviewer, case.reference, other.name


def submit_as_police(reference):
    """The police submit their chronology in the portal (the portal's own service)."""
    user = User.objects.get(username="police-portal")
    request = InformationRequest.unscoped.get(case__reference=reference, agency__name=POLICE)
    ChronologyEntry.unscoped.create(
        request=request,
        happened_on=date(2025, 3, 3),
        concerning="The family",
        source="Command and control log",
        event="Officers attended a report of shouting at the family home.",
    )
    details = case_services.ReplyDetails(
        reply_kind=request.reply_kind,
        involvement="yes",
        involvement_summary="Two attendances at the family home.",
        facts="Domestic incident logged in March.",
        records_secured=False,
        completed_by="DS Sam Patel",
    )
    case_services.reply_submit(
        scope=Scope(user=user, membership=user.memberships.get()),
        request=request,
        details=details,
        version=request.version,
        no_practitioners_confirmed=True,
    )


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_office_asks_and_the_reviewer_returns_a_submission(page, review):
    slug, office, reviewer, reference, other = review
    tag = "l" if slug == "leicester" else "lr"

    # The office names the police's Safeguarding Lead (§8.2.2).
    sign_in_as(page, office)
    page.goto("/safeguarding-leads/")
    expect(page.get_by_role("heading", name="Safeguarding Leads")).to_be_visible()
    check_page(page, f"{tag}-submissions-leads")
    # Leicester's demo has named the police's lead already: the office changes it there.
    action = "Change" if slug == "leicester" else "Name a lead"
    page.get_by_role("link", name=f"{action} for {POLICE}").click()
    page.get_by_label("Name", exact=True).fill("DI Dana Whitlock")
    page.get_by_label("Job title").fill("Detective Inspector, Public Protection")
    page.get_by_label("Email address").fill("dana.whitlock@police.example")
    page.get_by_role("button", name="Save the Safeguarding Lead").click()
    expect(page.get_by_text(f"The Safeguarding Lead of {POLICE} is saved.")).to_be_visible()
    expect(page.get_by_role("row", name=POLICE)).to_contain_text("DI Dana Whitlock")
    check_page(page, f"{tag}-submissions-lead-named")

    # It asks the police for a chronology and another agency for a factual summary.
    page.goto(f"/cases/{reference}/lcspr/submissions/")
    check_page(page, f"{tag}-submissions-empty")
    page.get_by_role("link", name="Ask agencies for their submissions").click()
    check_page(page, f"{tag}-submissions-request")
    police = page.get_by_role("group", name=POLICE, exact=True)
    police.get_by_label("Chronology of significant events (§8.4)").check()
    page.get_by_role("group", name=f"{POLICE}: chronology options").get_by_label(
        "With the analysis columns", exact=False
    ).check()
    page.get_by_role("group", name=other, exact=True).get_by_label("Factual summary (§8.6)").check()
    fill_date(page, "Due date", working_days_ahead(20, Partnership.objects.get(slug=slug)))
    page.get_by_role("button", name="Send the requests").click()
    expect(page.get_by_text("Requests sent to 2 agencies.")).to_be_visible()
    table = page.get_by_role("table", name="Submissions")
    expect(table.get_by_role("row", name=POLICE)).to_contain_text("Chronology")
    expect(table.get_by_role("row", name=other)).to_contain_text("Factual summary")
    check_page(page, f"{tag}-submissions-sent")
    sign_out(page)

    # The police submit; the Reviewer asks for more information (§8.7).
    submit_as_police(reference)
    sign_in_as(page, reviewer)
    page.goto(f"/cases/{reference}/lcspr/submissions/")
    expect(page.get_by_role("row", name=POLICE)).to_contain_text("Awaiting quality assurance")
    page.get_by_role("link", name=POLICE).click()
    check_page(page, f"{tag}-submission-to-assure")
    page.get_by_label("More information requested").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("Say what more information the agency should give.").first
    ).to_be_visible()
    check_page(page, f"{tag}-submission-decision-error")
    page.get_by_label("What more is needed").fill("The custody records of March are missing.")
    fill_date(
        page,
        "Respond by (for more information)",
        working_days_ahead(10, Partnership.objects.get(slug=slug)),
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("More information is asked for.")).to_be_visible()
    expect(page.get_by_role("table", name="The Panel's decisions")).to_contain_text(
        "More information requested"
    )
    check_page(page, f"{tag}-submission-returned")
    assert (
        InformationRequest.unscoped.get(case__reference=reference, agency__name=POLICE).status
        == RequestStatus.RETURNED
    )
