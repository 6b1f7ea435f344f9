"""Tenant-scoped reads. Every query of case data in views, API and tasks starts here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.http import Http404

from cases.models import AccessEvent, Case, ClosureDay, Membership, Stage, User
from cases.tenancy import Scope
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
