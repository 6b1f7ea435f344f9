"""Deadlines on cases: made from the table, moved with a reason, met, missed or waived."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.errors import ApplicationError
from cases.models import ClosureDay, Deadline, DeadlineStatus
from cases.selectors import case_deadlines, deadline_views
from cases.timescales import Event
from tests.factories import open_case, sign_in, staff_user


def schedule(case, event_date, event=Event.NOTIFICATION_RECEIVED, reason="Notification received"):
    return services.deadlines_schedule(
        case=case, event=event, event_date=event_date, actor=None, reason=reason
    )


def dues(case):
    return {d.kind: d.due_date for d in case_deadlines(case=case)}


def test_a_notification_starts_each_partnerships_own_deadlines(leicester, lr):
    schedule(open_case(leicester), date(2026, 12, 18))
    schedule(lr_case := open_case(lr), date(2026, 12, 18))
    assert dues(lr_case) == {
        "information_request_sent": date(2026, 12, 22),
        "rapid_review_meeting_earliest": date(2026, 12, 31),
        "rapid_review_meeting_latest": date(2027, 1, 11),
        "rapid_review_complete": date(2027, 1, 13),
        "decision_notified": date(2027, 1, 13),
    }
    leicester_kinds = set(
        Deadline.objects.for_partnership(leicester).values_list("kind", flat=True)
    )
    assert "information_request_sent" not in leicester_kinds
    window = Deadline.objects.for_partnership(lr).get(kind="rapid_review_meeting_latest")
    assert window.window_start == date(2026, 12, 31)


def test_a_corrected_event_date_moves_open_deadlines_with_the_reason(lr):
    case = open_case(lr)
    schedule(case, date(2026, 12, 18))
    schedule(case, date(2026, 12, 21), reason="Date of notification corrected")
    deadline = Deadline.objects.for_partnership(lr).get(kind="rapid_review_complete")
    assert deadline.due_date == date(2027, 1, 14)
    assert deadline.history.first().history_change_reason == (
        "Date of notification corrected: due 13 January 2027 → 14 January 2027"
    )


def test_closed_deadlines_keep_their_dates(lr):
    case = open_case(lr)
    schedule(case, date(2025, 12, 18))
    done = Deadline.objects.for_partnership(lr).get(kind="information_request_sent")
    services.deadline_complete(deadline=done, on=date(2025, 12, 19), actor=None)
    schedule(case, date(2025, 12, 21), reason="corrected")
    done.refresh_from_db()
    assert (done.due_date, done.status) == (date(2025, 12, 22), DeadlineStatus.MET)


def test_a_new_closure_day_moves_open_deadlines(lr):
    case = open_case(lr)
    schedule(case, date(2026, 12, 24))
    ClosureDay.objects.create(partnership=lr, day=date(2026, 12, 29), reason="Office closed")
    moved = services.deadlines_recompute(partnership=lr, actor=None, reason="Closure days changed")
    assert moved == 5  # the decision's notification moves with the report (§1.6.3)
    assert dues(case)["information_request_sent"] == date(2026, 12, 31)


def test_done_late_is_missed_and_waiving_needs_a_reason(leicester):
    case = open_case(leicester)
    schedule(case, date(2025, 12, 18))  # complete due Tuesday 13 January 2026
    late = Deadline.objects.for_partnership(leicester).get(kind="rapid_review_complete")
    services.deadline_complete(deadline=late, on=date(2026, 1, 14), actor=None)
    assert late.status == DeadlineStatus.MISSED
    other = Deadline.objects.for_partnership(leicester).get(kind="rapid_review_meeting_latest")
    with pytest.raises(ApplicationError, match="Give the reason"):
        services.deadline_waive(deadline=other, actor=None, reason="")
    services.deadline_waive(deadline=other, actor=None, reason="Meeting held by written procedure")
    assert other.status == DeadlineStatus.WAIVED


@pytest.mark.parametrize(
    ("today", "state", "label"),
    [
        (date(2026, 12, 18), "open", "15 working days left"),
        (date(2027, 1, 7), "due soon", "4 working days left"),
        (date(2027, 1, 12), "due soon", "1 working day left"),
        (date(2027, 1, 13), "due today", "Due today"),
        (date(2027, 1, 15), "overdue", "2 working days overdue"),
    ],
)
def test_how_a_deadline_stands_in_working_days(leicester, today, state, label):
    case = open_case(leicester)
    schedule(case, date(2026, 12, 18))
    [view] = [
        v
        for v in deadline_views(deadlines=case_deadlines(case=case), today=today)
        if v.deadline.kind == "rapid_review_complete"
    ]
    assert (view.state, view.label) == (state, label)


def test_the_case_page_shows_deadlines_and_how_they_were_worked_out(client, lr):
    case = open_case(lr)
    schedule(case, date(2026, 12, 24))
    sign_in(client, staff_user(lr))
    page = client.get(reverse("case_deadlines", kwargs={"reference": case.reference}))
    assert "Information requests sent to agencies" in page.text
    assert "Boxing Day (observed)" in page.text
    assert "How this date was worked out" in page.text
    dashboard = client.get("/")
    assert case.reference in dashboard.text
    assert "Next deadlines" in dashboard.text


def test_recompute_command_moves_dates_the_calendar_now_changes(lr, capsys):
    from django.core.management import call_command

    case = open_case(lr)
    schedule(case, date(2026, 12, 24))
    ClosureDay.objects.create(partnership=lr, day=date(2026, 12, 29), reason="Office closed")
    call_command("recompute_deadlines", "--reason", "Closure added")
    assert "leicestershire-rutland: 5 open deadlines moved" in capsys.readouterr().out
    deadline = Deadline.objects.for_partnership(lr).get(kind="information_request_sent")
    assert deadline.history.first().history_change_reason.startswith("Closure added: due")


def test_an_earliest_date_is_never_overdue(leicester):
    case = open_case(leicester)
    schedule(case, date(2026, 12, 18))
    views = {
        v.deadline.kind: v
        for v in deadline_views(deadlines=case_deadlines(case=case), today=date(2027, 1, 16))
    }
    assert (
        views["rapid_review_meeting_earliest"].state,
        views["rapid_review_meeting_earliest"].label,
    ) == (
        "from",
        "Not before 31 December 2026",
    )


def test_a_weekend_after_a_deadline_reads_overdue_not_zero_days(leicester):
    case = open_case(leicester)
    schedule(case, date(2026, 12, 18))  # complete due Wednesday 13 January 2027
    [view] = [
        v
        for v in deadline_views(deadlines=case_deadlines(case=case), today=date(2027, 1, 16))
        if v.deadline.kind == "rapid_review_complete"
    ]
    assert view.label == "2 working days overdue"  # Thursday and Friday
    deadline = Deadline.objects.for_partnership(leicester).get(kind="rapid_review_meeting_latest")
    deadline.due_date = date(2027, 1, 15)  # a Friday, seen on Saturday
    [saturday] = deadline_views(deadlines=[deadline], today=date(2027, 1, 16))
    assert saturday.label == "Overdue: due Friday 15 January 2027"


def test_recomputing_moves_the_meeting_window_start_too(lr):
    case = open_case(lr)
    schedule(case, date(2026, 12, 18))
    ClosureDay.objects.create(partnership=lr, day=date(2026, 12, 22), reason="Office closed")
    services.deadlines_recompute(partnership=lr, actor=None, reason="Closure days changed")
    window = Deadline.objects.for_partnership(lr).get(kind="rapid_review_meeting_latest")
    assert window.window_start == dues(case)["rapid_review_meeting_earliest"] == date(2027, 1, 4)


def test_a_timescale_the_partnership_turns_off_keeps_its_date(client, lr):
    case = open_case(lr)
    schedule(case, date(2026, 12, 18))
    lr.information_request_working_days = None
    lr.save()
    assert services.deadlines_recompute(partnership=lr, actor=None, reason="x") == 0
    sign_in(client, staff_user(lr))
    page = client.get(reverse("case_deadlines", kwargs={"reference": case.reference}))
    assert page.status_code == 200
    assert "no longer applies" in page.text


def test_a_duty_cannot_be_done_in_the_future(leicester):
    from django.utils import timezone

    case = open_case(leicester)
    schedule(case, timezone.localdate())
    deadline = Deadline.objects.for_partnership(leicester).get(kind="rapid_review_complete")
    with pytest.raises(ApplicationError, match="future date"):
        services.deadline_complete(
            deadline=deadline, on=timezone.localdate() + timedelta(days=1), actor=None
        )
