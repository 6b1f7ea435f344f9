"""Reading the review's timetable (§5.8) and its panel meetings (§6.2, §7.1.3, §11.2.1);
their tasks on the LCSPR page, their summary rows and their work on the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.models import Role
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import (
    AgendaItem,
    FamilyCoordinator,
    Lcspr,
    Milestone,
    PanelAction,
    PanelAttendance,
    PanelMeeting,
    SwiftLearning,
)
from reviews.rules import plural as _plural
from reviews.workspace import SummaryRow, Task, TaskState, TaskStatus

NO_MEETING_YET = "No panel meeting yet"
NO_COORDINATOR = "No family coordinator named yet (§7.1.3)"
MINUTES_NOT_RECORDED = "Minutes of {day} not recorded"
NO_MILESTONES = "No milestones planned yet"
MINUTES_TO_RECORD = "Record the minutes of the panel meeting of {day}"


def milestones(*, lcspr: Lcspr) -> QuerySet[Milestone]:
    """The review's milestones, cancelled ones included, soonest first."""
    return (
        Milestone.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("owner", "meeting")
        .order_by("due_on", "id")
    )


def milestone_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> Milestone:
    milestone = (
        Milestone.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("lcspr__case__partnership", "owner")
        .first()
    )
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


def next_milestone(*, lcspr: Lcspr, today: date | None = None) -> Milestone | None:
    """The next milestone not cancelled nor done, from today on (the API's
    `next_milestone`): a panel meeting held today whose minutes are recorded, or a
    learning event marked done early, is behind, not next."""
    today = today or timezone.localdate()
    return (
        milestones(lcspr=lcspr)
        .filter(cancelled_on__isnull=True, done_on__isnull=True, due_on__gte=today)
        .exclude(meeting__minutes_recorded_at__isnull=False)
        .first()
    )


def meetings(*, lcspr: Lcspr) -> QuerySet[PanelMeeting]:
    return (
        PanelMeeting.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("milestone")
        .order_by("milestone__due_on", "id")
    )


