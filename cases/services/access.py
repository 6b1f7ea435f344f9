"""The access log: one append-only row per sign-in event and per read of a case record."""

from __future__ import annotations

import logging
import re

from django.core.cache import cache

from cases.client_address import client_ip_address
from cases.models import AccessEvent, Partnership, User
from cases.tenancy import Scope

logger = logging.getLogger(__name__)

UNKNOWN_ACCOUNT = "(no such account)"
# PREFIX-YEAR-NNNN, as case_open makes them (cases/services/case.py).
CASE_REFERENCE_SHAPE = re.compile(r"[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{4,9}")
# Refusals of requests with no account behind them go to the system log only, and at
# most this many a minute: anyone can send them, as fast as they like.
ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE = 30
_ANONYMOUS_REFUSALS_KEY = "access-log:anonymous-refusals"


def is_case_reference(text: str) -> bool:
    return CASE_REFERENCE_SHAPE.fullmatch(text) is not None


def _partnership_of_reference(reference: str) -> Partnership | None:
    """The partnership a case reference belongs to, from its prefix (LSCP-, LRSCP-)."""
    prefix = reference.split("-", 1)[0] if reference else ""
    return Partnership.objects.filter(reference_prefix=prefix).first() if prefix else None


def anonymous_refusal_log(*, route: str, status_code: int) -> bool:
    """Note a refused request from nobody signed in in the system log, never the access log.

    Whatever such a request names is the sender's own text: only the route and the
    status are written. Returns whether this one was logged.
    """
    try:
        cache.add(_ANONYMOUS_REFUSALS_KEY, 0, timeout=60)
        count = cache.incr(_ANONYMOUS_REFUSALS_KEY)
    except ValueError:  # the minute ended between the two calls
        count = 1
    except Exception:  # noqa: BLE001 - a cache outage must not turn a refusal into a 500
        logger.warning("refused anonymous request: route=%s status=%s", route, status_code)
        return True
    if count <= ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE:
        logger.warning("refused anonymous request: route=%s status=%s", route, status_code)
        return True
    if count == ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE + 1:
        logger.warning("more refused anonymous requests this minute: not logged")
    return False


def access_record(
    *,
    request,
    action: str,
    user: User | None = None,
    username: str = "",
    scope: Scope | None = None,
    object_type: str = "",
    object_reference: str = "",
    route: str = "",
    status_code: int | None = None,
    purpose: str = "",
) -> AccessEvent:
    """Write one access log row. It names records by reference only, never by content.

    A username typed at sign-in is kept only when it names an account: what someone
    types there may be anything, even their password.
    """
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if user is None and username:
        user = User.objects.filter(username=username).first()
    # Only a well-formed reference is kept: anything else in a URL is the sender's text.
    # And a case's partnership sees only what someone with an account did to its cases.
    if not is_case_reference(object_reference):
        object_reference = ""
    event = AccessEvent.objects.create(
        user=user,
        username=user.username if user else (UNKNOWN_ACCOUNT if username else ""),
        case_partnership=_partnership_of_reference(object_reference) if user else None,
        role=scope.role if scope else "",
        partnership=scope.partnership if scope else None,
        agency=scope.agency if scope else None,
        action=action,
        object_type=object_type,
        object_reference=object_reference,
        route=route,
        status_code=status_code,
        ip_address=client_ip_address(request) if request is not None else None,
        purpose=purpose,
    )
    logger.info(
        "access: user=%s action=%s object=%s %s status=%s",
        event.username,
        action,
        object_type,
        object_reference,
        status_code,
    )
    return event
