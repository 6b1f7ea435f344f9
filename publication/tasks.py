"""Background jobs of the publication: thin edges that take ids, name their partnership
and call a service. Each is safe to run twice: the services stamp what they sent."""

from smtplib import SMTPException

from celery import shared_task

from publication.services import notice, plan

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


# issue 16: plan
@shared_task(**_RETRY)
def publication_task_email(*, partnership_id: int, task_id: int) -> int:
    """A plan step's owner told it is theirs."""
    return plan.publication_task_email_send(partnership_id=partnership_id, task_id=task_id)


@shared_task(**_RETRY)
def panel_notice_email(*, partnership_id: int, notice_id: int) -> int:
    """The pack emailed to the National Panel, Ofsted and the DfE (§10.5.1)."""
    return notice.panel_notice_email_send(partnership_id=partnership_id, notice_id=notice_id)


@shared_task
def plan_mail_sweep() -> int:
    """Celery beat's every-few-minutes job for the publication plan's emails whose job was
    lost (see cases.tasks.mail_sweep)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Partnership

    before = timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    return sum(
        send(partnership=partnership, before=before)
        for partnership in Partnership.objects.order_by("pk")
        for send in (
            plan.unsent_publication_task_emails_send,
            notice.unsent_panel_notices_send,
        )
    )
