"""An agency's own actions in the portal (§11.3.3): only the actions its agency owns, in
the partnerships it serves (PlanAction.tenant_agency_path through `visible_to`); another
agency's, or another partnership's, is a 404. It posts progress, the impact of the
change and evidence (checked like every other upload)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.permissions import Action
from cases.web import scope_required
from publication.models import ActionStatus
from publication.selectors import actions as selectors
from publication.web import action_update_posted, evidence_response

UPDATE_POSTED = "Your update is recorded. The partnership's Business Office can see it now."


@scope_required(Action.UPDATE_OWN_ACTIONS)
def portal_actions(request):
    """The agency's own actions, open first by due date."""
    rows = selectors.action_rows(selectors.portal_actions(scope=request.scope))
    return render(
        request,
        "publication/actions/portal_actions.html",
        {"rows": rows, "labels": {r.action.pk: selectors.plan_label(r.action.plan) for r in rows}},
    )


@scope_required(Action.UPDATE_OWN_ACTIONS)
def portal_action(request, pk):
    """One of the agency's actions: its terms, updates and evidence; post an update."""
    action = selectors.action_get(scope=request.scope, pk=pk)
    url = reverse("portal_action", kwargs={"pk": action.pk})
    form, once, done = action_update_posted(
        request, action, url=url, on_behalf=False, done=UPDATE_POSTED
    )
    if done is not None:
        return done
    return render(
        request,
        "publication/actions/portal_action.html",
        {
            "action": action,
            "plan_label": selectors.plan_label(action.plan),
            "updates": selectors.action_updates(action),
            "evidence": selectors.action_evidence(action),
            "form": form if action.status == ActionStatus.OPEN or form.errors else None,
            "once": once,
            "overdue": action.status == ActionStatus.OPEN and action.due_on < timezone.localdate(),
        },
    )


@require_GET
@scope_required(Action.UPDATE_OWN_ACTIONS)
def portal_action_evidence(request, pk):
    evidence = selectors.evidence_get(scope=request.scope, pk=pk)
    return evidence_response(request, evidence)
