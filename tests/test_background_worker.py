"""Background jobs run on a real Celery worker, on the configured broker.

In CI the broker is Redis; without REDIS_URL it is the embedded filesystem
transport that `make run` uses.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from lcspr.celery import app as celery_app
from tests.factories import open_case, staff_user


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_opening_a_case_emails_the_business_office_through_the_worker(partnerships, real_worker):
    leicester = partnerships["leicester"]
    officer = staff_user(leicester)
    case = open_case(leicester)
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker sent no email"
    message = mail.outbox[0]
    assert message.subject == f"Case {case.reference} opened"
    assert message.to == [officer.email]
    case.refresh_from_db()
    assert case.opened_notice_sent_at is not None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_sweep_on_the_worker_reminds_once_however_often_it_runs(
    partnerships, real_worker
):
    from django.utils import timezone

    from cases import services
    from cases.models import Deadline, Reminder
    from cases.selectors import working_calendar
    from cases.tasks import deadlines_sweep, partnership_reminders
    from cases.timescales import Event

    lr = partnerships["leicestershire-rutland"]
    officer = staff_user(lr)
    case = open_case(lr, lead_officer=officer)
    today = timezone.localdate()
    # The Rapid Review is due on the last working day up to today: a reminder is due.
    notified = working_calendar(partnership=lr).subtract(today, 15)
    services.deadlines_schedule(
        case=case, event=Event.NOTIFICATION_RECEIVED, event_date=notified, actor=None, reason="x"
    )
    assert _wait_for(lambda: len(mail.outbox) == 1)  # the "case opened" notice
    deadlines_sweep.delay()

    def reminders_sent():
        rows = Reminder.objects.for_partnership(lr)
        return rows.exists() and not rows.filter(email_sent_at__isnull=True).exists()

    assert _wait_for(reminders_sent), "the sweep made or sent nothing"
    made = Reminder.objects.for_partnership(lr).count()

    # Run the partnership's job twice more; a case opened after them marks, on this
    # one-at-a-time worker, the moment both have finished.
    partnership_reminders.delay(partnership_id=lr.pk)
    partnership_reminders.delay(partnership_id=lr.pk)
    marker = open_case(lr)
    assert _wait_for(
        lambda: any(m.subject == f"Case {marker.reference} opened" for m in mail.outbox)
    )
    assert Reminder.objects.for_partnership(lr).count() == made
    reminder_emails = [m for m in mail.outbox if not m.subject.endswith(" opened")]
    assert len(reminder_emails) == made
    due = Deadline.objects.for_partnership(lr).get(kind="rapid_review_complete").due_date
    assert any(m.subject.endswith(f"due {due:%-d %B %Y}") for m in reminder_emails)
