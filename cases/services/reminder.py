"""Reminders and escalations, made by a daily sweep from the database (never long ETAs).

Defaults (per partnership, editable in /admin/): remind 5, 2 and 1 working days
before a deadline and on the day; once overdue, daily; and tell the CRG chair
once a deadline is a working day overdue. A database uniqueness constraint makes
each reminder happen once, whatever runs twice or at once.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cases.models import (
    Deadline,
    DeadlineStatus,
    Membership,
    Partnership,
    Reminder,
    ReminderKind,
    Role,
)
from cases.selectors import working_calendar
from cases.timescales import NOT_DUTIES, TIMESCALES_BY_KIND

logger = logging.getLogger(__name__)

SEND_BATCH = 200
INSERT_BATCH = 5000  # rows per INSERT: 6 parameters each, well under PostgreSQL's 65,535


def reminders_make(*, partnership: Partnership, today: date) -> int:
    """Make today's reminders for the partnership's open deadlines; return how many are new."""
    cal = working_calendar(partnership=partnership)
    thresholds = {int(n) for n in partnership.reminder_working_days}
    horizon = cal.add(today, max(thresholds, default=0))
    people = Membership.objects.filter(
        partnership=partnership, is_active=True, user__is_active=True
    )
    office = list(people.filter(role=Role.BUSINESS_OFFICE).values_list("user_id", flat=True))
    chairs = list(people.filter(role=Role.CRG_CHAIR).values_list("user_id", flat=True))
    deadlines = (
        Deadline.objects.for_partnership(partnership)
        .filter(status=DeadlineStatus.OPEN, due_date__lte=horizon)
        .exclude(kind__in=NOT_DUTIES)
        .values_list("pk", "due_date", "responsible_id", "case__lead_officer_id")
    )
    reminders = []
    for pk, due, responsible, lead in deadlines.iterator(chunk_size=5000):
        left = cal.between(today, due)
        recipients = [responsible or lead] if (responsible or lead) else office
        if left >= 0 and left not in thresholds:
            continue
        kind = ReminderKind.DUE if left >= 0 else ReminderKind.OVERDUE
        reminders += [
            Reminder(deadline_id=pk, recipient_id=r, kind=kind, threshold=left, due_date=due)
            for r in recipients
        ]
        if -left >= partnership.escalate_after_working_days:
            reminders += [
                Reminder(
                    deadline_id=pk,
                    recipient_id=chair,
                    kind=ReminderKind.ESCALATION,
                    threshold=-partnership.escalate_after_working_days,
                    due_date=due,
                )
                for chair in chairs
            ]
    before = Reminder.objects.for_partnership(partnership).count()
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=INSERT_BATCH)
    made = Reminder.objects.for_partnership(partnership).count() - before
    logger.info("partnership %s: %d reminders made for %s", partnership.slug, made, today)
    return made


def reminders_send(*, partnership: Partnership) -> int:
    """Email every reminder not yet emailed; two senders at once never take the same one."""
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reminder.objects.for_partnership(partnership)
                .filter(email_sent_at__isnull=True)
                .select_related("deadline__case", "recipient")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("id")[:SEND_BATCH]
            )
            if not batch:
                return sent
            for reminder in batch:
                _email(reminder)
                reminder.email_sent_at = timezone.now()
            Reminder.objects.for_partnership(partnership).bulk_update(  # history-free model
                batch, ["email_sent_at"]
            )
            sent += len(batch)


def _email(reminder: Reminder) -> None:
    if not reminder.recipient.email:
        return
    deadline = reminder.deadline
    context = {
        "reminder": reminder,
        "reference": deadline.case.reference,
        "title": TIMESCALES_BY_KIND[deadline.kind].title,
        "seed": TIMESCALES_BY_KIND[deadline.kind].seed,
        "due": deadline.due_date,
        "days": abs(reminder.threshold),
        "product_name": settings.PRODUCT_NAME,
    }
    about = f"{context['reference']}: {context['title']}"
    subject = {
        ReminderKind.DUE: f"Case {about} due {deadline.due_date:%-d %b %Y}",
        ReminderKind.OVERDUE: f"Case {about} is overdue",
        ReminderKind.ESCALATION: f"Escalation: case {about} is overdue",
    }[reminder.kind]
    send_mail(
        subject=subject,
        message=render_to_string("emails/reminder.txt", context),
        html_message=render_to_string("emails/reminder.html", context),
        from_email=None,
        recipient_list=[reminder.recipient.email],
    )


def reminder_dismiss(*, reminder: Reminder, user) -> Reminder:
    if reminder.recipient_id == user.pk and reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at"])
    return reminder
