"""What the apps downstream of `cases` add to a case's timeline and to its next action.

Dependencies point one way (cases <- rapidreview <- reviews <- publication), so the
case's timeline and "where the case stands", which live in `cases`, do not import them:
each app registers functions that take the case and return its own events, or its own
open tasks, as the dataclasses below (like `cases/dashboard.py` for the dashboard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.models import Case


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    title: str
    by: str
    reason: str


@dataclass(frozen=True)
class NextAction:
    """Something still to be done on the case, by a date, by someone."""

    due_on: date
    what: str
    who: str
    overdue: bool = False


_event_sources: list[Callable[[Case], list[TimelineEvent]]] = []
_action_sources: list[Callable[[Case], list[NextAction]]] = []


def register_events(source: Callable[[Case], list[TimelineEvent]]):
    _event_sources.append(source)
    return source


def register_actions(source: Callable[[Case], list[NextAction]]):
    _action_sources.append(source)
    return source


def events(case: Case) -> list[TimelineEvent]:
    return [event for source in _event_sources for event in source(case)]


def actions(case: Case) -> list[NextAction]:
    return [action for source in _action_sources for action in source(case)]
