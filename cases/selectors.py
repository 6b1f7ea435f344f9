"""Tenant-scoped reads. Every query of case data in views, API and tasks starts here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import (
    AccessEvent,
    Case,
    ClosureDay,
    Deadline,
    DeadlineStatus,
    Membership,
    Reminder,
    Stage,
    User,
)
from cases.tenancy import Scope
from cases.timescales import NOT_DUTIES, TIMESCALES_BY_KIND, Working, work_out
from cases.workdays import WorkingCalendar


def memberships_for(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("partnership", "agency")
        .order_by("partnership__name", "agency__name", "role")
    )


def case_list(
    *, scope: Scope, stages: list[str] | None = None, reference: str = ""
) -> QuerySet[Case]:
    cases = Case.objects.visible_to(scope).select_related("partnership", "lead_officer")
    if stages:
        cases = cases.filter(stage__in=stages)
    if reference:
        cases = cases.filter(reference__icontains=reference.strip())
    return cases


def case_get(*, scope: Scope, reference: str) -> Case:
    """The case with this reference if the scope may see it; otherwise 404, never 403."""
    try:
        return case_list(scope=scope).get(reference=reference)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def my_cases(*, scope: Scope) -> QuerySet[Case]:
    return case_list(scope=scope).filter(lead_officer=scope.user).exclude(stage=Stage.CLOSED)


def case_counts_by_stage(*, scope: Scope) -> list[tuple[str, str, int]]:
    """(stage value, stage label, number of cases) for every stage, zeros included."""
    counts = dict(
        Case.objects.visible_to(scope)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    return [(stage.value, stage.label, counts.get(stage.value, 0)) for stage in Stage]


def access_log(
    *, scope: Scope, reference: str = "", username: str = "", action: str = ""
) -> QuerySet[AccessEvent]:
    """The partnership's access log, newest first; filters match exactly."""
    events = AccessEvent.objects.for_partnership(scope.partnership).select_related(
        "partnership", "agency"
    )
    if reference:
        events = events.filter(object_reference=reference.strip())
    if username:
        events = events.filter(username=username.strip())
    if action:
        events = events.filter(action=action)
    return events


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    by: str
    reason: str
    kind: str
    changes: list[Change]


_AUDITED_FIELDS = ["stage", "opened_on", "lead_officer", "opened_notice_sent_at"]


