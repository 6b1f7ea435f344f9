"""Background jobs: thin edges that take ids, name their partnership and call a service.

Each is safe to run twice; the services they call say how.
"""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from cases import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def case_opened_notify(*, partnership_id: int, case_id: int) -> int:
    return services.case_opened_notice_send(partnership_id=partnership_id, case_id=case_id)


@shared_task
def deadlines_sweep() -> int:
    """Celery beat's daily job: one task per partnership, each naming its partnership."""
    from cases.models import Partnership

    ids = list(Partnership.objects.values_list("pk", flat=True))
    for partnership_id in ids:
        partnership_reminders.delay(partnership_id=partnership_id)
    return len(ids)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def partnership_reminders(*, partnership_id: int) -> int:
    from django.utils import timezone

    from cases.models import Partnership

    partnership = Partnership.objects.get(pk=partnership_id)
    today = timezone.localdate()
    services.reminders_make(partnership=partnership, today=today)
    services.request_chases_make(partnership=partnership, today=today)
    sent = services.reminders_send(partnership=partnership, today=today)
    return sent + services.request_chases_send(partnership=partnership, today=today)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def information_request_email(*, partnership_id: int, request_id: int) -> int:
    return services.information_request_email_send(
        partnership_id=partnership_id, request_id=request_id
    )


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def password_reset_email(*, user_id: int, domain: str, protocol: str) -> int:
    return services.password_reset_email_send(user_id=user_id, domain=domain, protocol=protocol)


@shared_task
def mail_sweep() -> int:
    """Celery beat's every-few-minutes job: send what a broker outage (or a job that gave
    up, or a worker killed mid-batch) left unsent. The next run is its retry.

    First the emails a killed sender held are taken back (every app's: each app's own
    sweep then sends its kind). Then this app's: the case-opened notices, the information
    requests' emails, and the reminders and chases a deadline sweep made but did not send
    (Redis, without persistence, loses a queued sweep when it restarts).
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Partnership
    from cases.services.mail import expired_claims_release, unsent_emails_send

    expired_claims_release()
    before = timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    return sum(
        unsent_emails_send(partnership=partnership, before=before)
        + services.reminders_send(partnership=partnership, before=before)
        + services.request_chases_send(partnership=partnership, before=before)
        for partnership in Partnership.objects.order_by("pk")
    )


@shared_task
def duplicate_guards_purge() -> int:
    """Celery beat's daily job: expired idempotency keys and stale form tokens."""
    return services.duplicate_guards_purge()


@shared_task(
    soft_time_limit=settings.DOCUMENT_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENT_RENDER_TIME_LIMIT,
)
def document_render(*, partnership_id: int, document_id: int) -> str:
    """A long document of a case (issue 18), rendered here rather than in a web request.
    Safe to run twice: a rendering already made or under way is left alone."""
    return services.document_render(partnership_id=partnership_id, document_id=document_id)


@shared_task
def documents_sweep() -> int:
    """Celery beat's every-few-minutes job: queue again the documents a broker outage or a
    lost worker left waiting."""
    from cases.models import Partnership

    return sum(
        services.documents_sweep(partnership=partnership)
        for partnership in Partnership.objects.order_by("pk")
    )
