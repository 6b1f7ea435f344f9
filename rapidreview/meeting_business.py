"""What else is on a CRG meeting's business, as the apps downstream of `rapidreview` add it.

A CRG meeting agrees an LCSPR's terms of reference (§5.1.3) and their significant changes
(§5.3.1), decides the issues a Panel or Reviewer refers to it (§5.1.2) and considers a
review's delays (§3.1.3). `reviews` is downstream of `rapidreview`, so it registers a
reader here when the app is ready; the meeting page lists what every reader returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cases.tenancy import Scope
from rapidreview.models import CrgMeeting


@dataclass(frozen=True)
class BusinessItem:
    case_reference: str
    title: str  # what the CRG is asked to do, e.g. "Agree the terms of reference (version 2)"
    url: str  # where the item is recorded
    decided: bool = False  # recorded already


_readers: list[Callable[[CrgMeeting, Scope], list[BusinessItem]]] = []


def register(
    reader: Callable[[CrgMeeting, Scope], list[BusinessItem]],
) -> Callable[[CrgMeeting, Scope], list[BusinessItem]]:
    _readers.append(reader)
    return reader


def business(meeting: CrgMeeting, scope: Scope) -> list[BusinessItem]:
    """The meeting's LCSPR business the scope may see, by case reference."""
    items = [item for reader in _readers for item in reader(meeting, scope)]
    return sorted(items, key=lambda item: (item.case_reference, item.title))
