"""Reminders and escalations: at the thresholds, exactly once, never for waived deadlines."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from cases import services
from cases.models import Deadline, Reminder, ReminderKind, Role
from cases.timescales import Event
from tests.factories import open_case, sign_in, staff_user

NOTIFIED = date(2026, 12, 18)  # rapid_review_complete due Wednesday 13 January 2027


@pytest.fixture
def setting(leicester):
    officer = staff_user(leicester, username="officer")
    chair = staff_user(leicester, role=Role.CRG_CHAIR, username="chair")
    case = open_case(leicester, lead_officer=officer)
    services.deadlines_schedule(
        case=case, event=Event.NOTIFICATION_RECEIVED, event_date=NOTIFIED, actor=None, reason="x"
    )
    deadline = Deadline.objects.for_partnership(leicester).get(kind="rapid_review_complete")
    return leicester, officer, chair, case, deadline


def sweep(partnership, today):
    services.reminders_make(partnership=partnership, today=today)
    return services.reminders_send(partnership=partnership, today=today)


def rows(partnership):
    return sorted(
        Reminder.objects.for_partnership(partnership).values_list(
            "deadline__kind", "recipient__username", "kind", "threshold"
        )
    )


@pytest.mark.parametrize(
    ("today", "threshold"),
    [(date(2027, 1, 6), 5), (date(2027, 1, 11), 2), (date(2027, 1, 12), 1), (date(2027, 1, 13), 0)],
)
def test_reminders_at_5_2_1_and_0_working_days(setting, today, threshold):
    partnership, officer, _, _, deadline = setting
    sweep(partnership, today)
    assert (deadline.kind, "officer", ReminderKind.DUE, threshold) in rows(partnership)


def test_no_reminder_between_thresholds(setting):
    partnership, *_ = setting
    sweep(partnership, date(2027, 1, 8))  # 3 working days before
    assert ("rapid_review_complete", "officer", ReminderKind.DUE, 3) not in rows(partnership)


def test_overdue_daily_and_escalated_once_after_one_working_day(setting):
    partnership, *_ = setting
    sweep(partnership, date(2027, 1, 14))
    sweep(partnership, date(2027, 1, 15))
    sweep(partnership, date(2027, 1, 16))  # Saturday: no new working day, nothing new
    mine = [r for r in rows(partnership) if r[0] == "rapid_review_complete"]
    assert mine == [
        ("rapid_review_complete", "chair", ReminderKind.ESCALATION, -1),
        ("rapid_review_complete", "officer", ReminderKind.OVERDUE, -2),
        ("rapid_review_complete", "officer", ReminderKind.OVERDUE, -1),
    ]


def test_a_second_sweep_sends_nothing_more(setting):
    partnership, *_ = setting
    first = sweep(partnership, date(2027, 1, 13))
    assert first > 0
    assert sweep(partnership, date(2027, 1, 13)) == 0
    assert len(mail.outbox) == first


def test_a_waived_or_met_deadline_sends_nothing(setting):
    partnership, _, _, _, deadline = setting
    services.deadline_waive(deadline=deadline, actor=None, reason="Panel agreed an extension")
    for other in Deadline.objects.for_partnership(partnership).exclude(pk=deadline.pk):
        services.deadline_complete(deadline=other, on=date(2026, 11, 2), actor=None)
    assert sweep(partnership, date(2027, 1, 14)) == 0
    assert rows(partnership) == []


def test_emails_name_the_case_reference_and_nothing_of_its_content(setting):
    partnership, _, _, case, _ = setting
    sweep(partnership, date(2027, 1, 13))
    message = next(m for m in mail.outbox if "Rapid Review complete" in m.subject)
    assert message.subject == (
        f"Case {case.reference}: Rapid Review complete and sent to the National Panel "
        "due 13 January 2027"
    )
    assert "This is due today" in message.body
    assert message.alternatives


def test_a_moved_deadline_is_reminded_again(setting):
    partnership, _, _, case, _ = setting
    sweep(partnership, date(2027, 1, 13))
    services.deadlines_schedule(
        case=case,
        event=Event.NOTIFICATION_RECEIVED,
        event_date=date(2026, 12, 21),
        actor=None,
        reason="corrected",
    )
    sweep(partnership, date(2027, 1, 14))  # the new due date
    due_today = [r for r in rows(partnership) if r[0] == "rapid_review_complete" and r[3] == 0]
    assert len(due_today) == 2


def test_people_dismiss_their_own_notifications_only(client, setting, leicester):
    partnership, officer, chair, _, _ = setting
    sweep(partnership, date(2027, 1, 14))
    mine = Reminder.objects.for_partnership(partnership).filter(recipient=officer).first()
    theirs = Reminder.objects.for_partnership(partnership).filter(recipient=chair).first()
    sign_in(client, officer)
    assert "Notifications" in client.get("/").text
    assert client.post(reverse("notification_dismiss", kwargs={"pk": theirs.pk})).status_code == 404
    client.post(reverse("notification_dismiss", kwargs={"pk": mine.pk}))
    mine.refresh_from_db()
    assert mine.dismissed_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_sweeps_at_once_make_and_send_each_reminder_once(partnerships):
    leicester = partnerships["leicester"]
    officer = staff_user(leicester, username="officer")
    for _ in range(20):
        case = open_case(leicester, lead_officer=officer)
        services.deadlines_schedule(
            case=case,
            event=Event.NOTIFICATION_RECEIVED,
            event_date=NOTIFIED,
            actor=None,
            reason="x",
        )
    errors, sent = [], []

    def run():
        try:
            sent.append(sweep(leicester, date(2027, 1, 13)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    made = Reminder.objects.for_partnership(leicester).count()
    # Per case: the Rapid Review and the notification of its decision to the National Panel
    # (§1.6.3) due today, and its meeting two working days overdue.
    assert made == 60
    assert sum(sent) == made
    reminder_emails = [m for m in mail.outbox if not m.subject.endswith(" opened")]
    assert len(reminder_emails) == made


@pytest.mark.parametrize("value", [[5, 2, 1, 0], [], [10]])
def test_reminder_thresholds_accept_working_day_lists(leicester, value):
    leicester.reminder_working_days = value
    leicester.full_clean()


@pytest.mark.parametrize("value", ["5,2", [-1], [1.5], [100], {"a": 1}])
def test_reminder_thresholds_refuse_anything_else(leicester, value):
    from django.core.exceptions import ValidationError

    leicester.reminder_working_days = value
    with pytest.raises(ValidationError, match="whole numbers of working days"):
        leicester.full_clean()


def test_someone_who_left_is_not_reminded_the_office_is(setting):
    partnership, officer, _, _, _ = setting
    office = staff_user(partnership, username="office")
    services.user_deactivate(user=officer, actor=None, reason="Left")
    sweep(partnership, date(2027, 1, 13))
    people = {r[1] for r in rows(partnership)}
    assert "officer" not in people
    assert "office" in people
    assert not any(officer.email in m.to for m in mail.outbox)
    assert office.email in {address for m in mail.outbox for address in m.to}


def test_a_deadline_waived_before_sending_sends_nothing(setting):
    partnership, officer, _, _, deadline = setting
    services.reminders_make(partnership=partnership, today=date(2027, 1, 13))
    services.deadline_waive(deadline=deadline, actor=None, reason="Extension agreed")
    services.reminders_send(partnership=partnership)
    assert not any("Rapid Review complete" in m.subject for m in mail.outbox)


def test_one_refused_address_holds_up_no_one_else(setting, monkeypatch):
    from smtplib import SMTPRecipientsRefused

    partnership, officer, chair, _, _ = setting
    real_email = services.reminder._email

    def refuse_the_chair(reminder, *args):
        if reminder.recipient == chair:
            raise SMTPRecipientsRefused({chair.email: (550, b"no such mailbox")})
        real_email(reminder, *args)

    monkeypatch.setattr(services.reminder, "_email", refuse_the_chair)
    sent = sweep(partnership, date(2027, 1, 14))
    pending = Reminder.objects.for_partnership(partnership).filter(email_sent_at__isnull=True)
    assert sent > 0
    assert {r.recipient for r in pending} == {chair}  # left for the next sweep
    monkeypatch.setattr(services.reminder, "_email", real_email)
    assert services.reminders_send(partnership=partnership) == pending.count()


def test_a_missed_sweep_is_caught_up_on_the_next_run_exactly_once(setting):
    """No sweep on Wednesday 6 January (5 working days before): Thursday's run makes
    that reminder, saying how long is left now, and Friday's makes nothing more."""
    partnership, *_ = setting
    sweep(partnership, date(2027, 1, 7))
    sweep(partnership, date(2027, 1, 8))
    mine = [r for r in rows(partnership) if r[0] == "rapid_review_complete"]
    assert mine == [("rapid_review_complete", "officer", ReminderKind.DUE, 5)]
    [message] = [m for m in mail.outbox if "Rapid Review complete" in m.subject]
    assert "4 working days left" in message.body


def test_after_missed_days_only_the_latest_threshold_is_sent_not_the_stale_ones(setting):
    """No sweep from Wednesday 6 to Tuesday 12 January (the weekend between): Wednesday
    13th's run reminds that it is due today, and not of 5, 2 and 1 days before."""
    partnership, *_ = setting
    sweep(partnership, date(2027, 1, 13))
    sweep(partnership, date(2027, 1, 13))
    mine = [r for r in rows(partnership) if r[0] == "rapid_review_complete"]
    assert mine == [("rapid_review_complete", "officer", ReminderKind.DUE, 0)]
    assert len([m for m in mail.outbox if "Rapid Review complete" in m.subject]) == 1
