"""The Case Review Group's scheduled meetings, as the referral path reads them (§4.9).

The meeting calendar lives in `rapidreview`, downstream of `cases` (cases <- rapidreview
<- reviews <- publication), so `cases` does not import it: `rapidreview` registers its
reader here when the app is ready, as it registers its dashboard section
(cases/dashboard.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cases.models import Partnership


@dataclass(frozen=True)
class ScheduledMeeting:
    held_on: date
    label: str


_readers: list[Callable[[Partnership, date], list[ScheduledMeeting]]] = []


def register(
    reader: Callable[[Partnership, date], list[ScheduledMeeting]],
) -> Callable[[Partnership, date], list[ScheduledMeeting]]:
    _readers.append(reader)
    return reader


def scheduled_after(partnership: Partnership, day: date) -> list[ScheduledMeeting]:
    """The partnership's scheduled CRG meetings strictly after `day`, soonest first, one a
    day: the referral path records the day of its meeting."""
    found = [meeting for reader in _readers for meeting in reader(partnership, day)]
    by_day: dict[date, ScheduledMeeting] = {}
    for meeting in sorted(found, key=lambda meeting: meeting.held_on):
        by_day.setdefault(meeting.held_on, meeting)
    return list(by_day.values())
