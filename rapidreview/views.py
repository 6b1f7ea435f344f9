"""The CRG calendar and a case's Rapid Review meeting (§4.4)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.intake_views import form_error
from cases.models import Stage
from cases.once import Once
from cases.permissions import Action
from cases.views import scope_required
from rapidreview import selectors, services
from rapidreview.forms import (
    AttendanceForm,
    CancelMeetingForm,
    CrgMeetingForm,
    MeetingChoiceForm,
    ParametersMeetingForm,
)
from rapidreview.models import MeetingKind
from rapidreview.rules import DECIDING_STAGES


@scope_required(Action.VIEW_CASES)
def meeting_calendar(request):
    """The partnership's CRG meetings from today; the Business Office adds to it."""
    partnership = request.scope.partnership
    can_manage = request.scope.can(Action.MANAGE_MEETINGS)
    data = request.POST if request.method == "POST" and can_manage else None
    form = CrgMeetingForm(
        data, holds_parameters_meeting=partnership.holds_request_parameters_meeting
    )
    once = Once(request, "crg-meeting")
    if data is not None and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                meeting = services.crg_meeting_create(
                    partnership=partnership, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse("meeting_calendar"))
                messages.success(request, f"{meeting} is in the calendar.")
                return redirect("meeting_calendar")
    meetings = list(selectors.calendar(scope=request.scope, since=timezone.localdate()))
    in_use = selectors.meetings_in_use(scope=request.scope, meetings=meetings)
    return render(
        request,
        "rapidreview/calendar.html",
        {
            "form": form,
            "once": once,
            "can_manage": can_manage,
            "rows": [(m, in_use.get(m.pk, [])) for m in meetings],
        },
    )


@require_POST
@scope_required(Action.MANAGE_MEETINGS)
def meeting_cancel(request, pk):
    meeting = selectors.meeting_get(scope=request.scope, pk=pk)
    form = CancelMeetingForm(request.POST)
    if form.is_valid():
        try:
            services.crg_meeting_cancel(
                meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{meeting} is cancelled.")
    else:
        messages.error(request, form.errors["reason"][0])
    return redirect("meeting_calendar")


def with_current_version(form, version, **kwargs):
    """The form as typed, but at the version now stored: after a conflict the user checks
    what changed and can save again, rather than conflicting for ever."""
    data = form.data.copy()
    data["version"] = version
    rebound = type(form)(data, **kwargs)
    rebound.is_valid()
    return rebound


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


@scope_required(Action.VIEW_CASES)
def meeting_detail(request, pk):
    """Who attends, their declarations (§1.5.8), and whether the meeting is quorate
    (§4.6.1)."""
    meeting = selectors.meeting_get(scope=request.scope, pk=pk)
    can_manage = request.scope.can(Action.MANAGE_MEETINGS)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Only the Business Office records attendance.")
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        partnership=meeting.partnership,
        people=selectors.attendee_people(meeting=meeting) if can_manage else {},
    )
    once = Once(request, f"attendance-{meeting.pk}")
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                attendance = services.attendance_record(
                    meeting=meeting, actor=request.user, **form.details()
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse("meeting_detail", kwargs={"pk": meeting.pk}))
                messages.success(request, f"{attendance.name} is recorded.")
                return redirect("meeting_detail", pk=meeting.pk)
    attendances = selectors.attendance(meeting=meeting)
    in_use = selectors.meetings_in_use(scope=request.scope, meetings=[meeting])
    return render(
        request,
        "rapidreview/meeting.html",
        {
            "meeting": meeting,
            "attendances": attendances,
            "quorum": selectors.meeting_quorum(attendances=attendances),
            "cases": in_use.get(meeting.pk, []),
            "form": form,
            "once": once,
            "can_manage": can_manage,
        },
    )


@require_POST
@scope_required(Action.MANAGE_MEETINGS)
def attendance_remove(request, pk):
    attendance = selectors.attendance_get(scope=request.scope, pk=pk)
    try:
        services.attendance_remove(attendance=attendance, actor=request.user)
    except ApplicationError as error:  # a decision rests on it (§4.6.1): say so, not a 500
        messages.error(request, error.message)
    else:
        messages.success(request, f"{attendance.name} is removed from the attendance.")
    return redirect("meeting_detail", pk=attendance.meeting_id)
