from cases.selectors import memberships_for
from cases.tenancy import Scope

ACTIVE_MEMBERSHIP_SESSION_KEY = "active_membership_id"


def scope_for_request(request, memberships) -> Scope | None:
    """The signed-in user's scope: their only membership, or the one they chose.

    A user with several memberships gets no scope until they choose one, so data
    of two partnerships is never mixed on a page.
    """
    user = request.user
    chosen = request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return Scope(user=user, membership=membership)
    if len(memberships) == 1:
        return Scope(user=user, membership=memberships[0])
    return None


class ScopeMiddleware:
    """Puts `request.scope` (a Scope, or None) on every request, after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = (
            list(memberships_for(request.user)) if request.user.is_authenticated else []
        )
        request.scope = scope_for_request(request, request.memberships)
        return self.get_response(request)
