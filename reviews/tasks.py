"""Background jobs of the LCSPR: thin edges that take ids, name their partnership and call
a service. Each is safe to run twice: the services stamp what they sent."""

from smtplib import SMTPException

from celery import shared_task

from reviews.services import appointment, clock, genogram, panel, terms
from reviews.services import submissions as submissions_service  # issue 14: submissions

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def appointment_email(*, partnership_id: int, appointment_id: int) -> int:
    return appointment.appointment_email_send(
        partnership_id=partnership_id, appointment_id=appointment_id
    )


@shared_task(**_RETRY)
def appointment_conflict_email(*, partnership_id: int, appointment_id: int) -> int:
    """The Business Office and the CRG chairs told of a declared conflict of interest."""
    return appointment.appointment_conflict_email_send(
        partnership_id=partnership_id, appointment_id=appointment_id
    )


@shared_task(**_RETRY)
def terms_notice_email(*, partnership_id: int, notice_id: int) -> int:
    """The Reviewer or a Panel member told what the CRG decided on the terms of reference."""
    return terms.terms_notice_email_send(partnership_id=partnership_id, notice_id=notice_id)


@shared_task(**_RETRY)
def panel_action_email(*, partnership_id: int, action_id: int) -> int:
    return panel.panel_action_email_send(partnership_id=partnership_id, action_id=action_id)


@shared_task(**_RETRY)
def delay_notice_email(*, partnership_id: int, notice_id: int) -> int:
    return clock.delay_notice_email_send(partnership_id=partnership_id, notice_id=notice_id)


@shared_task(**_RETRY)
def delay_recorded_email(*, partnership_id: int, delay_id: int) -> int:
    return clock.delay_recorded_email_send(partnership_id=partnership_id, delay_id=delay_id)


# issue 14: agency submissions (§8.2-8.7)
@shared_task(**_RETRY)
def submission_request_email(*, partnership_id: int, request_id: int) -> int:
    """The agency's portal users and Safeguarding Lead told a submission is asked for."""
    return submissions_service.submission_request_email_send(
        partnership_id=partnership_id, request_id=request_id
    )


@shared_task(**_RETRY)
def submission_review_email(*, partnership_id: int, review_id: int) -> int:
    """The agency told the Panel wants more information, or to meet it (§8.7)."""
    return submissions_service.submission_review_email_send(
        partnership_id=partnership_id, review_id=review_id
    )


# issue 14: the lead agency's genogram (§7.2.1)
@shared_task(**_RETRY)
def genogram_ask_email(*, partnership_id: int, ask_id: int) -> int:
    """The asked agency's portal users told the review asks for its genogram."""
    return genogram.genogram_ask_email_send(partnership_id=partnership_id, ask_id=ask_id)


# --- issue 14: the reflective learning workshop (§8.10.3) ---------------------------------


@shared_task(**_RETRY)
def workshop_invitation_email(*, partnership_id: int, invitee_id: int) -> int:
    """A workshop invitation with its briefing PDF and the invitee's personal link."""
    from reviews.services import workshop

    return workshop.workshop_invitation_email_send(
        partnership_id=partnership_id, invitee_id=invitee_id
    )


@shared_task(**_RETRY)
def workshop_withdrawal_email(*, partnership_id: int, invitee_id: int) -> int:
    """An invitee told their workshop invitation is withdrawn (their link is dead)."""
    from reviews.services import workshop

    return workshop.workshop_withdrawal_email_send(
        partnership_id=partnership_id, invitee_id=invitee_id
    )


@shared_task(**_RETRY)
def workshop_change_email(*, partnership_id: int, invitee_id: int) -> int:
    """An invitee told the workshop's new date, times or place (§8.10.3)."""
    from reviews.services import workshop

    return workshop.workshop_change_email_send(partnership_id=partnership_id, invitee_id=invitee_id)


# issue 15: guard. The CRG chair told a finished draft holds open anonymisation hits.
@shared_task(**_RETRY)
def report_guard_email(*, partnership_id: int, draft_id: int) -> int:
    from reviews.services import report_guard

    return report_guard.report_guard_email_send(partnership_id=partnership_id, draft_id=draft_id)


# --- issue 15: the report's drafts (§9.1) ---------------------------------------------


@shared_task(**_RETRY)
def report_comment_email(*, partnership_id: int, comment_id: int) -> int:
    """The Reviewer told of a new comment on a draft (case reference and draft number)."""
    from reviews.services import report_drafts

    return report_drafts.report_comment_email_send(
        partnership_id=partnership_id, comment_id=comment_id
    )


@shared_task
def mail_sweep() -> int:
    """Celery beat's every-few-minutes job for the LCSPR's emails (see
    cases.tasks.mail_sweep)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Partnership
    from reviews.services import report_approval, report_drafts, report_guard, workshop

    before = timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    return sum(
        send(partnership=partnership, before=before)
        for partnership in Partnership.objects.order_by("pk")
        for send in (
            appointment.unsent_appointment_emails_send,
            appointment.unsent_conflict_emails_send,
            terms.unsent_terms_emails_send,
            panel.unsent_panel_emails_send,
            clock.unsent_delay_notices_send,
            submissions_service.unsent_submission_emails_send,  # issue 14: submissions
            # invitations (sent again too), withdrawals and changes of the plan
            workshop.unsent_workshop_emails_send,
            genogram.unsent_genogram_asks_send,  # issue 14: genogram (§7.2.1)
            report_approval.unsent_report_approval_emails_send,  # issue 15: approval
            report_guard.unsent_guard_emails_send,  # issue 15: guard (§9.1.3)
            report_drafts.unsent_report_comment_emails_send,  # issue 15: drafts
        )
    )


@shared_task(**_RETRY)
def report_partner_email(*, partnership_id: int, notice_id: int) -> int:
    """Issue 15: a Safeguarding Partner's representative asked to approve the report."""
    from reviews.services import report_approval

    return report_approval.report_partner_email_send(
        partnership_id=partnership_id, notice_id=notice_id
    )
