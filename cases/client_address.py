"""The address a request came from, for lockout (django-axes) and the access log.

Behind the TLS proxy (`BEHIND_TLS_PROXY`) every connection comes from the proxy, so
the client is the address the proxy appended to `X-Forwarded-For`: the rightmost
entry. Entries to its left were sent by the client and can say anything, so they
are never read. Without the proxy the header is ignored, or anyone could dodge the
lockout (or pin it on someone else) by sending it.
"""

from ipaddress import ip_address

from django.conf import settings


def client_ip_address(request) -> str | None:
    """The real client's address; `AXES_CLIENT_IP_CALLABLE` names this function."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.BEHIND_TLS_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    rightmost = forwarded.rsplit(",", 1)[-1].strip()
    try:
        return str(ip_address(rightmost))
    except ValueError:
        # No header (a health check from the host itself) or a proxy that breaks the
        # contract: the connection's own address is all that is known.
        return remote
