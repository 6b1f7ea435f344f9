"""Pure rules of the publication (§10): no queries, shared by selectors and services."""

from __future__ import annotations

from datetime import date

from cases.workdays import WorkingCalendar

# §10.5.1: the report (or the information about the improvements) goes to the National
# Panel, Ofsted and the DfE "no later than seven working days before the date of
# publication".
NOTICE_WORKING_DAYS = 7


def earliest_publication_date(sent_on: date, calendar: WorkingCalendar) -> date:
    """§10.5.1: the earliest day the report may be published, seven working days after the
    pack was sent to the National Panel, Ofsted and the DfE (the mirror of
    `report_sent_to_national_panel`, due seven working days before the planned date)."""
    return calendar.add(sent_on, NOTICE_WORKING_DAYS)


def planned_date_allowed(planned_on: date, sent_on: date | None, calendar: WorkingCalendar) -> bool:
    """Whether a planned publication date keeps §10.5.1's seven working days after the
    pack was sent; before any pack is sent, any date does (the notice must then go by
    `report_sent_to_national_panel`)."""
    return sent_on is None or planned_on >= earliest_publication_date(sent_on, calendar)
