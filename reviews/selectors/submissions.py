"""Reading the agencies' submissions to the LCSPR and their quality assurance (§8.2-8.7),
and each agency's Safeguarding Lead (§8.2.2); the task on the LCSPR page, the work on the
dashboard and the §2.1.7 escalations on a CRG meeting's business.

A submission is a `cases.InformationRequest` with purpose LCSPR: only those are read here,
and the Rapid Review's requests never are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, WorkList, register_bounded_work, work_order
from cases.dates import format_date
from cases.models import (
    RECEIVED_STATUSES,
    Agency,
    Case,
    Escalation,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    Role,
    Stage,
)
from cases.permissions import Action
from cases.tenancy import Scope
from rapidreview import meeting_business
from rapidreview.models import CrgMeeting
from reviews import workspace
from reviews.models import Lcspr, PanelMeeting, QaOutcome, SafeguardingLead, SubmissionReview
from reviews.workspace import Task, TaskState, TaskStatus

NO_LEAD = "No Safeguarding Lead named"
NONE_ASKED = "No agency asked yet (§8.2.1)"
TASK_URL = "lcspr_submissions"


# --- Safeguarding Leads (§8.2.2) ------------------------------------------------------


def partnership_agencies(*, partnership) -> QuerySet[Agency]:
    return Agency.objects.filter(partnerships=partnership).order_by("name")


def safeguarding_leads(*, partnership) -> list[tuple[Agency, SafeguardingLead | None]]:
    """Every agency of the partnership with its lead, or None where nobody is named: the
    page says so rather than a request stalling silently."""
    leads = {
        lead.agency_id: lead
        for lead in SafeguardingLead.objects.for_partnership(partnership).select_related(
            "updated_by"
        )
    }
    return [
        (agency, leads.get(agency.pk)) for agency in partnership_agencies(partnership=partnership)
    ]


def safeguarding_lead_for(*, partnership, agency_id: int) -> SafeguardingLead | None:
    return SafeguardingLead.objects.for_partnership(partnership).filter(agency_id=agency_id).first()


def partnership_agency_get(*, partnership, pk: int) -> Agency:
    """An agency serving the partnership; another's is a 404, as an unknown one is."""
    agency = partnership_agencies(partnership=partnership).filter(pk=pk).first()
    if agency is None:
        raise Http404("No such agency.")
    return agency


# --- Submissions (§8.2-8.7) -------------------------------------------------------------


def submissions(*, case: Case) -> QuerySet[InformationRequest]:
    """The case's LCSPR submissions, by agency, each with its QA decisions."""
    return (
        InformationRequest.objects.for_partnership(case.partnership)
        .filter(case=case, purpose=RequestPurpose.LCSPR)
        .select_related("agency", "case__partnership", "sent_by", "submitted_by")
        .prefetch_related(
            Prefetch(
                "submission_reviews",
                queryset=SubmissionReview.objects.for_partnership(case.partnership).select_related(
                    "decided_by", "panel_meeting__milestone"
                ),
            ),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.for_partnership(case.partnership).order_by("step"),
            ),
        )
        .order_by("agency__name")
    )


def submission_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> InformationRequest:
    """One submission of this review the scope may read; another case's (or a Rapid Review
    request) is a 404."""
    request = (
        InformationRequest.objects.visible_to(scope)
        .filter(case_id=lcspr.case_id, purpose=RequestPurpose.LCSPR, pk=pk)
        .select_related("agency", "case__partnership", "sent_by", "submitted_by")
        .first()
    )
    if request is None:
        raise Http404("No such submission.")
    return request


def portal_submission_get(*, scope: Scope, pk: int) -> InformationRequest:
    """A submission request addressed to the scope's agency (the portal)."""
    request = (
        InformationRequest.objects.visible_to(scope)
        .filter(purpose=RequestPurpose.LCSPR, pk=pk, case__withdrawn_at__isnull=True)
        .select_related("agency", "case__partnership")
        .first()
    )
    if request is None or scope.agency is None:
        raise Http404("No such request.")
    return request


