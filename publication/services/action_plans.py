"""Writing the action plans (§10.1.2, §11.4.1): a plan opened from an LCSPR's agreed
recommendations, from a Rapid Review that decided not to proceed (§1.4.6, other learning
processes) or from a national review (§11.5); each recommendation accepted with SMART
actions or not accepted with a published statement; an action closed only with evidence.

Only the Business Office and the CRG chair write here (Action.MANAGE_ACTION_PLANS)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Agency, Case, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from publication.models import (
    ActionEvidence,
    ActionPlan,
    ActionStatus,
    NationalReview,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    Response,
)
from publication.rules.actions import SMART_FIELDS
from publication.services.reminders import action_assigned_tell

logger = logging.getLogger(__name__)

ONLY_MANAGERS = "Only the Business Office and the CRG chair keep the action plans (§11.4.1)."
NOT_DECLINED = (
    "The Rapid Review of case {reference} has not decided not to proceed to an LCSPR: an "
    "action plan of other learning processes (§1.4.6) follows only that decision. Record the "
    "Rapid Review's decision first."
)
LCSPR_RECOMMENDATIONS_ONLY = (
    "An LCSPR's recommendations come from its report (§9.2): add or agree them on the "
    "review's findings page, then bring them into the plan."
)
NUMBER_NEEDED = "Enter the recommendation's number, for example 1 or 2.1."
TEXT_NEEDED = "Enter the recommendation."
RESPONSE_NEEDED = "Choose whether the partnership accepts the recommendation."
STATEMENT_NEEDED = (
    "Enter the statement of why the partnership does not accept the recommendation: it is "
    "published with the plan (§10.1.2)."
)
HAS_ACTIONS = (
    "Recommendation {number} has actions: a recommendation with actions is accepted. "
    "Remove them first if the partnership no longer accepts it."
)
NOT_ACCEPTED_NO_ACTIONS = (
    "Recommendation {number} is recorded as not accepted: record it as accepted before "
    "adding actions."
)
RECOMMENDATION_CONFLICT = (
    "Someone else changed this recommendation since you opened the page: check it now, "
    "then save again."
)
ACTION_CONFLICT = (
    "Someone else changed this action since you opened the page: check what it says now, "
    "then save again."
)
AGENCY_NOT_OURS = "Choose an agency that serves the partnership."
ACTION_CLOSED = "The action is closed: nothing more is changed on it."
CLOSE_NEEDS_EVIDENCE = (
    "An action is closed only with evidence (§11.4.1): upload evidence that it was done, "
    "or its impact, first."
)


@transaction.atomic
def lcspr_plan_open(*, lcspr, actor: User | None) -> tuple[ActionPlan, int]:
    """The case's LCSPR plan, opened once (one plan per case and source), with each agreed
    recommendation (reviews.selectors.findings.recommendations_for_action_plans) carried in
    as a PlanRecommendation naming it. Run again, it adds only recommendations agreed since
    and changes nothing else. Returns the plan and how many were added."""
    from reviews.models import Lcspr
    from reviews.selectors.findings import recommendations_for_action_plans

    case = lcspr.case
    require(actor, case.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    # Two opens at once: the second waits here, then finds the first's plan and rows.
    Lcspr.objects.for_partnership(case.partnership).select_for_update().filter(pk=lcspr.pk).first()
    plan = _plan_of_case(case=case, source=PlanSource.LCSPR, actor=actor)
    have = set(
        PlanRecommendation.objects.for_partnership(case.partnership)
        .filter(plan=plan, source_recommendation__isnull=False)
        .values_list("source_recommendation_id", flat=True)
    )
    order = _next_order(plan)
    added = 0
    for item in recommendations_for_action_plans(lcspr):
        if item.recommendation_id in have:
            continue
        rec = PlanRecommendation(
            plan=plan,
            number=str(item.number),
            text=item.action,
            source_recommendation_id=item.recommendation_id,
            order=order,
        )
        _save(rec, actor, "Recommendation carried from the review's report (§10.1.2)")
        order += 1
        added += 1
    logger.info(
        "case %s: LCSPR action plan %s, %d recommendations added", case.reference, plan.pk, added
    )
    return plan, added


def _next_order(plan: ActionPlan) -> int:
    last = (
        PlanRecommendation.objects.for_partnership(plan.partnership_id)
        .filter(plan=plan)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    return (last or 0) + 1


def _plan_of_case(*, case: Case, source: str, actor) -> ActionPlan:
    plan = (
        ActionPlan.objects.for_partnership(case.partnership)
        .filter(case=case, source=source)
        .first()
    )
    if plan is None:
        plan = ActionPlan(
            partnership=case.partnership,
            source=source,
            case=case,
            title=(
                "Action plan of a Local Child Safeguarding Practice Review"
                if source == PlanSource.LCSPR
                else "Action plan of a Rapid Review's learning"
            ),
            created_by=actor,
        )
        _save(plan, actor, f"Action plan opened ({plan.get_source_display()})")
    return plan


def rapid_review_declined(case: Case) -> bool:
    """Whether the case's Rapid Review decided not to proceed to an LCSPR (§1.4.6)."""
    from rapidreview.models import Decision, RapidReview

    review = RapidReview.objects.for_partnership(case.partnership).filter(case=case).first()
    return review is not None and review.decision == Decision.NOT_PROCEED


