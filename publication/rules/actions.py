"""Pure rules of the action plans (§10.1.2, §11.3-11.4), shared by selectors and services."""

from __future__ import annotations

from datetime import date

# §10.1.2: "SMART": each action names what, who owns it, who leads it, how success is
# measured and by when. The form and the service name the missing field.
SMART_FIELDS = {
    "text": "Enter the action: what will be done.",
    "owner_agency": "Choose the agency that owns the action.",
    "lead_name": "Enter the lead: the person who leads the action.",
    "measure": "Enter the measure of success: how you will know it worked.",
    "due_on": "Enter the due date: when the action must be done.",
}


def is_overdue(*, status: str, due_on: date | None, today: date) -> bool:
    """An open action past its due date."""
    return status == "open" and due_on is not None and due_on < today


def reminder_kind_for(*, days_left: int, thresholds: set[int], escalate_after: int) -> list[str]:
    """Which reminders an open action is due today, from the working days left to its due
    date: "due_soon" on each of the partnership's reminder days before it, "overdue" every
    working day after it, and "escalated" to the CRG chair once it is `escalate_after`
    working days late (§11.4.1: the partnership chases every action to its evidence)."""
    kinds = []
    if days_left >= 0 and days_left in thresholds:
        kinds.append("due_soon")
    if days_left < 0:
        kinds.append("overdue")
        if -days_left >= escalate_after:
            kinds.append("escalated")
    return kinds
