"""Chasing the actions (§11.4.1, the deadline engine): the owner agency's portal users and
the action's lead are reminded on each of the partnership's reminder days before the due
date (reminder_working_days, in its working calendar), then every working day once it is
overdue; once it is escalate_after_working_days late the CRG chair is told.

One ActionReminder row per (action, kind, day) is the guard: a sweep run twice, or two at
once, sends each reminder once (the row is claimed before the send, cases/services/mail.py).
Emails name the case reference (or a national review's plan title), never a child."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import Membership, Partnership, Role
from cases.selectors import working_calendar
from cases.services.information_request import agency_portal_emails
from cases.services.mail import claim, sending
from publication.models import ActionReminder, ActionStatus, PlanAction, ReminderKind
from publication.rules.actions import reminder_kind_for
from publication.selectors.actions import plan_label

logger = logging.getLogger(__name__)

SUBJECTS = {
    ReminderKind.DUE_SOON: "{label}: an action is due on {due}",
    ReminderKind.OVERDUE: "{label}: an action is overdue (due {due})",
    ReminderKind.ESCALATED: "{label}: an overdue action escalated to the CRG chair",
    ReminderKind.ASSIGNED: "{label}: an action for your agency, due {due}",
    ReminderKind.UPDATED: "{label}: an agency posted an update on its action",
}


def action_reminders_make(*, partnership: Partnership, today: date) -> list[int]:
    """The reminder rows due today for the partnership's open actions (made once each);
    the ids of those still unsent."""
    cal = working_calendar(partnership=partnership)
    thresholds = {int(n) for n in partnership.reminder_working_days}
    horizon = cal.add(today, max(thresholds, default=0))
    actions = PlanAction.objects.for_partnership(partnership).filter(
        status=ActionStatus.OPEN, due_on__lte=horizon
    )
    escalated = set(
        ActionReminder.objects.for_partnership(partnership)
        .filter(kind=ReminderKind.ESCALATED)
        .values_list("action_id", flat=True)
    )
    rows = []
    for action_id, due_on in actions.values_list("pk", "due_on"):
        left = cal.between(today, due_on)
        for kind in reminder_kind_for(
            days_left=left,
            thresholds=thresholds,
            escalate_after=partnership.escalate_after_working_days,
        ):
            if kind == ReminderKind.ESCALATED and action_id in escalated:
                continue  # escalated once: the chair is not told again every day
            rows.append(ActionReminder(action_id=action_id, kind=kind, on=today))
    ActionReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        ActionReminder.objects.for_partnership(partnership)
        # An assignment whose job was lost is sent here too (the sweep is its safety net).
        .filter(sent_at__isnull=True, action__status=ActionStatus.OPEN)
        .order_by("id")
        .values_list("pk", flat=True)
    )


def _chair_emails(partnership: Partnership) -> list[str]:
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                partnership=partnership,
                role=Role.CRG_CHAIR,
                is_active=True,
                user__is_active=True,
            )
            .exclude(user__email="")
            .select_related("user")
        }
    )


def _office_emails(action: PlanAction) -> list[str]:
    """Who hears of an agency's update (§11.4.1: the office chases every action to its
    evidence): the case's lead officer, else (a national review's plan, or no lead) the
    partnership's Business Office."""
    case = action.plan.case
    lead = case.lead_officer if case is not None else None
    if lead is not None and lead.is_active and lead.email:
        return [lead.email]
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                partnership=action.plan.partnership,
                role=Role.BUSINESS_OFFICE,
                is_active=True,
                user__is_active=True,
            )
            .exclude(user__email="")
            .select_related("user")
        }
    )


def action_reminder_send(*, partnership: Partnership, reminder_id: int) -> int:
    """Send one reminder, claimed first so that it goes once; the number of recipients."""
    rows = ActionReminder.objects.for_partnership(partnership).select_related(
        "action__plan__case__lead_officer", "action__plan__partnership", "action__owner_agency"
    )
    reminder = claim(rows, pk=reminder_id, stamp="sent_at", reason="Action reminder emailed")
    if reminder is None:
        return 0
    action = reminder.action
    if reminder.kind == ReminderKind.ESCALATED:
        recipients = _chair_emails(partnership)
        url = reverse("action_plan_detail", kwargs={"pk": action.plan_id})
    elif reminder.kind == ReminderKind.UPDATED:
        recipients = _office_emails(action)
        url = reverse("plan_action", kwargs={"pk": action.pk})
    else:
        recipients = agency_portal_emails(action.owner_agency_id)
        if action.lead_email:
            recipients = sorted(set(recipients) | {action.lead_email})
        url = reverse("portal_action", kwargs={"pk": action.pk})
    label = plan_label(action.plan)
    context = {
        "label": label,
        "kind": reminder.kind,
        "action": action,
        "agency": action.owner_agency.name,
        "due": action.due_on,
        "url": settings.SITE_URL + url,
        "product_name": settings.PRODUCT_NAME,
    }
    if recipients:
        with sending(reminder, stamp="sent_at"):
            send_mail(
                subject=SUBJECTS[reminder.kind].format(
                    label=label, due=action.due_on.strftime("%-d %B %Y")
                ),
                message=render_to_string("emails/action_reminder.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    reminder.recipients = len(recipients)
    reminder._change_reason = "Recipients counted"
    reminder.save(update_fields=["recipients"])
    logger.info("action reminder %s: emailed %d people", reminder.pk, len(recipients))
    return len(recipients)


def action_assigned_tell(*, action: PlanAction, today: date) -> None:
    """Tell the owner agency (its portal users and the lead) that the action is its own:
    one row per action and day, emailed once the caller's transaction commits."""
    from cases.mail_queue import enqueue_on_commit
    from publication.tasks import action_reminder_email

    partnership = action.plan.partnership
    reminder, made = ActionReminder.objects.for_partnership(partnership).get_or_create(
        action=action, kind=ReminderKind.ASSIGNED, on=today
    )
    if made:
        enqueue_on_commit(
            action_reminder_email, partnership_id=partnership.pk, reminder_id=reminder.pk
        )


def action_update_tell(*, action: PlanAction, today: date) -> None:
    """Tell the office that the owner agency posted an update (§11.3.3): one email per
    action and day, however many updates the agency posts, sent once the caller's
    transaction commits (the daily sweep sends it if the job was lost)."""
    from cases.mail_queue import enqueue_on_commit
    from publication.tasks import action_reminder_email

    partnership = action.plan.partnership
    reminder, made = ActionReminder.objects.for_partnership(partnership).get_or_create(
        action=action, kind=ReminderKind.UPDATED, on=today
    )
    if made:
        enqueue_on_commit(
            action_reminder_email, partnership_id=partnership.pk, reminder_id=reminder.pk
        )


def action_reminders_run(*, partnership: Partnership, today: date) -> int:
    """Make today's reminders and send those unsent; safe to run twice."""
    sent = 0
    for reminder_id in action_reminders_make(partnership=partnership, today=today):
        if action_reminder_send(partnership=partnership, reminder_id=reminder_id):
            sent += 1
    return sent
