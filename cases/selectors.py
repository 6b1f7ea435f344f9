"""Tenant-scoped reads. Every query of case data in views, API and tasks starts here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Count, F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cases import case_sources
from cases.case_sources import NextAction, TimelineEvent
from cases.dates import format_date, format_datetime
from cases.models import (
    OPEN_FOR_AGENCY_STATUSES,
    RECEIVED_STATUSES,
    AccessEvent,
    Agency,
    Attachment,
    Case,
    Child,
    ChildRole,
    ChronologyEntry,
    ClosureDay,
    CombinedSummary,
    Deadline,
    DeadlineMove,
    DeadlineStatus,
    DocumentKind,
    DocumentStatus,
    Escalation,
    FamilyMember,
    ImportStatus,
    InformationRequest,
    InformationSharingDecision,
    Membership,
    Notification,
    Partnership,
    Referral,
    Reminder,
    RenderedDocument,
    RequestPurpose,
    RequestStatus,
    Role,
    Stage,
    StagedChronologyImport,
    User,
)
from cases.permissions import Action
from cases.rules import REQUESTS_SENT, PersonNames, content_key, identities_open_to_agency
from cases.tenancy import Scope
from cases.timescales import NOT_DUTIES, TIMESCALES_BY_KIND, Working, work_out
from cases.workdays import WorkingCalendar


def memberships_for(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("partnership", "agency")
        .order_by("partnership__name", "agency__name", "role")
    )


def _cases(*, scope: Scope) -> QuerySet[Case]:
    return Case.objects.visible_to(scope).select_related(
        "partnership", "lead_officer", "duplicate_of"
    )


def case_list(
    *,
    scope: Scope,
    stages: list[str] | None = None,
    reference: str = "",
    lead_officer: int | None = None,
    overdue_on: date | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    local_authority_reference: str = "",
    child_name: str = "",
) -> QuerySet[Case]:
    """The scope's cases, filtered, less those withdrawn as duplicates (reachable by
    reference only). `overdue_on`: only cases with an open deadline due before that day.
    The child's details match any child of the case (restricted: the view logs a search by
    name)."""
    cases = _cases(scope=scope).filter(withdrawn_at__isnull=True)
    # Retention (issue 18): an archived case leaves the working lists; it is found by its
    # full reference (and opened by its link).
    if reference:
        cases = cases.filter(
            models.Q(archived_at__isnull=True) | models.Q(reference__iexact=reference.strip())
        )
    else:
        cases = cases.filter(archived_at__isnull=True)
    if stages:
        cases = cases.filter(stage__in=stages)
    if reference:
        cases = cases.filter(reference__icontains=reference.strip())
    if lead_officer:
        cases = cases.filter(lead_officer_id=lead_officer)
    if overdue_on:
        overdue = (
            Deadline.objects.visible_to(scope)
            .filter(status=DeadlineStatus.OPEN, due_date__lt=overdue_on)
            .exclude(kind__in=NOT_DUTIES)
        )
        cases = cases.filter(pk__in=overdue.values("case_id"))
    if received_from:
        cases = cases.filter(opened_on__gte=received_from)
    if received_to:
        cases = cases.filter(opened_on__lte=received_to)
    children = Child.objects.visible_to(scope)
    if local_authority_reference:
        children = children.filter(local_authority_reference__iexact=local_authority_reference)
    if child_name:
        children = children.filter(name__icontains=child_name)
    if local_authority_reference or child_name:
        cases = cases.filter(pk__in=children.values("case_id"))
    return cases


def case_get(*, scope: Scope, reference: str) -> Case:
    """The case with this reference if the scope may see it, withdrawn or not; otherwise
    404, never 403."""
    try:
        return _cases(scope=scope).get(reference=reference)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def case_archived(*, scope: Scope, reference: str | None) -> bool:
    """Whether the case with this reference, if the scope sees it, is archived (issue 18:
    retention): it is then read only."""
    if not reference:
        return False
    return _cases(scope=scope).filter(reference=reference, archived_at__isnull=False).exists()


def case_membership_elsewhere(
    *, scope: Scope, memberships: list[Membership], reference: str
) -> Membership | None:
    """The user's other membership, in a role that reads cases, through which the case
    with this reference is visible; None if there is none (or the case does not exist)."""
    for membership in memberships:
        if membership.partnership_id in (None, scope.membership.partnership_id):
            continue  # here the case was looked for already
        other = Scope(user=scope.user, membership=membership)
        if (
            other.can(Action.VIEW_CASES)
            and case_list(scope=other, reference=reference).filter(reference=reference).exists()
        ):
            return membership
    return None


def appointment_undeclared(*, scope: Scope, reference: str) -> bool:
    """Whether the scope's user holds a current appointment to this case's LCSPR and has
    not yet declared conflicts and agreed to confidentiality (§1.5.8). Read through the
    case's reverse relations, as cases/tenancy.py does, so `cases` imports no `reviews`."""
    if scope.partnership is None:
        return False
    return (
        Case.objects.for_partnership(scope.partnership)
        .filter(
            reference=reference,
            lcspr__appointments__user=scope.user,
            lcspr__appointments__ended_on=None,
            lcspr__appointments__declared_at=None,
        )
        .exists()
    )


