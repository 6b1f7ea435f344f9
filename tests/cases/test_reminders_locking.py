"""Two senders at once: one never waits for, nor sends, a reminder the other holds."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection, transaction

from cases import services
from cases.models import Reminder
from cases.timescales import Event
from tests.factories import open_case, staff_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_a_sender_skips_the_reminders_another_sender_holds(partnerships):
    leicester = partnerships["leicester"]
    officer = staff_user(leicester, username="officer")
    for _ in range(3):
        services.deadlines_schedule(
            case=open_case(leicester, lead_officer=officer),
            event=Event.NOTIFICATION_RECEIVED,
            event_date=date(2026, 12, 18),
            actor=None,
            reason="x",
        )
    services.reminders_make(partnership=leicester, today=date(2027, 1, 13))
    reminders = Reminder.objects.for_partnership(leicester)
    held = reminders.order_by("id").first()
    holding, release = threading.Event(), threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                reminders.filter(pk=held.pk).select_for_update().get()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        with connection.cursor() as cursor:
            # A sender that waited for the held row would fail here rather than hang.
            cursor.execute("SET lock_timeout = '5s'")
        sent = services.reminders_send(partnership=leicester)
    finally:
        release.set()
        thread.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    held.refresh_from_db()
    assert sent == reminders.count() - 1
    assert held.email_sent_at is None
    assert len([m for m in mail.outbox if not m.subject.endswith(" opened")]) == sent
    # Once the other sender lets go, the next sweep sends it.
    assert services.reminders_send(partnership=leicester) == 1
