"""Reading the report's approval (§9.1.4-9.1.5): where it stands (reviews/report_status.py),
the QA, CRG and partnership records of the latest finished draft, the final version, the
six-month clock's part for the report (§3.1.3), and the task, CRG business and dashboard
work it registers. Callers pass an LCSPR read through `lcspr_get`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.models import Child, Membership, Role
from cases.permissions import Action
from cases.selectors import working_calendar
from cases.tenancy import Scope
from rapidreview import meeting_business
from rapidreview.models import CrgMeeting
from reviews import workspace
from reviews.models import (
    Appointment,
    AppointmentRole,
    Lcspr,
    ReportCrgApproval,
    ReportCrgOutcome,
    ReportDraft,
    ReportFinal,
    ReportPartnerApproval,
    ReportQa,
    ReportQaOutcome,
    SafeguardingPartner,
)
from reviews.report_status import (
    PARTNERSHIP_WORKING_DAYS,
    PUBLICATION_NOTICE_WORKING_DAYS,
    QA_WORKING_DAYS,
    ReportFacts,
    ReportState,
    ReportStatus,
    Step,
    report_fits,
    report_state,
    stages_left,
)
from reviews.rules import crg_meeting_takes_business, plural, six_month_date
from reviews.selectors.report import draft_missing_points, draft_open_hits

# Which partner agency kind each Safeguarding Partner is (cases.models.AgencyKind).
PARTNER_AGENCY_KIND = {
    SafeguardingPartner.LOCAL_AUTHORITY: "local_authority",
    SafeguardingPartner.INTEGRATED_CARE_BOARD: "icb",
    SafeguardingPartner.POLICE: "police",
}


def latest_finished_draft(lcspr: Lcspr, *, records: bool = True) -> ReportDraft | None:
    """The draft the approvals are judged on: the latest finished one."""
    drafts = ReportDraft.objects.for_partnership(lcspr.case.partnership).filter(
        lcspr=lcspr, finished_at__isnull=False
    )
    if not records:
        drafts = drafts.only("id", "lcspr", "number")
    return drafts.order_by("-number").first()


def report_final(lcspr: Lcspr, *, records: bool = True) -> ReportFinal | None:
    finals = ReportFinal.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr)
    if records:
        finals = finals.select_related("draft", "marked_by")
    else:
        finals = finals.select_related("draft").only(
            "id", "draft__id", "draft__lcspr", "draft__number"
        )
    return finals.first()


def report_is_final(lcspr: Lcspr) -> bool:
    """Whether the report was marked final (§9.1.5): it is frozen, and gets no new draft.
    The drafts pages refuse a new draft when this is true."""
    return ReportFinal.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr).exists()


def qa_records(draft: ReportDraft, *, records: bool = True) -> list[ReportQa]:
    qas = ReportQa.objects.for_partnership(draft.lcspr.case.partnership).filter(draft=draft)
    if records:
        qas = qas.select_related("recorded_by", "panel_meeting__milestone")
    else:
        qas = qas.only("id", "outcome")
    return list(qas.order_by("recorded_at", "id"))


def qa_passed(draft: ReportDraft) -> ReportQa | None:
    """The Panel's QA that passed this draft (§9.1.4), if it has."""
    return next((q for q in qa_records(draft) if q.outcome == ReportQaOutcome.PASSED), None)


def crg_records(draft: ReportDraft, *, records: bool = True) -> list[ReportCrgApproval]:
    crg = ReportCrgApproval.objects.for_partnership(draft.lcspr.case.partnership).filter(
        draft=draft
    )
    if records:
        crg = crg.select_related("meeting", "recorded_by", "chair_signed_by", "submitted_by")
    else:
        crg = crg.only("id", "outcome", "chair_signed_at")
    return list(crg.order_by("submitted_at", "id"))


def crg_pending(lcspr: Lcspr) -> ReportCrgApproval | None:
    """The draft before a CRG meeting, awaiting its decision (any draft of the review)."""
    return (
        ReportCrgApproval.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, outcome=ReportCrgOutcome.PENDING)
        .select_related("meeting", "draft")
        .first()
    )


