"""Duplicate protection for creates through the API: an `Idempotency-Key` answers the first
response again rather than creating a second case (issue 11, item 5)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import IdempotencyKey, Partnership, User

KEY_LIFETIME = timedelta(hours=24)
KEY_REUSED = (
    "This Idempotency-Key was sent before with a different request. Send a new key with "
    "each new request, and the same key only to repeat one exactly."
)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict
    replayed: bool


def request_digest(*, path: str, body: object) -> str:
    """The request as sent, in a form that does not depend on the order of its keys."""
    canonical = json.dumps([path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def idempotent_create(
    *,
    user: User,
    partnership: Partnership,
    key: str,
    digest: str,
    create: Callable[[], tuple[dict, int]],
) -> Outcome:
    """Claim the key, then create, in one transaction. A second request with the key waits
    on the unique constraint until the first commits, then answers its response; if the
    first failed, nothing was claimed and the second creates."""
    now = timezone.now()
    claim = IdempotencyKey(
        partnership=partnership,
        user=user,
        key=key,
        request_digest=digest,
        expires_at=now + KEY_LIFETIME,
    )
    claim._history_user = user
    try:
        with transaction.atomic():
            mine = IdempotencyKey.objects.for_partnership(partnership).filter(user=user, key=key)
            for expired in mine.filter(expires_at__lte=now):
                expired._change_reason = "Idempotency key expired"
                expired.delete()
            claim._change_reason = "Idempotency key claimed"
            claim.save()
    except IntegrityError:
        # Found only in this partnership: the same key sent to the other one is another
        # request, and its answer is not this token's to see.
        first = mine.first()
        if first is None or first.request_digest != digest:
            raise ApplicationError(KEY_REUSED, field="Idempotency-Key") from None
        return Outcome(status=first.response_status, body=first.response_body, replayed=True)
    body, status = create()
    claim.response_status, claim.response_body = status, body
    claim._change_reason = "Idempotency key answered"
    claim.save(update_fields=["response_status", "response_body"])
    return Outcome(status=status, body=body, replayed=False)
