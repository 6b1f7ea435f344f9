"""The office's action plan pages (§10.1.2, §11.4.1): the partnership's people read them
(Action.VIEW_CASES, rows through `visible_to`); the Business Office and the CRG chair
write (Action.MANAGE_ACTION_PLANS, checked on POST), including updates entered on an
agency's behalf. Plans are opened from an LCSPR, a Rapid Review that decided not to
proceed (§1.4.6) or a national review (§11.5)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from publication.forms.actions import (
    ActionEditForm,
    ActionForm,
    AuditForm,
    CloseForm,
    RecommendationAddForm,
    RespondForm,
)
from publication.models import ActionStatus, PlanSource, Response
from publication.selectors import actions as selectors
from publication.services import action_plans as services
from publication.services.audits import audit_record
from publication.web import action_update_posted, evidence_response
from reviews.web import case_and_lcspr

ONLY_MANAGERS = services.ONLY_MANAGERS
PLAN_OPENED = "The action plan is open."
RECOMMENDATIONS_ADDED = "{count} recommendation{s} brought into the plan from the report."
NOTHING_NEW = "Every agreed recommendation is already in the plan: nothing was added."
RECOMMENDATION_ADDED = "Recommendation {number} is added."
RESPONSE_SAVED = "The partnership's response to recommendation {number} is recorded."
ACTION_ADDED = "The action is added to recommendation {number}."
ACTION_SAVED = "The action is saved."
ACTION_CLOSED = "The action is closed."
UPDATE_POSTED = "The update is recorded on the agency's behalf."
AUDIT_RECORDED = "The audit of {date} is recorded."


def _refuse_post_without_managing(request) -> None:
    if request.method == "POST" and not request.scope.can(Action.MANAGE_ACTION_PLANS):
        raise PermissionDenied(ONLY_MANAGERS)


def _can_manage(request) -> bool:
    return request.scope.can(Action.MANAGE_ACTION_PLANS)


def _failed(*forms):
    return [f for f in forms if f is not None and f.is_bound and f.errors]


def _non_field(*forms):
    return [e for f in _failed(*forms) for e in f.non_field_errors()]


# --- The list and one plan ------------------------------------------------------------------


@scope_required(Action.VIEW_CASES)
def action_plans(request):
    """Every plan of the partnership, with its open, overdue and closed actions."""
    return render(
        request,
        "publication/actions/plans.html",
        {"plans": selectors.plan_list(scope=request.scope), "can_manage": _can_manage(request)},
    )


@scope_required(Action.VIEW_CASES)
def action_plan_detail(request, pk):
    """The plan: its recommendations and their actions (overdue and latest RAG shown), its
    audits; a recommendation entered by hand for a Rapid Review's or national review's."""
    plan = selectors.plan_get(scope=request.scope, pk=pk)
    _refuse_post_without_managing(request)
    url = reverse("action_plan_detail", kwargs={"pk": plan.pk})
    once = Once(request, f"plan-recommendation-{plan.pk}")
    form = None
    if plan.source != PlanSource.LCSPR and _can_manage(request):
        form = RecommendationAddForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            with transaction.atomic():
                try:
                    if (replay := once.replay()) is not None:
                        return replay
                    rec = services.plan_recommendation_add(
                        plan=plan, actor=request.user, **form.cleaned_data
                    )
                except ApplicationError as error:
                    form_error(form, error)
                else:
                    once.spend(url)
                    messages.success(request, RECOMMENDATION_ADDED.format(number=rec.number))
                    return redirect(url)
    return render(
        request,
        "publication/actions/plan.html",
        {
            "plan": plan,
            "plan_label": selectors.plan_label(plan),
            "rows": selectors.plan_rows(plan),
            "audits": selectors.plan_audits(plan),
            "form": form,
            "once": once,
            "can_manage": _can_manage(request),
        },
    )


# --- Opening a plan ---------------------------------------------------------------------------


@scope_required(Action.VIEW_CASES)
def lcspr_action_plan(request, reference):
    """The LCSPR's plan: its agreed recommendations carried in (§10.1.2). Opening it again
    brings in only recommendations agreed since."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_managing(request)
    plan = selectors.plan_of_case(scope=request.scope, case=case, source=PlanSource.LCSPR)
    if request.method == "POST":
        try:
            plan, added = services.lcspr_plan_open(lcspr=lcspr, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("lcspr_action_plan", reference=case.reference)
        if added:
            messages.success(
                request,
                RECOMMENDATIONS_ADDED.format(count=added, s="" if added == 1 else "s"),
            )
        else:
            messages.info(request, NOTHING_NEW)
        return redirect("action_plan_detail", pk=plan.pk)
    from reviews.selectors.findings import recommendations_for_action_plans

    items = recommendations_for_action_plans(lcspr)
    carried = set()
    if plan is not None:
        carried = {row.recommendation.source_recommendation_id for row in selectors.plan_rows(plan)}
    return render(
        request,
        "publication/actions/open_lcspr.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "Action plan",
            "plan": plan,
            "items": items,
            "new_items": [i for i in items if i.recommendation_id not in carried],
            "can_manage": _can_manage(request),
        },
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_action_plan(request, reference):
    """The plan of a Rapid Review that decided not to proceed (§1.4.6 other learning
    processes); its recommendations are entered by hand on the plan's page."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    _refuse_post_without_managing(request)
    plan = selectors.plan_of_case(scope=request.scope, case=case, source=PlanSource.RAPID_REVIEW)
    if request.method == "POST":
        try:
            plan = services.rapid_review_plan_open(case=case, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("rapid_review_action_plan", reference=case.reference)
        messages.success(request, PLAN_OPENED)
        return redirect("action_plan_detail", pk=plan.pk)
    declined = services.rapid_review_declined(case)
    return render(
        request,
        "publication/actions/open_rapid_review.html",
        {
            "case": case,
            "tab": "rapid_review",
            "heading": "Action plan of other learning processes",
            "plan": plan,
            "declined": declined,
            "not_declined_message": services.NOT_DECLINED.format(reference=case.reference),
            "can_manage": _can_manage(request),
        },
    )


@scope_required(Action.VIEW_CASES)
def national_review_action_plan(request, pk):
    """A national review's plan (§11.5.1): shown if open; opened by the office."""
    review = selectors.national_review_get(scope=request.scope, pk=pk)
    _refuse_post_without_managing(request)
    plan = selectors.plan_of_national_review(scope=request.scope, national_review=review)
    if request.method == "POST":
        try:
            plan = services.national_review_plan_open(national_review=review, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("national_review_action_plan", pk=review.pk)
        return redirect("action_plan_detail", pk=plan.pk)
    if plan is not None:
        return redirect("action_plan_detail", pk=plan.pk)
    return render(
        request,
        "publication/actions/open_national_review.html",
        {"review": review, "can_manage": _can_manage(request)},
    )


# --- A recommendation: respond, add actions ------------------------------------------------


@scope_required(Action.VIEW_CASES)
def plan_recommendation(request, pk):
    """Accept the recommendation and add SMART actions, or record that it is not accepted
    with the published statement (§10.1.2)."""
    rec = selectors.recommendation_get(scope=request.scope, pk=pk)
    plan = rec.plan
    _refuse_post_without_managing(request)
    url = reverse("plan_recommendation", kwargs={"pk": rec.pk})
    which = request.POST.get("form") if request.method == "POST" else None
    once = Once(request, f"plan-action-{rec.pk}")
    respond_form = RespondForm(
        request.POST if which == "respond" else None,
        initial={"response": rec.response, "statement": rec.statement, "version": rec.version},
    )
    initial = {}
    source = rec.source_recommendation
    if source is not None and not rec.actions.exists():
        # The report's SMART terms as a start (reviews.Recommendation).
        initial = {
            "text": source.action,
            "owner_agency": source.owner_agency_id,
            "measure": source.measure,
            "due_on": source.due_on,
        }
    action_form = ActionForm(
        request.POST if which == "action" else None,
        partnership=plan.partnership,
        initial=initial,
    )
    if which == "respond" and respond_form.is_valid():
        data = respond_form.cleaned_data
        try:
            rec = services.recommendation_respond(
                recommendation=rec,
                response=data["response"],
                statement=data["statement"],
                version=data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            if error.field == "version":
                current = selectors.recommendation_get(scope=request.scope, pk=rec.pk)
                respond_form = with_current_version(respond_form, current.version)
            form_error(respond_form, error)
        else:
            messages.success(request, RESPONSE_SAVED.format(number=rec.number))
            return redirect(url)
    if which == "action" and action_form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.action_add(
                    recommendation=rec, actor=request.user, **action_form.cleaned_data
                )
            except ApplicationError as error:
                form_error(action_form, error)
            else:
                once.spend(url)
                messages.success(request, ACTION_ADDED.format(number=rec.number))
                return redirect(url)
    row = next(r for r in selectors.plan_rows(plan) if r.recommendation.pk == rec.pk)
    failed = _failed(respond_form, action_form)
    return render(
        request,
        "publication/actions/recommendation.html",
        {
            "plan": plan,
            "plan_label": selectors.plan_label(plan),
            "rec": rec,
            "row": row,
            "respond_form": respond_form,
            "action_form": action_form if rec.response != Response.NOT_ACCEPTED else None,
            "once": once,
            "can_manage": _can_manage(request),
            "failed_forms": failed,
            "failed_non_form_errors": _non_field(respond_form, action_form),
        },
    )


# --- An action: change it, close it, update for the agency ---------------------------------


@scope_required(Action.VIEW_CASES)
def plan_action(request, pk):
    """One action: its SMART terms (changed with a visible conflict), its updates and
    evidence, and closing it, which needs evidence (§11.4.1)."""
    action = selectors.action_get(scope=request.scope, pk=pk)
    _refuse_post_without_managing(request)
    plan = action.plan
    url = reverse("plan_action", kwargs={"pk": action.pk})
    which = request.POST.get("form") if request.method == "POST" else None
    edit_form = ActionEditForm(
        request.POST if which == "edit" else None,
        partnership=plan.partnership,
        initial={
            "text": action.text,
            "owner_agency": action.owner_agency_id,
            "lead_name": action.lead_name,
            "lead_email": action.lead_email,
            "measure": action.measure,
            "due_on": action.due_on,
            "version": action.version,
        },
    )
    close_form = CloseForm(
        request.POST if which == "close" else None, initial={"version": action.version}
    )
    if which == "edit" and edit_form.is_valid():
        try:
            services.action_change(action=action, actor=request.user, **edit_form.cleaned_data)
        except ApplicationError as error:
            if error.field == "version":
                current = selectors.action_get(scope=request.scope, pk=action.pk)
                edit_form = with_current_version(
                    edit_form, current.version, partnership=plan.partnership
                )
            form_error(edit_form, error)
        else:
            messages.success(request, ACTION_SAVED)
            return redirect(url)
    if which == "close" and close_form.is_valid():
        try:
            services.action_close(
                action=action,
                note=close_form.cleaned_data["note"],
                version=close_form.cleaned_data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            form_error(close_form, error)
        else:
            messages.success(request, ACTION_CLOSED)
            return redirect(url)
    today = timezone.localdate()
    return render(
        request,
        "publication/actions/action.html",
        {
            "plan": plan,
            "plan_label": selectors.plan_label(plan),
            "action": action,
            "overdue": action.status == ActionStatus.OPEN and action.due_on < today,
            "rag": selectors.latest_rags([action]).get(action.pk, ""),
            "updates": selectors.action_updates(action),
            "evidence": selectors.action_evidence(action),
            "edit_form": edit_form if action.status == ActionStatus.OPEN else None,
            "close_form": close_form if action.status == ActionStatus.OPEN else None,
            "can_manage": _can_manage(request),
            "failed_forms": _failed(edit_form, close_form),
            "failed_non_form_errors": _non_field(edit_form, close_form),
            "evidence_url": "action_evidence_file",
        },
    )


@scope_required(Action.MANAGE_ACTION_PLANS)
def action_on_behalf(request, pk):
    """The agency's update, entered by the Business Office on its behalf (§11.3.3)."""
    action = selectors.action_get(scope=request.scope, pk=pk)
    url = reverse("plan_action", kwargs={"pk": action.pk})
    form, once, done = action_update_posted(
        request, action, url=url, on_behalf=True, done=UPDATE_POSTED
    )
    if done is not None:
        return done
    return render(
        request,
        "publication/actions/update.html",
        {
            "action": action,
            "plan_label": selectors.plan_label(action.plan),
            "form": form,
            "once": once,
            "on_behalf": True,
            "back": url,
        },
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def action_evidence_file(request, pk):
    evidence = selectors.evidence_get(scope=request.scope, pk=pk)
    return evidence_response(request, evidence)


# --- Audits ------------------------------------------------------------------------------------


@scope_required(Action.MANAGE_ACTION_PLANS)
def action_plan_audit_new(request, pk):
    """Record an audit of the plan's progress: a RAG rating per open action (§11.4.1)."""
    plan = selectors.plan_get(scope=request.scope, pk=pk)
    url = reverse("action_plan_detail", kwargs={"pk": plan.pk})
    once = Once(request, f"plan-audit-{plan.pk}")
    actions = selectors.open_actions(plan)
    form = AuditForm(request.POST if request.method == "POST" else None, actions=actions)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                audit = audit_record(
                    plan=plan,
                    held_on=form.cleaned_data["held_on"],
                    note=form.cleaned_data["note"],
                    ratings=form.ratings(),
                    actor=request.user,
                    today=timezone.localdate(),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(
                    request, AUDIT_RECORDED.format(date=audit.held_on.strftime("%-d %B %Y"))
                )
                return redirect(url)
    return render(
        request,
        "publication/actions/audit.html",
        {
            "plan": plan,
            "plan_label": selectors.plan_label(plan),
            "form": form,
            "once": once,
            "nothing_open": not actions,
        },
    )