def appointment_conflicted(*, scope: Scope, reference: str) -> bool:
    """Whether the scope's user holds a current appointment to this case's LCSPR on which
    they declared a conflict of interest that the Business Office has not yet decided on
    (§1.5.8): until it has, they do not open the restricted file. Read through the case's
    reverse relations, as `appointment_undeclared` does, so `cases` imports no `reviews`."""
    if scope.partnership is None:
        return False
    return (
        Case.objects.for_partnership(scope.partnership)
        .filter(
            reference=reference,
            lcspr__appointments__user=scope.user,
            lcspr__appointments__ended_on=None,
            lcspr__appointments__has_conflict=True,
            lcspr__appointments__conflict_decided_at=None,
        )
        .exists()
    )


def my_cases(*, scope: Scope) -> QuerySet[Case]:
    return case_list(scope=scope).filter(lead_officer=scope.user).exclude(stage=Stage.CLOSED)


def business_office_officers(*, partnership) -> QuerySet[User]:
    """Who may lead the partnership's cases: its Business Office's active officers, by name.
    The case list filters by them, and a case's lead officer is changed to one of them."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__partnership=partnership,
            memberships__role=Role.BUSINESS_OFFICE,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def case_counts_by_stage(*, scope: Scope) -> list[tuple[str, str, int]]:
    """(stage value, stage label, number of cases) for every stage, zeros included."""
    counts = dict(
        case_list(scope=scope)
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


_AUDITED_FIELDS = {
    Case: ["stage", "opened_on", "lead_officer", "opened_notice_sent_at", "withdrawn_at"],
    Notification: ["received_on", "summary"],
    Referral: ["received_on", "summary"],
    # Never a child's identifying details: those are seen in the restricted file only.
    Child: ["pseudonym", "role", "local_authority_reference"],
}


def case_changes(*, case: Case) -> list[HistoryEntry]:
    """Every recorded change to the case, its notification or referral and its children,
    newest first: who, when, why and what. A correction's own record shows what changed,
    so the case's record of the same correction (its version only) is left out."""
    intake = case_intake(case=case)
    sources = [(Case, "", case)] + [
        (type(row), label, row)
        for label, row in [
            ("Notification", intake["notification"]),
            ("Referral", intake["referral"]),
            *((child.pseudonym, child) for child in intake["children"]),
        ]
        if row is not None
    ]
    entries = []
    for model, label, row in sources:
        records = list(row.history.select_related("history_user").order_by("-history_date"))
        entries += [
            entry
            for entry in _history_entries(model, label, records)
            if entry.changes or entry.kind != "Changed" or model is not Case
        ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _history_entries(model, label: str, records) -> list[HistoryEntry]:
    fields = _AUDITED_FIELDS[model]
    officers = {
        user.pk: str(user)
        for user in User.objects.filter(
            pk__in={getattr(r, "lead_officer_id", None) for r in records} - {None}
        )
    }

    def shown(record, name):
        value = getattr(record, name if name != "lead_officer" else "lead_officer_id")
        if value in (None, ""):
            return "(none)"
        if name == "stage":
            return Stage(value).label
        if name == "role":
            return ChildRole(value).label
        if name == "lead_officer":
            return officers.get(value, f"user {value}")
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, date):
            return format_date(value)
        return str(value)

    labels = {}
    for name in fields:
        text = f"{label}: " * bool(label) + str(model._meta.get_field(name).verbose_name)
        labels[name] = text[0].upper() + text[1:]
    entries = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        before = {name: shown(older, name) for name in fields} if older else {}
        changes = [
            Change(labels[name], before.get(name, ""), shown(record, name))
            for name in fields
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


def case_timeline(*, case: Case) -> list[TimelineEvent]:
    """What happened to the case, newest first: its own history, its information requests
    and what the apps downstream of `cases` register (the Rapid Review's events)."""
    records = list(case.history.select_related("history_user").order_by("-history_date"))
    events = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        if record.history_type == "+":
            title = "Case opened"
        elif older is not None and older.stage != record.stage:
            title = f"Stage changed to {Stage(record.stage).label}"
        elif older is not None and older.lead_officer_id != record.lead_officer_id:
            title = "Lead officer changed"
        elif older is not None and older.opened_notice_sent_at != record.opened_notice_sent_at:
            continue  # the email about the new case is bookkeeping, not a step taken on it
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
    events += case_sources.events(case)
    return sorted(events, key=lambda e: e.at, reverse=True)


@dataclass(frozen=True)
class CaseStanding:
    """Where the case stands: its stage, the last thing done and the next action due."""

    stage: str
    last: TimelineEvent | None
    next: NextAction | None


def case_standing(*, case: Case, today: date) -> CaseStanding:
    """For the header of every case page, at every stage: the newest timeline event, and
    the soonest of the case's open deadlines, unanswered information requests and the
    tasks the downstream apps register. A closed case has nothing due."""
    timeline = case_timeline(case=case)
    if case.stage == Stage.CLOSED:
        return CaseStanding(case.get_stage_display(), timeline[0] if timeline else None, None)
    office = case.partnership.business_office_name
    due = [
        NextAction(
            due_on=deadline.due_date,
            what=deadline.title,
            who=str(deadline.responsible or case.lead_officer or office),
            overdue=deadline.due_date < today,
        )
        for deadline in case_deadlines(case=case)
        .filter(status=DeadlineStatus.OPEN)
        .exclude(kind__in=NOT_DUTIES)
        .select_related("case__lead_officer")
    ]
    due += [
        NextAction(
            due_on=request.reply_due_on,
            what="Reply to the information request",
            who=request.agency.name,
            overdue=request.reply_due_on < today,
        )
        for request in case_requests(case=case).exclude(status__in=RECEIVED_STATUSES)
    ]
    due += case_sources.actions(case)
    return CaseStanding(
        case.get_stage_display(),
        timeline[0] if timeline else None,
        min(due, key=lambda action: action.due_on) if due else None,
    )


def _request_events(*, case: Case) -> list[TimelineEvent]:
    """Information requests going out, replies coming in, and escalations (§4.3, §2.1.7)."""
    events = []
    for request in case_requests(case=case):
        events.append(
            TimelineEvent(
                at=request.sent_at,
                title=f"Information request sent to {request.agency.name}",
                by=str(request.sent_by) if request.sent_by else "System",
                reason=f"Reply due {format_date(request.reply_due_on)}",
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
        .filter(request__case=case, request__purpose=RequestPurpose.RAPID_REVIEW)
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


def working_calendars(*, partnership_ids) -> dict[int, WorkingCalendar]:
    """The working calendar of each of these partnerships, from one query of their closure
    days: for a list whose rows span partnerships (an agency serves both), never one
    calendar a row (issue 18)."""
    closures: dict[int, dict[date, str]] = {pk: {} for pk in partnership_ids}
    if closures:
        for pk, day, reason in ClosureDay.objects.filter(partnership_id__in=closures).values_list(
            "partnership_id", "day", "reason"
        ):
            closures[pk][day] = reason
    return {pk: WorkingCalendar(closures=days) for pk, days in closures.items()}


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
    deadlines = list(deadlines)
    calendars = working_calendars(partnership_ids={d.case.partnership_id for d in deadlines})
    views = []
    for deadline in deadlines:
        partnership = deadline.case.partnership
        cal = calendars[partnership.pk]
        timescale = deadline.timescale  # None for an own item (a review's milestone)
        if deadline.kind in NOT_DUTIES and deadline.status == DeadlineStatus.OPEN:
            # An earliest date: nothing to do by it, so never "overdue".
            state, label = "from", f"Not before {format_date(deadline.due_date)}"
        elif deadline.status != DeadlineStatus.OPEN:
            state = deadline.status
            # A waived deadline has no completion date: only the label of its status is made.
            if deadline.status == DeadlineStatus.WAIVED:
                label = f"Waived: {deadline.waived_reason}"
            elif deadline.status == DeadlineStatus.MET:
                label = f"Met on {format_date(deadline.completed_on)}"
            else:
                label = f"Missed: done on {format_date(deadline.completed_on)}"
        else:
            left = cal.between(today, deadline.due_date)
            if deadline.due_date < today and left == 0:  # a weekend or holiday after it
                state, label = (
                    "overdue",
                    f"Overdue: due {format_date(deadline.due_date, weekday=True)}",
                )
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
                title=deadline.title,
                seed=deadline.seed,
                direction=deadline.direction,
                state=state,
                label=label,
                # None when the partnership has since turned the timescale off, and for
                # an own item, whose date was set, not worked out.
                working=work_out(timescale, partnership, deadline.event_date, cal)
                if timescale is not None and timescale.applies_to(partnership)
                else None,
            )
        )
    return views


def case_deadlines(*, case: Case) -> QuerySet[Deadline]:
    """The case's deadlines, each with its moves (`moves.all`), oldest first."""
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("case__partnership", "responsible")
        .prefetch_related(
            Prefetch(
                "moves",
                queryset=DeadlineMove.objects.for_partnership(case.partnership).select_related(
                    "moved_by"
                ),
            )
        )
    )


