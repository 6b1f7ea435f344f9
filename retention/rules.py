"""Pure rules of retention (issue 18), shared by the selectors (the list, the dashboard)
and the services (the daily flagging job, the decision).

A closed case is due for a person's retention review once two periods have passed:

- the partnership's own retention period after the case closed
  (`Partnership.retention_years`): a local decision of the partnership and its data
  protection lead (its records retention schedule), not a paragraph of the framework;
- where the case's report was published, its year of public availability (§10.5.2: "at
  least one year", the `publication_available_until` date), as the archiving job reads it
  (publication/rules/availability.py `is_due_for_archiving`);

and, where a person decided to keep it for a further period, that period. A case that is
not closed, or whose action plan still has open actions (§10.1.2, §11.4), is never due.
Each date is kept in full: due the day after it, never on it. Being due only lists the
case for a decision; nothing is archived or erased without a person (retention/services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cases.models import Stage
from cases.timescales import add_months


def retained_until(closed_on: date, years: int) -> date:
    """The last day of the retention period: `years` after the closing day, the same day of
    the month (29 February clamped to the 28th)."""
    return add_months(closed_on, 12 * years)


@dataclass(frozen=True)
class RetentionDates:
    """The dates that make a case due for review, to show beside it."""

    closed_on: date | None
    retained_until: date | None
    available_until: date | None  # §10.5.2, where a report was published
    kept_until: date | None  # a person's decision to keep it for longer

    @property
    def due_on(self) -> date | None:
        """The first day the case is due: the day after the latest of its dates."""
        if self.retained_until is None:
            return None
        last = max(d for d in (self.retained_until, self.available_until, self.kept_until) if d)
        return last + timedelta(days=1)


def retention_dates(
    *,
    closed_on: date | None,
    years: int,
    available_until: date | None,
    kept_until: date | None,
) -> RetentionDates:
    return RetentionDates(
        closed_on=closed_on,
        retained_until=retained_until(closed_on, years) if closed_on else None,
        available_until=available_until,
        kept_until=kept_until,
    )


def is_due(
    *,
    stage: str,
    dates: RetentionDates,
    open_actions: bool,
    archived: bool,
    erased: bool,
    today: date,
) -> bool:
    """Whether a person must now decide to archive, keep or erase the case."""
    if stage != Stage.CLOSED or open_actions or archived or erased:
        return False
    due_on = dates.due_on
    return due_on is not None and today >= due_on


def keep_until_problem(keep_until: date | None, today: date) -> str:
    """Why a date to keep the case until cannot be used, or ""."""
    if keep_until is None:
        return KEEP_UNTIL_MISSING
    if keep_until <= today:
        return KEEP_UNTIL_PAST
    return ""


KEEP_UNTIL_MISSING = "Enter the date to keep the case until."
KEEP_UNTIL_PAST = "The date to keep the case until must be in the future."
