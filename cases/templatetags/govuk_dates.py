"""The only date and time filters templates use (a test scans for others): see `cases.dates`.

    {{ day|govuk_date }}            4 December 2026
    {{ day|govuk_date:"weekday" }}  Friday 4 December 2026
    {{ moment|govuk_time }}         4:30pm
    {{ moment|govuk_datetime }}     4 December 2026 at 4:30pm

Loaded into every template as a builtin (settings.TEMPLATES). A `<time datetime>`
attribute keeps `|date:"c"` (ISO 8601, for machines).
"""

from django import template

from cases.dates import format_date, format_datetime, format_time

register = template.Library()

WEEKDAY = "weekday"


def _weekday(arg) -> bool:
    if arg not in (None, WEEKDAY):
        raise template.TemplateSyntaxError(f'Date filters take no argument or "{WEEKDAY}".')
    return arg == WEEKDAY


@register.filter(expects_localtime=True)
def govuk_date(value, arg=None):
    return format_date(value or None, weekday=_weekday(arg))


@register.filter(expects_localtime=True)
def govuk_time(value):
    return format_time(value or None)


@register.filter(expects_localtime=True)
def govuk_datetime(value, arg=None):
    return format_datetime(value or None, weekday=_weekday(arg))
