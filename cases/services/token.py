"""API tokens: made for one membership, stored as a digest, revocable."""

import hashlib
import logging
import secrets

from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import ApiToken, Membership, User

logger = logging.getLogger(__name__)


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
