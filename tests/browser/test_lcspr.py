"""Issue 13 end to end in Chromium, in both partnerships: a case the CRG has just decided to
review goes from "LCSPR opened" to its basis, an appointed Reviewer and Case Review Panel
(§6), agreed terms of reference and a change to them sent back for approval (§5.1.3,
§5.3.1), a panel meeting held with its standing items and an action (§1.5.8, §7.1.3,
§11.2.1), and a delay with its notice to the National Panel (§3.1.3)."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases.management.commands.seed_demo import DEMO_TOTP_KEY_HEX
from cases.models import Partnership, Role, Stage, User
from cases.services import case_stage_set
from rapidreview.models import CrgMeeting, MeetingKind
from rapidreview.services import crg_meeting_create
from reviews.services import lcspr_open
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import PASSWORD, sign_in
from tests.browser.test_intake import fill_date, pdf_text, sign_out
from tests.factories import UserFactory, membership, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KLOES = [
    "How agencies shared what they knew about the family's moves",
    "How the school's attendance concerns were heard by health visitors",
]
NEW_KLOE = "How the out-of-hours service recorded the calls it received"
SAFEGUARDING_PARTNERS = ("Leicestershire Police", "Integrated Care Board")


@dataclass(frozen=True)
class Cast:
    """Who plays each part in one partnership's review."""

    slug: str
    office: str
    chair: str
    reviewer: str  # username
    reviewer_name: str
    local_authority: str
    # (username, full name, agency) of the Panel: the Local Authority's is appointed last
    panel: tuple[tuple[str, str, str], ...]
    basis: str


ICB = "Leicester, Leicestershire and Rutland Integrated Care Board"
CASTS = {
    "leicester": Cast(
        slug="leicester",
        office="leicester-office",
        chair="leicester-chair",
        reviewer="reviewer",  # the demo's external Reviewer
        reviewer_name="Dr Simon Clarke",
        local_authority="Leicester City Council",
        panel=(
            ("leicester-panel-police", "DI Mark Stone", "Leicestershire Police"),
            ("leicester-panel-icb", "Nadia Khan", ICB),
            ("leicester-panel-la", "Tom Reeves", "Leicester City Council"),
        ),
        basis="serious",
    ),
    "leicestershire-rutland": Cast(
        slug="leicestershire-rutland",
        office="lr-office",
        chair="lr-chair",
        reviewer="lr-review-lead",  # not the demo's lr-reviewer: built here
        reviewer_name="Dr Anna Reid",
        local_authority="Leicestershire County Council",
        panel=(
            ("lr-panel-police", "DS Carl Boyd", "Leicestershire Police"),
            ("lr-panel-icb", "Ruth Meadows", ICB),
            ("lr-panel-la", "Imran Aziz", "Leicestershire County Council"),
        ),
        basis="learning",
    ),
}


def demo_user(username, full_name, role, partnership):
    """An account like the demo's: one membership, the demo's authenticator app."""
    first, _, last = full_name.rpartition(" ")
    user = UserFactory(username=username, first_name=first, last_name=last, password=PASSWORD)
    membership(user, role, partnership=partnership)
    TOTPDevice.objects.create(
        user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
    )
    return user


@pytest.fixture
def review(request, demo):
    """A case the CRG decided today to review (its LCSPR just opened, nobody appointed),
    the partnership's Panel members and (L&R) Reviewer with accounts, and two CRG meetings
    ahead in the calendar."""
    cast = CASTS[request.param]
    partnership = Partnership.objects.get(slug=cast.slug)
    today = timezone.localdate()
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr_open(case=case, decided_on=today, key_lines_of_enquiry="\n".join(KLOES), actor=None)
    if cast.reviewer != "reviewer":
        demo_user(cast.reviewer, cast.reviewer_name, Role.REVIEWER, partnership)
    for username, name, _agency in cast.panel:
        demo_user(username, name, Role.PANEL_MEMBER, partnership)
    office = User.objects.get(username=cast.office)
    meetings = [
        crg_meeting_create(
            partnership=partnership,
            kind=MeetingKind.EXTRAORDINARY,
            held_on=today + timedelta(days=days),
            actor=office,
        )
        for days in (9, 40)
    ]
    return cast, case.reference, meetings