def meeting_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> PanelMeeting:
    meeting = (
        PanelMeeting.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("milestone", "lcspr__case__partnership", "minutes_recorded_by")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.visible_to(scope)),
            Prefetch(
                "attendance",
                queryset=PanelAttendance.objects.visible_to(scope).select_related("user"),
            ),
            Prefetch(
                "actions", queryset=PanelAction.objects.visible_to(scope).select_related("owner")
            ),
            Prefetch(
                "swift_learning",
                queryset=SwiftLearning.objects.visible_to(scope).prefetch_related("agencies"),
            ),
        )
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def action_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> PanelAction:
    action = (
        PanelAction.objects.visible_to(scope)
        .filter(meeting__lcspr=lcspr, pk=pk)
        .select_related("meeting__lcspr__case__partnership", "owner")
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    return action


def swift_learning_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> SwiftLearning:
    item = (
        SwiftLearning.objects.visible_to(scope)
        .filter(meeting__lcspr=lcspr, pk=pk)
        .select_related("meeting__lcspr__case__partnership")
        .first()
    )
    if item is None:
        raise Http404("No such message.")
    return item


def actions(*, lcspr: Lcspr) -> QuerySet[PanelAction]:
    return (
        PanelAction.objects.for_partnership(lcspr.case.partnership)
        .filter(meeting__lcspr=lcspr)
        .select_related("owner", "meeting__milestone")
        .order_by("done_on", "due_on", "id")
    )


def family_coordinator(*, lcspr: Lcspr) -> FamilyCoordinator | None:
    return (
        FamilyCoordinator.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("agency")
        .first()
    )


@dataclass(frozen=True)
class PanelStanding:
    meetings: list[PanelMeeting]
    minutes_due: list[PanelMeeting]  # held, not cancelled, minutes not recorded
    overdue_actions: int
    coordinator: FamilyCoordinator | None


def panel_standing(*, lcspr: Lcspr, today: date | None = None) -> PanelStanding:
    today = today or timezone.localdate()
    held = [m for m in meetings(lcspr=lcspr) if m.milestone.cancelled_on is None]
    return PanelStanding(
        meetings=held,
        minutes_due=[m for m in held if m.held_on <= today and m.minutes_recorded_at is None],
        overdue_actions=actions(lcspr=lcspr).filter(done_on__isnull=True, due_on__lt=today).count(),
        coordinator=family_coordinator(lcspr=lcspr),
    )


def timetable_status(lcspr: Lcspr) -> TaskStatus:
    if not milestones(lcspr=lcspr).filter(cancelled_on__isnull=True).exists():
        return TaskStatus(TaskState.NOT_STARTED, NO_MILESTONES)
    upcoming = next_milestone(lcspr=lcspr)
    if upcoming is None:
        return TaskStatus(TaskState.IN_PROGRESS, "No milestone ahead")
    return TaskStatus(
        TaskState.IN_PROGRESS, f"Next: {upcoming.label}, {format_date(upcoming.due_on)}"
    )


def panel_status(lcspr: Lcspr) -> TaskStatus:
    standing = panel_standing(lcspr=lcspr)
    problems = [
        MINUTES_NOT_RECORDED.format(day=format_date(m.held_on)) for m in standing.minutes_due
    ]
    if standing.overdue_actions:
        problems.append(f"{_plural(standing.overdue_actions, 'action')} overdue")
    if standing.coordinator is None:
        problems.append(NO_COORDINATOR)
    if not standing.meetings:
        return TaskStatus(TaskState.NOT_STARTED, "; ".join([NO_MEETING_YET, *problems]))
    if problems:
        return TaskStatus(TaskState.ATTENTION, "; ".join(problems))
    return TaskStatus(TaskState.IN_PROGRESS, _plural(len(standing.meetings), "meeting"))


workspace.register(
    Task(
        order=40,
        key="timetable",
        title="Plan the timetable",
        url_name="lcspr_timetable",
        status=timetable_status,
    )
)
workspace.register(
    Task(
        order=50,
        key="panel",
        title="Run the panel meetings",
        url_name="lcspr_panel",
        status=panel_status,
    )
)


@workspace.register_summary
def panel_summary(lcspr: Lcspr) -> list[SummaryRow]:
    upcoming = next_milestone(lcspr=lcspr)
    coordinator = family_coordinator(lcspr=lcspr)
    rows = [
        SummaryRow(
            order=40,
            label="Next milestone",
            value=f"{upcoming.label}, {format_date(upcoming.due_on)}"
            if upcoming
            else "None planned",
        ),
        SummaryRow(
            order=45,
            label="Family coordinator",
            value=coordinator.name if coordinator else "Not named yet",
            hint=", ".join(
                part
                for part in (coordinator.role, coordinator.agency and coordinator.agency.name)
                if part
            )
            if coordinator
            else "The panel names who coordinates communication with the family (§7.1.3).",
        ),
    ]
    return rows


@register_work
def panel_work(scope: Scope) -> list[WorkItem]:
    """Open panel actions the person owns; and, for the Business Office and Reviewers,
    meetings held whose minutes are not recorded."""
    if scope.partnership is None:
        return []
    items = [
        WorkItem(
            case_reference=action.meeting.lcspr.case.reference,
            text="Finish your Case Review Panel action"
            + (" (overdue)" if action.due_on < timezone.localdate() else ""),
            url=reverse("lcspr_panel", kwargs={"reference": action.meeting.lcspr.case.reference}),
            due_on=action.due_on,
        )
        for action in PanelAction.objects.visible_to(scope)
        .filter(owner=scope.user, done_on__isnull=True)
        .select_related("meeting__lcspr__case")
        .only("id", "due_on", "meeting__lcspr__case__reference")
    ]
    if scope.role in {Role.BUSINESS_OFFICE, Role.REVIEWER}:
        today = timezone.localdate()
        for meeting in (
            PanelMeeting.objects.visible_to(scope)
            .filter(
                minutes_recorded_at__isnull=True,
                milestone__cancelled_on__isnull=True,
                milestone__due_on__lte=today,
            )
            .select_related("milestone", "lcspr__case")
            .only("id", "milestone__due_on", "lcspr__case__reference")
        ):
            reference = meeting.lcspr.case.reference
            items.append(
                WorkItem(
                    case_reference=reference,
                    text=MINUTES_TO_RECORD.format(day=format_date(meeting.held_on)),
                    url=reverse(
                        "lcspr_panel_meeting", kwargs={"reference": reference, "pk": meeting.pk}
                    ),
                    due_on=meeting.held_on,
                )
            )
    return items
