"""What the apps downstream of `cases` refuse a case's closing for.

Dependencies point one way (cases <- rapidreview <- reviews <- publication), so
`case_stage_set`, which lives in `cases`, does not import them: each registers a check
that takes the case and returns why it cannot close ("" when it can).
"""

from __future__ import annotations

from collections.abc import Callable

from cases.models import Case

_checks: list[Callable[[Case], str]] = []


def register_close_check(check: Callable[[Case], str]) -> Callable[[Case], str]:
    if check not in _checks:
        _checks.append(check)
    return check


def close_refusal(case: Case) -> str:
    """The first registered reason the case cannot close, or ""."""
    for check in _checks:
        reason = check(case)
        if reason:
            return reason
    return ""