def sign_in_as(page, username):
    """Each sign-in in a fresh step of the authenticator: the same person signs in several
    times within a minute here, and a code once used cannot be replayed."""
    TOTPDevice.objects.filter(user__username=username).update(last_t=-1)
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def check_page(page, name):
    """What any user would notice: no template markup printed on the page, and (axe) no
    WCAG 2.2 AA failure."""
    expect(page.get_by_role("main")).not_to_contain_text(re.compile(r"\{[#%{]"))
    assert_accessible(page, name)


def summary_value(page, key):
    """The value beside `key` in the LCSPR page's "Where the review stands"."""
    return page.locator(f"xpath=//dt[normalize-space()='{key}']/following-sibling::dd[1]")


def task_status(page, title):
    """A task's status on the LCSPR page (the task list's status cell)."""
    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))
    return item.locator(".govuk-task-list__status")


def meeting_label(meeting):
    return f"Extraordinary meeting, {meeting.held_on:%-d %B %Y}"


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_an_lcspr_from_its_decision_to_terms_panel_meeting_and_delay_notice(page, review):
    cast, reference, (crg_meeting, later_meeting) = review
    slug = "l" if cast.slug == "leicester" else "lr"
    today = timezone.localdate()
    lcspr_url = f"/cases/{reference}/lcspr/"

    # 1. The chair records the basis of the review (§1.4.5).
    sign_in_as(page, cast.chair)
    page.goto(lcspr_url)
    expect(page.get_by_role("heading", name="Where the review stands")).to_be_visible()
    expect(task_status(page, "Set up the review")).to_have_text("Not yet started")
    check_page(page, f"{slug}-lcspr-opened")
    page.get_by_role("link", name="Set up the review").click()
    expect(page.get_by_role("heading", name="Set up the review")).to_be_visible()
    check_page(page, f"{slug}-lcspr-setup")
    if cast.basis == "serious":
        page.get_by_label("A serious child safeguarding case", exact=True).check()
        basis = "A serious child safeguarding case"
    else:
        page.get_by_label("Not a serious child safeguarding case, but it raises learning").check()
        page.get_by_label("A near miss").check()
        page.get_by_label("The CRG's reason").fill("A near miss the partnership can learn from.")
        basis = "Not serious, reviewed for its learning (§1.4.5)"
    page.get_by_role("button", name="Save the basis of the review").click()
    expect(page.get_by_text("The basis of the review is recorded.")).to_be_visible()
    expect(summary_value(page, "Basis")).to_contain_text(basis)
    expect(task_status(page, "Set up the review")).to_have_text("Completed")
    check_page(page, f"{slug}-lcspr-basis-recorded")
    sign_out(page)

    # The Business Office appoints the Reviewer and the Panel (§6.1.1, §6.2.1).
    sign_in_as(page, cast.office)
    page.goto(lcspr_url)
    page.get_by_role("link", name="Appoint the reviewer and panel").click()
    expect(page.get_by_text("The review has no Reviewer yet (§6.1.1).")).to_be_visible()
    check_page(page, f"{slug}-lcspr-appointments-empty")
    page.get_by_role("link", name="Appoint Reviewer").click()
    check_page(page, f"{slug}-lcspr-appoint-reviewer")
    page.get_by_label(cast.reviewer_name).check()
    page.get_by_label("Yes, independent").check()
    page.get_by_role("button", name="Appoint", exact=True).click()
    expect(page.get_by_text("Reviewer appointed.")).to_be_visible()
    reviewers = page.get_by_role("table", name="The Reviewer")
    expect(reviewers).to_contain_text(cast.reviewer_name)
    expect(reviewers).to_contain_text("Not yet declared")
    for _username, name, agency in cast.panel[:2]:
        page.get_by_role("link", name="Add a Panel member").click()
        page.get_by_label(name).check()
        page.get_by_label("Agency they represent").select_option(label=agency)
        check_page(page, f"{slug}-lcspr-add-panel-member")
        page.get_by_role("button", name="Appoint", exact=True).click()
        expect(page.get_by_text("Panel member appointed.")).to_be_visible()
    # Two of the three Safeguarding Partners: the page says which one is missing.
    missing = page.get_by_text("The Case Review Panel has no representative of Local Authority")
    expect(missing).to_be_visible()
    check_page(page, f"{slug}-lcspr-panel-partner-missing")
    page.goto(lcspr_url)
    expect(task_status(page, "Appoint the reviewer and panel")).to_have_text("Needs attention")
    page.get_by_role("link", name="Appoint the reviewer and panel").click()
    _username, name, agency = cast.panel[2]
    page.get_by_role("link", name="Add a Panel member").click()
    page.get_by_label(name).check()
    page.get_by_label("Agency they represent").select_option(label=agency)
    page.get_by_role("button", name="Appoint", exact=True).click()
    expect(page.get_by_text("Panel member appointed.")).to_be_visible()
    expect(page.get_by_text("has no representative of")).to_have_count(0)
    panel = page.get_by_role("table", name="The Case Review Panel")
    expect(panel).to_contain_text(f"{cast.local_authority} (Safeguarding Partner)")
    check_page(page, f"{slug}-lcspr-panel-complete")
    page.goto(lcspr_url)
    expect(task_status(page, "Appoint the reviewer and panel")).to_have_text("In progress")
    expect(summary_value(page, "Reviewer")).to_contain_text(cast.reviewer_name)
    expect(summary_value(page, "Panel")).to_contain_text("3 members")
    sign_out(page)

    # 2. The Reviewer signs in: the case's papers wait for their declarations (§1.5.8).
    sign_in_as(page, cast.reviewer)
    page.goto(f"/cases/{reference}/")
    expect(page.get_by_text(f"Before you can open the papers of case {reference}")).to_be_visible()
    expect(page.get_by_role("heading", name="Your declarations")).to_be_visible()
    expect(
        page.get_by_text(
            "You are appointed as Reviewer of the Local Child Safeguarding Practice Review "
            f"of case {reference}."
        )
    ).to_be_visible()
    expect(page.get_by_role("region", name="Important")).to_have_count(1)  # said once
    check_page(page, f"{slug}-lcspr-declaration")
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_label("I will keep the review and its papers confidential").check()
    page.get_by_role("button", name="Make my declarations").click()
    expect(
        page.get_by_text(f"Your declarations are recorded. Case {reference} is open to you.")
    ).to_be_visible()
    check_page(page, f"{slug}-lcspr-reviewer-overview")

    # They draft the terms of reference from the template (§5.1-§5.4).
    page.get_by_role("link", name="Agree the terms of reference").click()
    check_page(page, f"{slug}-lcspr-terms-empty")
    page.get_by_role("link", name="Start drafting").click()
    kloes = page.get_by_label("Key lines of enquiry", exact=True)
    expect(kloes).to_have_value("\n".join(KLOES))  # carried over from the decision
    scoping_start, scoping_end = today - timedelta(days=400), today - timedelta(days=30)
    fill_date(page, "Start of the scoping period", scoping_start)
    fill_date(page, "End of the scoping period", scoping_end)
    page.get_by_label("Why this period").fill("From the family's move to the incident.")
    page.get_by_label("Methodology", exact=True).fill("A systems approach with practitioners.")
    page.get_by_label("Chronologies of key events").check()
    check_page(page, f"{slug}-lcspr-terms-edit")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Version 1 of the terms of reference is saved.")).to_be_visible()
    for kloe in KLOES:
        expect(page.get_by_role("listitem").filter(has_text=kloe)).to_be_visible()

    # ... and put them to a CRG meeting for agreement (§5.1.3).
    page.get_by_role("link", name="Put version 1 to the CRG").click()
    page.get_by_label(meeting_label(crg_meeting)).check()
    check_page(page, f"{slug}-lcspr-terms-put-to-crg")
    page.get_by_role("button", name="Put to the CRG").click()
    expect(page.get_by_text("Version 1 is on the business of the CRG meeting on")).to_be_visible()
    check_page(page, f"{slug}-lcspr-terms-before-crg")
    sign_out(page)

    # The meeting's day comes: the office records the CRG's agreement from its business.
    CrgMeeting.unscoped.filter(pk=crg_meeting.pk).update(held_on=today)
    sign_in_as(page, cast.office)
    page.goto(reverse("meeting_detail", kwargs={"pk": crg_meeting.pk}))
    expect(page.get_by_role("heading", name="LCSPR business")).to_be_visible()
    business = page.get_by_role("listitem").filter(has_text=f"Case {reference}")
    expect(business).to_contain_text("Agree the terms of reference (version 1)")
    check_page(page, f"{slug}-crg-meeting-lcspr-business")
    business.get_by_role("link", name=f"Case {reference}").click()
    check_page(page, f"{slug}-lcspr-terms-agreement")
    page.get_by_label("Yes, the CRG agreed them").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("The CRG's agreement is recorded: version 1 is in force.")
    ).to_be_visible()
    expect(page.get_by_text("Agreed by the CRG", exact=True)).to_be_visible()
    page.goto(lcspr_url)
    expect(task_status(page, "Agree the terms of reference")).to_have_text("Completed")
    expect(summary_value(page, "Scoping period")).to_contain_text(
        f"{scoping_start:%-d %B %Y} to {scoping_end:%-d %B %Y}"
    )
    check_page(page, f"{slug}-lcspr-terms-agreed-overview")
    sign_out(page)

    # A new key line of enquiry is a significant change: it goes back to the CRG (§5.3.1).
    sign_in_as(page, cast.reviewer)
    page.goto(f"/cases/{reference}/lcspr/terms/")
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Key lines of enquiry", exact=True).fill("\n".join([*KLOES, NEW_KLOE]))
    page.get_by_label("What this version changes (optional)").fill("A third line of enquiry")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "Version 2 is saved. It changes the key lines of enquiry, the scoping period or the "
        "methodology, so it must go back to the CRG for approval (§5.3.1)"
    )
    expect(summary_value(page, "Status")).to_contain_text(
        "Significant change awaiting approval: put it to the CRG (§5.3.1)"
    )
    check_page(page, f"{slug}-lcspr-terms-change-pending")
    page.get_by_role("link", name="See what changed between versions").click()
    expect(
        page.get_by_role("heading", name="What changed in the terms of reference")
    ).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=f"Added: 3. {NEW_KLOE}")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"Key lines of enquiry.*Changed"))
    ).to_be_visible()
    check_page(page, f"{slug}-lcspr-terms-changes")
    page.get_by_role("link", name="Back to the terms of reference").click()
    page.get_by_role("link", name="Put version 2 to the CRG").click()
    expect(page.get_by_text("for approval of its change (§5.3.1)")).to_be_visible()
    page.get_by_label(meeting_label(later_meeting)).check()
    page.get_by_role("button", name="Put to the CRG").click()
    expect(page.get_by_text("Version 2 is on the business of the CRG meeting on")).to_be_visible()
    expect(summary_value(page, "Before the CRG")).to_contain_text("Version 2 at the meeting on")
    expect(summary_value(page, "Before the CRG")).to_contain_text("(approval of a change, §5.3.1)")
    expect(summary_value(page, "In force")).to_contain_text("Version 1")

    # 3. A panel meeting, today: its standing items cannot be skipped (§6.2).
    page.goto(lcspr_url)
    page.get_by_role("link", name="Run the panel meetings").click()
    expect(page.get_by_text("No panel meeting yet.")).to_be_visible()
    check_page(page, f"{slug}-lcspr-panel-empty")
    fill_date(page, "Date of the meeting", today)
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_text("The panel meeting is scheduled and on the timetable.")).to_be_visible()
    page.get_by_role("table", name="Panel meetings").get_by_role(
        "link", name=f"{today:%A %-d %B %Y}"
    ).click()
    check_page(page, f"{slug}-lcspr-panel-meeting")
    declarations = "Declarations of interest and confidentiality (§1.5.8)"
    family = "Family engagement (§7.1.3)"
    immediate = "Is any immediate single- or multi-agency action needed? (§11.2.1)"
    page.get_by_label(declarations).fill("No new conflict; confidentiality reaffirmed.")
    page.get_by_label(immediate).fill("None needed: the sibling is safe.")
    page.get_by_role("button", name="Record the minutes").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text(f"Record what the panel said on {family}.")
    expect(errors).not_to_contain_text(declarations)
    expect(page.get_by_label(declarations)).to_have_value(
        "No new conflict; confidentiality reaffirmed."
    )
    check_page(page, f"{slug}-lcspr-panel-minutes-error")
    page.get_by_label(family).fill("The Local Authority will write to the mother this week.")
    page.get_by_role("button", name="Record the minutes").click()
    expect(page.get_by_text("The minutes are recorded.")).to_be_visible()
    page.get_by_label("What is to be done").fill("Ask the school for its attendance records.")
    owner = cast.panel[2][1]
    page.get_by_label("Owner").select_option(label=owner)
    fill_date(page, "Due date", today + timedelta(days=14))
    page.get_by_role("button", name="Add the action").click()
    expect(
        page.get_by_text("The action is added; its owner is told by email and on their dashboard.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"Action 1:.*Open"))).to_be_visible()
    expect(page.get_by_text("Minutes recorded")).to_be_visible()
    check_page(page, f"{slug}-lcspr-panel-meeting-minuted")
    sign_out(page)

    # 4. The police ask the review to wait: a delay, and the notice it needs (§3.1.3).
    sign_in_as(page, cast.office)
    page.goto(lcspr_url)
    page.get_by_role("link", name="The six-month clock").click()
    expect(page.get_by_text("No delay is recorded.")).to_be_visible()
    check_page(page, f"{slug}-lcspr-clock")
    page.get_by_role("link", name="Record a delay").click()
    fill_date(page, "Date the delay arose", today)
    page.get_by_label("Who asked for the delay?").fill("The Police's Senior Investigating Officer")
    page.get_by_label("Reason for the delay").fill(
        "The criminal investigation must interview key witnesses first."
    )
    page.get_by_label("What does it hold up?").fill("Involving the family and key practitioners.")
    page.get_by_role(
        "group", name="Will it prevent publication of the final report within six months?"
    ).get_by_label("Yes").check()
    revised = today + timedelta(days=270)
    fill_date(page, "Revised expected date of the final report", revised)
    check_page(page, f"{slug}-lcspr-delay-add")
    page.get_by_role("button", name="Record the delay").click()
    expect(page.get_by_text("The delay is recorded. Put it to the CRG (§3.1.3).")).to_be_visible()
    expect(page.get_by_text("Not yet put to the CRG")).to_be_visible()
    expect(page.get_by_text("Notice to send")).to_be_visible()
    expect(summary_value(page, "Revised expected date (§3.1.3)")).to_contain_text(
        f"{revised:%-d %B %Y}"
    )
    check_page(page, f"{slug}-lcspr-clock-delay")
    notice = page.get_by_role("link", name="See the notice (PDF)")
    answer = page.request.get(notice.get_attribute("href"))
    assert answer.ok
    assert answer.headers["content-type"] == "application/pdf"
    with page.expect_download() as download:
        notice.click()
    text = pdf_text(download.value)
    assert reference in text
    assert "The criminal investigation must interview key witnesses first." in text
    page.goto(lcspr_url)
    expect(task_status(page, "The six-month clock")).to_have_text("Needs attention")
    expect(page.get_by_text("Delay to consider; Notice to send")).to_be_visible()
    # The panel meeting, held and minuted, is behind: nothing chases it as due.
    expect(page.get_by_text("No milestone ahead")).to_be_visible()
    expect(summary_value(page, "Next due")).to_contain_text("Case Review Panel action, by")
    expect(summary_value(page, "Next due")).not_to_contain_text("Case Review Panel meeting")
    check_page(page, f"{slug}-lcspr-overview-delayed")
