from rest_framework.permissions import BasePermission

from cases.models import ApiToken
from cases.tenancy import Scope


def api_scope(request) -> Scope | None:
    """A token fixes its membership; a browser session uses the organisation chosen there."""
    if isinstance(request.auth, ApiToken):
        return Scope(user=request.user, membership=request.auth.membership)
    return getattr(request._request, "scope", None)


class HasScope(BasePermission):
    """The request has a scope, and the scope's role may do the view's `required_action`."""

    message = "Choose an organisation before using the API, or use an API token."

    def has_permission(self, request, view):
        scope = api_scope(request)
        if scope is None:
            return False
        request.scope = scope
        request._request.scope = scope  # for the access log, which sees the Django request
        action = getattr(view, "required_action", None)
        if action is not None and not scope.can(action):
            self.message = "Your role does not give access to this endpoint."
            return False
        return True