def partner_approvals(
    draft: ReportDraft, *, records: bool = True
) -> dict[str, ReportPartnerApproval]:
    approvals = ReportPartnerApproval.objects.for_partnership(draft.lcspr.case.partnership).filter(
        draft=draft
    )
    if records:
        approvals = approvals.select_related("recorded_by", "user")
    else:
        approvals = approvals.only("id", "partner")
    return {a.partner: a for a in approvals}


@dataclass
class ApprovalState:
    """Everything the approval page shows, for the latest finished draft."""

    draft: ReportDraft | None
    state: ReportState
    facts: ReportFacts
    qas: list[ReportQa] = field(default_factory=list)
    crg: list[ReportCrgApproval] = field(default_factory=list)
    partners: dict[str, ReportPartnerApproval] = field(default_factory=dict)
    final: ReportFinal | None = None
    open_hits: list = field(default_factory=list)

    @property
    def status(self) -> ReportStatus:
        return self.state.status

    @property
    def step(self) -> Step:
        return self.state.step

    @property
    def crg_latest(self) -> ReportCrgApproval | None:
        return self.crg[-1] if self.crg else None

    @property
    def qa_passed(self) -> ReportQa | None:
        return next((q for q in self.qas if q.outcome == ReportQaOutcome.PASSED), None)


def approval_state(lcspr: Lcspr, *, records: bool = True) -> ApprovalState:
    """Where the report stands (reviews/report_status.py), from the records of the latest
    finished draft only: a later draft needs its own approvals (§9.1.5).

    `records=False` reads only what decides where it stands (the dashboards, issue 18):
    each record without who made it or at which meeting, and only the columns the facts
    below read."""
    final = report_final(lcspr, records=records)
    draft = final.draft if final else latest_finished_draft(lcspr, records=records)
    return draft_approval_state(lcspr, draft, final=final, records=records)


def draft_approval_state(
    lcspr: Lcspr, draft: ReportDraft | None, *, final: ReportFinal | None, records: bool = True
) -> ApprovalState:
    """`approval_state` of the draft the caller has read already: the final report's, or
    else the latest finished one."""
    if draft is None:
        facts = ReportFacts()
        return ApprovalState(None, report_state(facts), facts)
    draft.lcspr = lcspr  # the review in hand, with its case: not read again for each record
    qas = qa_records(draft, records=records)
    crg = crg_records(draft, records=records)
    partners = partner_approvals(draft, records=records)
    hits = list(draft_open_hits(draft) if records else draft_open_hits(draft).only("id"))
    latest_crg = crg[-1] if crg else None
    facts = ReportFacts(
        draft=draft.number,
        open_hits=len(hits),
        qa_passed=any(q.outcome == ReportQaOutcome.PASSED for q in qas),
        qa_not_passed=bool(qas) and qas[-1].outcome == ReportQaOutcome.NOT_PASSED,
        crg_pending=latest_crg is not None and latest_crg.outcome == ReportCrgOutcome.PENDING,
        crg_recorded_unsigned=latest_crg is not None
        and latest_crg.outcome == ReportCrgOutcome.APPROVED
        and latest_crg.chair_signed_at is None,
        crg_approved=any(c.approved for c in crg),
        crg_not_approved=latest_crg is not None
        and latest_crg.outcome == ReportCrgOutcome.NOT_APPROVED,
        partners=frozenset(partners),
        final=final is not None,
    )
    return ApprovalState(draft, report_state(facts), facts, qas, crg, partners, final, hits)


def report_status(lcspr: Lcspr) -> ReportStatus:
    """The report's status: drafting, QA, CRG approval, partnership approval, final."""
    return approval_state(lcspr).status


def missing_points(draft: ReportDraft):
    return draft_missing_points(draft)