def request_sending_due(*, case: Case) -> date | None:
    """The date by which information requests go out (§4.3.3), where the partnership has
    one: within 2 working days of the notification in Leicestershire & Rutland; none in
    Leicester, where they go "as soon as possible", so none is judged late there."""
    if not TIMESCALES_BY_KIND[REQUESTS_SENT].applies_to(case.partnership):
        return None
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind=REQUESTS_SENT)
        .values_list("due_date", flat=True)
        .first()
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
        open_duties = (
            Deadline.objects.for_partnership(partnership)
            .filter(status=DeadlineStatus.OPEN)
            .exclude(kind__in=NOT_DUTIES)
            .select_related("case")
        )
        # Two queries, each from the user's own rows by an index (theirs; the cases they
        # lead): one with an OR across the two read every open deadline of the
        # partnership to find them, on every poll of their calendar (issue 18).
        found += list(open_duties.filter(responsible=user))
        found += list(open_duties.filter(responsible__isnull=True, case__lead_officer=user))
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


def person_names(*, partnership: Partnership, case: Case) -> PersonNames:
    """The names of the case's children and family members, with the children's
    pseudonyms: `.found_in(text)` says whether text meant to leave the restricted file
    names one of them (a notice, a report). Restricted: never show what it holds."""
    children = Child.objects.for_partnership(partnership).filter(case=case)
    family = FamilyMember.objects.for_partnership(partnership).filter(case=case)
    return PersonNames(
        names=tuple(
            name
            for name in [
                *children.values_list("name", flat=True),
                *family.values_list("name", flat=True),
            ]
            if name.strip()
        ),
        pseudonyms=tuple(children.values_list("pseudonym", flat=True)),
    )


