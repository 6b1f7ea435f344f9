"""The action plans' daily job (§11.4.1): reminders before an action's due date, daily
once overdue, and escalation to the CRG chair. Registered by publication/apps.py (Celery
discovers only `tasks` modules) and scheduled in CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def action_reminder_email(*, partnership_id: int, reminder_id: int) -> int:
    """One action reminder (an action assigned to its agency), sent once it is claimed."""
    from cases.models import Partnership
    from publication.services.reminders import action_reminder_send

    partnership = Partnership.objects.get(pk=partnership_id)
    return action_reminder_send(partnership=partnership, reminder_id=reminder_id)


@shared_task
def action_reminders_sweep() -> int:
    """Every partnership's action reminders for today; safe to run twice (one
    ActionReminder row per action, kind and day, claimed before it is sent)."""
    from django.utils import timezone

    from cases.models import Partnership
    from publication.services.reminders import action_reminders_run

    today = timezone.localdate()
    return sum(
        action_reminders_run(partnership=partnership, today=today)
        for partnership in Partnership.objects.order_by("pk")
    )
