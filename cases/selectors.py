"""Tenant-scoped reads. Every query of case data in views, API and tasks starts here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import (
    RECEIVED_STATUSES,
    AccessEvent,
    Agency,
    Attachment,
    Case,
    Child,
    ChronologyEntry,
    ClosureDay,
    CombinedSummary,
    Deadline,
    DeadlineStatus,
    Escalation,
    FamilyMember,
    InformationRequest,
    InformationSharingDecision,
    Membership,
    Notification,
    Referral,
    Reminder,
    RequestStatus,
    Role,
    Stage,
    User,
)
from cases.permissions import Action
from cases.rules import identities_open_to_agency
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
    events += _request_events(case=case)
    return sorted(events, key=lambda e: e.at, reverse=True)


def _request_events(*, case: Case) -> list[TimelineEvent]:
    """Information requests going out, replies coming in, and escalations (§4.3, §2.1.7)."""
    events = []
    for request in case_requests(case=case):
        events.append(
            TimelineEvent(
                at=request.sent_at,
                title=f"Information request sent to {request.agency.name}",
                by=str(request.sent_by) if request.sent_by else "System",
                reason=f"Reply due {request.reply_due_on:%-d %B %Y}",
            )
        )
        if request.submitted_at:
            events.append(
                TimelineEvent(
                    at=request.submitted_at,
                    title=f"Reply submitted by {request.agency.name}",
                    by=str(request.submitted_by) if request.submitted_by else request.agency.name,
                    reason=request.get_reply_kind_display(),
                )
            )
        if request.accepted_at:
            events.append(
                TimelineEvent(
                    at=request.accepted_at,
                    title=f"Reply from {request.agency.name} accepted",
                    by="Business Office",
                    reason="",
                )
            )
    for step in (
        Escalation.objects.for_partnership(case.partnership)
        .filter(request__case=case)
        .select_related("request__agency", "recorded_by")
    ):
        events.append(
            TimelineEvent(
                at=timezone.make_aware(datetime.combine(step.escalated_on, datetime.min.time())),
                title=f"Request to {step.request.agency.name} escalated: {step.get_step_display()}",
                by=str(step.recorded_by) if step.recorded_by else "System",
                reason=step.note,
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
            # A waived deadline has no completion date: only the label of its status is made.
            if deadline.status == DeadlineStatus.WAIVED:
                label = f"Waived: {deadline.waived_reason}"
            elif deadline.status == DeadlineStatus.MET:
                label = f"Met on {deadline.completed_on:%-d %B %Y}"
            else:
                label = f"Missed: done on {deadline.completed_on:%-d %B %Y}"
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
    """The user's reminders in this organisation that they have not dismissed, newest
    first, each with the working days left now (`days_left`): a reminder a missed sweep
    made late is for a threshold already passed."""
    reminders = list(
        Reminder.objects.visible_to(scope)
        .filter(
            recipient=scope.user,
            dismissed_at__isnull=True,
            deadline__status=DeadlineStatus.OPEN,
            deadline__due_date=F("due_date"),
        )
        .select_related("deadline__case")[:limit]
    )
    if reminders:
        cal = working_calendar(partnership=scope.partnership)
        today = timezone.localdate()
        for reminder in reminders:
            left = cal.between(today, reminder.due_date)
            reminder.days_left = min(reminder.threshold, left) if reminder.threshold > 0 else left
    return reminders


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


# --- Intake, information requests and the portal ----------------------------------------


def case_intake(*, case: Case) -> dict:
    """The case's notification, referral and children (pseudonyms; names stay restricted)."""
    partnership = case.partnership
    return {
        "notification": Notification.objects.for_partnership(partnership)
        .filter(case=case)
        .select_related("notifying_authority")
        .first(),
        "referral": Referral.objects.for_partnership(partnership)
        .filter(case=case)
        .select_related("referring_agency")
        .first(),
        "children": list(Child.objects.for_partnership(partnership).filter(case=case)),
    }


def family_members(*, case: Case) -> list[FamilyMember]:
    """Restricted: for the restricted file and the addressed agencies only."""
    return list(FamilyMember.objects.for_partnership(case.partnership).filter(case=case))