def case_requests(
    *, case: Case, purpose: str | None = RequestPurpose.RAPID_REVIEW
) -> QuerySet[InformationRequest]:
    """The case's requests for the Rapid Review (§4.3) unless another `purpose` is asked
    for (None: every request): an LCSPR's submissions (§8.2) never count as the Rapid
    Review's requests, replies or chronology."""
    requests = InformationRequest.objects.for_partnership(case.partnership).filter(case=case)
    if purpose is not None:
        requests = requests.filter(purpose=purpose)
    return requests.select_related(
        "agency", "case__partnership", "sent_by", "submitted_by"
    ).order_by("agency__name")


def without_hidden_submissions(queryset: QuerySet, *, scope: Scope, path: str = "") -> QuerySet:
    """`queryset` (requests, or their parts with `path` "request__") less what partnership
    staff outside the review team must not read: an agency's LCSPR submission (§8.2) is
    the review team's evidence (Action.VIEW_REVIEW_TEAM_RECORDS: the Business Office, the
    chair, and the appointed Reviewer and Panel, whom the tenancy limits to their
    reviews), not the CRG's or the partnership admin's. An agency reads its own."""
    if scope.agency is not None or scope.can(Action.VIEW_REVIEW_TEAM_RECORDS):
        return queryset
    return queryset.exclude(**{f"{path}purpose": RequestPurpose.LCSPR})


