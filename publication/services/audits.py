"""A regular audit of an action plan's progress (§11.4.1): a RAG rating for each open
action, recorded once per submit (form token), shown on the plan as GOV.UK tags."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from cases.errors import ApplicationError
from cases.models import User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from publication.models import ActionPlan, ActionStatus, AuditRating, PlanAction, ProgressAudit, Rag
from publication.services.action_plans import ONLY_MANAGERS

HELD_ON_NEEDED = "Enter the date of the audit."
HELD_ON_FUTURE = "The audit's date must be today or in the past."
NOTHING_OPEN = "The plan has no open actions to rate."
RATING_NEEDED = "Choose a RAG rating for action {number}."


@transaction.atomic
def audit_record(
    *,
    plan: ActionPlan,
    held_on: date | None,
    note: str,
    ratings: dict[int, tuple[str, str]],
    actor: User | None,
    today: date,
) -> ProgressAudit:
    """Record the audit: `ratings` is {action id: (rag, note)}; every open action of the
    plan must be rated, the first one missing is named."""
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    if held_on is None:
        raise ApplicationError(HELD_ON_NEEDED, field="held_on")
    if held_on > today:
        raise ApplicationError(HELD_ON_FUTURE, field="held_on")
    actions = list(
        PlanAction.objects.for_partnership(plan.partnership)
        .filter(plan=plan, status=ActionStatus.OPEN)
        .select_related("recommendation")
    )
    if not actions:
        raise ApplicationError(NOTHING_OPEN)
    for action in actions:
        rag, _ = ratings.get(action.pk, ("", ""))
        if rag not in Rag.values:
            raise ApplicationError(
                RATING_NEEDED.format(number=f"{action.recommendation.number}.{action.order}"),
                field=f"rag_{action.pk}",
            )
    audit = ProgressAudit(plan=plan, held_on=held_on, note=note.strip(), recorded_by=actor)
    _save(audit, actor, "Progress audit recorded (§11.4.1)")
    for action in actions:
        rag, rating_note = ratings[action.pk]
        _save(
            AuditRating(audit=audit, action=action, rag=rag, note=rating_note.strip()),
            actor,
            "RAG rating (§11.4.1)",
        )
    return audit
