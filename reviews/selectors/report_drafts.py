"""Reading the report's drafts for their pages (§9.1): the list with what each draft
lacks, who must act next, a draft's sections and comments; the report's task on the LCSPR
page and the Reviewer's unresolved comments on the dashboard (registered when the app is
ready, reviews/apps.py). Callers pass an LCSPR read through lcspr_get."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from cases.dashboard import WorkItem, register_work
from cases.models import Role
from cases.tenancy import Scope
from reviews import workspace
from reviews.checklist import missing_points
from reviews.models import (
    AnonymisationHit,
    Lcspr,
    ReportComment,
    ReportDraft,
    ReportRequirement,
    ReportSection,
)
from reviews.selectors.report import report_checklist, report_drafts
from reviews.selectors.report_approval import approval_state
from reviews.selectors.setup import team

NO_REVIEWER = "No Reviewer is appointed yet: the Business Office appoints one (§6.1.1)."
NOT_STARTED = "The Reviewer has not started a draft."
BEING_WRITTEN = "The Reviewer is writing draft {number}: it is finished when they say so."
HITS_OPEN = (
    "Draft {number} holds {count} of the case's restricted details (the anonymisation "
    "guard, §9.1.3): the Reviewer fixes them in the next draft, or the CRG chair accepts each "
    "with a reason."
)
POINTS_MISSING = (
    "Draft {number} does not say where it addresses {count} of the minimum content "
    "(§9.1.2): the Reviewer completes its checklist, or addresses them in the next draft."
)
COMMENTS_OPEN = "{count} on draft {number} not resolved: the Reviewer answers or resolves them."
READY = "Draft {number} is ready for the Panel's quality assurance (§9.1.4)."
QA_PASSED = (
    "Draft {number} is written: the Panel's quality assurance passed it (§9.1.4). Its "
    "approval follows; a new draft is needed only if the CRG or the partnership asks for one."
)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def report_draft_by_pk(*, lcspr: Lcspr, pk: int) -> ReportDraft:
    """A draft of this review by its id; 404 for another review's."""
    draft = report_drafts(lcspr).filter(pk=pk).first()
    if draft is None:
        raise Http404("This review has no such draft.")
    return draft


def report_sections(draft: ReportDraft) -> QuerySet[ReportSection]:
    return (
        ReportSection.objects.for_partnership(draft.lcspr.case.partnership)
        .filter(draft=draft)
        .select_related("updated_by")
        .order_by("order", "id")
    )


def report_section_get(*, lcspr: Lcspr, pk: int) -> ReportSection:
    section = (
        ReportSection.objects.for_partnership(lcspr.case.partnership)
        .filter(pk=pk, draft__lcspr=lcspr)
        .select_related("draft__lcspr__case__partnership")
        .first()
    )
    if section is None:
        raise Http404("This review has no such section.")
    return section