def case_requests(*, case: Case) -> QuerySet[InformationRequest]:
    return (
        InformationRequest.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("agency", "case__partnership", "sent_by", "submitted_by")
        .order_by("agency__name")
    )


def case_request_get(*, case: Case, pk: int) -> InformationRequest:
    try:
        return case_requests(case=case).get(pk=pk)
    except InformationRequest.DoesNotExist:
        raise Http404("No such request.") from None


def portal_requests(*, scope: Scope) -> QuerySet[InformationRequest]:
    """The requests addressed to the scope's agency, in every partnership it serves (or,
    for partnership staff, their partnership's), newest first."""
    return (
        InformationRequest.objects.visible_to(scope)
        .select_related("agency", "case__partnership")
        .order_by("-sent_at", "-id")
    )


def due_state(*, due: date, today: date, cal: WorkingCalendar) -> str:
    """ "overdue", "due soon" (today or within DUE_SOON_WORKING_DAYS working days, the
    deadlines' own threshold), or "" for a date further off."""
    if due < today:
        return "overdue"
    return "due soon" if cal.between(today, due) <= DUE_SOON_WORKING_DAYS else ""


def portal_requests_by_due(*, scope: Scope, today: date) -> list[InformationRequest]:
    """The agency's requests, the soonest reply due first, each with its `due_state`
    (empty once the reply is submitted: nothing is due from the agency then)."""
    calendars: dict[int, WorkingCalendar] = {}
    found = list(portal_requests(scope=scope).order_by("reply_due_on", "id"))
    for item in found:
        partnership = item.case.partnership
        cal = calendars.setdefault(partnership.pk, working_calendar(partnership=partnership))
        item.due_state = (
            due_state(due=item.reply_due_on, today=today, cal=cal)
            if item.is_open_for_agency
            else ""
        )
    return found


def portal_request_get(*, scope: Scope, pk: int) -> InformationRequest:
    """A request the scope's agency may answer; any other answers 404, never 403."""
    if scope.agency is None:
        raise Http404("No such request.")
    return request_get(scope=scope, pk=pk)


@dataclass(frozen=True)
class IdentifiedPerson:
    """Who a request is about, as the addressed agency needs them to find its records."""

    label: str  # the pseudonym, or the relationship to the child
    name: str
    date_of_birth: date | None
    address: str
    local_authority_reference: str
    nhs_number: str


def identifying_details(
    *, scope: Scope, request: InformationRequest
) -> list[IdentifiedPerson] | None:
    """The children and family members, identified: for the users of the agency the
    request is addressed to while it needs them (`identities_open_to_agency`), and for
    those who may read the restricted file; None for anybody else."""
    if scope.agency is not None:
        if scope.agency.pk != request.agency_id or not identities_open_to_agency(request):
            return None
    elif not scope.can(Action.VIEW_RESTRICTED_FILE):
        return None
    partnership = request.case.partnership
    children = Child.objects.for_partnership(partnership).filter(case_id=request.case_id)
    family = FamilyMember.objects.for_partnership(partnership).filter(case_id=request.case_id)
    return [
        IdentifiedPerson(
            f"{c.pseudonym} ({c.get_role_display().lower()})",
            c.name,
            c.date_of_birth,
            c.address,
            c.local_authority_reference,
            c.nhs_number,
        )
        for c in children
    ] + [
        IdentifiedPerson(
            m.relationship,
            m.name,
            m.date_of_birth,
            m.address,
            m.local_authority_reference,
            m.nhs_number,
        )
        for m in family
    ]


def reply_visible(*, scope: Scope, request: InformationRequest) -> bool:
    """An agency sees its reply as it stands; the partnership once it is submitted."""
    if scope.agency is not None:
        return scope.agency.pk == request.agency_id
    return request.is_received


