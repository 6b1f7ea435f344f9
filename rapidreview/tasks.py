"""Background jobs of the Rapid Review: thin edges that take ids, name their partnership
and call a service. Each is safe to run twice: the services stamp what they sent."""

from smtplib import SMTPException

from celery import shared_task

from rapidreview.services import outcome, scrutineer, sign_off

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def invitation_email(*, partnership_id: int, invitation_id: int) -> int:
    return outcome.invitation_email_send(partnership_id=partnership_id, invitation_id=invitation_id)


@shared_task(**_RETRY)
def outcome_email(*, partnership_id: int, notice_id: int) -> int:
    return outcome.outcome_email_send(partnership_id=partnership_id, notice_id=notice_id)


@shared_task(**_RETRY)
def sign_off_request_email(*, partnership_id: int, request_id: int) -> int:
    return sign_off.sign_off_request_email_send(
        partnership_id=partnership_id, request_id=request_id
    )


@shared_task(**_RETRY)
def partner_told_email(*, partnership_id: int, sign_off_id: int) -> int:
    return sign_off.partner_told_email_send(partnership_id=partnership_id, sign_off_id=sign_off_id)


@shared_task(**_RETRY)
def scrutineer_advice_request_email(*, partnership_id: int, review_id: int) -> int:
    return scrutineer.scrutineer_advice_request_email_send(
        partnership_id=partnership_id, review_id=review_id
    )


@shared_task(**_RETRY)
def discussion_reopened_email(*, partnership_id: int, advice_id: int) -> int:
    return scrutineer.discussion_reopened_email_send(
        partnership_id=partnership_id, advice_id=advice_id
    )


@shared_task
def mail_sweep() -> int:
    """Celery beat's every-few-minutes job for the Rapid Review's emails (see
    cases.tasks.mail_sweep)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Partnership

    before = timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    return sum(
        send(partnership=partnership, before=before)
        for partnership in Partnership.objects.order_by("pk")
        for send in (
            outcome.unsent_rapid_review_emails_send,
            sign_off.unsent_sign_off_emails_send,
            scrutineer.unsent_scrutineer_emails_send,
        )
    )
