"""Every state change of cases, people and tokens. Views, API and tasks call these."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import ApiToken, Case, Membership, Partnership, Role, Stage, User

logger = logging.getLogger(__name__)

CASE_REFERENCE_DIGITS = 4


def _next_case_reference(*, partnership: Partnership, year: int) -> str:
    """The next free reference for the partnership and year; call inside a locking transaction."""
    prefix = f"{partnership.reference_prefix}-{year}-"
    latest = (
        Case.objects.for_partnership(partnership)
        .filter(reference__startswith=prefix)
        .aggregate(latest=Max("reference"))["latest"]
    )
    number = int(latest.removeprefix(prefix)) + 1 if latest else 1
    return f"{prefix}{number:0{CASE_REFERENCE_DIGITS}d}"


def case_open(
    *,
    partnership: Partnership,
    opened_on: date,
    actor: User | None,
    stage: str = Stage.INTAKE,
    lead_officer: User | None = None,
    reason: str = "Case opened",
) -> Case:
    """Open a case with the partnership's next reference (PREFIX-YEAR-NNNN)."""
    if (
        actor is not None
        and not Membership.objects.filter(
            user=actor,
            partnership=partnership,
            role=Role.BUSINESS_OFFICE,
            is_active=True,
        ).exists()
    ):
        raise ApplicationError("Only the partnership's Business Office can open a case.")
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
        case = Case(
            partnership=partnership,
            reference=_next_case_reference(partnership=partnership, year=opened_on.year),
            stage=stage,
            opened_on=opened_on,
            lead_officer=lead_officer,
        )
        case._history_user = actor
        case._change_reason = reason
        case.full_clean()
        case.save()

        from cases.tasks import case_opened_notify

        transaction.on_commit(
            lambda: case_opened_notify.delay(partnership_id=partnership.pk, case_id=case.pk)
        )
    logger.info("case opened: %s", case.reference)
    return case


def case_stage_set(*, case: Case, stage: str, actor: User | None, reason: str) -> Case:
    if not reason.strip():
        raise ApplicationError("Give a reason for moving the case.", field="reason")
    with transaction.atomic():
        case.stage = stage
        case.full_clean()
        case._history_user = actor
        case._change_reason = reason
        case.save(update_fields=["stage", "updated_at"])
    return case


def _token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, membership: Membership, reason: str = "API token created") -> str:
    """Make a token for the membership and return its key: the only time it is seen."""
    if not membership.is_active or not membership.user.is_active:
        raise ApplicationError("The membership or its user is not active.")
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=membership.user,
        membership=membership,
        key_digest=_token_digest(key),
        key_prefix=key[:8],
    )
    token._change_reason = reason
    token.save()
    logger.info("api token id %s created for user id %s", token.pk, membership.user_id)
    return key


def api_token_revoke(*, token: ApiToken, actor: User | None, reason: str) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token._history_user = actor
        token._change_reason = reason
        token.save(update_fields=["revoked_at"])
        logger.info("api token id %s revoked", token.pk)
    return token


def api_token_authenticate(*, key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "membership__partnership", "membership__agency")
        .filter(key_digest=_token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or not token.membership.is_active:
        return None
    return token
