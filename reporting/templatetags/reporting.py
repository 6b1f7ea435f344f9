"""How a reported value reads: a rate as a percentage, a flag as met or missed, a date
as GOV.UK writes it, and nothing as a dash."""

from django import template

from cases.dates import format_date
from reporting.rules.measures import Kind

register = template.Library()

FLAGS = {True: "Met", False: "Missed", None: "Open"}


@register.filter
def report_value(value, column):
    kind = getattr(column, "kind", Kind.COUNT)
    if kind == Kind.FLAG:
        return FLAGS[value]
    if value is None or value == "":
        return "–"
    if kind == Kind.RATE:
        return f"{value:.0%}"
    if kind == Kind.DATE:
        return format_date(value)
    return value


@register.filter
def value_of(mapping, column):
    """mapping[column.key]: a row's or a figure's value for the column."""
    return mapping.get(column.key)
