"""Issue 15 end to end in Chromium, on the demo, for both partnerships: the Reviewer records
a finding and a recommendation that is not yet SMART (the page asks for what it misses,
§9.2), starts the next draft and types a family member's first name into it; the guard
lists the hit and the Panel's QA is refused, saying who must act (§9.1.3); the next draft
without the name is clean; its checklist shows what is missing (§9.1.2); the Panel passes
it with a reason for each missing point (§9.1.4); the office puts it to a CRG meeting and
records the CRG's approval, the chair signs it off; the three Safeguarding Partners'
approvals are recorded and the office marks it final (§9.1.5); the final PDF names Child A
and never the child. axe finds nothing on any page visited."""

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.management.commands.seed_demo import (
    DEMO_CHILD_NAMES,
    DEMO_FAMILY,
    HELD_RAPID_REVIEWS,
    PANEL_USERS,
)
from cases.models import Agency, AgencyKind, Partnership, Stage, User
from rapidreview.models import CrgMeeting, MeetingKind
from rapidreview.services import attendance_record, crg_meeting_create
from reviews.models import Lcspr, SafeguardingPartner
from reviews.report_status import WHO_ACTS, Step
from reviews.selectors.terms import terms_state
from reviews.views.findings import FINDING_ADDED, RECOMMENDATION_ADDED
from reviews.views.report import CHECKLIST_SAVED, FINISHED, SECTION_SAVED, STARTED
from reviews.views.report_approval import (
    CRG_APPROVED,
    CRG_SIGNED,
    MARKED_FINAL,
    PARTNER_RECORDED,
    PUT_TO_CRG,
    QA_PASSED,
)
from tests.browser.test_intake import sign_out
from tests.browser.test_lcspr import check_page, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Child A lived with her mother and went to nursery three days a week."


@dataclass(frozen=True)
class Cast:
    slug: str
    short: str
    office: str
    chair: str
    reviewer: str


CASTS = {
    "leicester": Cast("leicester", "l", "leicester-office", "leicester-chair", "reviewer"),
    "leicestershire-rutland": Cast(
        "leicestershire-rutland", "lr", "lr-office", "lr-chair", "lr-reviewer"
    ),
}


@pytest.fixture
def review(request, demo):
    """The demo's review furthest on (the one with its terms of reference agreed) and a
    CRG meeting ahead in the calendar."""
    cast = CASTS[request.param]
    partnership = Partnership.objects.get(slug=cast.slug)
    [lcspr] = [
        lcspr
        for lcspr in Lcspr.objects.for_partnership(partnership).filter(case__stage=Stage.LCSPR)
        if terms_state(lcspr).in_force is not None
    ]
    meeting = crg_meeting_create(
        partnership=partnership,
        kind=MeetingKind.EXTRAORDINARY,
        held_on=timezone.localdate() + timedelta(days=10),
        actor=User.objects.get(username=cast.office),
    )
    return cast, lcspr, meeting


def the_meeting_is_held(meeting, office):
    """The meeting's day comes and the office records who attended (rapidreview's own
    browser tests drive that page): a quorate CRG, each declaring no conflict."""
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    meeting.refresh_from_db()
    agencies = {
        kind: Agency.objects.filter(partnerships=meeting.partnership, kind=kind).first()
        for kind in (AgencyKind.POLICE, AgencyKind.LOCAL_AUTHORITY, AgencyKind.HEALTH_TRUST)
    }
    for name, kind in (
        ("CRG chair", None),
        ("Police representative", AgencyKind.POLICE),
        ("Local Authority representative", AgencyKind.LOCAL_AUTHORITY),
        ("Named Nurse for Safeguarding Children", AgencyKind.HEALTH_TRUST),
    ):
        attendance_record(
            meeting=meeting,
            actor=office,
            name=name,
            agency=agencies.get(kind),
            declaration="none",
            confidentiality_agreed=True,
        )


def write_next_draft(page, cast, reference, body, note):
    """The Reviewer starts the next draft in the product, rewrites its first section and
    finishes it. Returns the new draft's number."""
    page.goto(f"/cases/{reference}/lcspr/report/")
    start = page.get_by_role("button", name="in the product")
    number = int(start.inner_text().split()[2])
    check_page(page, f"{cast.short}-e2e-report-{number}")
    start.click()
    expect(page.get_by_text(STARTED.format(number=number))).to_be_visible()
    page.get_by_role("link", name="Change section 1", exact=True).click()
    check_page(page, f"{cast.short}-e2e-section-{number}")
    page.get_by_label("Text", exact=True).fill(body)
    page.get_by_role("button", name="Save the section").click()
    expect(page.get_by_text(SECTION_SAVED)).to_be_visible()
    page.get_by_label("Note on this draft").fill(note)
    page.get_by_role("button", name=f"Finish draft {number}").click()
    expect(page.get_by_text(FINISHED.format(number=number))).to_be_visible()
    check_page(page, f"{cast.short}-e2e-draft-{number}")
    return number