def request_parts(*, scope: Scope, request: InformationRequest) -> dict:
    """A request's chronology, documents and information-sharing decisions, as far as the
    scope may see them (nothing of a draft for the partnership)."""
    if not reply_visible(scope=scope, request=request):
        return {"entries": [], "attachments": [], "decisions": []}
    partnership = request.case.partnership
    return {
        "entries": list(
            ChronologyEntry.objects.for_partnership(partnership).filter(request=request)
        ),
        "attachments": list(
            Attachment.objects.for_partnership(partnership)
            .filter(request=request, removed_at__isnull=True)
            .select_related("uploaded_by")
        ),
        "decisions": list(
            InformationSharingDecision.objects.for_partnership(partnership)
            .filter(request=request)
            .select_related("decided_by")
        ),
    }


def request_escalations(*, request: InformationRequest) -> list[Escalation]:
    return list(
        Escalation.objects.for_partnership(request.case.partnership)
        .filter(request=request)
        .select_related("recorded_by")
    )


def attachment_get(*, scope: Scope, pk: int) -> Attachment:
    """A document the scope may open: its agency's own, or any on its partnership's cases."""
    try:
        documents = Attachment.objects.visible_to(scope).filter(removed_at__isnull=True)
        if scope.agency is None:  # the partnership's staff: submitted replies only
            documents = documents.filter(request__status__in=RECEIVED_STATUSES)
        return documents.select_related("request__case__partnership", "request__agency").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404("No such document.") from None


def chronology_entry_get(*, scope: Scope, pk: int) -> ChronologyEntry:
    try:
        return (
            ChronologyEntry.objects.visible_to(scope)
            .select_related("request__case__partnership")
            .get(pk=pk)
        )
    except ChronologyEntry.DoesNotExist:
        raise Http404("No such entry.") from None


def combined_summary(*, case: Case) -> CombinedSummary | None:
    return CombinedSummary.objects.for_partnership(case.partnership).filter(case=case).first()


def combined_chronology(*, case: Case) -> list[ChronologyEntry]:
    """Every agency's submitted chronology entries on the case, merged by date and time
    (§4.5.1); drafts stay with their agency."""
    return list(
        ChronologyEntry.objects.for_partnership(case.partnership)
        .filter(request__case=case, request__status__in=RECEIVED_STATUSES)
        .select_related("request__agency")
        .order_by("happened_on", F("happened_at").asc(nulls_first=True), "request__agency__name")
    )


def request_get(*, scope: Scope, pk: int) -> InformationRequest:
    """A request the scope may read: its agency's own, or one of its partnership's."""
    try:
        return portal_requests(scope=scope).get(pk=pk)
    except InformationRequest.DoesNotExist:
        raise Http404("No such request.") from None


def requests_to_review(*, scope: Scope, limit: int = 20) -> list[InformationRequest]:
    """Submitted replies the Business Office has not yet accepted or returned."""
    return list(
        portal_requests(scope=scope)
        .filter(status=RequestStatus.SUBMITTED)
        .order_by("submitted_at", "id")[:limit]
    )


def agencies_without_portal_users(*, agencies) -> list:
    """The agencies nobody active can sign in for, so no email reaches them."""
    reachable = set(
        Membership.objects.filter(
            agency__in=agencies, role=Role.AGENCY_USER, is_active=True, user__is_active=True
        ).values_list("agency_id", flat=True)
    )
    return [agency for agency in agencies if agency.pk not in reachable]


def agency_serving(*, partnership, name: str) -> Agency | None:
    """The agency of exactly this name if it works with the partnership, else None (an
    unknown name and the other partnership's agency look the same to the caller)."""
    return Agency.objects.filter(name=name, partnerships=partnership).first()


def matching_open_cases(
    *, partnership, child_reference: str, received_on: date, incident_on: date | None = None
) -> list[str]:
    """References of the partnership's open cases that may be this notification again: a
    child with the same Local Authority reference, and the same date received or incident
    date. The Business Office confirms before a second case is opened."""
    reference = child_reference.strip()
    if not reference:
        return []
    same_day = models.Q(opened_on=received_on) | models.Q(notification__received_on=received_on)
    if incident_on is not None:
        same_day |= models.Q(notification__incident_on=incident_on)
    return list(
        Case.objects.for_partnership(partnership)
        .exclude(stage=Stage.CLOSED)
        .filter(same_day, children__local_authority_reference__iexact=reference)
        .order_by("pk")
        .values_list("reference", flat=True)
        .distinct()
    )
