from rest_framework.throttling import SimpleRateThrottle

from cases.models import ApiToken


class ApiClientThrottle(SimpleRateThrottle):
    """Requests per token (or per browser session), so that one runaway reporting system
    cannot slow the case manager for everyone; the rate is `API_RATE_LIMIT`."""

    scope = "api_client"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            # The prefix as well as the id: ids are reused after a rollback in SQLite.
            ident = f"token-{request.auth.pk}-{request.auth.key_prefix}"
        elif request.user.is_authenticated and request._request.session.session_key:
            ident = f"session-{request._request.session.session_key}"
        else:
            return None  # refused before the view by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": ident}
