"""Reading the action plans (§10.1.2, §11.3-11.4). Every read goes through
`visible_to(scope)` (a person's request) or `for_partnership(p)` (system work): a
partnership's people read its plans; an agency's portal users read only the actions their
agency owns, in the partnerships it serves (PlanAction.tenant_agency_path)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import register
from cases.permissions import Action
from cases.tenancy import Scope
from publication.models import (
    ActionEvidence,
    ActionPlan,
    ActionStatus,
    ActionUpdate,
    AuditRating,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    ProgressAudit,
)
from publication.rules.actions import is_overdue
from reviews import workspace


def _or_404(row, what: str):
    if row is None:
        raise Http404(f"No such {what}.")
    return row


def plan_label(plan: ActionPlan) -> str:
    """How a plan is named to its people: the case reference, or a national review's
    title (it has no case). Never a child's name."""
    if plan.case_id:
        return f"Case {plan.case.reference}: {plan.get_source_display()}"
    return plan.title


# --- The office's pages ---------------------------------------------------------------------


def plan_list(*, scope: Scope, today: date | None = None) -> QuerySet[ActionPlan]:
    """Every plan the scope sees, with its counts of open, overdue and closed actions."""
    today = today or timezone.localdate()
    return (
        ActionPlan.objects.visible_to(scope)
        .select_related("case", "national_review")
        .annotate(
            open_count=Count("actions", filter=Q(actions__status=ActionStatus.OPEN)),
            overdue_count=Count(
                "actions",
                filter=Q(actions__status=ActionStatus.OPEN, actions__due_on__lt=today),
            ),
            closed_count=Count("actions", filter=Q(actions__status=ActionStatus.CLOSED)),
            recommendation_count=Count("recommendations", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def plan_get(*, scope: Scope, pk: int) -> ActionPlan:
    return _or_404(
        ActionPlan.objects.visible_to(scope)
        .select_related("case", "national_review", "partnership")
        .filter(pk=pk)
        .first(),
        "action plan",
    )


def plan_of_case(*, scope: Scope, case, source: str) -> ActionPlan | None:
    return ActionPlan.objects.visible_to(scope).filter(case=case, source=source).first()


def plan_of_national_review(*, scope: Scope, national_review) -> ActionPlan | None:
    return ActionPlan.objects.visible_to(scope).filter(national_review=national_review).first()


def national_review_get(*, scope: Scope, pk: int):
    from publication.models import NationalReview

    return _or_404(NationalReview.objects.visible_to(scope).filter(pk=pk).first(), "review")


@dataclass(frozen=True)
class ActionRow:
    action: PlanAction
    overdue: bool
    rag: str  # the latest audit's rating, "" if never rated
    evidence_count: int


@dataclass(frozen=True)
class RecommendationRow:
    recommendation: PlanRecommendation
    actions: list[ActionRow]


def latest_rags(actions) -> dict[int, str]:
    """{action id: its rating in the latest audit that rated it}."""
    ids = [a.pk for a in actions]
    if not ids:
        return {}
    latest: dict[int, str] = {}
    partnership_ids = {a.plan.partnership_id for a in actions}
    for partnership_id in partnership_ids:
        ratings = (
            AuditRating.objects.for_partnership(partnership_id)
            .filter(action_id__in=ids)
            .order_by("action_id", "-audit__held_on", "-audit_id")
            .values_list("action_id", "rag")
        )
        for action_id, rag in ratings:
            latest.setdefault(action_id, rag)
    return latest


def plan_rows(plan: ActionPlan, *, today: date | None = None) -> list[RecommendationRow]:
    """The plan's recommendations in order, each with its actions, whether each is overdue,
    its latest RAG rating and how much evidence it has."""
    today = today or timezone.localdate()
    partnership = plan.partnership_id
    actions = list(
        PlanAction.objects.for_partnership(partnership)
        .filter(plan=plan)
        .select_related("owner_agency", "plan")
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__removed_at__isnull=True)))
    )
    rags = latest_rags(actions)
    by_recommendation: dict[int, list[ActionRow]] = {}
    for action in actions:
        by_recommendation.setdefault(action.recommendation_id, []).append(
            ActionRow(
                action=action,
                overdue=is_overdue(status=action.status, due_on=action.due_on, today=today),
                rag=rags.get(action.pk, ""),
                evidence_count=action.evidence_count,
            )
        )
    return [
        RecommendationRow(recommendation=rec, actions=by_recommendation.get(rec.pk, []))
        for rec in PlanRecommendation.objects.for_partnership(partnership)
        .filter(plan=plan)
        .select_related("source_recommendation")
    ]


