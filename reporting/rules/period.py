"""The period a figure covers: a financial year by default, or any two dates.

Partnerships report to their board and in their annual report by the financial year,
1 April to 31 March (Working Together 2023, chapter 2: the yearly report on the
arrangements' work; the framework's §1.6.3 figures are the same year's). Every date
in a period counts, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

FINANCIAL_YEAR_STARTS = (4, 1)  # 1 April
LONGEST_PERIOD_DAYS = 366 * 10


class PeriodError(ValueError):
    """A period that cannot be read: its message says which field, and why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError("to", "The end of the period must be on or after its start.")
        if (self.end - self.start).days > LONGEST_PERIOD_DAYS:
            raise PeriodError("to", "Choose a period of ten years or less.")

    @classmethod
    def financial_year(cls, first_year: int) -> Period:
        """The financial year that starts on 1 April of `first_year`."""
        month, day = FINANCIAL_YEAR_STARTS
        start = date(first_year, month, day)
        return cls(start, date(first_year + 1, month, day) - timedelta(days=1))

    @classmethod
    def financial_year_of(cls, day: date) -> Period:
        """The financial year that `day` falls in."""
        return cls.financial_year(
            day.year if (day.month, day.day) >= FINANCIAL_YEAR_STARTS else day.year - 1
        )

    @property
    def is_financial_year(self) -> bool:
        return self == Period.financial_year_of(self.start)

    @property
    def label(self) -> str:
        if self.is_financial_year:
            return f"{self.start.year} to {self.end.year}"
        return f"{_day(self.start)} to {_day(self.end)}"

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def as_query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def period_from(params, *, today: date) -> Period:
    """The period a page or the API was asked for: `from` and `to` (ISO dates, both or
    neither), or `year` (the financial year starting that April); by default the
    financial year that `today` falls in. A bad value raises PeriodError naming it."""
    start, end = params.get("from") or "", params.get("to") or ""
    year = params.get("year") or ""
    if start or end:
        return Period(_iso(start, "from"), _iso(end, "to"))
    if year:
        if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
            raise PeriodError("year", "Give the year the financial year starts in, like 2025.")
        return Period.financial_year(int(year))
    return Period.financial_year_of(today)


def _iso(value: str, field: str) -> date:
    if not value:
        other = "to" if field == "from" else "from"
        raise PeriodError(field, f"Give both dates, or neither: '{other}' has one.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(field, "Give a real date as YYYY-MM-DD, like 2025-04-01.") from None