def partner_people(partnership) -> dict[str, list]:
    """For each Safeguarding Partner, the CRG members with an account who represent it
    (§4.6.1): those told the report awaits the partnership's approval."""
    people: dict[str, list] = {partner: [] for partner in SafeguardingPartner.values}
    kinds = {kind: partner for partner, kind in PARTNER_AGENCY_KIND.items()}
    memberships = (
        Membership.objects.filter(
            partnership=partnership,
            role=Role.CRG_MEMBER,
            is_active=True,
            user__is_active=True,
            represents__kind__in=list(kinds),
        )
        .select_related("user", "represents")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    for membership in memberships:
        partner = kinds[membership.represents.kind]
        if membership.user not in people[partner]:
            people[partner].append(membership.user)
    return people


def represented_partners(user, partnership) -> set[str]:
    """The Safeguarding Partners this person represents on the CRG."""
    return {partner for partner, users in partner_people(partnership).items() if user in users}


def reviewer_name(lcspr: Lcspr) -> str:
    """The appointed Reviewer's full name (§10.5.2), or "" if there is none."""
    appointment = (
        Appointment.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, role=AppointmentRole.REVIEWER, ended_on=None)
        .select_related("user")
        .order_by("appointed_on", "id")
        .first()
    )
    if appointment is None:
        return ""
    user = appointment.user
    return user.get_full_name() or user.username


def case_pseudonyms(lcspr: Lcspr) -> list[str]:
    """The children's pseudonyms (Child A ...): never a name."""
    return list(
        Child.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case)
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
    )


def crg_meetings_ahead(lcspr: Lcspr) -> list[CrgMeeting]:
    today = timezone.localdate()
    meetings = CrgMeeting.objects.for_partnership(lcspr.case.partnership).filter(
        held_on__gt=today, cancelled_at__isnull=True
    )
    return [m for m in meetings if crg_meeting_takes_business(m, today)]


# --- The six-month clock's part for the report (§3.1.2-§3.1.3, §10.5.1) ----------------------


@dataclass(frozen=True)
class ReportClock:
    due_on: date | None
    working_days_left: int | None
    finish_on: date | None  # when the remaining stages would end, at their typical length
    fits: bool | None
    stages: list[tuple[str, str]]  # (stage, how long or when)
    no_crg_meeting: bool = False


def report_clock(lcspr: Lcspr, *, today: date | None = None) -> ReportClock:
    """How many working days remain to `lcspr_complete` and whether the remaining report
    stages fit. Final approval does not complete `lcspr_complete`: publication does
    (§3.1.3), so the publication notice's seven working days (§10.5.1) always count."""
    today = today or timezone.localdate()
    due = six_month_date(lcspr)
    calendar = working_calendar(partnership=lcspr.case.partnership)
    state = approval_state(lcspr)
    qa, crg, partnership = stages_left(state.status)
    cursor = today
    stages: list[tuple[str, str]] = []
    no_meeting = False
    if qa:
        cursor = calendar.add(cursor, QA_WORKING_DAYS)
        stages.append(("Panel quality assurance", f"{QA_WORKING_DAYS} working days"))
    if crg:
        pending = crg_pending(lcspr)
        if pending is not None:
            meeting_day = pending.meeting.held_on
        else:
            meeting_day = next(
                (
                    m.held_on
                    for m in CrgMeeting.objects.for_partnership(lcspr.case.partnership)
                    .filter(held_on__gte=cursor, cancelled_at__isnull=True)
                    .order_by("held_on")
                    if crg_meeting_takes_business(m, today)
                ),
                None,
            )
        if meeting_day is None:
            no_meeting = True
            stages.append(("CRG approval", "No CRG meeting in the calendar yet"))
        else:
            cursor = max(cursor, meeting_day)
            stages.append(("CRG approval", f"At the CRG meeting on {format_date(meeting_day)}"))
    if partnership:
        cursor = calendar.add(cursor, PARTNERSHIP_WORKING_DAYS)
        stages.append(("Partnership approval", f"{PARTNERSHIP_WORKING_DAYS} working days"))
    cursor = calendar.add(cursor, PUBLICATION_NOTICE_WORKING_DAYS)
    stages.append(
        (
            "Notice to the National Panel, Ofsted and the DfE before publication (§10.5.1)",
            f"{PUBLICATION_NOTICE_WORKING_DAYS} working days",
        )
    )
    left = calendar.between(today, due) if due else None
    fits = False if no_meeting and due else report_fits(finish_on=cursor, due_on=due)
    return ReportClock(due, left, None if no_meeting else cursor, fits, stages, no_meeting)