def plan_audits(plan: ActionPlan) -> list[ProgressAudit]:
    return list(
        ProgressAudit.objects.for_partnership(plan.partnership_id)
        .filter(plan=plan)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=AuditRating.objects.for_partnership(plan.partnership_id).select_related(
                    "action"
                ),
            )
        )
    )


def open_actions(plan: ActionPlan) -> list[PlanAction]:
    return list(
        PlanAction.objects.for_partnership(plan.partnership_id)
        .filter(plan=plan, status=ActionStatus.OPEN)
        .select_related("recommendation", "owner_agency")
    )


def recommendation_get(*, scope: Scope, pk: int) -> PlanRecommendation:
    return _or_404(
        PlanRecommendation.objects.visible_to(scope)
        .select_related("plan__case", "plan__partnership", "plan__national_review")
        .filter(pk=pk)
        .first(),
        "recommendation",
    )


def action_get(*, scope: Scope, pk: int) -> PlanAction:
    """An action the scope sees: its partnership's people, or its owner agency's users."""
    return _or_404(
        PlanAction.objects.visible_to(scope)
        .select_related(
            "plan__case", "plan__partnership", "plan__national_review", "recommendation"
        )
        .select_related("owner_agency")
        .filter(pk=pk)
        .first(),
        "action",
    )


def action_updates(action: PlanAction) -> list[ActionUpdate]:
    return list(
        ActionUpdate.objects.for_partnership(action.plan.partnership_id)
        .filter(action=action)
        .select_related("written_by")
        .order_by("-written_at", "-id")
    )


def action_evidence(action: PlanAction) -> list[ActionEvidence]:
    """The action's evidence still kept (a removed file is not evidence)."""
    return list(
        ActionEvidence.objects.for_partnership(action.plan.partnership_id)
        .filter(action=action, removed_at__isnull=True)
        .order_by("uploaded_at", "id")
    )


def evidence_get(*, scope: Scope, pk: int) -> ActionEvidence:
    return _or_404(
        ActionEvidence.objects.visible_to(scope)
        .filter(pk=pk, removed_at__isnull=True)
        .select_related("action__plan__case", "action__plan__national_review")
        .first(),
        "evidence",
    )


# --- The portal and the API -----------------------------------------------------------------


def portal_actions(
    *,
    scope: Scope,
    stages: Sequence[str] = (),
    due_from: date | None = None,
    due_to: date | None = None,
) -> QuerySet[PlanAction]:
    """The actions the scope sees: for an agency's user, only its agency's own (§11.3.3);
    optionally only those of a case at `stages` (never a national review's, which has no
    case), or due from and to these days."""
    actions = (
        PlanAction.objects.visible_to(scope)
        .select_related(
            "plan__case",
            "plan__partnership",
            "plan__national_review",
            "recommendation",
            "owner_agency",
        )
        .order_by("status", "due_on", "id")
    )
    if stages:
        actions = actions.filter(plan__case__stage__in=stages)
    if due_from:
        actions = actions.filter(due_on__gte=due_from)
    if due_to:
        actions = actions.filter(due_on__lte=due_to)
    return actions


def action_rows(actions, *, today: date | None = None) -> list[ActionRow]:
    today = today or timezone.localdate()
    actions = list(actions)
    rags = latest_rags(actions)
    return [
        ActionRow(
            action=a,
            overdue=is_overdue(status=a.status, due_on=a.due_on, today=today),
            rag=rags.get(a.pk, ""),
            evidence_count=0,
        )
        for a in actions
    ]


# --- The dashboard (cases/dashboard.py) -----------------------------------------------------


@dataclass(frozen=True)
class ActionItem:
    label: str  # the case reference or the national review's title, never a name
    text: str
    url: str
    due_on: date
    overdue: bool


# What the dashboard's items read of an action, its plan and its recommendation: not the
# action's text, nor any column it does not show (issue 18: at scale, compiling and reading
# every column of five tables cost more than the rows).
_ITEM_FIELDS = (
    "id",
    "order",
    "due_on",
    "status",
    "plan__source",
    "plan__title",
    "plan__case__reference",
    "recommendation__number",
    "owner_agency__name",
)


def _dashboard_actions(scope: Scope) -> QuerySet[PlanAction]:
    return (
        portal_actions(scope=scope)
        .select_related(None)
        .select_related("plan__case", "recommendation", "owner_agency")
        .only(*_ITEM_FIELDS)
    )