def findings(page, cast, reference):
    """The Reviewer records a finding answering the first line of enquiry, and a
    recommendation with an action only: the page lists the SMART elements it misses."""
    page.goto(f"/cases/{reference}/lcspr/findings/")
    check_page(page, f"{cast.short}-e2e-findings")
    page.get_by_label("Finding", exact=True).fill("Health visitors did not hear from school")
    page.get_by_label("What the review found").fill(
        "Concerns school staff raised about Child A did not reach the health visitor."
    )
    page.get_by_role("group", name="Key lines of enquiry it answers").get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_role("button", name="Record the finding").click()
    expect(page.get_by_text(FINDING_ADDED)).to_be_visible()
    card = page.locator(".govuk-summary-card").filter(
        has_text="Health visitors did not hear from school"
    )
    card.get_by_role("link", name="Change, or add a recommendation").click()
    check_page(page, f"{cast.short}-e2e-finding")
    page.get_by_label("What will be done").fill(
        "Give school staff a direct route to the health visiting team for young children."
    )
    page.get_by_role("button", name="Add the recommendation").click()
    expect(page.get_by_text(RECOMMENDATION_ADDED)).to_be_visible()
    missing = page.locator(".govuk-tag--yellow").filter(has_text="Missing:")
    expect(missing).to_contain_text("owner")
    expect(missing).to_contain_text("measure of success")
    expect(missing).to_contain_text("due date")
    check_page(page, f"{cast.short}-e2e-finding-not-smart")


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_report_from_a_draft_to_the_final_pdf(page, review):
    cast, lcspr, meeting = review
    reference = lcspr.case.reference
    short = cast.short
    first_name = DEMO_FAMILY[cast.slug][0][1].split()[0]  # the mother's
    child_name = DEMO_CHILD_NAMES[HELD_RAPID_REVIEWS[0][0]][0]
    approval = f"/cases/{reference}/lcspr/report/approval/"

    # The Reviewer: a finding, then a draft with the mother's first name in it.
    sign_in_as(page, cast.reviewer)
    findings(page, cast, reference)
    named = write_next_draft(
        page,
        cast,
        reference,
        TEXT.replace("her mother", f"her mother, {first_name},"),
        "With the family's story",
    )
    page.goto(f"/cases/{reference}/lcspr/report/drafts/{named}/anonymisation/")
    expect(page.get_by_role("cell", name="A family member's name", exact=True)).to_be_visible()
    expect(page.locator("mark", has_text=first_name)).to_be_visible()
    check_page(page, f"{short}-e2e-guard-hit")
    page.goto(approval)
    expect(page.locator("#who-acts")).to_contain_text(WHO_ACTS[Step.CLEAR_HITS])
    expect(page.get_by_role("link", name="Record the Panel's QA")).to_have_count(0)
    check_page(page, f"{short}-e2e-approval-blocked")
    page.goto(f"{approval}qa/")
    expect(page.get_by_text(WHO_ACTS[Step.CLEAR_HITS])).to_be_visible()
    check_page(page, f"{short}-e2e-qa-blocked")

    # The next draft without the name: the guard finds nothing.
    clean = write_next_draft(page, cast, reference, TEXT, "The name taken out")
    assert clean == named + 1
    page.goto(f"/cases/{reference}/lcspr/report/drafts/{clean}/anonymisation/")
    expect(
        page.get_by_text("The guard found nothing of the case's restricted data in this draft.")
    ).to_be_visible()
    check_page(page, f"{short}-e2e-guard-clean")

    # Its checklist: where it addresses the overview, and what is still missing (§9.1.2).
    page.goto(f"/cases/{reference}/lcspr/report/")
    page.get_by_role("link", name=f"Draft {clean}", exact=True).click()
    page.get_by_role("link", name=f"The checklist of draft {clean}").click()
    page.get_by_label("An overview of what happened").fill("Section 1")
    page.get_by_label("Examples of good practice").fill("")
    page.get_by_role("button", name="Save where the draft addresses them").click()
    expect(page.get_by_text(CHECKLIST_SAVED)).to_be_visible()
    expect(page.locator("#missing-points")).to_contain_text("Examples of good practice")
    check_page(page, f"{short}-e2e-checklist")
    sign_out(page)

    # The Panel's QA, with a reason for each point the draft does not address (§9.1.4).
    sign_in_as(page, PANEL_USERS[cast.slug][-1][0])  # one partnership: no chooser
    page.goto(approval)
    expect(page.locator("#who-acts")).to_contain_text(WHO_ACTS[Step.QA])
    check_page(page, f"{short}-e2e-approval-qa")
    page.get_by_role("link", name="Record the Panel's QA").click()
    for question in (
        "Does the draft meet the agreed terms of reference?",
        "Is the draft succinct?",
        "Is it focused on improving local safeguarding arrangements?",
        "Does the draft pass the Panel's QA?",
    ):
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    reasons = page.locator("textarea[name^='missing_']")
    assert reasons.count() >= 1
    for n in range(reasons.count()):
        reasons.nth(n).fill("Covered in the overview; the Panel agreed it needs no section.")
    check_page(page, f"{short}-e2e-qa")
    page.get_by_role("button", name="Record the QA").click()
    expect(page.get_by_text(QA_PASSED.format(number=clean))).to_be_visible()
    sign_out(page)

    # The office puts it to the CRG; the meeting is held; the office records the approval.
    sign_in_as(page, cast.office)
    page.goto(approval)
    page.get_by_role("link", name="Put the report to the CRG").click()
    page.get_by_label(f"Extraordinary meeting, {meeting.held_on:%-d %B %Y}").check()
    check_page(page, f"{short}-e2e-put-to-crg")
    page.get_by_role("button", name="Put to the CRG").click()
    expect(page.get_by_text(PUT_TO_CRG.split("{day}")[0].format(number=clean))).to_be_visible()
    the_meeting_is_held(meeting, User.objects.get(username=cast.office))
    page.goto(approval)
    page.get_by_role("link", name="Record the CRG's decision").click()
    page.get_by_role("group", name="Did the CRG approve the report?").get_by_label("Yes").check()
    check_page(page, f"{short}-e2e-crg-decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(CRG_APPROVED.format(number=clean))).to_be_visible()
    expect(page.locator("#who-acts")).to_contain_text(WHO_ACTS[Step.CHAIR_SIGN])
    sign_out(page)

    # The chair signs it off (§9.1.5).
    sign_in_as(page, cast.chair)
    page.goto(approval)
    page.get_by_role("link", name="Sign off the CRG's approval").click()
    check_page(page, f"{short}-e2e-crg-sign")
    page.get_by_role("button", name="Sign off the approval").click()
    expect(page.get_by_text(CRG_SIGNED.format(number=clean))).to_be_visible()
    sign_out(page)

    # The office records each Safeguarding Partner's approval, marks it final, downloads it.
    sign_in_as(page, cast.office)
    for partner in SafeguardingPartner:
        page.goto(approval)
        page.get_by_role("link", name="Record a partner's approval").click()
        page.get_by_label(partner.label, exact=True).check()
        page.get_by_label("The representative's name").fill(f"{partner.label} representative")
        check_page(page, f"{short}-e2e-partner-{partner.value}")
        page.get_by_role("button", name="Record the approval").click()
        expect(
            page.get_by_text(PARTNER_RECORDED.format(partner=partner.label, number=clean))
        ).to_be_visible()
    expect(page.locator("#who-acts")).to_contain_text(WHO_ACTS[Step.MARK_FINAL])
    page.get_by_role("link", name="Mark the report final").click()
    check_page(page, f"{short}-e2e-final")
    page.get_by_role("button", name="Mark final").click()
    expect(page.get_by_text(MARKED_FINAL.format(number=clean))).to_be_visible()
    check_page(page, f"{short}-e2e-approval-final")
    link = page.get_by_role("link", name="Download the final report (PDF)")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Child A" in text
    for name in (child_name, child_name.split()[0], first_name):
        assert name not in text
    sign_out(page)


@pytest.mark.parametrize("review", ["leicester"], indirect=True, ids=["leicester"])
def test_the_reports_other_pages_pass_axe(page, review):
    """The report's pages the path above does not pass through, on Leicester's demo (its
    report has comments and recommendations): the terms' own requirements, the separate
    group's decision, a recommendation, and a comment with its answer form."""
    cast, lcspr, _ = review
    reference = lcspr.case.reference
    sign_in_as(page, cast.office)
    page.goto(f"/cases/{reference}/lcspr/report/requirements/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "l-e2e-requirements")
    page.goto(f"/cases/{reference}/lcspr/findings/group/")
    check_page(page, "l-e2e-findings-group")
    page.goto(f"/cases/{reference}/lcspr/findings/")
    page.locator("a[href*='/lcspr/recommendations/']").first.click()
    expect(page).to_have_url(re.compile(r"/lcspr/recommendations/\d+/$"))
    check_page(page, "l-e2e-recommendation")
    page.goto(f"/cases/{reference}/lcspr/report/")
    page.get_by_role("link", name="Draft 2", exact=True).click()
    page.locator("a[href*='/report/comments/']:visible").first.click()
    expect(page).to_have_url(re.compile(r"/report/comments/\d+/$"))
    check_page(page, "l-e2e-comment")
