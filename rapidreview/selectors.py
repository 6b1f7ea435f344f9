"""Tenant-scoped reads of the CRG calendar and Rapid Reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404

from cases.models import Case
from cases.tenancy import Scope
from rapidreview.models import Attendance, CrgMeeting, RapidReview
from rapidreview.quorum import Quorum, quorum
from rapidreview.services import meeting_window

# How far past the window's end the meeting choice still offers dates (with a reason).
OFFER_BEYOND_WINDOW = timedelta(days=31)


def calendar(*, scope: Scope, since: date) -> QuerySet[CrgMeeting]:
    """The partnership's CRG meetings from `since` on, soonest first."""
    return CrgMeeting.objects.visible_to(scope).filter(held_on__gte=since)


def meeting_get(*, scope: Scope, pk: int) -> CrgMeeting:
    try:
        return CrgMeeting.objects.visible_to(scope).get(pk=pk)
    except CrgMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def meetings_in_use(*, scope: Scope, meetings) -> dict[int, list[str]]:
    """For each meeting, the references of the Rapid Reviews set for it."""
    used: dict[int, list[str]] = {}
    reviews = RapidReview.objects.visible_to(scope).filter(
        Q(meeting__in=meetings) | Q(parameters_meeting__in=meetings)
    )
    for meeting_id, parameters_id, reference in reviews.values_list(
        "meeting_id", "parameters_meeting_id", "case__reference"
    ):
        for used_id in {meeting_id, parameters_id} - {None}:
            used.setdefault(used_id, []).append(reference)
    return used


def rapid_review(*, case: Case) -> RapidReview | None:
    return (
        RapidReview.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("meeting", "parameters_meeting", "meeting_set_by")
        .first()
    )


@dataclass(frozen=True)
class MeetingOption:
    meeting: CrgMeeting
    in_window: bool


def meeting_options(*, case: Case, today: date) -> tuple[tuple[date, date] | None, list]:
    """The window, and the partnership's meetings a Rapid Review could be set for: the
    scheduled and diarised dates inside the window first (§4.4.1, §4.4.2)."""
    window = meeting_window(case=case)
    until = (window[1] if window else today) + OFFER_BEYOND_WINDOW
    meetings = (
        CrgMeeting.objects.for_partnership(case.partnership)
        .filter(held_on__gte=today, held_on__lte=until, cancelled_at__isnull=True)
        .exclude(kind="request_parameters")
    )
    options = [
        MeetingOption(m, window is not None and window[0] <= m.held_on <= window[1])
        for m in meetings
    ]
    return window, sorted(options, key=lambda o: (not o.in_window, o.meeting.held_on))


def attendance(*, meeting: CrgMeeting) -> list[Attendance]:
    return list(
        Attendance.objects.for_partnership(meeting.partnership)
        .filter(meeting=meeting)
        .select_related("agency")
    )


def meeting_quorum(*, attendances: list[Attendance]) -> Quorum:
    """§4.6.1, from the agencies of those present."""
    return quorum({a.agency_id: a.agency.kind for a in attendances if a.present and a.agency})


def attendance_get(*, scope: Scope, pk: int) -> Attendance:
    try:
        return (
            Attendance.objects.visible_to(scope).select_related("meeting__partnership").get(pk=pk)
        )
    except Attendance.DoesNotExist:
        raise Http404("No such attendance.") from None
