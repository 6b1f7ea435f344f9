"""Background jobs. Each takes ids, sets its partnership explicitly, and is safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cases.models import Case, Membership, Role

logger = logging.getLogger(__name__)


@shared_task
def case_opened_notify(*, partnership_id: int, case_id: int) -> int:
    """Tell the partnership's Business Office that a case was opened (by reference only).

    The case row is locked and stamped in the same transaction as the send, so a
    second run, or two runs at once, send nothing more.
    """
    with transaction.atomic():
        case = (
            Case.objects.for_partnership(partnership_id)
            .select_for_update()
            .filter(pk=case_id, opened_notice_sent_at__isnull=True)
            .first()
        )
        if case is None:
            return 0
        recipients = sorted(
            Membership.objects.filter(
                partnership_id=partnership_id, role=Role.BUSINESS_OFFICE, is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        context = {"case": case, "product_name": settings.PRODUCT_NAME}
        if recipients:
            send_mail(
                subject=f"Case {case.reference} opened",
                message=render_to_string("emails/case_opened.txt", context),
                html_message=render_to_string("emails/case_opened.html", context),
                from_email=None,
                recipient_list=recipients,
            )
        case.opened_notice_sent_at = timezone.now()
        case._change_reason = "Business Office told of the new case"
        case.save(update_fields=["opened_notice_sent_at"])
    logger.info("case %s: opened notice sent to %d recipients", case.reference, len(recipients))
    return len(recipients)
