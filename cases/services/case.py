"""State changes of a case: opening it, moving it along its path, telling the office."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from cases.closing import close_refusal
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import (
    STAGE_TRANSITIONS,
    Case,
    Deadline,
    DeadlineStatus,
    Membership,
    Partnership,
    Role,
    Stage,
    User,
)
from cases.permissions import Action, require
from cases.services.mail import claim, sending
from cases.timescales import DECISION_NOTIFIED

logger = logging.getLogger(__name__)

CASE_REFERENCE_DIGITS = 4

DECISION_NOT_NOTIFIED = (
    "The case cannot close: the CRG's decision has not been notified to the National Panel "
    "(§1.6.3). The Business Office records the notification on the Rapid Review's "
    "“After the decision” page, and the case then closes."
)


def case_open(
    *,
    partnership: Partnership,
    opened_on: date,
    actor: User | None,
    lead_officer: User | None = None,
    reason: str = "Case opened",
) -> Case:
    """Open a case at intake with the partnership's next reference (PREFIX-YEAR-NNNN)."""
    require(
        actor,
        partnership,
        Action.OPEN_CASE,
        "Only the partnership's Business Office can open a case.",
    )
    if (
        lead_officer is not None
        and not Membership.objects.filter(
            user=lead_officer, partnership=partnership, is_active=True
        ).exists()
    ):
        raise ApplicationError(
            "The lead officer must work for this partnership.", field="lead_officer"
        )

    with transaction.atomic():
        # Lock the partnership row so two cases opened at once get different numbers.
        Partnership.objects.select_for_update().get(pk=partnership.pk)
        year = opened_on.year
        latest = (
            Case.objects.for_partnership(partnership)
            .filter(reference_year=year)
            .aggregate(latest=Max("reference_number"))["latest"]
        )
        number = (latest or 0) + 1
        case = Case(
            partnership=partnership,
            reference=f"{partnership.reference_prefix}-{year}-{number:0{CASE_REFERENCE_DIGITS}d}",
            reference_year=year,
            reference_number=number,
            opened_on=opened_on,
            lead_officer=lead_officer,
        )
        case._history_user = actor
        case._change_reason = reason
        case.full_clean()
        case.save()

        from cases.tasks import case_opened_notify

        enqueue_on_commit(case_opened_notify, partnership_id=partnership.pk, case_id=case.pk)
    logger.info("case opened: %s", case.reference)
    return case


def case_stage_set(*, case: Case, stage: str, actor: User | None, reason: str) -> Case:
    """Move the case along its path (models.STAGE_TRANSITIONS), with the reason recorded."""
    require(
        actor,
        case.partnership,
        Action.CHANGE_STAGE,
        "Only the Business Office or the CRG chair can move a case on.",
    )
    if not reason.strip():
        raise ApplicationError("Give a reason for moving the case.", field="reason")
    if stage not in STAGE_TRANSITIONS[case.stage]:
        raise ApplicationError(
            f"A case at {Stage(case.stage).label} cannot move to {Stage(stage).label}.",
            field="stage",
        )
    if stage == Stage.CLOSED and decision_unnotified(case):
        raise ApplicationError(DECISION_NOT_NOTIFIED, field="stage")
    # issue 16: learning. Decisions the downstream apps know un-notified (§1.6.3).
    if stage == Stage.CLOSED and (refusal := close_refusal(case)):
        raise ApplicationError(refusal, field="stage")
    with transaction.atomic():
        case.stage = stage
        # Retention (issue 18): the closing day starts the partnership's retention period.
        if stage == Stage.CLOSED:
            case.closed_on = timezone.localdate()
        case.full_clean()
        case._history_user = actor
        case._change_reason = reason
        case.save(update_fields=["stage", "closed_on", "updated_at"])
    logger.info("case %s moved to %s", case.reference, stage)
    return case


def decision_unnotified(case: Case) -> bool:
    """Whether the case's decision is still to be notified to the National Panel (§1.6.3)."""
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind__in=DECISION_NOTIFIED, status=DeadlineStatus.OPEN)
        .exists()
    )


def case_opened_notice_send(*, partnership_id: int, case_id: int) -> int:
    """Tell the partnership's Business Office that a case was opened (by reference only).

    The case's row alone is claimed and committed before the mail server is spoken to
    (cases/services/mail.py), so a hung server never holds up opening other cases; a
    second run sends nothing more, and a failed send is left for the retry.
    """
    case = claim(
        Case.objects.for_partnership(partnership_id).select_related("partnership"),
        pk=case_id,
        stamp="opened_notice_sent_at",
        reason="Business Office told of the new case",
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
        with sending(case, stamp="opened_notice_sent_at"):
            send_mail(
                subject=f"Case {case.reference} opened",
                message=render_to_string("emails/case_opened.txt", context),
                html_message=render_to_string("emails/case_opened.html", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("case %s: opened notice sent to %d recipients", case.reference, len(recipients))
    return len(recipients)
