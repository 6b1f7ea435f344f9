"""A person's retention decision on a flagged case (issue 18): archive it, keep it for a
further period, or erase it. Each is recorded on the review (who, when, what, why) and in
the case's history; the record stays after an erasure. Never called by a job."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Case, User
from cases.permissions import Action, require
from retention.models import RetentionDecision, RetentionReview
from retention.rules import keep_until_problem
from retention.services.erasure import Erasure, case_erase, files_delete

logger = logging.getLogger(__name__)

NOT_ALLOWED = (
    "Only the Business Office, the CRG chair or the partnership admin decide on retention."
)
CONFLICT = (
    "Someone else decided on this case's retention since you opened the page. Read what "
    "they decided below."
)
REASON_MISSING = {
    RetentionDecision.KEEP: "Say why the case is kept for longer: the record keeps it.",
    RetentionDecision.ERASE: "Say why the case is erased: the record keeps it.",
}
CONFIRM_MISMATCH = "Type the case reference, {reference}, to confirm the erasure."
CHOOSE = "Choose whether to archive, keep or erase the case."


def _check(
    *, reference: str, decision: str, reason: str, keep_until, confirm_reference: str, today
) -> None:
    if decision not in RetentionDecision.values:
        raise ApplicationError(CHOOSE, field="decision")
    if decision in REASON_MISSING and not reason.strip():
        raise ApplicationError(REASON_MISSING[decision], field="reason")
    if decision == RetentionDecision.KEEP and (problem := keep_until_problem(keep_until, today)):
        raise ApplicationError(problem, field="keep_until")
    if decision == RetentionDecision.ERASE and confirm_reference.strip() != reference:
        raise ApplicationError(CONFIRM_MISMATCH.format(reference=reference), field="confirm")


def retention_decide(
    *,
    review: RetentionReview,
    decision: str,
    reason: str,
    actor: User,
    version: int,
    keep_until: date | None = None,
    confirm_reference: str = "",
) -> Erasure | None:
    """Record the decision; archive or erase the case as it says. Returns what an erasure
    did (None for archive or keep)."""
    case = review.case
    require(actor, case.partnership, Action.DECIDE_RETENTION, NOT_ALLOWED)
    today = timezone.localdate()
    _check(
        reference=case.reference,
        decision=decision,
        reason=reason,
        keep_until=keep_until,
        confirm_reference=confirm_reference,
        today=today,
    )
    erasure = None
    with transaction.atomic():
        locked = (
            RetentionReview.objects.for_partnership(case.partnership)
            .select_for_update(of=("self",))
            .filter(pk=review.pk)
            .first()
        )
        if locked is None or locked.is_decided or locked.version != version:
            raise ApplicationError(CONFLICT)
        now = timezone.now()
        label = RetentionDecision(decision).label
        case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
        if decision == RetentionDecision.ERASE:
            erasure = case_erase(case=case, actor=actor)
            case.refresh_from_db()
            case.erased_at = now
        if decision in (RetentionDecision.ARCHIVE, RetentionDecision.ERASE):
            case.archived_at = now
            case.version += 1
            case._history_user = actor
            case._change_reason = f"Retention decision: {label}"
            case.save(update_fields=["archived_at", "erased_at", "version", "updated_at"])
        locked.decision = decision
        locked.reason = reason.strip()
        locked.keep_until = keep_until if decision == RetentionDecision.KEEP else None
        locked.decided_by = actor
        locked.decided_at = now
        locked.version += 1
        locked._history_user = actor
        locked._change_reason = f"Retention decision: {label}"
        locked.save()
        if erasure is not None:
            transaction.on_commit(lambda: files_delete(erasure))
    logger.info("case %s: retention decision %s", case.reference, decision)
    return erasure
