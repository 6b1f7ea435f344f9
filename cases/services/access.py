"""The access log: one append-only row per sign-in event and per read of a case record."""

from __future__ import annotations

import logging

from cases.client_address import client_ip_address
from cases.models import AccessEvent, Partnership, User
from cases.tenancy import Scope

logger = logging.getLogger(__name__)

UNKNOWN_ACCOUNT = "(no such account)"


def _partnership_of_reference(reference: str) -> Partnership | None:
    """The partnership a case reference belongs to, from its prefix (LSCP-, LRSCP-)."""
    prefix = reference.split("-", 1)[0] if reference else ""
    return Partnership.objects.filter(reference_prefix=prefix).first() if prefix else None


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
    event = AccessEvent.objects.create(
        user=user,
        username=user.username if user else (UNKNOWN_ACCOUNT if username else ""),
        case_partnership=_partnership_of_reference(object_reference),
        role=scope.role if scope else "",
        partnership=scope.partnership if scope else None,
        agency=scope.agency if scope else None,
        action=action,
        object_type=object_type,
        # A reference typed into a URL can be any length; the log keeps what fits.
        object_reference=object_reference[
            : AccessEvent._meta.get_field("object_reference").max_length
        ],
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
