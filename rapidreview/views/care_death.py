"""The CRG's consideration of a looked-after child's or care leaver's death (§1.3.5)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.models import Stage
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import selectors, services
from rapidreview.forms.care_death import CareDeathDecisionForm
from rapidreview.models import CareDeathOutcome


@scope_required(Action.VIEW_CASES)
def care_death_decision(request, reference):
    """What the CRG is asked (§1.3.5), and its decision: recorded by the Business Office or
    the chair, read by everyone on the case."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    notification = case_selectors.case_intake(case=case)["notification"]
    decision = selectors.care_death_decision(case=case)
    can_record = (
        request.scope.can(Action.RECORD_DECISION)
        and case.stage == Stage.CRG_CONSIDERATION
        and notification is not None
    )
    if request.method == "POST" and not can_record:
        raise PermissionDenied("Only the Business Office or the CRG chair records the decision.")
    form = meetings = None
    once = Once(request, f"care-death-decision-{case.pk}")
    if can_record:
        meetings = selectors.care_death_meetings(
            scope=request.scope, since=notification.received_on, until=timezone.localdate()
        )
        form = CareDeathDecisionForm(
            request.POST if request.method == "POST" else None,
            meetings=meetings,
            adult=not notification.serious_incident_criteria_can_apply,
        )
        if form.is_bound and form.is_valid():
            with transaction.atomic():
                try:
                    if (replay := once.replay()) is not None:
                        return replay
                    recorded = services.care_death_decision_record(
                        case=case,
                        meeting=selectors.meeting_get(
                            scope=request.scope, pk=form.cleaned_data["meeting"]
                        ),
                        decided_on=form.cleaned_data["decided_on"],
                        outcome=form.cleaned_data["outcome"],
                        rationale=form.cleaned_data["rationale"],
                        actor=request.user,
                    )
                except ApplicationError as error:
                    form_error(form, error)
                else:
                    once.spend(case.get_absolute_url())
                    messages.success(
                        request,
                        f"The CRG's decision is recorded: "
                        f"{CareDeathOutcome(recorded.outcome).label}.",
                    )
                    return redirect(case)
    return render(
        request,
        "rapidreview/care_death_decision.html",
        {
            "case": case,
            "tab": "crg_consideration",
            "notification": notification,
            "decision": decision,
            "form": form,
            "meetings": meetings,
            "once": once,
            "can_record": can_record,
        },
    )
