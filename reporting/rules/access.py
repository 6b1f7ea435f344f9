"""Whose figures a scope sees, and whether it may see the cases behind them.

The partnership's own people see its figures (VIEW_REPORTS) and, but for the
cross-partnership role, the cases behind each (VIEW_REPORT_CASES). The cross-partnership
reporting role sees the figures of its partnership and of each partnership on its
membership's `reports_on`, side by side, and never a case: `Scope.aggregates_only`
makes every case read find nothing (cases/tenancy.py), and its drill-down is refused.
"""

from __future__ import annotations

from cases.models import Partnership
from cases.permissions import Action
from cases.tenancy import Scope


def reporting_partnerships(scope: Scope | None) -> list[Partnership]:
    """The partnerships whose figures the scope may read, by name; none without the role."""
    if scope is None or scope.partnership is None or not scope.can(Action.VIEW_REPORTS):
        return []
    if not scope.aggregates_only:
        return [scope.partnership]
    others = {p.pk: p for p in scope.membership.reports_on.all()}
    others[scope.partnership.pk] = scope.partnership
    return sorted(others.values(), key=lambda p: p.name)


def may_see_cases(scope: Scope | None) -> bool:
    """Whether the scope may list the cases behind a figure (never the cross role)."""
    return bool(
        scope is not None and not scope.aggregates_only and scope.can(Action.VIEW_REPORT_CASES)
    )