def submission_reviews(*, request: InformationRequest) -> list[SubmissionReview]:
    return list(
        SubmissionReview.objects.for_partnership(request.case.partnership)
        .filter(request=request)
        .select_related("decided_by", "responded_by", "panel_meeting__milestone")
        .order_by("decided_at", "id")
    )


def latest_review(request: InformationRequest) -> SubmissionReview | None:
    """The latest QA decision, from the prefetched rows where there are any."""
    reviews = list(request.submission_reviews.all())
    return reviews[-1] if reviews else None


def rapid_review_answered(*, case: Case) -> set[int]:
    """The agencies that answered the case's Rapid Review: likely to have served the
    family in the scoping period (§8.2.1), so flagged on the request form."""
    return set(
        InformationRequest.objects.for_partnership(case.partnership)
        .filter(case=case, purpose=RequestPurpose.RAPID_REVIEW, status__in=RECEIVED_STATUSES)
        .values_list("agency_id", flat=True)
    )


def panel_meetings_ahead(*, lcspr: Lcspr, today: date | None = None) -> QuerySet[PanelMeeting]:
    """The review's panel meetings not cancelled, from today on: an agency may be invited
    to one (§8.7.1)."""
    today = today or timezone.localdate()
    return (
        PanelMeeting.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, milestone__cancelled_on__isnull=True, milestone__due_on__gte=today)
        .select_related("milestone")
        .order_by("milestone__due_on", "id")
    )


def is_overdue(request: InformationRequest, today: date) -> bool:
    return request.status not in RECEIVED_STATUSES and request.reply_due_on < today


def awaiting_qa(request: InformationRequest) -> bool:
    return request.status == RequestStatus.SUBMITTED


@dataclass(frozen=True)
class SubmissionsStanding:
    asked: int
    received: int
    awaiting_qa: int
    accepted: int
    overdue: list[str] = field(default_factory=list)  # agencies' names


def submissions_standing(*, case: Case, today: date | None = None) -> SubmissionsStanding:
    today = today or timezone.localdate()
    rows = list(
        InformationRequest.objects.for_partnership(case.partnership)
        .filter(case=case, purpose=RequestPurpose.LCSPR)
        .select_related("agency")
        .order_by("agency__name")
    )
    return SubmissionsStanding(
        asked=len(rows),
        received=sum(1 for r in rows if r.status in RECEIVED_STATUSES),
        awaiting_qa=sum(1 for r in rows if awaiting_qa(r)),
        accepted=sum(1 for r in rows if r.status == RequestStatus.ACCEPTED),
        overdue=[r.agency.name for r in rows if is_overdue(r, today)],
    )


def standing_hint(standing: SubmissionsStanding) -> str:
    """E.g. "3 of 5 received; 1 awaiting quality assurance; Police overdue"."""
    parts = [f"{standing.received} of {standing.asked} received"]
    if standing.awaiting_qa:
        parts.append(f"{standing.awaiting_qa} awaiting quality assurance")
    if standing.overdue:
        parts.append(f"{', '.join(standing.overdue)} overdue")
    return "; ".join(parts)


def submissions_status(lcspr: Lcspr) -> TaskStatus:
    standing = submissions_standing(case=lcspr.case)
    if not standing.asked:
        return TaskStatus(TaskState.NOT_STARTED, NONE_ASKED)
    hint = standing_hint(standing)
    if standing.overdue or standing.awaiting_qa:
        return TaskStatus(TaskState.ATTENTION, hint)
    if standing.accepted == standing.asked:
        return TaskStatus(TaskState.COMPLETED, f"All {standing.asked} accepted")
    return TaskStatus(TaskState.IN_PROGRESS, hint)


workspace.register(
    Task(
        order=54,
        key="submissions",
        title="Gather the agencies' submissions",
        url_name=TASK_URL,
        status=submissions_status,
    )
)


# --- The dashboard ----------------------------------------------------------------------


def _url(request: InformationRequest) -> str:
    return reverse(
        "lcspr_submission", kwargs={"reference": request.case.reference, "pk": request.pk}
    )