@register
def action_dashboard(scope: Scope) -> dict:
    """Overdue actions for the office (who chases them, §11.4.1); the agency's own
    actions due within the reminder window or overdue for its portal users (§11.3.3)."""
    today = timezone.localdate()
    items: list[ActionItem] = []
    update_items: list[ActionItem] = []
    if scope.partnership is not None and scope.can(Action.MANAGE_ACTION_PLANS):
        rows = _dashboard_actions(scope).filter(status=ActionStatus.OPEN, due_on__lt=today)
        for action in rows[:50]:
            items.append(
                ActionItem(
                    label=plan_label(action.plan),
                    text=f"Action {action.recommendation.number}.{action.order} of "
                    f"{action.owner_agency.name} is overdue",
                    url=reverse("action_plan_detail", kwargs={"pk": action.plan_id}),
                    due_on=action.due_on,
                    overdue=True,
                )
            )
        update_items = agency_updates_to_read(scope=scope)
    elif scope.agency is not None and scope.can(Action.UPDATE_OWN_ACTIONS):
        from cases.selectors import working_calendars

        # Each partnership's own reminder window and closure days: one horizon a partnership
        # served, met in the query, never a calendar an action (issue 18).
        partnerships = list(scope.agency.partnerships.all())
        calendars = working_calendars(partnership_ids=[p.pk for p in partnerships])
        within = Q(pk__in=[])
        for partnership in partnerships:
            horizon = calendars[partnership.pk].add(
                today, max((int(n) for n in partnership.reminder_working_days), default=0)
            )
            within |= Q(plan__partnership=partnership, due_on__lte=horizon)
        for action in _dashboard_actions(scope).filter(within, status=ActionStatus.OPEN)[:50]:
            overdue = action.due_on < today
            items.append(
                ActionItem(
                    label=plan_label(action.plan),
                    text="Your action is overdue: post an update"
                    if overdue
                    else "Your action is due soon: post an update",
                    url=reverse("portal_action", kwargs={"pk": action.pk}),
                    due_on=action.due_on,
                    overdue=overdue,
                )
            )
    return {
        "action_items": sorted(items, key=lambda item: (item.due_on, item.label)),
        "action_update_items": update_items,
    }


def agency_updates_to_read(*, scope: Scope) -> list[ActionItem]:
    """The office's "Updates from agencies" (§11.3.3, §11.4.1): each open action whose owner
    agency posted an update (not one the office entered for it) since the plan's latest
    audit was recorded; the next audit reads them (and the email told the lead officer)."""
    audited_since = ProgressAudit.objects.filter(
        plan=OuterRef("action__plan"), recorded_at__gte=OuterRef("written_at")
    )
    updates = (
        ActionUpdate.objects.visible_to(scope)
        .filter(on_behalf=False, action__status=ActionStatus.OPEN)
        .exclude(Exists(audited_since))
        .select_related("action__plan__case", "action__owner_agency", "action__recommendation")
        .only("id", "written_at", *(f"action__{name}" for name in _ITEM_FIELDS))
        .order_by("-written_at", "-id")
    )
    items, seen = [], set()
    for update in updates[:200]:
        action = update.action
        if action.pk in seen:
            continue
        seen.add(action.pk)
        items.append(
            ActionItem(
                label=plan_label(action.plan),
                text=f"{action.owner_agency.name} posted an update on action "
                f"{action.recommendation.number}.{action.order}",
                url=reverse("plan_action", kwargs={"pk": action.pk}),
                due_on=action.due_on,
                overdue=is_overdue(
                    status=action.status, due_on=action.due_on, today=timezone.localdate()
                ),
            )
        )
    return items[:50]


# --- The LCSPR page's task ------------------------------------------------------------------


def action_plan_task_status(lcspr) -> workspace.TaskStatus:
    """The LCSPR page's "Action plan" task (§10.1.2): what the office does next with it."""
    from reviews.selectors.findings import recommendations_for_action_plans

    TaskState, TaskStatus = workspace.TaskState, workspace.TaskStatus
    plan = (
        ActionPlan.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case, source=PlanSource.LCSPR)
        .first()
    )
    if plan is None:
        agreed = len(recommendations_for_action_plans(lcspr))
        if not agreed:
            return TaskStatus(TaskState.CANNOT_START, "Waits for agreed recommendations (§9.2)")
        return TaskStatus(
            TaskState.NOT_STARTED,
            f"{agreed} agreed recommendation{'' if agreed == 1 else 's'} to carry into the plan",
        )
    counts = PlanAction.objects.for_partnership(lcspr.case.partnership).filter(plan=plan)
    open_count = counts.filter(status=ActionStatus.OPEN).count()
    if counts.exists() and not open_count:
        return TaskStatus(TaskState.COMPLETED, "Every action is closed with evidence")
    return TaskStatus(
        TaskState.IN_PROGRESS, f"{open_count} open action{'' if open_count == 1 else 's'}"
    )


workspace.register(
    workspace.Task(
        order=85,
        key="action_plan",
        title="Action plan",
        url_name="lcspr_action_plan",
        status=action_plan_task_status,
    )
)
