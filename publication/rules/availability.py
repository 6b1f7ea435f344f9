"""Pure rules of a publication's dates, shared by the public page, the archiving job and
the API (selectors and services alike): how long a report stays published (§10.5.2) and
whether the notice went out in time (§10.5.1)."""

from __future__ import annotations

from datetime import date

from cases.timescales import TIMESCALES_BY_KIND, work_out
from cases.workdays import WorkingCalendar

# §10.5.2: published for at least one year, the earliest take-down date.
AVAILABLE_UNTIL_KIND = "publication_available_until"
# §10.5.1: the pack sent no later than seven working days before publication.
NOTICE_KIND = "report_sent_to_national_panel"
# §3.1.2-§3.1.3: the review complete (published) within six months of the decision.
SIX_MONTH_KIND = "lcspr_complete"


def available_until(partnership, published_on: date, cal: WorkingCalendar) -> date:
    """The earliest take-down date, worked out as the deadline engine does (§10.5.2): for
    a publication whose `publication_available_until` deadline was never made."""
    return work_out(TIMESCALES_BY_KIND[AVAILABLE_UNTIL_KIND], partnership, published_on, cal).due


def is_due_for_archiving(until: date, today: date) -> bool:
    """Archived once its year has passed (§10.5.2: "at least one year"): the day after the
    available-until date, never on it."""
    return today > until


def notice_latest_allowed(partnership, published_on: date, cal: WorkingCalendar) -> date:
    """The last day the pack may go for this publication date: seven working days before
    it (§10.5.1), as the `report_sent_to_national_panel` deadline is worked out."""
    return work_out(TIMESCALES_BY_KIND[NOTICE_KIND], partnership, published_on, cal).due


def notice_in_time(
    partnership, *, sent_on: date | None, published_on: date | None, cal: WorkingCalendar
) -> bool | None:
    """Whether the notice went no later than seven working days before publication
    (§10.5.1); None until both dates are known."""
    if sent_on is None or published_on is None:
        return None
    return sent_on <= notice_latest_allowed(partnership, published_on, cal)
