"""Slippage: how each open case stands against each statutory milestone that applies to
its partnership (cases/timescales.py), as a RAG cell that also says in words what it is.

A milestone is one of the timescales table's duties: an earliest date ("not before", the
Rapid Review meeting's first day, §4.4.2, or the report's year online, §10.5.2) is
nothing to do by a date, so it cannot slip and has no column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cases.models import DeadlineStatus
from cases.timescales import NOT_DUTIES, TIMESCALES, Timescale
from cases.workdays import WorkingCalendar

# At risk: open and due within this many working days. The shortest statutory steps take
# two working days (information requests sent within 2 working days of the notification,
# §4.3.3; the Rapid Review's report due 2 working days after its meeting's window closes,
# §4.4.2 and §3.1.2): a date nearer than those two days and one to act on them is at risk,
# as it can no longer be met by starting the step the day it is seen. It is shorter than
# the deadlines' own "due soon" reminder (cases.selectors.DUE_SOON_WORKING_DAYS, 5), which
# has told the people concerned before a date is flagged here.
AT_RISK_WORKING_DAYS = 3


class Level(StrEnum):
    """A milestone's standing, worst first (the order the risk sort reads)."""

    MISSED = "missed"  # missed, or open past its date
    AT_RISK = "at_risk"  # open and due within AT_RISK_WORKING_DAYS working days
    DUE = "due"  # open, not yet at risk
    WAIVED = "waived"
    MET = "met"
    NONE = "none"  # the case has no such deadline

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def colour(self) -> str:
        """The GOV.UK tag's colour; the label says the same in words (WCAG 1.4.1)."""
        return LEVEL_COLOURS[self]


LEVEL_LABELS = {
    Level.MISSED: "Missed",
    Level.AT_RISK: "At risk",
    Level.DUE: "Due",
    Level.WAIVED: "Waived",
    Level.MET: "Met",
    Level.NONE: "No deadline",
}
LEVEL_COLOURS = {
    Level.MISSED: "red",
    Level.AT_RISK: "orange",
    Level.DUE: "blue",
    Level.WAIVED: "grey",
    Level.MET: "green",
    Level.NONE: "",
}


def milestones(partnership) -> list[Timescale]:
    """The statutory milestones that apply to the partnership, in the table's order."""
    return [t for t in TIMESCALES if t.kind not in NOT_DUTIES and t.applies_to(partnership)]


def at_risk_until(today: date, cal: WorkingCalendar) -> date:
    """The last day an open date due on it is at risk: AT_RISK_WORKING_DAYS working days on."""
    return cal.add(today, AT_RISK_WORKING_DAYS)


def level_of(*, status: str, due_date: date, today: date, risk_until: date) -> Level:
    """A deadline's level today. reporting/selectors/slippage.py counts the same in SQL."""
    if status == DeadlineStatus.MET:
        return Level.MET
    if status == DeadlineStatus.MISSED:
        return Level.MISSED
    if status == DeadlineStatus.WAIVED:
        return Level.WAIVED
    if due_date < today:
        return Level.MISSED
    if due_date <= risk_until:
        return Level.AT_RISK
    return Level.DUE


@dataclass(frozen=True)
class Cell:
    """One case's standing against one milestone, with what the page says of it."""

    level: Level
    due_date: date | None = None
    completed_on: date | None = None
    working_days_left: int | None = None  # for an open date not yet past


NO_DEADLINE = Cell(level=Level.NONE)


def cell_of(deadline, *, today: date, risk_until: date, cal: WorkingCalendar) -> Cell:
    """The cell of a deadline (a cases.Deadline, or anything with its fields), or of none."""
    if deadline is None:
        return NO_DEADLINE
    level = level_of(
        status=deadline.status, due_date=deadline.due_date, today=today, risk_until=risk_until
    )
    is_open = deadline.status == DeadlineStatus.OPEN
    return Cell(
        level=level,
        due_date=deadline.due_date,
        completed_on=deadline.completed_on,
        working_days_left=cal.between(today, deadline.due_date)
        if is_open and deadline.due_date >= today
        else None,
    )


# How the list can be sorted (`?sort=`): the risk sort by default. A leading "-" is the
# other way round.
SORT_RISK = "risk"
SORT_REFERENCE = "reference"
SORT_OPENED = "opened"
SORTS = (SORT_RISK, SORT_REFERENCE, f"-{SORT_REFERENCE}", SORT_OPENED, f"-{SORT_OPENED}")


def sort_of(asked: str | None) -> str:
    """The sort asked for, or the risk sort for anything else."""
    return asked if asked in SORTS else SORT_RISK


@dataclass(frozen=True)
class SortHeader:
    """A sortable column's heading: the sort its link asks for, and its `aria-sort`."""

    label: str
    link: str
    aria_sort: str  # "ascending", "descending" or "none"


def sort_headers(current: str) -> dict[str, SortHeader]:
    """The sortable headings, by sort name. The risk sort is worst first; the others go up
    at the first click and down at the next."""

    def flipping(name: str, label: str) -> SortHeader:
        if current == name:
            return SortHeader(label, f"-{name}", "ascending")
        if current == f"-{name}":
            return SortHeader(label, name, "descending")
        return SortHeader(label, name, "none")

    return {
        SORT_REFERENCE: flipping(SORT_REFERENCE, "Case"),
        SORT_OPENED: flipping(SORT_OPENED, "Opened"),
        SORT_RISK: SortHeader("Risk", SORT_RISK, "descending" if current == SORT_RISK else "none"),
    }