@register_bounded_work
def submissions_work(scope: Scope, *, limit: int | None = None) -> WorkList:
    """The office: submissions overdue or awaiting quality assurance; the Reviewer and the
    Panel: those awaiting quality assurance (§8.7); the office and the CRG chair: those
    referred to the CRG (§2.1.7); an agency: what the Panel asked of it.

    Each kind is read in the dashboard's order (`work_order`) with none of the reply's text,
    and limited and counted in SQL where there are many: at 10,000 cases a partnership can
    have well over a thousand of them (issue 18)."""
    if scope.agency is not None:
        return _agency_work(scope, limit=limit)
    if scope.partnership is None:
        return WorkList([], 0)
    today = timezone.localdate()
    office = scope.can(Action.MANAGE_REQUESTS)
    panel = scope.can(Action.RUN_PANEL_MEETINGS)
    requests = (
        InformationRequest.objects.visible_to(scope)
        .filter(purpose=RequestPurpose.LCSPR, case__stage=Stage.LCSPR)
        .select_related("agency", "case")
        .only("id", "status", "reply_due_on", "agency__name", "case__reference")
    )
    awaiting = Q(status=RequestStatus.SUBMITTED)
    overdue = ~Q(status__in=RECEIVED_STATUSES) & Q(reply_due_on__lt=today)
    if office or panel:
        # Most days a partnership has few of either: one read of both kinds, split here
        # (issue 18: each read walks the partnership's LCSPR requests). Beyond READ_WHOLE
        # each kind is counted in SQL and read to its limit.
        few = list(
            requests.filter((awaiting | overdue) if office else awaiting).order_by(
                "case__reference", "id"
            )[: READ_WHOLE + 1]
        )
        if len(few) <= READ_WHOLE:
            awaiting_rows = [r for r in few if awaiting_qa(r)]
            overdue_rows = sorted(
                (r for r in few if office and is_overdue(r, today)),
                key=lambda r: (r.reply_due_on, r.case.reference, r.id),
            )
            counts = {"awaiting": len(awaiting_rows), "overdue": len(overdue_rows)}
        else:
            awaiting_rows = requests.filter(awaiting).order_by("case__reference", "id")
            overdue_rows = requests.filter(overdue).order_by(
                "reply_due_on", "case__reference", "id"
            )
            counts = requests.aggregate(
                awaiting=Count("pk", filter=awaiting), overdue=Count("pk", filter=overdue)
            )
    kinds = []  # (rows in the dashboard's order, how many, the item each gives)
    if office or panel:
        kinds.append(
            (
                awaiting_rows,
                counts["awaiting"],
                lambda request: WorkItem(
                    case_reference=request.case.reference,
                    text=f"Quality-assure the submission from {request.agency.name} (§8.7)",
                    url=_url(request),
                    due_on=None,
                ),
            )
        )
    if office:
        kinds.append(
            (
                overdue_rows,
                counts["overdue"],
                lambda request: WorkItem(
                    case_reference=request.case.reference,
                    text=f"Chase the overdue submission from {request.agency.name}",
                    url=_url(request),
                    due_on=request.reply_due_on,
                ),
            )
        )
    if office or scope.role == Role.CRG_CHAIR:
        referrals = _unresolved_referrals(scope)
        kinds.append(
            (
                referrals.order_by("request__case__reference", "id"),
                referrals.count(),
                lambda step: WorkItem(
                    case_reference=step.request.case.reference,
                    text=f"The submission from {step.request.agency.name} is referred to the "
                    "Case Review Group (§2.1.7)",
                    url=_url(step.request),
                    due_on=None,
                ),
            )
        )
    items, total = [], 0
    for rows, count, item in kinds:
        total += count
        items += [item(row) for row in _first(rows, count, limit)]
    items.sort(key=work_order)
    return WorkList(items if limit is None else items[:limit], total)


# Issue 18: fewer rows than this are read whole, ordered by the database and limited here.
READ_WHOLE = 200


