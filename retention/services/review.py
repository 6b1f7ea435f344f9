"""Flagging closed cases for a retention review (issue 18), and telling the office.

The daily job (retention/tasks.py) flags each case the rule (retention/rules.py) makes
due: one undecided review per case, held by a database constraint, so a second run, or
two at once, flags nothing more. Each new flag queues one email to the Business Office
(the case reference, the dates and a link: never the child's name), claimed by its stamp
before it is sent, so the office is told once; the dashboard lists the flagged cases to
those who decide (retention/selectors.py `retention_work`). Nothing is archived or erased
here: a person decides on the retention page.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from cases.dates import format_date
from cases.models import Membership, Partnership, Role
from cases.services.mail import claim, sending
from retention.models import RetentionReview
from retention.selectors import cases_due_for_review

logger = logging.getLogger(__name__)

FLAGGED_REASON = "Flagged for a retention decision: its retention period has passed"


def retention_reviews_flag(*, partnership: Partnership, today: date) -> list[RetentionReview]:
    """Flag every due case of the partnership that has no undecided review; return the new
    flags. Safe to run twice or at once."""
    flagged = []
    for due in cases_due_for_review(partnership=partnership, today=today):
        review = RetentionReview(
            case=due.case,
            flagged_on=today,
            closed_on=due.dates.closed_on,
            retained_until=due.dates.retained_until,
            available_until=due.dates.available_until,
            kept_until=due.dates.kept_until,
        )
        review._change_reason = FLAGGED_REASON
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            continue  # flagged already, by an earlier run or one running at once
        logger.info("case %s: flagged for a retention decision", due.case.reference)
        flagged.append(review)
        transaction.on_commit(
            lambda pk=review.pk: _queue_email(partnership_id=partnership.pk, review_id=pk)
        )
    return flagged


def _queue_email(*, partnership_id: int, review_id: int) -> None:
    from retention.tasks import retention_review_email

    retention_review_email.delay(partnership_id=partnership_id, review_id=review_id)


def _office_emails(partnership: Partnership) -> list[str]:
    return list(
        Membership.objects.filter(
            partnership=partnership,
            role=Role.BUSINESS_OFFICE,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def retention_review_email_send(*, partnership_id: int, review_id: int) -> int:
    """Tell the Business Office a case is due for a retention decision: its reference, the
    dates that make it due and a link, never the child's name. Sent once."""
    partnership = Partnership.objects.get(pk=partnership_id)
    recipients = _office_emails(partnership)
    if not recipients:
        return 0
    review = claim(
        RetentionReview.objects.for_partnership(partnership).select_related("case"),
        pk=review_id,
        stamp="office_emailed_at",
        reason="The Business Office told the case is due for a retention decision",
    )
    if review is None:
        return 0
    reference = review.case.reference
    with sending(review, stamp="office_emailed_at"):
        send_mail(
            subject=f"Case {reference}: due for a retention decision",
            message=render_to_string(
                "emails/retention_review_due.txt",
                {
                    "reference": reference,
                    "closed_on": format_date(review.closed_on),
                    "years": partnership.retention_years,
                    "retained_until": format_date(review.retained_until),
                    "available_until": review.available_until
                    and format_date(review.available_until),
                    "kept_until": review.kept_until and format_date(review.kept_until),
                    "url": settings.SITE_URL
                    + reverse("retention_decide", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=recipients,
        )
    logger.info("case %s: the Business Office told it is due for a retention decision", reference)
    return 1


def unsent_review_emails_send(*, partnership: Partnership) -> int:
    """The daily job's second half: emails a lost job or a failed send left."""
    ids = (
        RetentionReview.objects.for_partnership(partnership)
        .filter(office_emailed_at__isnull=True, decided_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(
        retention_review_email_send(partnership_id=partnership.pk, review_id=pk) for pk in list(ids)
    )
