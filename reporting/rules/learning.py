"""What the learning measures read a record as (reporting/selectors/learning.py): where a
recommendation stands, how an action stood on a day, and which day that is.

An action's figures are as things stood at the end of the period, so that last year's
report does not change because an action was closed this week: an action counts as closed
if it was closed by then (`closed_on`), and its RAG rating is that of the latest audit
held by then (§11.4.1). For a period that has not ended, "then" is today.
"""

from __future__ import annotations

from datetime import date

from reporting.rules.period import Period


def as_at(period: Period, today: date) -> date:
    """The day an action's standing is read on: the period's last day, or today if sooner."""
    return min(period.end, today)


# Where a review's recommendation stands (§9.2.2, §10.1.2), in the order a reader follows
# it: drafted, agreed (it then carries over to the action plan), then answered in the plan.
RECOMMENDATION_DRAFT = "draft"
RECOMMENDATION_AGREED = "agreed"
RECOMMENDATION_ACCEPTED = "accepted"
RECOMMENDATION_NOT_ACCEPTED = "not_accepted"
RECOMMENDATION_STANDINGS = {
    RECOMMENDATION_DRAFT: "Draft",
    RECOMMENDATION_AGREED: "Agreed, not yet answered in an action plan",
    RECOMMENDATION_ACCEPTED: "Accepted in an action plan",
    RECOMMENDATION_NOT_ACCEPTED: "Not accepted, with the partnership's statement (§10.1.2)",
}

# How an action stood on the day (`as_at`): closed by then, past its due date and still
# open (overdue), or open and not yet due.
ACTION_OPEN = "open"
ACTION_OVERDUE = "overdue"
ACTION_CLOSED = "closed"
ACTION_STANDINGS = {
    ACTION_OPEN: "Open, not yet due",
    ACTION_OVERDUE: "Overdue",
    ACTION_CLOSED: "Closed",
}

# The latest audit's rating (publication.models.Rag), and none yet.
UNRATED = "unrated"
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", UNRATED: "Not rated"}
