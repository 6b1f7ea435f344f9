"""Personal calendar feeds: a secret URL per user, revocable, of their deadlines."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from cases.models import CalendarFeed, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A new feed for the user (any earlier one is revoked); return its secret, shown once."""
    calendar_feeds_revoke(user=user, reason="Replaced by a new feed")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=user, token_digest=_digest(token))
    feed._history_user = user
    feed._change_reason = "Calendar feed created"
    feed.save()
    return token


def calendar_feeds_revoke(*, user: User, reason: str) -> int:
    revoked = 0
    for feed in CalendarFeed.objects.filter(user=user, revoked_at__isnull=True):
        feed.revoked_at = timezone.now()
        feed._change_reason = reason
        feed.save(update_fields=["revoked_at"])
        revoked += 1
    return revoked


def calendar_feed_owner(*, token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None
