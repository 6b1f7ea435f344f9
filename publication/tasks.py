"""Background jobs of the publication app: thin edges that take ids, name their
partnership and call a service. Each is safe to run twice: the services stamp what they
sent."""

from smtplib import SMTPException

from celery import shared_task

from publication.services import notice, plan

_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


# issue 16: learning
@shared_task(**_RETRY)
def national_review_contact_email(*, partnership_id: int, request_id: int) -> int:
    """The CRG chair told they are the main point of contact for a national review (§12.3)."""
    from publication.services.learning import review_request_contact_email_send

    return review_request_contact_email_send(partnership_id=partnership_id, request_id=request_id)


@shared_task
def learning_mail_sweep() -> int:
    """Celery beat's every-few-minutes job for the learning's emails (see
    cases.tasks.mail_sweep)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from cases.models import Partnership
    from publication.services.learning import unsent_contact_emails_send

    before = timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    return sum(
        unsent_contact_emails_send(partnership=partnership, before=before)
        for partnership in Partnership.objects.order_by("pk")
    )


# issue 16: public. Archiving after the year of publication (§10.5.2).
@shared_task
def publications_archive_sweep() -> int:
    """Celery beat's daily job: one task per partnership, each naming its partnership."""
    from cases.models import Partnership

    ids = list(Partnership.objects.values_list("pk", flat=True))
    for partnership_id in ids:
        partnership_publications_archive.delay(partnership_id=partnership_id)
    return len(ids)


@shared_task(**_RETRY)
def partnership_publications_archive(*, partnership_id: int) -> int:
    from django.utils import timezone

    from cases.models import Partnership
    from publication.services.archive import publications_archive, unsent_archived_emails_send

    partnership = Partnership.objects.get(pk=partnership_id)
    archived = publications_archive(partnership=partnership, today=timezone.localdate())
    unsent_archived_emails_send(partnership=partnership)
    return len(archived)


@shared_task(**_RETRY)
def publication_archived_email(*, partnership_id: int, publication_id: int) -> int:
    from publication.services.archive import publication_archived_email_send

    return publication_archived_email_send(
        partnership_id=partnership_id, publication_id=publication_id
    )


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


# issue 16: actions. Reminders and escalation of the action plans' actions (§11.4.1).
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