def case_request_get(*, scope: Scope, case: Case, pk: int) -> InformationRequest:
    """Any of the case's requests, whatever its purpose: the office's request page (the
    agency's reply, entering it on its behalf, §2.1.7 escalation) serves both. An LCSPR
    submission only to the review team (`without_hidden_submissions`): 404 to anyone else."""
    try:
        return without_hidden_submissions(case_requests(case=case, purpose=None), scope=scope).get(
            pk=pk
        )
    except InformationRequest.DoesNotExist:
        raise Http404("No such request.") from None


def _requests(*, scope: Scope) -> QuerySet[InformationRequest]:
    return (
        InformationRequest.objects.visible_to(scope)
        .select_related("agency", "case__partnership")
        .order_by("-sent_at", "-id")
    )


def without_text_columns(queryset: QuerySet, *relations: str) -> QuerySet:
    """`queryset` without the free text (and JSON) of its rows and of the `relations` it
    selects: a list shows none of it, and an agency's replies or a meeting's record run to
    pages, loaded a thousand rows at a time otherwise (issue 18)."""
    deferred = []
    for relation in ("", *relations):
        model = queryset.model
        for part in filter(None, relation.split("__")):
            model = model._meta.get_field(part).related_model
        deferred += [
            f"{relation}__{field.name}" if relation else field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.TextField | models.JSONField)
        ]
    return queryset.defer(*deferred)


def portal_requests(
    *,
    scope: Scope,
    stages: list[str] | None = None,
    sent_from: date | None = None,
    sent_to: date | None = None,
) -> QuerySet[InformationRequest]:
    """The requests addressed to the scope's agency, in every partnership it serves (or,
    for partnership staff, their partnership's), newest first; not those of a case
    withdrawn as a duplicate, which are opened by their link only. Optionally only those
    of cases at `stages`, or sent from and to these days (UK time, both included). A list's
    rows: without the replies' text (`request_get` reads one whole)."""
    requests = without_text_columns(
        _requests(scope=scope).filter(case__withdrawn_at__isnull=True), "case"
    )
    if stages:
        requests = requests.filter(case__stage__in=stages)
    # A range of the column itself, from UK midnight to UK midnight, rather than
    # `sent_at__date`: a date cast of each row read every request to filter, where the
    # range reads the `request_sent` index (issue 18).
    if sent_from:
        requests = requests.filter(sent_at__gte=_uk_midnight(sent_from))
    if sent_to:
        requests = requests.filter(sent_at__lt=_uk_midnight(sent_to + timedelta(days=1)))
    return requests