# --- The LCSPR page's task, CRG business and dashboard work ----------------------------------


def approval_task_status(lcspr: Lcspr) -> workspace.TaskStatus:
    state = approval_state(lcspr)
    TaskState, TaskStatus = workspace.TaskState, workspace.TaskStatus
    if state.status == ReportStatus.FINAL:
        return TaskStatus(TaskState.COMPLETED, f"Draft {state.draft.number} is final")
    if state.draft is None:
        return TaskStatus(TaskState.CANNOT_START, "Waits for a finished draft of the report")
    hint = f"Draft {state.draft.number}: {state.status.label}. {state.state.who_acts}"
    if state.step in {Step.CLEAR_HITS, Step.NEW_DRAFT}:
        return TaskStatus(TaskState.ATTENTION, hint)
    return TaskStatus(TaskState.IN_PROGRESS, hint)


workspace.register(
    workspace.Task(
        order=75,
        key="report_approval",
        title="Approve the report",
        url_name="lcspr_report_approval",
        status=approval_task_status,
    )
)


@meeting_business.register
def report_business(meeting: CrgMeeting, scope: Scope) -> list[meeting_business.BusinessItem]:
    """The report put to this CRG meeting for approval (§9.1.5): case reference and draft
    number only."""
    items = []
    for approval in (
        ReportCrgApproval.objects.visible_to(scope)
        .filter(meeting=meeting)
        .select_related("lcspr__case", "draft")
    ):
        reference = approval.lcspr.case.reference
        items.append(
            meeting_business.BusinessItem(
                case_reference=reference,
                title=f"Approve the LCSPR report (draft {approval.draft.number}, §9.1.5)",
                url=reverse("lcspr_report_approval", kwargs={"reference": reference}),
                decided=approval.outcome != ReportCrgOutcome.PENDING,
            )
        )
    return items


def _awaiting_partnership(scope: Scope) -> list[tuple[Lcspr, ApprovalState]]:
    """The reviews whose report the CRG approved and signed off and that are not final:
    only these can wait for the partners or for marking final (a query for the few, then
    each one's state). An EXISTS, not a join made DISTINCT, which compared every column of
    the review and its case (issue 18)."""
    signed_off = ReportCrgApproval.objects.for_partnership(scope.partnership).filter(
        lcspr=OuterRef("pk"),
        outcome=ReportCrgOutcome.APPROVED,
        chair_signed_at__isnull=False,
    )
    # Not final, so the approvals are judged on the latest finished draft: read with each
    # review, not in two more queries a review (issue 18).
    latest = (
        ReportDraft.objects.for_partnership(scope.partnership)
        .filter(lcspr=OuterRef("pk"), finished_at__isnull=False)
        .order_by("-number")
    )
    found = []
    for lcspr in (
        Lcspr.objects.visible_to(scope)
        .filter(Exists(signed_off), report_final__isnull=True)
        .select_related("case__partnership")
        # The reference for the link, the partnership for the state's reads (issue 18).
        .only("id", "case__reference", "case__partnership__id")
        .annotate(
            latest_draft_id=Subquery(latest.values("id")[:1]),
            latest_draft_number=Subquery(latest.values("number")[:1]),
        )
    ):
        draft = None
        if lcspr.latest_draft_id is not None:  # as `.only()` would load it (fields in order)
            draft = ReportDraft.from_db(
                lcspr._state.db,
                ["id", "lcspr_id", "number"],
                [lcspr.latest_draft_id, lcspr.pk, lcspr.latest_draft_number],
            )
        state = draft_approval_state(lcspr, draft, final=None, records=False)
        if state.step in {Step.PARTNERS, Step.MARK_FINAL}:
            found.append((lcspr, state))
    return found