def case_changes(*, case: Case) -> list[HistoryEntry]:
    """Every recorded change to the case, newest first: who, when, why and what."""
    records = list(case.history.select_related("history_user").order_by("-history_date"))
    officers = {
        user.pk: str(user)
        for user in User.objects.filter(
            pk__in={r.lead_officer_id for r in records if r.lead_officer_id}
        )
    }

    def shown(record, name):
        value = getattr(record, name if name != "lead_officer" else "lead_officer_id")
        if value in (None, ""):
            return "(none)"
        if name == "stage":
            return Stage(value).label
        if name == "lead_officer":
            return officers.get(value, f"user {value}")
        if isinstance(value, datetime):
            return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"
        if isinstance(value, date):
            return f"{value:%-d %B %Y}"
        return str(value)

    labels = {name: Case._meta.get_field(name).verbose_name for name in _AUDITED_FIELDS}
    entries = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        before = {name: shown(older, name) for name in _AUDITED_FIELDS} if older else {}
        changes = [
            Change(labels[name].capitalize(), before.get(name, ""), shown(record, name))
            for name in _AUDITED_FIELDS
            if shown(record, name) != before.get(name, "(none)")
        ]
        entries.append(
            HistoryEntry(
                at=record.history_date,
                by=str(record.history_user) if record.history_user else "System",
                reason=record.history_change_reason or "",
                kind={"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                changes=changes,
            )
        )
    return entries


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    title: str
    by: str
    reason: str


def case_timeline(*, case: Case) -> list[TimelineEvent]:
    """What happened to the case, newest first, from its history records."""
    records = list(case.history.select_related("history_user").order_by("-history_date"))
    events = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        if record.history_type == "+":
            title = "Case opened"
        elif older is not None and older.stage != record.stage:
            title = f"Stage changed to {Stage(record.stage).label}"
        else:
            title = "Case details updated"
        events.append(
            TimelineEvent(
                at=record.history_date,
                title=title,
                by=str(record.history_user) if record.history_user else "System",
                reason=record.history_change_reason or "",
            )
        )
    return events


def working_calendar(*, partnership) -> WorkingCalendar:
    """The partnership's working days: weekdays less bank holidays and its closure days."""
    return WorkingCalendar(
        closures=dict(
            ClosureDay.objects.filter(partnership=partnership).values_list("day", "reason")
        )
    )


DUE_SOON_WORKING_DAYS = 5  # the first reminder threshold (issue 4's defaults)


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as people read it: its state and working days left or overdue."""

    deadline: Deadline
    title: str
    seed: str
    direction: str
    state: str  # met, missed, waived, overdue, due today, due soon, open, from
    label: str
    working: Working | None

    @property
    def tag_colour(self) -> str:
        return {
            "met": "green",
            "missed": "red",
            "waived": "grey",
            "overdue": "red",
            "due today": "orange",
            "due soon": "yellow",
        }.get(self.state, "blue")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def deadline_views(*, deadlines, today: date) -> list[DeadlineView]:
    """How each deadline stands today, in its partnership's working days."""
    calendars: dict[int, WorkingCalendar] = {}
    views = []
    for deadline in deadlines:
        partnership = deadline.case.partnership
        cal = calendars.setdefault(partnership.pk, working_calendar(partnership=partnership))
        timescale = TIMESCALES_BY_KIND[deadline.kind]
        if deadline.kind in NOT_DUTIES and deadline.status == DeadlineStatus.OPEN:
            # An earliest date: nothing to do by it, so never "overdue".
            state, label = "from", f"Not before {deadline.due_date:%-d %B %Y}"
        elif deadline.status != DeadlineStatus.OPEN:
            state = deadline.status
            label = {
                DeadlineStatus.MET: f"Met on {deadline.completed_on:%-d %B %Y}",
                DeadlineStatus.MISSED: f"Missed: done on {deadline.completed_on:%-d %B %Y}",
                DeadlineStatus.WAIVED: f"Waived: {deadline.waived_reason}",
            }[deadline.status]
        else:
            left = cal.between(today, deadline.due_date)
            if deadline.due_date < today and left == 0:  # a weekend or holiday after it
                state, label = "overdue", f"Overdue: due {deadline.due_date:%a %-d %b}"
            elif deadline.due_date < today:
                state, label = "overdue", f"{_plural(-left, 'working day')} overdue"
            elif deadline.due_date == today:
                state, label = "due today", "Due today"
            else:
                state = "due soon" if left <= DUE_SOON_WORKING_DAYS else "open"
                label = f"{_plural(left, 'working day')} left"
        views.append(
            DeadlineView(
                deadline=deadline,
                title=timescale.title,
                seed=timescale.seed,
                direction=timescale.direction,
                state=state,
                label=label,
                # None when the partnership has since turned the timescale off.
                working=work_out(timescale, partnership, deadline.event_date, cal)
                if timescale.applies_to(partnership)
                else None,
            )
        )
    return views


def case_deadlines(*, case: Case) -> QuerySet[Deadline]:
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("case__partnership", "responsible")
    )


def upcoming_deadlines(*, scope: Scope, limit: int = 10) -> QuerySet[Deadline]:
    """The partnership's open deadlines, soonest (and overdue) first."""
    return (
        Deadline.objects.visible_to(scope)
        .filter(status=DeadlineStatus.OPEN)
        .exclude(kind__in=NOT_DUTIES)
        .select_related("case__partnership", "responsible")
        .order_by("due_date", "id")[:limit]
    )


def my_notifications(*, scope: Scope, limit: int = 20) -> list[Reminder]:
    """The user's reminders in this organisation that they have not dismissed, newest first."""
    return list(
        Reminder.objects.visible_to(scope)
        .filter(
            recipient=scope.user,
            dismissed_at__isnull=True,
            deadline__status=DeadlineStatus.OPEN,
            deadline__due_date=F("due_date"),
        )
        .select_related("deadline__case")[:limit]
    )


def deadlines_responsible_for(*, user: User) -> list[Deadline]:
    """Open deadlines the user answers for (theirs, or on cases they lead), in every
    partnership they work for: one scoped query per partnership."""
    partnerships = {m.partnership for m in memberships_for(user) if m.partnership}
    found = []
    for partnership in partnerships:
        found += list(
            Deadline.objects.for_partnership(partnership)
            .filter(status=DeadlineStatus.OPEN)
            .exclude(kind__in=NOT_DUTIES)
            .filter(
                models.Q(responsible=user)
                | models.Q(responsible__isnull=True, case__lead_officer=user)
            )
            .select_related("case")
        )
    return sorted(found, key=lambda d: (d.due_date, d.pk))