def _first(rows: QuerySet, count: int, limit: int | None):
    """The first `limit` of rows (of which there are `count`). A LIMIT lets PostgreSQL walk
    an index in the list's order and stop at the limit, which pays when matches are many
    and costs a walk of every candidate when they are few (the overdue submissions of the
    reviews under way, among the partnership's thousands of requests: 39 ms for none at
    10,000 cases, against 5 ms without the LIMIT); the count says which it is."""
    if limit is None:
        return rows
    if count == 0:
        return []
    return list(rows)[:limit] if count <= READ_WHOLE else rows[:limit]


def _agency_work(scope: Scope, *, limit: int | None) -> WorkList:
    rows = (
        InformationRequest.objects.visible_to(scope)
        .filter(
            purpose=RequestPurpose.LCSPR,
            status=RequestStatus.RETURNED,
            case__withdrawn_at__isnull=True,
        )
        .select_related("case")
        .only("id", "reply_due_on", "case__reference")
        .order_by("reply_due_on", "case__reference", "id")
    )
    items = [
        WorkItem(
            case_reference=request.case.reference,
            text="Give the more information the Case Review Panel asked for (§8.7)",
            url=reverse("portal_request", kwargs={"pk": request.pk}),
            due_on=request.reply_due_on,
        )
        for request in (rows if limit is None else rows[:limit])
    ]
    return WorkList(items, rows.count())


def _unresolved_referrals(scope: Scope) -> QuerySet[Escalation]:
    """Each LCSPR submission's latest §2.1.7 step (which alone is marked resolved when it
    is) that is not resolved, of a review under way (once the case has moved on from the
    LCSPR its submissions are nobody's work, as with the overdue chases), with the
    request's agency and case but none of its text."""
    # A later step of the same request, which the outer query has already scoped: joining
    # the tenancy's path again here cost a hash of every request of the partnership (81 ms
    # for the count at 10,000 cases, 22 ms without; issue 18). It reads nothing by itself.
    later = Escalation.unscoped.filter(request=OuterRef("request"), step__gt=OuterRef("step"))
    return (
        Escalation.objects.visible_to(scope)
        .filter(
            request__purpose=RequestPurpose.LCSPR,
            request__case__stage=Stage.LCSPR,
            resolved=False,
        )
        .exclude(Exists(later))
        .select_related("request__agency", "request__case")
        .only("id", "request__id", "request__agency__name", "request__case__reference")
    )


def _latest_steps(steps) -> list[Escalation]:
    """Each request's latest step, which alone is marked resolved when it is."""
    latest = {}
    for step in steps:
        latest[step.request_id] = step
    return sorted(latest.values(), key=lambda step: (step.escalated_on, step.pk))


@meeting_business.register
def _escalations_at_meeting(
    meeting: CrgMeeting, scope: Scope
) -> list[meeting_business.BusinessItem]:
    """§2.1.7 during the review: a submission refused or unanswered, referred to the CRG,
    is on the business of the first meeting on or after the referral, and of every later
    one until it is resolved."""
    if meeting.cancelled_at is not None:
        return []
    steps = (
        Escalation.objects.visible_to(scope)
        .filter(
            request__purpose=RequestPurpose.LCSPR,
            request__case__partnership_id=meeting.partnership_id,
            escalated_on__lte=meeting.held_on,
        )
        .select_related("request__agency", "request__case")
        .order_by("step", "id")
    )
    items = []
    for step in _latest_steps(steps):
        first = (
            CrgMeeting.objects.for_partnership(meeting.partnership)
            .filter(held_on__gte=step.escalated_on, cancelled_at__isnull=True)
            .order_by("held_on", "id")
            .first()
        )
        if step.resolved and (first is None or first.pk != meeting.pk):
            continue
        items.append(
            meeting_business.BusinessItem(
                case_reference=step.request.case.reference,
                title=f"The LCSPR submission from {step.request.agency.name}: "
                f"{step.get_step_display()} on {format_date(step.escalated_on)} (§2.1.7)",
                url=_url(step.request),
                decided=step.resolved,
            )
        )
    return items


def qa_outcome_label(review: SubmissionReview | None) -> str:
    return QaOutcome(review.outcome).label if review else "Not yet quality-assured"
