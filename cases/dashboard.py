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


# Issue 18: how many items each of the dashboard's lists shows, the most urgent first; a
# list with more says how many and links to its full, paginated page.
SHOWN = 10


class WorkList(list):
    """A bounded reader's items (at most the `limit` it was asked for) with how many there
    are in all, so that the dashboard's count never hides one."""

    def __init__(self, items, total: int):
        super().__init__(items)
        self.total = total


_sections: list[Callable[[Scope], dict]] = []
_work: list[tuple[Callable, bool]] = []


def register_work(reader: Callable[[Scope], list[WorkItem]]) -> Callable[[Scope], list[WorkItem]]:
    _work.append((reader, False))
    return reader


def register_bounded_work(reader: Callable[..., WorkList]) -> Callable[..., WorkList]:
    """A reader of a list that can be long: called as `reader(scope, limit=N)`, it returns
    at most N items, first in `work_order`, ordered and limited in SQL, with the total;
    `limit=None` returns them all."""
    _work.append((reader, True))
    return reader


def register(section: Callable[[Scope], dict]) -> Callable[[Scope], dict]:
    _sections.append(section)
    return section


def work_order(item: WorkItem):
    """Soonest due first, then those without a date, each by case reference."""
    return (item.due_on is None, str(item.due_on or ""), item.case_reference)


def work(scope: Scope, *, limit: int | None = None) -> tuple[list[WorkItem], int]:
    """The person's work items in `work_order` (the first `limit` of them) and how many
    there are. Each bounded reader gives its first `limit` in the same order, so the first
    `limit` of them all are among those read."""
    items: list[WorkItem] = []
    total = 0
    for reader, bounded in _work:
        found = reader(scope, limit=limit) if bounded else reader(scope)
        items.extend(found)
        total += found.total if isinstance(found, WorkList) else len(found)
    items.sort(key=work_order)
    return (items if limit is None else items[:limit]), total


def sections(scope: Scope) -> dict:
    context: dict = {}
    for section in _sections:
        context.update(section(scope))
    context["work_items"], context["work_total"] = work(scope, limit=SHOWN)
    return context
