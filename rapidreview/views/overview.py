"""A case's Rapid Review: where it stands and its task list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.models import Stage
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from rapidreview import selectors, services
from rapidreview.forms.meetings import (
    MeetingChoiceForm,
    ParametersMeetingForm,
)
from rapidreview.models import MeetingKind
from rapidreview.rules import DECIDING_STAGES


@scope_required(Action.VIEW_CASES)
def case_rapid_review(request, reference):
    """The Rapid Review's task list, and its meeting date: inside the 7-13 working-day
    window (§4.4.2), or for a referral at a scheduled meeting within two months (§4.9)."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    today = timezone.localdate()
    review = selectors.rapid_review(case=case)
    window, options = selectors.meeting_options(case=case, today=today)
    if request.method == "POST" and not request.scope.can(Action.MANAGE_MEETINGS):
        raise PermissionDenied("Only the Business Office sets the Rapid Review meeting.")
    can_set = (
        request.scope.can(Action.MANAGE_MEETINGS)
        and case.stage in DECIDING_STAGES
        and not (review and review.decision)
    )
    posted = request.POST if request.method == "POST" and can_set else None
    # Two forms on the page; each posts its name in `form`.
    which = posted.get("form") if posted is not None else None
    form = MeetingChoiceForm(
        posted if which == "meeting" else None,
        options=options,
        initial={
            "version": review.version if review else 1,
            "meeting": review.meeting_id if review else None,
        },
    )
    parameters_form = None
    # §4.4.3, a local variant, on receiving a notification (not on the referral path).
    if case.partnership.holds_request_parameters_meeting and case.stage == Stage.RAPID_REVIEW:
        parameters_form = ParametersMeetingForm(
            posted if which == "parameters" else None,
            meetings=list(
                selectors.calendar(scope=request.scope, since=today).filter(
                    kind=MeetingKind.REQUEST_PARAMETERS, cancelled_at__isnull=True
                )
            ),
            initial={
                "parameters_meeting": review.parameters_meeting_id if review else None,
                "version": review.version if review else 1,
            },
        )
    current_version = review.version if review else 1
    if form.is_bound and form.is_valid():
        try:
            services.rapid_review_meeting_set(
                case=case,
                meeting=selectors.meeting_get(scope=request.scope, pk=form.cleaned_data["meeting"]),
                actor=request.user,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form = with_current_version(form, current_version, options=options)
            form_error(form, error)
        else:
            messages.success(request, "The Rapid Review meeting is set.")
            return redirect("case_rapid_review", reference=case.reference)
    if parameters_form is not None and parameters_form.is_bound and parameters_form.is_valid():
        try:
            services.parameters_meeting_set(
                case=case,
                meeting=selectors.meeting_get(
                    scope=request.scope, pk=parameters_form.cleaned_data["parameters_meeting"]
                ),
                actor=request.user,
                version=parameters_form.cleaned_data["version"],
            )
        except ApplicationError as error:
            form_error(parameters_form, error)
        else:
            messages.success(request, "The meeting to agree the request parameters is set.")
            return redirect("case_rapid_review", reference=case.reference)
    return render(
        request,
        "rapidreview/case_rapid_review.html",
        {
            "case": case,
            "tab": "rapid_review",
            "tasks": _task_links(case, review),
            "review": review,
            "window": window,
            "options": options,
            "form": form,
            "parameters_form": parameters_form,
            "can_set": can_set,
        },
    )


def _task_links(case, review) -> list[tuple]:
    """Each task of the list with the page it opens."""
    links = []
    for task in selectors.rapid_review_tasks(case=case, review=review):
        if task.url_name == "case_rapid_review":
            url = "#meeting-date"
        elif task.url_name == "meeting_detail":
            url = (
                reverse("meeting_detail", kwargs={"pk": review.meeting_id})
                if task.can_start
                else ""
            )
        else:
            url = reverse(task.url_name, kwargs={"reference": case.reference})
        links.append((task, url if task.can_start else ""))
    return links
