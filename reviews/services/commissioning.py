"""Commissioning the LCSPR from the CRG's decision to proceed (§4.6.2, §4.9, §3.1.2)."""

from __future__ import annotations

import logging

from django.db import transaction

from cases.models import Case, User
from cases.services.common import validated_save as _save
from cases.services.deadline import deadlines_schedule
from cases.timescales import Event
from reviews.models import Lcspr, ReviewBasis

logger = logging.getLogger(__name__)


@transaction.atomic
def lcspr_open(
    *,
    case: Case,
    decided_on,
    key_lines_of_enquiry: str,
    actor: User | None,
    basis: str = "",
    basis_reason: str = "",
) -> Lcspr:
    """The LCSPR record, from the CRG's decision to proceed: its decision date starts
    the six-month `lcspr_complete` deadline (§3.1.2). Opening it twice changes nothing.

    `basis`: what the decision itself says of the case (§1.4.5), when it does; otherwise
    the Business Office records it on the "Set up the review" page."""
    existing = Lcspr.objects.for_partnership(case.partnership).filter(case=case).first()
    if existing is not None:
        return existing
    lcspr = Lcspr(
        case=case,
        decided_on=decided_on,
        key_lines_of_enquiry=key_lines_of_enquiry,
        basis=basis,
        basis_reason=basis_reason,
        created_by=actor,
    )
    _save(lcspr, actor, "LCSPR commissioned by the Case Review Group")
    # Scheduled by the system: whoever signed last need not be one who plans dates.
    deadlines_schedule(
        case=case,
        event=Event.LCSPR_DECISION,
        event_date=decided_on,
        actor=None,
        reason="Decision to proceed to an LCSPR",
    )
    logger.info("case %s: LCSPR opened", case.reference)
    return lcspr


def on_lcspr_commissioned(
    sender, *, case, decided_on, key_lines_of_enquiry, actor, **kwargs
) -> None:
    """Every decision to proceed opens the LCSPR: the Rapid Review's (a notified serious
    incident, or a referral decided at its CRG decision, §4.9) and the CRG's decision on a
    care death to hold a local review (§1.3.5).

    A notified serious incident is a serious child safeguarding case; a care death's local
    review is for its learning (§1.4.5), the CRG's rationale its reason; a referral's
    basis is recorded on the set-up page."""
    from cases.models import Notification
    from rapidreview.models import CareDeathDecision

    basis, reason = "", ""
    if sender is CareDeathDecision:
        basis = ReviewBasis.LEARNING
        decision = CareDeathDecision.objects.for_partnership(case.partnership).filter(case=case)
        reason = getattr(decision.first(), "rationale", "")
    elif Notification.objects.for_partnership(case.partnership).filter(case=case).exists():
        basis = ReviewBasis.SERIOUS
    lcspr_open(
        case=case,
        decided_on=decided_on,
        key_lines_of_enquiry=key_lines_of_enquiry,
        actor=actor,
        basis=basis,
        basis_reason=reason,
    )