def report_comments(draft: ReportDraft) -> list[ReportComment]:
    """The draft's comments, each first comment with its answers, in the order made."""
    partnership = draft.lcspr.case.partnership
    replies = (
        ReportComment.objects.for_partnership(partnership)
        .select_related("author")
        .order_by("created_at", "id")
    )
    return list(
        ReportComment.objects.for_partnership(partnership)
        .filter(draft=draft, reply_to__isnull=True)
        .select_related("author", "resolved_by", "section")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def report_comment_get(*, lcspr: Lcspr, pk: int) -> ReportComment:
    comment = (
        ReportComment.objects.for_partnership(lcspr.case.partnership)
        .filter(pk=pk, draft__lcspr=lcspr)
        .select_related("draft__lcspr__case__partnership", "section", "author", "resolved_by")
        .first()
    )
    if comment is None:
        raise Http404("This review has no such comment.")
    return comment


def unresolved_comments(draft: ReportDraft) -> int:
    return (
        ReportComment.objects.for_partnership(draft.lcspr.case.partnership)
        .filter(draft=draft, reply_to__isnull=True, resolved_at__isnull=True)
        .count()
    )


def report_requirements(lcspr: Lcspr) -> QuerySet[ReportRequirement]:
    return (
        ReportRequirement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("added_by")
        .order_by("order", "id")
    )


@dataclass(frozen=True)
class DraftRow:
    draft: ReportDraft
    missing: int  # checklist points the draft does not locate (§9.1.2)
    open_hits: int  # what the guard found, neither fixed nor accepted (§9.1.3)
    unresolved: int  # comments not resolved


def report_draft_rows(lcspr: Lcspr) -> list[DraftRow]:
    """Every draft, the latest first, with what it lacks."""
    points = report_checklist(lcspr)
    partnership = lcspr.case.partnership
    drafts = report_drafts(lcspr).annotate(
        unresolved=Count(
            "comments",
            filter=Q(comments__reply_to__isnull=True, comments__resolved_at__isnull=True),
            distinct=True,
        ),
    )
    hits = dict(
        AnonymisationHit.objects.for_partnership(partnership)
        .filter(draft__lcspr=lcspr, accepted_at__isnull=True)
        .values_list("draft")
        .annotate(n=Count("id"))
        .values_list("draft", "n")
    )
    return [
        DraftRow(
            draft=draft,
            missing=len(missing_points(points, draft.checklist or {})),
            open_hits=hits.get(draft.pk, 0),
            unresolved=draft.unresolved,
        )
        for draft in drafts
    ]


@dataclass(frozen=True)
class NextStep:
    text: str
    state: workspace.TaskState


def report_next_step(lcspr: Lcspr, rows: list[DraftRow] | None = None) -> NextStep:
    """Who must act next on the report, in words: nothing stalls silently."""
    rows = report_draft_rows(lcspr) if rows is None else rows
    if not rows:
        if not team(lcspr).has_reviewer:
            return NextStep(NO_REVIEWER, workspace.TaskState.CANNOT_START)
        return NextStep(NOT_STARTED, workspace.TaskState.NOT_STARTED)
    latest = rows[0]
    number = latest.draft.number
    if not latest.draft.is_finished:
        return NextStep(BEING_WRITTEN.format(number=number), workspace.TaskState.IN_PROGRESS)
    state = approval_state(lcspr)
    if state.draft is not None and state.draft.pk == latest.draft.pk and state.qa_passed:
        # Written: what remains is the approval's (reviews/selectors/report_approval.py).
        return NextStep(QA_PASSED.format(number=number), workspace.TaskState.COMPLETED)
    if latest.open_hits:
        return NextStep(
            HITS_OPEN.format(number=number, count=_plural(latest.open_hits, "hit", "hits")),
            workspace.TaskState.ATTENTION,
        )
    if latest.missing:
        return NextStep(
            POINTS_MISSING.format(number=number, count=_plural(latest.missing, "point", "points")),
            workspace.TaskState.ATTENTION,
        )
    if latest.unresolved:
        return NextStep(
            COMMENTS_OPEN.format(
                number=number, count=_plural(latest.unresolved, "comment", "comments")
            ),
            workspace.TaskState.IN_PROGRESS,
        )
    return NextStep(READY.format(number=number), workspace.TaskState.IN_PROGRESS)


def _report_status(lcspr: Lcspr) -> workspace.TaskStatus:
    step = report_next_step(lcspr)
    return workspace.TaskStatus(step.state, step.text)


workspace.register(
    workspace.Task(
        order=70,
        key="report_drafts",
        title="Write the report (§9.1)",
        url_name="lcspr_report",
        status=_report_status,
    )
)


UNRESOLVED_WORK = "{count} on draft {number} of the report"


@register_work
def report_comment_work(scope: Scope) -> list[WorkItem]:
    """The Reviewer: the comments on their reviews' drafts that are not resolved."""
    if scope.partnership is None or scope.role != Role.REVIEWER:
        return []
    drafts = (
        ReportDraft.objects.visible_to(scope)
        .filter(lcspr__case__withdrawn_at__isnull=True)
        .annotate(
            unresolved=Count(
                "comments",
                filter=Q(comments__reply_to__isnull=True, comments__resolved_at__isnull=True),
            )
        )
        .filter(unresolved__gt=0)
        .select_related("lcspr__case")
        .order_by("lcspr", "number")
    )
    return [
        WorkItem(
            case_reference=draft.lcspr.case.reference,
            text=UNRESOLVED_WORK.format(
                count=_plural(draft.unresolved, "unresolved comment", "unresolved comments"),
                number=draft.number,
            ),
            url=reverse(
                "lcspr_report_draft",
                kwargs={"reference": draft.lcspr.case.reference, "pk": draft.pk},
            )
            + "#comments",
        )
        for draft in drafts
    ]
