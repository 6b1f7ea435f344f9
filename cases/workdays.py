"""The working-day engine: pure functions on a calendar value.

A working day is Monday to Friday, less England & Wales bank holidays (the
`holidays` package, GB / ENG, for any year asked) and less the closure days a
partnership records. "N working days after D" is the Nth working day strictly
after D, D itself being day 0 whatever day it is; "before" counts back the same
way (DESIGN.md, "Timescales").

Each calendar keeps a table of working-day ordinals over whole years, extended
lazily when a date outside it is asked for, so that every call is a couple of
list look-ups (O(1), and never a day-by-day walk), and `add_many` does the same
for a whole array of dates at once with numpy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import holidays
import numpy as np

SATURDAY, SUNDAY = 5, 6


@cache
def bank_holidays(year: int) -> dict[date, str]:
    """England & Wales bank holidays of one year, with their names."""
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


@dataclass(frozen=True)
class NonWorkingDay:
    day: date
    reason: str  # "Saturday", "Sunday", a bank holiday's name, or the closure's


@dataclass(eq=False)
class WorkingCalendar:
    """Working days for one partnership: weekends, bank holidays and its closure days."""

    closures: dict[date, str] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._first_year = self._last_year = None
        self._base = 0  # ordinal of 1 January of the first year in the table
        # _before[i]: working days strictly before the day with ordinal base + i
        # (one extra entry at the end); _working: ordinals of the working days.
        self._before: list[int] = []
        self._working: list[int] = []
        self._working_dates: list[date] = []

    # --- the table ---------------------------------------------------------------

    def _ensure(self, *days: date) -> None:
        low = min(d.year for d in days) - 1
        high = max(d.year for d in days) + 1
        if self._first_year is not None and low >= self._first_year and high <= self._last_year:
            return
        with self._lock:
            first = low if self._first_year is None else min(low, self._first_year)
            last = high if self._last_year is None else max(high, self._last_year)
            self._build(first, last)

    def _build(self, first_year: int, last_year: int) -> None:
        base = date(first_year, 1, 1).toordinal()
        end = date(last_year + 1, 1, 1).toordinal()
        off = {
            d.toordinal() for year in range(first_year, last_year + 1) for d in bank_holidays(year)
        }
        off.update(d.toordinal() for d in self.closures)
        before, working, count = [], [], 0
        for ordinal in range(base, end):
            before.append(count)
            # date.fromordinal(1) is a Monday: ordinal % 7 gives Sunday=0 ... Saturday=6.
            if ordinal % 7 not in (0, 6) and ordinal not in off:
                working.append(ordinal)
                count += 1
        before.append(count)
        self._base, self._before, self._working = base, before, working
        self._working_dates = [date.fromordinal(o) for o in working]
        self._first_year, self._last_year = first_year, last_year

    # --- questions --------------------------------------------------------------

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None if it is one."""
        if day in self.closures:
            return self.closures[day] or "Office closed"
        if name := bank_holidays(day.year).get(day):
            return name
        if day.weekday() in (SATURDAY, SUNDAY):
            return day.strftime("%A")
        return None

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    # The three hot calls go straight to the table and only fall back to growing
    # it (an IndexError, or a date before its start) when a date lies outside it.

    def add(self, day: date, n: int) -> date:
        """The Nth working day strictly after `day` (n=0 is `day` itself)."""
        if n <= 0:
            return day if n == 0 else self.subtract(day, -n)
        offset = day.toordinal() + 1 - self._base
        if offset > 0:
            try:
                return self._working_dates[self._before[offset] + n - 1]
            except IndexError:
                pass
        self._ensure(day, day + timedelta(days=n * 2 + 30))
        while (index := self._before[day.toordinal() + 1 - self._base] + n - 1) >= len(
            self._working_dates
        ):  # a long run of closure days: grow further
            self._ensure(self._working_dates[-1] + timedelta(days=400))
        return self._working_dates[index]

    def subtract(self, day: date, n: int) -> date:
        """The Nth working day strictly before `day` (n=0 is `day` itself)."""
        if n <= 0:
            return day if n == 0 else self.add(day, -n)
        offset = day.toordinal() - self._base
        if offset >= 0:
            try:
                index = self._before[offset] - n
                if index >= 0:
                    return self._working_dates[index]
            except IndexError:
                pass
        self._ensure(day - timedelta(days=n * 2 + 30), day)
        while (index := self._before[day.toordinal() - self._base] - n) < 0:
            self._ensure(date.fromordinal(self._base) - timedelta(days=400))
        return self._working_dates[index]

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start).

        So that `between(d, add(d, n)) == n` for every d and n.
        """
        base = self._base - 1
        low = start.toordinal() - base
        high = end.toordinal() - base
        if low > 0 and high > 0:
            try:
                return self._before[high] - self._before[low]
            except IndexError:
                pass
        self._ensure(start, end)
        return (
            self._before[end.toordinal() + 1 - self._base]
            - self._before[start.toordinal() + 1 - self._base]
        )

    def previous_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the last one before it ("no later than")."""
        return day if self.is_working_day(day) else self.subtract(day, 1)

    def next_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first one after it ("not before")."""
        return day if self.is_working_day(day) else self.add(day, 1)

    def non_working_days(self, start: date, end: date) -> list[NonWorkingDay]:
        """The days skipped between two dates (both excluded), each with its reason."""
        low, high = min(start, end), max(start, end)
        days = (low + timedelta(days=i) for i in range(1, (high - low).days))
        return [
            NonWorkingDay(day, reason)
            for day in days
            if (reason := self.non_working_reason(day)) is not None
        ]

    # --- batch form -----------------------------------------------------------

    def add_many(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """`add` over arrays: datetime64[D] dates and non-negative day counts."""
        ordinals = days.astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
        self._ensure(
            date.fromordinal(int(ordinals.min())),
            date.fromordinal(int(ordinals.max()) + int(n.max()) * 2 + 30),
        )
        before = np.asarray(self._before, dtype=np.int64)
        working = np.asarray(self._working, dtype=np.int64)
        index = before[ordinals + 1 - self._base] + n - 1
        result = np.where(n == 0, ordinals, working[np.maximum(index, 0)])
        return (result - _EPOCH_ORDINAL).astype("datetime64[D]")


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
