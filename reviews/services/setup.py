"""Setting up the review: its basis (§1.4.5) and the Police representative's liaison
(§6.2.3)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from reviews.models import Lcspr, LearningKind, PoliceLiaison, ReviewBasis
from reviews.rules import ReviewConflict
from reviews.selectors.setup import POLICE_LIAISON_WRITERS, police_liaison_writer

logger = logging.getLogger(__name__)


@transaction.atomic
def lcspr_basis_record(
    *, lcspr: Lcspr, basis: str, learning_kind: str, reason: str, version: int, actor: User | None
) -> Lcspr:
    """Record why the case is reviewed: a serious child safeguarding case, or one that is
    not but raises learning (§1.4.5: good practice, poor practice, a near miss or other),
    with the CRG's reason, which §1.4.5 needs."""
    require(
        actor,
        lcspr.case.partnership,
        Action.MANAGE_REVIEW,
        "Only the Business Office or the CRG chair sets up the review.",
    )
    lcspr = (
        Lcspr.objects.for_partnership(lcspr.case.partnership).select_for_update().get(pk=lcspr.pk)
    )
    if lcspr.version != version:
        raise ReviewConflict()
    if basis not in ReviewBasis.values:
        raise ApplicationError("Choose the basis of the review.", field="basis")
    if basis == ReviewBasis.LEARNING:
        if learning_kind not in LearningKind.values:
            raise ApplicationError(
                "Choose the learning the case raises (§1.4.5).", field="learning_kind"
            )
        if not reason.strip():
            raise ApplicationError(
                "Give the CRG's reason for reviewing a case that is not a serious child "
                "safeguarding case (§1.4.5).",
                field="basis_reason",
            )
    lcspr.basis = basis
    lcspr.learning_kind = learning_kind if basis == ReviewBasis.LEARNING else ""
    lcspr.basis_reason = reason.strip()
    lcspr.basis_recorded_at = timezone.now()
    lcspr.basis_recorded_by = actor
    lcspr.version += 1
    _save(lcspr, actor, f"Basis of the review: {ReviewBasis(basis).label}")
    logger.info("case %s: basis of the review recorded", lcspr.case.reference)
    return lcspr


def _liaison_locked(lcspr: Lcspr) -> PoliceLiaison | None:
    rows = PoliceLiaison.objects.for_partnership(lcspr.case.partnership).select_for_update()
    return rows.filter(lcspr=lcspr).first()


@transaction.atomic
def police_liaison_save(
    *,
    lcspr: Lcspr,
    actor: User,
    senior_investigating_officer: str,
    crown_prosecution_service_contact: str,
    family_liaison: str,
    version: int,
) -> PoliceLiaison:
    """The Police representative's liaison (§6.2.3): the review team's record, written by
    the Business Office, the review's Reviewer or its Panel member for the Police
    (`police_liaison_writer`). `version` is the one the form was opened at (0 for a first
    save): a mismatch is a conflict, and so is a first save that another first save beat
    to it (the one-to-one's unique constraint), never an error page."""
    require(
        actor,
        lcspr.case.partnership,
        Action.VIEW_REVIEW_TEAM_RECORDS,
        "Only the review team records the Police liaison.",
    )
    if actor is not None and not police_liaison_writer(user=actor, lcspr=lcspr):
        raise ApplicationError(POLICE_LIAISON_WRITERS)
    liaison = _liaison_locked(lcspr)
    current = liaison.version if liaison is not None else 0
    if current != version:
        raise ReviewConflict()
    if liaison is None:
        liaison = PoliceLiaison(lcspr=lcspr, version=0)
    liaison.senior_investigating_officer = senior_investigating_officer.strip()
    liaison.crown_prosecution_service_contact = crown_prosecution_service_contact.strip()
    liaison.family_liaison = family_liaison.strip()
    liaison.version += 1
    liaison.updated_by = actor
    try:
        with transaction.atomic():  # a savepoint: the first save that lost the race
            # The unique lcspr is the database's to check, at the insert: full_clean's
            # earlier look would name a field the form does not have.
            _save(liaison, actor, "Police liaison recorded (§6.2.3)", exclude=["lcspr"])
    except IntegrityError as error:
        raise ReviewConflict() from error
    logger.info("case %s: police liaison recorded", lcspr.case.reference)
    return liaison
