"""Immediate safety actions agreed at the Rapid Review meeting."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import services
from rapidreview.forms.decision import (
    ActionDoneForm,
    ImmediateActionForm,
)
from rapidreview.models import (
    ImmediateAction,
)
from rapidreview.services.decision import (
    ONLY_RECORDERS,
)
from rapidreview.views.shared import (
    case_and_review,
    decision_context,
    meeting_refusal,
    refuse_post_without,
    refused,
)

ACTION_ADDED = "The immediate safety action is added."
NO_ACTION_SAVED = "Recorded: the meeting found no immediate safety action needed."
ACTION_DONE = "Action {number} is recorded as done."


def _actions_page(request, case, review, *, form=None, failed_done=None, once=None):
    """The actions table with its forms; `failed_done` is a refused done form, as typed."""
    today = timezone.localdate()
    can_record = request.scope.can(Action.RECORD_DECISION)
    can_add = can_record and meeting_refusal(review) is None
    if can_add and form is None:
        form = ImmediateActionForm()
    items = (
        list(ImmediateAction.objects.for_partnership(case.partnership).filter(review=review))
        if review is not None
        else []
    )
    rows = []
    for number, item in enumerate(items, start=1):
        done_form = None
        if can_record and item.done_on is None:
            if failed_done is not None and failed_done.prefix == f"done-{item.pk}":
                done_form = failed_done
            else:
                done_form = ActionDoneForm(prefix=f"done-{item.pk}", number=number)
        rows.append(
            {
                "number": number,
                "item": item,
                "overdue": item.done_on is None and item.due_on < today,
                "done_form": done_form,
            }
        )
    return render(
        request,
        "rapidreview/actions.html",
        decision_context(
            case,
            review,
            "Immediate safety actions",
            form=form if can_add else None,
            once=once if once is not None else Once(request, f"immediate-action-{case.pk}"),
            failed_done=failed_done,
            failed_forms=[failed_done] if failed_done is not None else [],
            can_add=can_add,
            rows=rows,
            has_errors=bool(
                (form is not None and form.errors) or (failed_done and failed_done.errors)
            ),
        ),
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_actions(request, reference):
    """§4.6.2: actions for the safety of the child(ren) and any other vulnerable person."""
    case, review = case_and_review(request, reference)
    refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    form = None
    once = Once(request, f"immediate-action-{case.pk}")
    if request.method == "POST":
        refusal = meeting_refusal(review)
        if refusal is not None:
            return refused(request, case, refusal, "rapid_review_actions")
        if request.POST.get("form") == "none":  # §4.6.2: safety considered, none needed
            try:
                services.no_immediate_action_record(review=review, actor=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, NO_ACTION_SAVED)
            return redirect("rapid_review_actions", reference=case.reference)
        form = ImmediateActionForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                try:
                    if (replay := once.replay()) is not None:
                        return replay
                    services.immediate_action_add(
                        review=review, actor=request.user, **form.cleaned_data
                    )
                except ApplicationError as error:
                    form_error(form, error)
                else:
                    url = reverse("rapid_review_actions", kwargs={"reference": case.reference})
                    once.spend(url)
                    messages.success(request, ACTION_ADDED)
                    return redirect(url)
    return _actions_page(request, case, review, form=form, once=once)


@require_POST
@scope_required(Action.RECORD_DECISION)
def immediate_action_done(request, reference, pk):
    """An open action recorded as done; still possible once the decision is signed off."""
    case, review = case_and_review(request, reference)
    items = list(
        ImmediateAction.objects.visible_to(request.scope)
        .filter(review__case=case)
        .select_related("review__case__partnership")
    )
    numbers = {item.pk: number for number, item in enumerate(items, start=1)}
    if pk not in numbers:
        raise Http404("No such action.")
    item = next(i for i in items if i.pk == pk)
    form = ActionDoneForm(request.POST, prefix=f"done-{pk}", number=numbers[pk])
    if form.is_valid():
        try:
            services.immediate_action_done(
                item=item,
                actor=request.user,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, ACTION_DONE.format(number=numbers[pk]))
            return redirect("rapid_review_actions", reference=case.reference)
    return _actions_page(request, case, review, failed_done=form)
