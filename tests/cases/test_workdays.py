"""The working-day engine against a naive day-by-day loop, and worked examples."""

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.workdays import WorkingCalendar, bank_holidays

CLOSURES = {
    date(2026, 12, 29): "Office closed",
    date(2026, 12, 30): "Office closed",
    date(2026, 12, 31): "Office closed",
    date(2031, 6, 10): "Staff training day",
    date(2044, 12, 29): "Office closed",
}
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2045, 12, 31))
counts = st.integers(min_value=0, max_value=300)
calendars = st.sampled_from([WorkingCalendar(), WorkingCalendar(closures=CLOSURES)])


def naive_is_working(cal, day):
    return day.weekday() < 5 and day not in bank_holidays(day.year) and day not in cal.closures


def naive_add(cal, day, n):
    while n > 0:
        day += timedelta(days=1)
        if naive_is_working(cal, day):
            n -= 1
    return day


def naive_subtract(cal, day, n):
    while n > 0:
        day -= timedelta(days=1)
        if naive_is_working(cal, day):
            n -= 1
    return day


def naive_between(cal, start, end):
    sign = 1 if end >= start else -1
    low, high = min(start, end), max(start, end)
    return sign * sum(
        naive_is_working(cal, low + timedelta(days=i)) for i in range(1, (high - low).days + 1)
    )


@settings(max_examples=400, deadline=None)
@given(cal=calendars, day=dates, n=counts)
def test_add_and_subtract_agree_with_a_day_by_day_walk(cal, day, n):
    assert cal.add(day, n) == naive_add(cal, day, n)
    assert cal.subtract(day, n) == naive_subtract(cal, day, n)


@settings(max_examples=400, deadline=None)
@given(cal=calendars, start=dates, end=dates)
def test_between_agrees_with_a_day_by_day_count(cal, start, end):
    assert cal.between(start, end) == naive_between(cal, start, end)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, day=dates, n=counts)
def test_between_undoes_add(cal, day, n):
    assert cal.between(day, cal.add(day, n)) == n
    assert cal.is_working_day(cal.add(day, n)) or n == 0


@settings(max_examples=100, deadline=None)
@given(
    cal=calendars,
    days=st.lists(dates, min_size=1, max_size=50),
    ns=st.lists(counts, min_size=50, max_size=50),
)
def test_the_batch_form_agrees_with_single_calls(cal, days, ns):
    ns = ns[: len(days)]
    result = cal.add_many(np.array(days, dtype="datetime64[D]"), np.array(ns))
    assert [d.astype(object) for d in result] == [
        cal.add(d, n) for d, n in zip(days, ns, strict=True)
    ]


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"),
    [
        # Christmas 2026: Fri 25 Christmas Day, Sat 26 Boxing Day, Mon 28 its substitute.
        (date(2026, 12, 24), 1, date(2026, 12, 29), "Christmas, weekend, Boxing Day substitute"),
        (date(2026, 12, 24), 4, date(2027, 1, 4), "and New Year's Day on Friday 1 January"),
        # Christmas 2027 falls on a weekend: both substitutes (Mon 27, Tue 28).
        (date(2027, 12, 24), 1, date(2027, 12, 29), "two substitute days"),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (date(2027, 3, 25), 1, date(2027, 3, 30), "Good Friday to Easter Monday"),
        # New Year 2045 is a Sunday: Monday 2 January is the substitute.
        (date(2044, 12, 30), 1, date(2045, 1, 3), "New Year's Day substitute in 2045"),
        # Starting on a weekend or a holiday: day 0 is that day, whatever it is.
        (date(2026, 11, 28), 1, date(2026, 11, 30), "Saturday start"),
        (date(2026, 12, 25), 1, date(2026, 12, 29), "bank holiday start"),
        (date(2026, 12, 26), 0, date(2026, 12, 26), "zero days is the day itself"),
    ],
)
def test_worked_examples(start, n, expected, why):
    assert WorkingCalendar().add(start, n) == expected, why


def test_closure_days_are_skipped_and_named():
    cal = WorkingCalendar(closures=CLOSURES)
    assert cal.add(date(2026, 12, 24), 1) == date(2027, 1, 4)
    assert cal.non_working_reason(date(2026, 12, 30)) == "Office closed"
    assert cal.non_working_reason(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert cal.non_working_reason(date(2026, 12, 27)) == "Sunday"
    assert cal.non_working_reason(date(2026, 12, 24)) is None


def test_far_dates_extend_the_table():
    cal = WorkingCalendar()
    assert cal.add(date(2026, 1, 1), 0) == date(2026, 1, 1)
    assert cal.add(date(2045, 12, 20), 300) == naive_add(cal, date(2045, 12, 20), 300)
    assert cal.subtract(date(2020, 3, 1), 300) == naive_subtract(cal, date(2020, 3, 1), 300)