def _uk_midnight(day: date) -> datetime:
    """The start of the day in the UK (the current time zone, as `__date` reads it)."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def due_state(*, due: date, today: date, cal: WorkingCalendar) -> str:
    """ "overdue", "due soon" (today or within DUE_SOON_WORKING_DAYS working days, the
    deadlines' own threshold), or "" for a date further off."""
    if due < today:
        return "overdue"
    return "due soon" if cal.between(today, due) <= DUE_SOON_WORKING_DAYS else ""


def portal_requests_to_answer(*, scope: Scope) -> QuerySet[InformationRequest]:
    """The agency's requests waiting for its reply (`is_open_for_agency`), the soonest reply
    due first, without their text: for a page of them (`with_due_states`)."""
    return (
        portal_requests(scope=scope)
        .filter(status__in=OPEN_FOR_AGENCY_STATUSES)
        .order_by("reply_due_on", "id")
    )


def portal_requests_answered(*, scope: Scope) -> QuerySet[InformationRequest]:
    """The agency's submitted replies (accepted or not yet), the newest request first,
    without their text."""
    return portal_requests(scope=scope).exclude(status__in=OPEN_FOR_AGENCY_STATUSES)


def with_due_states(requests, *, today: date) -> list[InformationRequest]:
    """The requests, each with its `due_state` (empty once the reply is submitted: nothing
    is due from the agency then), in one query of closure days whatever their number."""
    requests = list(requests)
    calendars = working_calendars(partnership_ids={r.case.partnership_id for r in requests})
    for item in requests:
        item.due_state = (
            due_state(due=item.reply_due_on, today=today, cal=calendars[item.case.partnership_id])
            if item.is_open_for_agency
            else ""
        )
    return requests


@dataclass(frozen=True)
class RequestsToAnswer:
    """How many requests wait for the agency's reply: all, overdue, and due soon (within
    DUE_SOON_WORKING_DAYS working days of each partnership's calendar)."""

    total: int
    overdue: int
    due_soon: int


def portal_requests_to_answer_counts(*, scope: Scope, today: date) -> RequestsToAnswer:
    """The counts, in one query: "due soon" ends on a different day in each partnership
    served (its own closure days), so each partnership's rows meet their own horizon."""
    requests = portal_requests(scope=scope).filter(status__in=OPEN_FOR_AGENCY_STATUSES)
    partnership_ids = (
        [p.pk for p in scope.agency.partnerships.all()]
        if scope.agency is not None
        else [scope.partnership.pk]
    )
    calendars = working_calendars(partnership_ids=partnership_ids)
    # due_state: "due soon" is at most DUE_SOON_WORKING_DAYS working days after today, so
    # before the next working day after those.
    due_soon = models.Q(pk__in=[])
    for pk, cal in calendars.items():
        due_soon |= models.Q(
            case__partnership_id=pk,
            reply_due_on__lt=cal.add(today, DUE_SOON_WORKING_DAYS + 1),
        )
    counts = requests.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=models.Q(reply_due_on__lt=today)),
        due_soon=Count("pk", filter=models.Q(reply_due_on__gte=today) & due_soon),
    )
    return RequestsToAnswer(**counts)


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
    return case_identities(case=request.case)


def case_identities(*, case: Case) -> list[IdentifiedPerson]:
    """The case's children and family members, identified. Callers decide who may see
    them: whoever must act on the case (an agency asked for its records or its genogram)
    and those who may read the restricted file, each showing access-logged."""
    partnership = case.partnership
    children = Child.objects.for_partnership(partnership).filter(case_id=case.pk)
    family = FamilyMember.objects.for_partnership(partnership).filter(case_id=case.pk)
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
    # The office sees what it is itself entering for the agency (issue 12).
    return request.is_received or (
        request.is_entered_on_behalf and scope.can(Action.MANAGE_REQUESTS)
    )


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