@register_work
def report_approval_work(scope: Scope) -> list[WorkItem]:
    """The approval's steps on the dashboard of who must act: the CRG's decision to record,
    the chair's sign-off, each partner's confirmation (or, where no partner has an account,
    the Business Office's "Record the partners' approval"), and marking it final."""
    items: list[WorkItem] = []
    if scope.partnership is None:
        return items

    def url(lcspr):
        return reverse("lcspr_report_approval", kwargs={"reference": lcspr.case.reference})

    today = timezone.localdate()
    records, sign_offs = scope.can(Action.RECORD_CRG_AGREEMENT), scope.can(Action.APPROVE_DECISION)
    steps = Q()  # both steps in one read where one person takes both (issue 18)
    if records:
        steps |= Q(outcome=ReportCrgOutcome.PENDING, meeting__held_on__lte=today)
    if sign_offs:
        steps |= Q(outcome=ReportCrgOutcome.APPROVED, chair_signed_at__isnull=True)
    if steps:
        approvals = list(
            ReportCrgApproval.objects.visible_to(scope)
            .filter(steps)
            .select_related("lcspr__case", "draft", "meeting")
            .only("id", "outcome", "lcspr__case__reference", "draft__number", "meeting__held_on")
        )
        items += [
            WorkItem(
                case_reference=approval.lcspr.case.reference,
                text=f"Record the CRG's decision on the report (draft {approval.draft.number})",
                url=url(approval.lcspr),
                due_on=approval.meeting.held_on,
            )
            for approval in approvals
            if approval.outcome == ReportCrgOutcome.PENDING
        ]
        items += [
            WorkItem(
                case_reference=approval.lcspr.case.reference,
                text=f"Sign off the CRG's approval of the report (draft {approval.draft.number})",
                url=url(approval.lcspr),
            )
            for approval in approvals
            if approval.outcome == ReportCrgOutcome.APPROVED
        ]
    awaiting = _awaiting_partnership(scope)
    partner_step = [(lcspr, state) for lcspr, state in awaiting if state.step == Step.PARTNERS]
    if partner_step:
        people = partner_people(scope.partnership)
        mine = {p for p, users in people.items() if scope.user in users}
        for lcspr, state in partner_step:
            waiting = [p for p in SafeguardingPartner.values if p not in state.partners]
            if mine & set(waiting):
                items.append(
                    WorkItem(
                        case_reference=lcspr.case.reference,
                        text=f"Approve the LCSPR report for the partnership (draft "
                        f"{state.draft.number}, §9.1.5)",
                        url=url(lcspr),
                    )
                )
            elif scope.can(Action.RECORD_CRG_AGREEMENT) and any(not people[p] for p in waiting):
                items.append(
                    WorkItem(
                        case_reference=lcspr.case.reference,
                        text=f"Record the partners' approval of the report (draft "
                        f"{state.draft.number})",
                        url=url(lcspr),
                    )
                )
    if scope.can(Action.MANAGE_REVIEW):
        for lcspr, state in awaiting:
            if state.step != Step.MARK_FINAL:
                continue
            items.append(
                WorkItem(
                    case_reference=lcspr.case.reference,
                    text=f"Mark the approved report final (draft {state.draft.number})",
                    url=url(lcspr),
                )
            )
    return items


@workspace.register_summary
def _report_summary(lcspr: Lcspr) -> list[workspace.SummaryRow]:
    """The LCSPR page's row for the report: its status and whether its remaining stages fit
    before the six-month date (§3.1.2-§3.1.3)."""
    clock = report_clock(lcspr)
    if clock.working_days_left is None:
        hint = ""
    elif clock.fits is False:
        hint = (
            f"{plural(clock.working_days_left, 'working day')} to the six-month date: at risk, "
            + (
                "no CRG meeting in the calendar to approve it."
                if clock.no_crg_meeting
                else f"its remaining stages would end on {format_date(clock.finish_on)}."
            )
        )
    else:
        hint = (
            f"{plural(clock.working_days_left, 'working day')} to the six-month date: its "
            f"remaining stages fit, ending by {format_date(clock.finish_on)}."
        )
    return [workspace.SummaryRow(65, "The report (§9)", report_status(lcspr).label, hint)]
