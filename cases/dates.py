"""Dates and times as GOV.UK writes them: "4 December 2026", "Friday 4 December 2026", "4:30pm".

Every page, email and document formats dates through these (templates through the
filters in `cases.templatetags.govuk_dates`); the API keeps ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def format_date(day: date | datetime | None, *, weekday: bool = False) -> str:
    """'4 December 2026', or with the weekday 'Friday 4 December 2026' (deadlines)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day) if timezone.is_aware(day) else day
    return f"{day:%A %-d %B %Y}" if weekday else f"{day:%-d %B %Y}"


def format_time(moment: time | datetime | None) -> str:
    """'4:30pm', '10am', 'midday', 'midnight' (the GOV.UK style guide's times)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        moment = moment.time()
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def format_datetime(moment: datetime | None, *, weekday: bool = False) -> str:
    """'4 December 2026 at 4:30pm', in UK time."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{format_date(moment, weekday=weekday)} at {format_time(moment)}"
