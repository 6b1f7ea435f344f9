"""The CRG calendar, a meeting's page and its attendance (§4.6.1)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import meeting_business, selectors, services
from rapidreview.forms.meetings import (
    AttendanceForm,
    CancelMeetingForm,
    CrgMeetingForm,
)


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
            "business": meeting_business.business(meeting, request.scope),
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
