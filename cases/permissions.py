"""What each role may do: one table, checked by `Scope.can(action)`."""

from enum import StrEnum

from cases.models import Role


class Action(StrEnum):
    VIEW_CASES = "view_cases"
    READ_API = "read_api"


_PARTNERSHIP_ROLES = frozenset(role for role in Role if role != Role.AGENCY_USER)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    # Everyone who works for the partnership reads its cases; agency users only
    # ever see the requests addressed to their agency.
    Action.VIEW_CASES: _PARTNERSHIP_ROLES,
    Action.READ_API: _PARTNERSHIP_ROLES,
}


def role_can(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(Action(action), frozenset())