def submission_parts(*, scope: Scope, request: InformationRequest) -> dict | None:
    """An LCSPR submission's content for the review team to quality-assure (§8.7.1): its
    chronology (events and organisational changes), documents and named practitioners,
    once the agency has submitted it (and after, while returned for more or accepted).
    None while it is the agency's draft, never submitted, and for anyone outside the
    review team (Action.VIEW_REVIEW_TEAM_RECORDS)."""
    from reviews.models import NamedPractitioner

    if (
        request.purpose != RequestPurpose.LCSPR
        or request.submitted_at is None
        or scope.agency is not None
        or not scope.can(Action.VIEW_REVIEW_TEAM_RECORDS)
    ):
        return None
    partnership = request.case.partnership
    entries = list(
        ChronologyEntry.objects.for_partnership(partnership)
        .filter(request=request)
        .order_by("happened_on", F("happened_at").asc(nulls_first=True), "id")
    )
    return {
        "entries": [e for e in entries if not e.is_organisational_change],
        "changes": [e for e in entries if e.is_organisational_change],
        "attachments": list(
            Attachment.objects.for_partnership(partnership)
            .filter(request=request, removed_at__isnull=True)
            .select_related("uploaded_by")
        ),
        "practitioners": list(
            NamedPractitioner.objects.for_partnership(partnership).filter(request=request)
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
        documents = without_hidden_submissions(
            Attachment.objects.visible_to(scope).filter(removed_at__isnull=True),
            scope=scope,
            path="request__",
        )
        if scope.agency is None:  # the partnership's staff: submitted replies only
            received = models.Q(request__status__in=RECEIVED_STATUSES)
            if scope.can(Action.MANAGE_REQUESTS):  # and those the office enters itself
                received |= models.Q(request__entered_on_behalf_at__isnull=False)
            if scope.can(Action.VIEW_REVIEW_TEAM_RECORDS):  # a submission returned for more
                received |= models.Q(
                    request__purpose=RequestPurpose.LCSPR, request__submitted_at__isnull=False
                )
            documents = documents.filter(received)
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


def _combined_chronology_entries(case: Case):
    return ChronologyEntry.objects.for_partnership(case.partnership).filter(
        request__case=case,
        request__status__in=RECEIVED_STATUSES,
        request__purpose=RequestPurpose.RAPID_REVIEW,
    )


def combined_chronology(*, case: Case) -> list[ChronologyEntry]:
    """Every agency's submitted chronology entries on the case, merged by date and time
    (§4.5.1); drafts stay with their agency."""
    return list(
        _combined_chronology_entries(case)
        .select_related("request__agency")
        .order_by("happened_on", F("happened_at").asc(nulls_first=True), "request__agency__name")
    )


# --- Long documents rendered in the background (issue 18) -------------------------------


def _case_stamp(case: Case) -> list:
    """What every document's heading and footer show of the case and its partnership."""
    partnership = case.partnership
    return [
        case.reference,
        partnership.name,
        partnership.business_office_name,
        Notification.objects.for_partnership(partnership).filter(case=case).exists(),
    ]


def _latest_history(model, ids) -> int | None:
    """The newest history row of these rows: any edit through a history-aware path (every
    product write) moves it, whether or not the edit bumped a version."""
    return model.history.filter(id__in=ids).aggregate(latest=models.Max("history_id"))["latest"]


def combined_chronology_key(*, case: Case, entries: list[ChronologyEntry] | None = None) -> str:
    """The content key of the combined chronology's PDF: the case's heading, and each entry
    shown with its version, its agency's name and the newest history row of them all.

    With `entries` (the rows about to be rendered) the key is of those rows; the history
    stamp is read first, so a concurrent edit can only make the key older than the
    content, never newer: the next look asks for a fresh rendering rather than serving a
    stale one."""
    ids = list(_combined_chronology_entries(case).values_list("pk", flat=True))
    stamp = _latest_history(ChronologyEntry, ids)
    if entries is None:
        rows = list(
            _combined_chronology_entries(case)
            .order_by("pk")
            .values_list("pk", "version", "request_id", "request__agency__name")
        )
    else:
        rows = sorted((e.pk, e.version, e.request_id, e.request.agency.name) for e in entries)
    return content_key(
        DocumentKind.COMBINED_CHRONOLOGY, [_case_stamp(case), stamp, [list(r) for r in rows]]
    )


DOCUMENT_KEYS = {DocumentKind.COMBINED_CHRONOLOGY: combined_chronology_key}


@dataclass(frozen=True)
class DocumentState:
    """A long document of a case as its page shows it: the rendering of what the case
    shows now (`current`, None if nobody has asked), and, when that is not ready, the
    last one made before the case changed (`earlier`, never offered for download)."""

    key: str
    current: RenderedDocument | None
    earlier: RenderedDocument | None

    @property
    def ready(self) -> bool:
        return self.current is not None and self.current.status == DocumentStatus.READY

    @property
    def preparing(self) -> bool:
        return self.current is not None and self.current.status in (
            DocumentStatus.QUEUED,
            DocumentStatus.RENDERING,
        )

    @property
    def waiting_long(self) -> bool:
        """Queued for longer than a job normally waits: the queue may be down (the sweep,
        cases.tasks.documents_sweep, queues it again when it is back)."""
        return (
            self.current is not None
            and self.current.status == DocumentStatus.QUEUED
            and self.current.queued_at is not None
            and self.current.queued_at < timezone.now() - timedelta(minutes=2)
        )

    @property
    def failed(self) -> bool:
        return self.current is not None and self.current.status == DocumentStatus.FAILED


def rendered_documents(*, case: Case, kind: str):
    """The case's renderings of one kind, newest first. The case was read through the
    caller's scope; its partnership scopes these rows."""
    return RenderedDocument.objects.for_partnership(case.partnership).filter(case=case, kind=kind)


def document_state(*, case: Case, kind: str) -> DocumentState:
    key = DOCUMENT_KEYS[kind](case=case)
    rows = rendered_documents(case=case, kind=kind)
    current = rows.filter(content_key=key).first()
    earlier = None
    if current is None or current.status != DocumentStatus.READY:
        earlier = rows.exclude(content_key=key).filter(status=DocumentStatus.READY).first()
    return DocumentState(key=key, current=current, earlier=earlier)


def request_get(*, scope: Scope, pk: int) -> InformationRequest:
    """A request the scope may read: its agency's own, or one of its partnership's (an
    LCSPR submission only to the review team, `without_hidden_submissions`)."""
    try:
        return without_hidden_submissions(_requests(scope=scope), scope=scope).get(pk=pk)
    except InformationRequest.DoesNotExist:
        raise Http404("No such request.") from None


def requests_to_review(*, scope: Scope, limit: int = 20) -> list[InformationRequest]:
    """Submitted replies the Business Office has not yet accepted or returned (an LCSPR
    submission is quality-assured by the Panel instead, §8.7)."""
    return list(
        portal_requests(scope=scope)
        .filter(status=RequestStatus.SUBMITTED, purpose=RequestPurpose.RAPID_REVIEW)
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
        .filter(
            same_day,
            withdrawn_at__isnull=True,
            children__local_authority_reference__iexact=reference,
        )
        .order_by("pk")
        .values_list("reference", flat=True)
        .distinct()
    )


# --- issue 14: an LCSPR chronology and its import from a spreadsheet (§8.4) -------------

THE_FAMILY = "The family"


def chronology_concerning_options(*, case: Case) -> list[str]:
    """Who a chronology entry may concern, as the case's requests name them: each child's
    pseudonym, each family member's relationship, and "The family" (§8.4.3 filters by
    these). Never a name. The caller has already read `case` through the scope."""
    partnership = case.partnership
    pseudonyms = (
        Child.objects.for_partnership(partnership)
        .filter(case_id=case.pk)
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
    )
    relationships = (
        FamilyMember.objects.for_partnership(partnership)
        .filter(case_id=case.pk)
        .order_by("id")
        .values_list("relationship", flat=True)
    )
    values: list[str] = []
    seen: set[str] = set()
    for value in [*pseudonyms, *relationships, THE_FAMILY]:
        cleaned = value.strip()
        if cleaned and cleaned.casefold() not in seen:
            seen.add(cleaned.casefold())
            values.append(cleaned)
    return values


def chronology_import_pending(*, scope: Scope, request: InformationRequest):
    """The scope's user's latest spreadsheet for this request still waiting to be
    confirmed, or None: an upload is its uploader's to confirm."""
    return (
        StagedChronologyImport.objects.visible_to(scope)
        .filter(request=request, uploaded_by=scope.user, status=ImportStatus.PENDING)
        .order_by("-created_at", "-id")
        .first()
    )


def chronology_import_get(*, scope: Scope, request: InformationRequest, pk: int):
    """One of the scope's user's own uploads for this request; any other is a 404."""
    try:
        return (
            StagedChronologyImport.objects.visible_to(scope)
            .select_related("request__case__partnership")
            .get(request=request, uploaded_by=scope.user, pk=pk)
        )
    except StagedChronologyImport.DoesNotExist:
        raise Http404("No such upload.") from None
