"""The review's timetable (§5.8): milestones dated within the review, each a dated item on
the case that the deadline engine reminds, moved or waived with its milestone; the
statutory six-month date (§3.1.2) never moves."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Deadline, DeadlineStatus, Reminder, Role
from cases.services import deadlines_recompute, reminders_make, reminders_send
from cases.services.deadline import dated_item_set
from reviews import services
from reviews.models import Milestone, MilestoneKind
from reviews.rules import six_month_date
from reviews.selectors.panel import NO_MILESTONES, next_milestone
from reviews.services.timetable import (
    AFTER_SIX_MONTHS,
    ALREADY_DONE,
    BEFORE_DECISION,
    CONFLICT,
    DONE_IN_FUTURE,
    MEETING_DONE_BY_MINUTES,
    OTHER_NEEDS_TITLE,
)
from tests.factories import appoint, open_case, sign_in, staff_user, working_days_ahead

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    """A Leicester case decided today, with its appointed Reviewer."""
    case = open_case(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    return {"case": case, "lcspr": lcspr, "reviewer": reviewer, "office": staff_user(leicester)}


def _date_fields(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


def _statutory(case):
    return Deadline.objects.for_partnership(case.partnership).get(case=case, kind="lcspr_complete")


def test_a_milestone_before_the_decision_is_refused_on_its_date(client, review):
    case, lcspr = review["case"], review["lcspr"]
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_timetable", kwargs={"reference": case.reference})
    response = client.post(
        url,
        {
            "kind": MilestoneKind.LEARNING_EVENT,
            **_date_fields("due_on", lcspr.decided_on - timedelta(days=1)),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    message = BEFORE_DECISION.format(decided=format_date(lcspr.decided_on))
    assert message in page
    assert 'href="#id_due_on_0"' in page  # the error summary names the date
    assert not Milestone.objects.for_partnership(case.partnership).exists()


def test_a_date_after_the_six_month_date_needs_a_reason(client, review):
    case, lcspr = review["case"], review["lcspr"]
    limit = six_month_date(lcspr)
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_timetable", kwargs={"reference": case.reference})
    late = {
        "kind": MilestoneKind.FAMILY_ENGAGEMENT,
        **_date_fields("due_on", limit + timedelta(days=3)),
    }
    page = client.post(url, late).content.decode()
    assert escape(AFTER_SIX_MONTHS.format(due=format_date(limit))) in page
    assert 'href="#id_after_six_months_reason"' in page

    response = client.post(url, {**late, "after_six_months_reason": "The police asked us to wait."})
    assert response.status_code == 302
    assert Milestone.objects.for_partnership(case.partnership).get().kind == "family_engagement"
    assert _statutory(case).due_date == limit  # the statutory date never moves


def test_other_needs_a_title(review):
    with pytest.raises(ApplicationError) as refused:
        services.milestone_add(
            lcspr=review["lcspr"],
            kind=MilestoneKind.OTHER,
            due_on=timezone.localdate(),
            actor=review["reviewer"],
        )
    assert (refused.value.field, refused.value.message) == ("title", OTHER_NEEDS_TITLE)


def test_a_milestone_is_a_dated_item_on_the_case_reminded_to_its_owner(client, review, leicester):
    case, reviewer = review["case"], review["reviewer"]
    due = working_days_ahead(1, leicester)
    milestone = services.milestone_add(
        lcspr=review["lcspr"],
        kind=MilestoneKind.LEARNING_EVENT,
        due_on=due,
        owner=reviewer,
        actor=review["office"],
    )
    item = Deadline.objects.for_partnership(leicester).get(kind=milestone.deadline_kind)
    assert (item.title, item.seed, item.due_date, item.responsible) == (
        "Learning event (learning workshop)",
        "§5.8",
        due,
        reviewer,
    )
    reminders_make(partnership=leicester, today=timezone.localdate())
    reminders_send(partnership=leicester)
    [email] = [m for m in mail.outbox if "Learning event" in m.subject]
    assert email.to == [reviewer.email]
    assert case.reference in email.subject

    sign_in(client, review["office"])
    page = client.get(reverse("case_deadlines", kwargs={"reference": case.reference}))
    assert "Learning event (learning workshop)" in page.content.decode()
    assert "LCSPR complete" in page.content.decode()


def test_moving_a_milestone_moves_its_item_and_never_the_statutory_date(client, review, leicester):
    case, lcspr = review["case"], review["lcspr"]
    statutory = _statutory(case).due_date
    first = timezone.localdate() + timedelta(days=10)
    milestone = services.milestone_add(
        lcspr=lcspr, kind=MilestoneKind.LEARNING_EVENT, due_on=first, actor=review["office"]
    )
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_milestone", kwargs={"reference": case.reference, "pk": milestone.pk})
    page = client.get(url).content.decode()
    assert "Change or move it" in page
    assert "Cancel the milestone" in page
    later = first + timedelta(days=7)
    response = client.post(
        url, {**_date_fields("due_on", later), "reason": "The venue moved.", "version": 1}
    )
    assert response.status_code == 302
    item = Deadline.objects.for_partnership(leicester).get(kind=milestone.deadline_kind)
    assert item.due_date == later
    assert [(m.from_date, m.to_date) for m in item.moves.all()] == [(first, later)]
    assert _statutory(case).due_date == statutory

    # A second person who opened the page at version 1 gets a conflict, not an overwrite.
    stale = client.post(
        url, {**_date_fields("due_on", first), "reason": "Back again.", "version": 1}
    )
    assert CONFLICT in stale.content.decode()
    milestone.refresh_from_db()
    assert milestone.due_on == later


def test_cancelling_a_milestone_waives_its_item_so_nobody_is_chased(client, review, leicester):
    case = review["case"]
    milestone = services.milestone_add(
        lcspr=review["lcspr"],
        kind=MilestoneKind.FAMILY_ENGAGEMENT,
        due_on=timezone.localdate(),
        owner=review["reviewer"],
        actor=review["office"],
    )
    sign_in(client, review["reviewer"])
    url = reverse(
        "lcspr_milestone_cancel", kwargs={"reference": case.reference, "pk": milestone.pk}
    )
    assert "Say why the milestone is cancelled." in client.post(url, {}).content.decode()
    assert client.post(url, {"reason": "The family asked to wait."}).status_code == 302
    item = Deadline.objects.for_partnership(leicester).get(kind=milestone.deadline_kind)
    assert item.status == DeadlineStatus.WAIVED
    reminders_make(partnership=leicester, today=timezone.localdate())
    assert not Reminder.objects.for_partnership(leicester).filter(deadline=item).exists()


def test_the_engine_keeps_the_statutory_dates_its_own(review, leicester):
    case = review["case"]
    with pytest.raises(ValueError, match="statutory"):
        dated_item_set(
            case=case,
            kind="lcspr_complete",
            title="x",
            seed="",
            due_date=timezone.localdate(),
            responsible=None,
            actor=None,
            reason="x",
        )
    day = timezone.localdate() + timedelta(days=20)
    milestone = services.milestone_add(
        lcspr=review["lcspr"], kind=MilestoneKind.LEARNING_EVENT, due_on=day, actor=review["office"]
    )
    # The calendar's recompute works out the table's dates and leaves the own items.
    deadlines_recompute(partnership=leicester, actor=None, reason="Bank holiday added")
    item = Deadline.objects.for_partnership(leicester).get(kind=milestone.deadline_kind)
    assert (item.due_date, item.status) == (day, DeadlineStatus.OPEN)


def test_the_task_and_summary_say_what_is_next(client, review):
    case, lcspr = review["case"], review["lcspr"]
    sign_in(client, review["office"])
    url = reverse("lcspr_overview", kwargs={"reference": case.reference})
    page = client.get(url).content.decode()
    assert "Plan the timetable" in page
    assert NO_MILESTONES in page
    day = timezone.localdate() + timedelta(days=14)
    services.panel_meeting_schedule(lcspr=lcspr, held_on=day, actor=review["office"])
    page = client.get(url).content.decode()
    assert "Next milestone" in page
    assert f"Case Review Panel meeting, {format_date(day)}" in page


def test_a_crg_member_reads_the_timetable_but_cannot_plan(client, review, leicester):
    member = staff_user(leicester, role=Role.CRG_MEMBER)
    sign_in(client, member)
    url = reverse("lcspr_timetable", kwargs={"reference": review["case"].reference})
    assert client.get(url).status_code == 200
    day = timezone.localdate()
    response = client.post(url, {"kind": "learning_event", **_date_fields("due_on", day)})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "kind", [MilestoneKind.LEARNING_EVENT, MilestoneKind.FAMILY_ENGAGEMENT, MilestoneKind.OTHER]
)
def test_a_milestone_held_is_marked_done_and_nobody_is_chased_for_it(
    client, review, leicester, kind
):
    """A learning event, family engagement or other milestone that took place is done on
    its day (§5.8): its dated item is met (not waived as cancelled), no reminder or
    escalation is made for it, and it is shown as done, not as the next milestone."""
    case, lcspr = review["case"], review["lcspr"]
    today = timezone.localdate()
    milestone = services.milestone_add(
        lcspr=lcspr,
        kind=kind,
        title="Meet the school" if kind == MilestoneKind.OTHER else "",
        due_on=today,
        owner=review["reviewer"],
        actor=review["office"],
    )
    sign_in(client, review["reviewer"])
    page_url = reverse("lcspr_milestone", kwargs={"reference": case.reference, "pk": milestone.pk})
    assert "Mark as done" in client.get(page_url).content.decode()
    url = reverse("lcspr_milestone_done", kwargs={"reference": case.reference, "pk": milestone.pk})

    future = client.post(
        url, {**_date_fields("done-done_on", today + timedelta(days=1)), "done-version": 1}
    )
    assert DONE_IN_FUTURE in future.content.decode()
    response = client.post(url, {**_date_fields("done-done_on", today), "done-version": 1})
    assert response.status_code == 302

    milestone.refresh_from_db()
    assert milestone.done_on == today
    item = Deadline.objects.for_partnership(leicester).get(kind=milestone.deadline_kind)
    assert (item.status, item.completed_on) == (DeadlineStatus.MET, today)
    for day in (today, today + timedelta(days=10)):
        reminders_make(partnership=leicester, today=day)
    assert not Reminder.objects.for_partnership(leicester).filter(deadline=item).exists()
    assert next_milestone(lcspr=lcspr) is None

    timetable = client.get(reverse("lcspr_timetable", kwargs={"reference": case.reference}))
    assert "Done" in timetable.content.decode()
    page = client.get(page_url).content.decode()
    assert "Mark as done" not in page
    assert "Cancel the milestone" not in page  # a milestone held is not cancelled after
    again = client.post(url, {**_date_fields("done-done_on", today), "done-version": 2})
    assert escape(ALREADY_DONE) in again.content.decode()


def test_marking_done_at_an_old_version_is_a_conflict(client, review):
    case, lcspr = review["case"], review["lcspr"]
    today = timezone.localdate()
    milestone = services.milestone_add(
        lcspr=lcspr, kind=MilestoneKind.LEARNING_EVENT, due_on=today, actor=review["office"]
    )
    services.milestone_change(
        milestone=milestone, version=1, due_on=today, reason="Owner named", actor=review["office"]
    )
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_milestone_done", kwargs={"reference": case.reference, "pk": milestone.pk})
    page = client.post(url, {**_date_fields("done-done_on", today), "done-version": 1})
    assert escape(CONFLICT) in page.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on is None
    with pytest.raises(ApplicationError) as refused:
        services.milestone_done(
            milestone=milestone, done_on=today, actor=review["office"], version=1
        )
    assert refused.value.message == CONFLICT


def test_a_panel_meeting_is_done_by_its_minutes_not_marked_done(client, review):
    case, lcspr = review["case"], review["lcspr"]
    meeting = services.panel_meeting_schedule(
        lcspr=lcspr, held_on=timezone.localdate(), actor=review["office"]
    )
    sign_in(client, review["reviewer"])
    page_url = reverse(
        "lcspr_milestone", kwargs={"reference": case.reference, "pk": meeting.milestone.pk}
    )
    page = client.get(page_url).content.decode()
    assert "Mark as done" not in page
    assert "record them on the meeting" in page
    with pytest.raises(ApplicationError) as refused:
        services.milestone_done(
            milestone=meeting.milestone,
            done_on=timezone.localdate(),
            actor=review["office"],
            version=1,
        )
    assert refused.value.message == MEETING_DONE_BY_MINUTES
