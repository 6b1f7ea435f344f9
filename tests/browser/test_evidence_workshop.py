"""Issue 14 end to end in Chromium, in both partnerships: the reflective learning workshop
(§8.9-8.12). The office plans a half day, is refused an invitee without direct involvement
(§8.10.2) and then allowed with a reason, sends the invitations with their briefing
(§8.10.3); a practitioner, in a fresh browser with no account, accepts through their
personal link; the Reviewer's record of discussion follows the §8.11.3 headings."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import (
    Child,
    InformationRequest,
    Partnership,
    RequestPurpose,
    RequestStatus,
    Stage,
)
from cases.selectors import working_calendar
from cases.services import case_stage_set
from reviews.models import NamedPractitioner, WorkshopSession
from reviews.services import lcspr_open
from tests.browser.test_intake import fill_date, sign_out
from tests.browser.test_lcspr import check_page, sign_in_as, task_status
from tests.factories import AgencyFactory, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICES = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
CHILDREN = {"leicester": "Peregrine Abernathy", "leicestershire-rutland": "Wilhelmina Foxe"}
POLICE = "Eastshire Constabulary"
SCHOOL = "Brookfield Primary School"


@pytest.fixture
def review(request, demo):
    """A case under review with two agencies' LCSPR submissions naming three practitioners:
    two with direct involvement, the school's bursar without."""
    slug = request.param
    partnership = Partnership.objects.get(slug=slug)
    today = timezone.localdate()
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILDREN[slug])
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr_open(case=case, decided_on=today, key_lines_of_enquiry="How agencies shared", actor=None)
    for agency_name, people in (
        (POLICE, [("Dana Constable", "PC", True)]),
        (SCHOOL, [("Ellis Bursar", "Bursar", False), ("Jo Teacher", "Class teacher", True)]),
    ):
        agency = AgencyFactory(name=agency_name, partnerships=[partnership])
        submission = InformationRequest.objects.create(
            case=case,
            agency=agency,
            purpose=RequestPurpose.LCSPR,
            reply_due_on=today + timedelta(days=30),
            sent_at=timezone.now(),
            # Submitted: the review reads an agency's named practitioners only then.
            status=RequestStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for name, title, direct in people:
            NamedPractitioner.unscoped.create(
                request=submission,
                name=name,
                job_title=title,
                email=f"{name.split()[0].lower()}@{slug}.example",
                direct_involvement=direct,
            )
    return slug, partnership, case


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_a_workshop_planned_invited_answered_and_recorded(page, browser, live_server, review):
    slug, partnership, case = review
    short = "l" if slug == "leicester" else "lr"
    reference = case.reference
    workshop_url = f"/cases/{reference}/lcspr/workshop/"
    day = working_calendar(partnership=partnership).add(timezone.localdate(), 25)

    # The office plans one half day (§8.11.1).
    sign_in_as(page, OFFICES[slug])
    page.goto(f"/cases/{reference}/lcspr/")
    expect(task_status(page, "Hold the learning workshop")).to_have_text("Not yet started")
    page.get_by_role("link", name="Hold the learning workshop").click()
    check_page(page, f"{short}-workshop-undecided")
    page.get_by_label("Yes", exact=True).check()
    fill_date(page, "Date of the first half day", day)
    page.get_by_label("Start time", exact=True).fill("09:30")
    page.get_by_label("End time", exact=True).fill("15:30")
    page.get_by_label("Place").fill("Committee Room 2, Town Hall")
    page.get_by_role("button", name="Save the plan").click()
    # Six hours is not a half day: refused, with what was typed kept.
    expect(page.get_by_role("alert").filter(has_text="at most 4 and a half hours")).to_be_visible()
    check_page(page, f"{short}-workshop-plan-error")
    page.get_by_label("End time", exact=True).fill("13:00")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("The workshop's plan is saved.")).to_be_visible()
    check_page(page, f"{short}-workshop-planned")

    # Invitees: the bursar had no direct involvement (§8.10.2).
    page.get_by_role("link", name="Invitees and their answers").click()
    check_page(page, f"{short}-workshop-invitees-empty")
    page.get_by_label("Named practitioner or line manager").select_option(
        label=f"Ellis Bursar, Bursar, {SCHOOL} – no direct involvement"
    )
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(
        page.get_by_role("alert").filter(has_text="direct operational involvement")
    ).to_be_visible()
    check_page(page, f"{short}-workshop-invitee-refused")
    page.get_by_label("Named practitioner or line manager").select_option(
        label=f"Ellis Bursar, Bursar, {SCHOOL} – no direct involvement"
    )
    page.locator("#id_named-invited_reason").fill(
        "Kept the school's attendance records the review relies on."
    )
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Ellis Bursar is on the invitation list.")).to_be_visible()
    page.get_by_role(
        "button", name="Invite every named practitioner with direct involvement (2)"
    ).click()
    expect(page.get_by_text("2 named practitioners with direct involvement added")).to_be_visible()
    invitees = page.get_by_role("table", name="Invitees")
    expect(invitees).to_contain_text("Kept the school's attendance records")
    check_page(page, f"{short}-workshop-invitees")

    # The invitations go, each with its briefing and personal link (§8.10.3).
    page.goto(workshop_url)
    page.get_by_role("link", name="Send the invitations").click()
    check_page(page, f"{short}-workshop-send")
    mail.outbox.clear()
    # The three emails, each with its PDF, go in the request's own worker here (eager
    # Celery): on a busy machine that takes longer than Playwright's default 30 s.
    page.get_by_role("button", name="Send 3 invitations").click(timeout=300_000)
    expect(page.get_by_text("Invitations on their way by email: 3")).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox) == [
        f"dana@{slug}.example",
        f"ellis@{slug}.example",
        f"jo@{slug}.example",
    ]
    dana = next(m for m in mail.outbox if m.to[0].startswith("dana"))
    assert CHILDREN[slug] not in dana.body
    link = re.search(r"https?://\S+/workshop-invitation/\S+/", dana.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    sign_out(page)

    # Dana, with no account, in a browser of her own, accepts.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    practitioner = context.new_page()
    practitioner.goto(path)
    expect(practitioner.get_by_role("heading", name="Reflective learning workshop")).to_be_visible()
    main = practitioner.get_by_role("main")
    expect(main).to_contain_text("Committee Room 2, Town Hall")
    for absent in (reference, CHILDREN[slug], POLICE, SCHOOL, "Ellis", "Jo Teacher"):
        expect(main).not_to_contain_text(absent)
    check_page(practitioner, f"{short}-workshop-invitation")
    practitioner.get_by_label("Yes, I will attend").check()
    practitioner.get_by_role("button", name="Send my answer").click()
    expect(practitioner.get_by_text("Your answer is recorded. You will attend.")).to_be_visible()
    check_page(practitioner, f"{short}-workshop-invitation-accepted")
    expect(practitioner.get_by_role("main")).to_contain_text("Will attend")
    practitioner.goto("/workshop-invitation/not-the-token/")
    expect(
        practitioner.get_by_role("heading", name="This invitation link does not work")
    ).to_be_visible()
    check_page(practitioner, f"{short}-workshop-invitation-closed")
    context.close()

    # The office sees the answer; after the half day, the record follows §8.11.3.
    sign_in_as(page, OFFICES[slug])
    page.goto(workshop_url)
    expect(page.get_by_role("main")).to_contain_text("1 will attend, 0 cannot, 2 not replied")

    # Withdrawn after it went (confirmed first): Ellis's link dies and Ellis is told; then
    # invited again, back on the list as not sent. Dana's lost email is sent again.
    page.get_by_role("link", name="Invitees and their answers").click()
    page.get_by_role("link", name="Withdraw the invitation of Ellis Bursar").click()
    expect(page.get_by_role("heading", name=re.compile("withdraw Ellis Bursar"))).to_be_visible()
    check_page(page, f"{short}-workshop-withdraw-confirm")
    mail.outbox.clear()
    page.get_by_role("button", name="Withdraw the invitation").click()
    expect(page.get_by_text("Ellis Bursar's invitation is withdrawn")).to_be_visible()
    expect(page.get_by_role("table", name="Withdrawn invitations")).to_contain_text("Ellis")
    check_page(page, f"{short}-workshop-invitees-withdrawn")
    assert [m.to[0] for m in mail.outbox] == [f"ellis@{slug}.example"]
    page.get_by_role("link", name="Invite again Ellis Bursar").click()
    page.get_by_role("button", name="Put them back on the list").click()
    expect(page.get_by_text("Ellis Bursar is back on the list")).to_be_visible()
    page.get_by_role("link", name="Send again to Dana Constable").click()
    check_page(page, f"{short}-workshop-resend-confirm")
    page.get_by_role("button", name="Send the invitation again").click(timeout=300_000)
    expect(page.get_by_text("The invitation is on its way to Dana Constable again")).to_be_visible()
    # The place changes: Dana and Jo, already sent, are told once; the page counts them.
    page.goto(workshop_url)
    mail.outbox.clear()
    page.get_by_label("Place").fill("Committee Room 3, Town Hall")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("being emailed the new date, times and place")).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox) == [f"dana@{slug}.example", f"jo@{slug}.example"]
    assert all(CHILDREN[slug] not in m.body for m in mail.outbox)
    expect(page.get_by_role("main")).to_contain_text("2 of 2 invitees emailed the new details")
    check_page(page, f"{short}-workshop-changed")
    past = timezone.now() - timedelta(hours=2)
    WorkshopSession.unscoped.filter(workshop__lcspr__case=case).update(
        starts_at=past - timedelta(hours=3), ends_at=past
    )
    page.goto(f"/cases/{reference}/lcspr/")
    expect(task_status(page, "Hold the learning workshop")).to_have_text("Needs attention")
    page.goto(workshop_url)
    page.get_by_role("link", name="Record of discussion").click()
    check_page(page, f"{short}-workshop-record-empty")
    answers = {
        "The information compiled and its accuracy": "Two dates corrected in the chronology.",
        "The lived experience of the child": "Days at school were the child's safe place.",
        "Why things happened as they did": "Supervision was stretched by vacancies.",
        "The key themes and whether they transpose": "Hidden adults: applies widely.",
        "Good practice, learning and actions": "The school's referrals were prompt.",
    }
    for heading, text in answers.items():
        page.get_by_label(heading).fill(text)
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The record of discussion is saved.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Written")
    page.get_by_role("link", name="Attendance").click()
    check_page(page, f"{short}-workshop-attendance")
    page.get_by_role("group", name="Dana Constable").get_by_label("Attended", exact=True).check()
    page.get_by_role("group", name="Ellis Bursar").get_by_label("Attended", exact=True).check()
    page.get_by_role("group", name="Jo Teacher").get_by_label("Did not attend").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance is recorded.")).to_be_visible()

    # Jo could not attend: the Reviewer's conversation with her (§8.12.1).
    page.get_by_role("link", name="Conversations with key practitioners").click()
    page.get_by_label("Practitioner's name").fill("Jo Teacher")
    fill_date(page, "Date of the conversation", timezone.localdate())
    page.get_by_label("What they contributed").fill("The child's attendance pattern.")
    page.get_by_role("button", name="Record the conversation").click()
    expect(page.get_by_text("The conversation is recorded.")).to_be_visible()
    check_page(page, f"{short}-workshop-conversations")
    page.goto(f"/cases/{reference}/lcspr/")
    expect(task_status(page, "Hold the learning workshop")).to_have_text("Completed")
