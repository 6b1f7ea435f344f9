"""Background jobs of retention (issue 18): thin edges that take ids and call a service.
They flag cases and tell the office; they never archive or erase. Safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


@shared_task
def retention_reviews_sweep() -> int:
    """Celery beat's daily job: one task per partnership, each naming its partnership."""
    from cases.models import Partnership

    ids = list(Partnership.objects.order_by("pk").values_list("pk", flat=True))
    for partnership_id in ids:
        partnership_retention_reviews_flag.delay(partnership_id=partnership_id)
    return len(ids)


@shared_task(**_RETRY)
def partnership_retention_reviews_flag(*, partnership_id: int) -> int:
    from django.utils import timezone

    from cases.models import Partnership
    from retention.services.review import retention_reviews_flag, unsent_review_emails_send

    partnership = Partnership.objects.get(pk=partnership_id)
    flagged = retention_reviews_flag(partnership=partnership, today=timezone.localdate())
    unsent_review_emails_send(partnership=partnership)
    return len(flagged)


@shared_task(**_RETRY)
def retention_review_email(*, partnership_id: int, review_id: int) -> int:
    from retention.services.review import retention_review_email_send

    return retention_review_email_send(partnership_id=partnership_id, review_id=review_id)