@transaction.atomic
def rapid_review_plan_open(*, case: Case, actor: User | None) -> ActionPlan:
    """The plan of a Rapid Review that decided not to proceed (§1.4.6 other learning
    processes): opened once; its recommendations are entered by hand."""
    require(actor, case.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    if not rapid_review_declined(case):
        raise ApplicationError(NOT_DECLINED.format(reference=case.reference))
    Case.objects.for_partnership(case.partnership).select_for_update().filter(pk=case.pk).first()
    return _plan_of_case(case=case, source=PlanSource.RAPID_REVIEW, actor=actor)


@transaction.atomic
def national_review_plan_open(*, national_review: NationalReview, actor: User | None) -> ActionPlan:
    """The plan of the CRG's local application of a national review's learning (§11.5.1):
    opened once, named by the review's title (it has no case)."""
    partnership = national_review.partnership
    require(actor, partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    NationalReview.objects.for_partnership(partnership).select_for_update().filter(
        pk=national_review.pk
    ).first()
    plan = (
        ActionPlan.objects.for_partnership(partnership)
        .filter(national_review=national_review)
        .first()
    )
    if plan is None:
        plan = ActionPlan(
            partnership=partnership,
            source=PlanSource.NATIONAL_REVIEW,
            national_review=national_review,
            title=f"Action plan: {national_review.title}"[:300],
            created_by=actor,
        )
        _save(plan, actor, "Action plan opened for a national review (§11.5)")
    return plan


@transaction.atomic
def plan_recommendation_add(
    *, plan: ActionPlan, number: str, text: str, actor: User | None
) -> PlanRecommendation:
    """A recommendation entered by hand: a Rapid Review's other learning (§1.4.6) or a
    national review's local application (§11.5.1)."""
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    if plan.source == PlanSource.LCSPR:
        raise ApplicationError(LCSPR_RECOMMENDATIONS_ONLY)
    number, text = number.strip(), text.strip()
    if not number:
        raise ApplicationError(NUMBER_NEEDED, field="number")
    if not text:
        raise ApplicationError(TEXT_NEEDED, field="text")
    ActionPlan.objects.for_partnership(plan.partnership).select_for_update().filter(
        pk=plan.pk
    ).first()
    rec = PlanRecommendation(plan=plan, number=number, text=text, order=_next_order(plan))
    _save(rec, actor, "Recommendation added to the action plan")
    return rec


@transaction.atomic
def recommendation_respond(
    *,
    recommendation: PlanRecommendation,
    response: str,
    statement: str,
    version: int,
    actor: User | None,
) -> PlanRecommendation:
    """Accept the recommendation, or record that the partnership does not, with the
    statement of why that is published with the plan (§10.1.2)."""
    plan = recommendation.plan
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    statement = statement.strip()
    if response not in Response.values:
        raise ApplicationError(RESPONSE_NEEDED, field="response")
    if response == Response.NOT_ACCEPTED and not statement:
        raise ApplicationError(STATEMENT_NEEDED, field="statement")
    rec = (
        PlanRecommendation.objects.for_partnership(plan.partnership)
        .select_for_update()
        .get(pk=recommendation.pk)
    )
    if rec.version != version:
        raise ApplicationError(RECOMMENDATION_CONFLICT, field="version")
    if response == Response.NOT_ACCEPTED and rec.actions.exists():
        raise ApplicationError(HAS_ACTIONS.format(number=rec.number), field="response")
    rec.response = response
    rec.statement = statement if response == Response.NOT_ACCEPTED else ""
    rec.version += 1
    _save(
        rec,
        actor,
        "Recommendation accepted"
        if response == Response.ACCEPTED
        else "Recommendation not accepted, with the published statement (§10.1.2)",
    )
    return rec


def _smart_check(
    *, text: str, owner_agency: Agency | None, lead_name: str, measure: str, due_on: date | None
) -> None:
    """§10.1.2: refused with the missing field named, in the form's order."""
    values = {
        "text": text.strip(),
        "owner_agency": owner_agency,
        "lead_name": lead_name.strip(),
        "measure": measure.strip(),
        "due_on": due_on,
    }
    for field, message in SMART_FIELDS.items():
        if not values[field]:
            raise ApplicationError(message, field=field)


def _agency_serves(agency: Agency, partnership) -> None:
    if not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(AGENCY_NOT_OURS, field="owner_agency")


@transaction.atomic
def action_add(
    *,
    recommendation: PlanRecommendation,
    text: str,
    owner_agency: Agency | None,
    lead_name: str,
    lead_email: str,
    measure: str,
    due_on: date | None,
    actor: User | None,
) -> PlanAction:
    """A SMART action for the recommendation (§10.1.2); adding one accepts it."""
    plan = recommendation.plan
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    _smart_check(
        text=text, owner_agency=owner_agency, lead_name=lead_name, measure=measure, due_on=due_on
    )
    _agency_serves(owner_agency, plan.partnership)
    rec = (
        PlanRecommendation.objects.for_partnership(plan.partnership)
        .select_for_update()
        .get(pk=recommendation.pk)
    )
    if rec.response == Response.NOT_ACCEPTED:
        raise ApplicationError(NOT_ACCEPTED_NO_ACTIONS.format(number=rec.number))
    if rec.response != Response.ACCEPTED:
        rec.response = Response.ACCEPTED
        rec.version += 1
        _save(rec, actor, "Recommendation accepted: an action added")
    last = (
        PlanAction.objects.for_partnership(plan.partnership)
        .filter(recommendation=rec)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    action = PlanAction(
        plan=plan,
        recommendation=rec,
        text=text.strip(),
        owner_agency=owner_agency,
        lead_name=lead_name.strip(),
        lead_email=lead_email.strip(),
        measure=measure.strip(),
        due_on=due_on,
        order=(last or 0) + 1,
    )
    _save(action, actor, "SMART action added (§10.1.2)")
    action_assigned_tell(action=action, today=timezone.localdate())
    logger.info("action plan %s: action %s added", plan.pk, action.pk)
    return action


@transaction.atomic
def action_change(
    *,
    action: PlanAction,
    text: str,
    owner_agency: Agency | None,
    lead_name: str,
    lead_email: str,
    measure: str,
    due_on: date | None,
    version: int,
    actor: User | None,
) -> PlanAction:
    """Change an open action's SMART terms; a change made meanwhile is a conflict."""
    plan = action.plan
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    _smart_check(
        text=text, owner_agency=owner_agency, lead_name=lead_name, measure=measure, due_on=due_on
    )
    _agency_serves(owner_agency, plan.partnership)
    row = PlanAction.objects.for_partnership(plan.partnership).select_for_update().get(pk=action.pk)
    if row.version != version:
        raise ApplicationError(ACTION_CONFLICT, field="version")
    if row.status == ActionStatus.CLOSED:
        raise ApplicationError(ACTION_CLOSED)
    new_owner = row.owner_agency_id != owner_agency.pk
    row.text, row.owner_agency, row.lead_name = text.strip(), owner_agency, lead_name.strip()
    row.lead_email, row.measure, row.due_on = lead_email.strip(), measure.strip(), due_on
    row.version += 1
    _save(row, actor, "Action changed")
    if new_owner:
        action_assigned_tell(action=row, today=timezone.localdate())
    return row


@transaction.atomic
def action_close(*, action: PlanAction, note: str, version: int, actor: User | None) -> PlanAction:
    """Close the action: only with evidence still kept (§11.4.1)."""
    plan = action.plan
    require(actor, plan.partnership, Action.MANAGE_ACTION_PLANS, ONLY_MANAGERS)
    row = PlanAction.objects.for_partnership(plan.partnership).select_for_update().get(pk=action.pk)
    if row.version != version:
        raise ApplicationError(ACTION_CONFLICT, field="version")
    if row.status == ActionStatus.CLOSED:
        raise ApplicationError(ACTION_CLOSED)
    has_evidence = (
        ActionEvidence.objects.for_partnership(plan.partnership)
        .filter(action=row, removed_at__isnull=True)
        .exists()
    )
    if not has_evidence:
        raise ApplicationError(CLOSE_NEEDS_EVIDENCE)
    row.status = ActionStatus.CLOSED
    row.closed_on = timezone.localdate()
    row.closed_by = actor
    row.closure_note = note.strip()
    row.version += 1
    _save(row, actor, "Action closed with evidence (§11.4.1)")
    return row
