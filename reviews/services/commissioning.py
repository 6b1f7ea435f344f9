"""Commissioning the LCSPR from the CRG's decision to proceed (§4.6.2, §4.9, §3.1.2)."""

from __future__ import annotations

import logging

from django.db import transaction

from cases.models import Case, User
from cases.services.common import validated_save as _save
from cases.services.deadline import deadlines_schedule
from cases.timescales import Event
from reviews.models import Lcspr

logger = logging.getLogger(__name__)


@transaction.atomic
def lcspr_open(*, case: Case, decided_on, key_lines_of_enquiry: str, actor: User | None) -> Lcspr:
    """The LCSPR record, from the CRG's decision to proceed: its decision date starts
    the six-month `lcspr_complete` deadline (§3.1.2). Opening it twice changes nothing."""
    existing = Lcspr.objects.for_partnership(case.partnership).filter(case=case).first()
    if existing is not None:
        return existing
    lcspr = Lcspr(
        case=case,
        decided_on=decided_on,
        key_lines_of_enquiry=key_lines_of_enquiry,
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
    lcspr_open(
        case=case, decided_on=decided_on, key_lines_of_enquiry=key_lines_of_enquiry, actor=actor
    )
