"""What the apps downstream of `cases` add to a person's dashboard.

Dependencies point one way (cases <- rapidreview <- reviews <- publication), so the
dashboard, which lives in `cases`, does not import them: each registers a function that
takes the scope and returns its part of the page's context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cases.tenancy import Scope


@dataclass(frozen=True)
class WorkItem:
    """One thing the signed-in person must do on a case, under "Your work" on the
    dashboard: the LCSPR's parts register these (declarations to make, terms of reference
    to agree, actions to finish)."""

    case_reference: str
    text: str  # what to do, without the child's name or the case's content
    url: str
    due_on: object = None  # a date, or None


_sections: list[Callable[[Scope], dict]] = []
_work: list[Callable[[Scope], list[WorkItem]]] = []


def register_work(reader: Callable[[Scope], list[WorkItem]]) -> Callable[[Scope], list[WorkItem]]:
    _work.append(reader)
    return reader


def register(section: Callable[[Scope], dict]) -> Callable[[Scope], dict]:
    _sections.append(section)
    return section


def sections(scope: Scope) -> dict:
    context: dict = {}
    for section in _sections:
        context.update(section(scope))
    items = [item for reader in _work for item in reader(scope)]
    context["work_items"] = sorted(
        items, key=lambda item: (item.due_on is None, str(item.due_on or ""), item.case_reference)
    )
    return context
