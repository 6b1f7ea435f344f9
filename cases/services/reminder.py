"""Reminders and escalations, made by a daily sweep from the database (never long ETAs).

Defaults (per partnership, editable in /admin/): remind 5, 2 and 1 working days
before a deadline and on the day; once overdue, daily; and tell the CRG chair
once a deadline is a working day overdue. A database uniqueness constraint makes
each reminder happen once, whatever runs twice or at once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from cases.dates import format_date
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
from cases.services.mail import SharedRendering, claim_batch, deliver, send_each
from cases.timescales import NOT_DUTIES

logger = logging.getLogger(__name__)

# Emails a batch claims, then sends over one connection. A worker killed mid-batch
# (SIGKILL, with no soft limit to un-claim) leaves at most this many claimed and unsent.
SEND_BATCH = 200
INSERT_BATCH = 5000  # rows per INSERT: 6 parameters each, well under PostgreSQL's 65,535


def reminders_make(*, partnership: Partnership, today: date) -> int:
    """Make today's reminders for the partnership's open deadlines; return how many are new.

    A due reminder is made for the threshold most recently crossed (5, 2, 1 working days
    before, then on the day, by default) if it has not been made yet; overdue ones daily.
    """
    cal = working_calendar(partnership=partnership)
    thresholds = {int(n) for n in partnership.reminder_working_days}
    horizon = cal.add(today, max(thresholds, default=0))
    people = Membership.objects.filter(
        partnership=partnership, is_active=True, user__is_active=True
    )
    active = set(people.values_list("user_id", flat=True))
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
        # The person answering for it, if they still work for the partnership; else
        # the Business Office (someone who has left must not get case references).
        named = responsible or lead
        recipients = [named] if named in active else office
        if left >= 0:
            # The threshold most recently crossed, so that a sweep that did not run on
            # the day (beat, Redis or the worker down) still reminds on the next run;
            # the unique constraint keeps it to once. Older thresholds are not sent.
            threshold = min((t for t in thresholds if t >= left), default=None)
            if threshold is None:
                continue
            kind = ReminderKind.DUE
        else:
            threshold, kind = left, ReminderKind.OVERDUE
        reminders += [
            Reminder(deadline_id=pk, recipient_id=r, kind=kind, threshold=threshold, due_date=due)
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


def reminders_send(
    *, partnership: Partnership, today: date | None = None, before: datetime | None = None
) -> int:
    """Email every reminder not yet emailed whose deadline is still open at that date
    (only those made before `before`, for the mail sweep, which leaves fresh ones to the
    deadline sweep that made them).

    Each batch is claimed (cases/services/mail.py): locked with SKIP LOCKED, stamped by
    primary key and committed before any email is sent, so two senders never take the
    same reminder and a hung mail server holds no lock. Its emails go over one connection
    to the mail server, each template rendered once per distinct message (the case
    reference put in). A refused address takes its stamp back off and is left for the
    next sweep without holding up the others.
    """
    pending = Reminder.objects.for_partnership(partnership).filter(
        email_sent_at__isnull=True,
        deadline__status=DeadlineStatus.OPEN,
        deadline__due_date=F("due_date"),
    )
    if before is not None:
        pending = pending.filter(created_at__lt=before)
    cal = working_calendar(partnership=partnership)
    today = today or timezone.localdate()
    rendering = SharedRendering()
    sent = 0
    ids = list(pending.order_by("id").values_list("pk", flat=True))
    for start in range(0, len(ids), SEND_BATCH):
        # by primary key: cheap however many wait; claimed and committed before the sends
        batch = claim_batch(
            pending.select_related("deadline__case", "recipient"),
            ids=ids[start : start + SEND_BATCH],
            stamp="email_sent_at",
            reason="Reminder emailed",
        )
        sent += send_each(
            batch,
            lambda reminder, connection: _email(reminder, cal, today, rendering, connection),
        )
    return sent


def _email(reminder: Reminder, cal, today: date, rendering: SharedRendering, connection) -> None:
    if not reminder.recipient.email:
        return
    deadline = reminder.deadline
    reference = deadline.case.reference
    # Everything but the case reference is shared by every reminder of the same kind,
    # deadline and date: rendered once for all of them.
    context = {
        "kind": reminder.kind,
        "title": deadline.title,
        "seed": deadline.seed,
        "due": deadline.due_date,
        # A due reminder made late (its sweep missed the day) says how long is left now.
        "days": max(0, min(reminder.threshold, cal.between(today, deadline.due_date)))
        if reminder.kind == ReminderKind.DUE
        else abs(reminder.threshold),
        "product_name": settings.PRODUCT_NAME,
    }
    about = f"{reference}: {deadline.title}"
    subject = {
        ReminderKind.DUE: f"Case {about} due {format_date(deadline.due_date)}",
        ReminderKind.OVERDUE: f"Case {about} is overdue",
        ReminderKind.ESCALATION: f"Escalation: case {about} is overdue",
    }[reminder.kind]
    message = EmailMultiAlternatives(
        subject=subject,
        body=rendering.render("emails/reminder.txt", context, reference=reference),
        to=[reminder.recipient.email],
    )
    message.attach_alternative(
        rendering.render("emails/reminder.html", context, reference=reference), "text/html"
    )
    deliver(message, connection)


def reminder_dismiss(*, reminder: Reminder, user) -> Reminder:
    if reminder.recipient_id == user.pk and reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at"])
    return reminder
