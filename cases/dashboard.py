"""What the apps downstream of `cases` add to a person's dashboard.

Dependencies point one way (cases <- rapidreview <- reviews <- publication), so the
dashboard, which lives in `cases`, does not import them: each registers a function that
takes the scope and returns its part of the page's context.
"""

from __future__ import annotations

from collections.abc import Callable

from cases.tenancy import Scope

_sections: list[Callable[[Scope], dict]] = []


def register(section: Callable[[Scope], dict]) -> Callable[[Scope], dict]:
    _sections.append(section)
    return section


def sections(scope: Scope) -> dict:
    context: dict = {}
    for section in _sections:
        context.update(section(scope))
    return context
