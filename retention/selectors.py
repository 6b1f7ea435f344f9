"""Tenant-scoped reads of retention (issue 18): the closed cases due for a review, the
flagged ones a person must decide on, and the dashboard item that tells them so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from django.urls import reverse

from cases.dashboard import WorkItem, register_work
from cases.models import Case, Deadline, Partnership, Stage
from cases.permissions import Action
from cases.selectors import case_get, working_calendar
from cases.tenancy import Scope
from publication.models import ActionStatus, PlanAction, Publication
from publication.rules.availability import AVAILABLE_UNTIL_KIND, available_until
from retention.models import RetentionDecision, RetentionReview
from retention.rules import RetentionDates, is_due, retention_dates


@dataclass(frozen=True)
class DueCase:
    case: Case
    dates: RetentionDates


def _closed_cases(partnership: Partnership) -> QuerySet[Case]:
    """The partnership's closed cases not yet archived or erased, with what the rule needs."""
    deadlines = Deadline.objects.for_partnership(partnership).filter(
        case=OuterRef("pk"), kind=AVAILABLE_UNTIL_KIND
    )
    publications = Publication.objects.for_partnership(partnership).filter(
        lcspr__case=OuterRef("pk"), published_on__isnull=False
    )
    open_actions = PlanAction.objects.for_partnership(partnership).filter(
        plan__case=OuterRef("pk"), status=ActionStatus.OPEN
    )
    kept = (
        RetentionReview.objects.for_partnership(partnership)
        .filter(case=OuterRef("pk"), decision=RetentionDecision.KEEP)
        .order_by()
        .values("case")
        .annotate(until=Max("keep_until"))
        .values("until")
    )
    return (
        Case.objects.for_partnership(partnership)
        .filter(
            stage=Stage.CLOSED,
            closed_on__isnull=False,
            archived_at__isnull=True,
            erased_at__isnull=True,
        )
        .annotate(
            available_until_due=Subquery(deadlines.values("due_date")[:1]),
            published_on=Subquery(publications.values("published_on")[:1]),
            has_open_actions=Exists(open_actions),
            kept_until=Subquery(kept[:1]),
        )
        .select_related("partnership")
        .order_by("closed_on", "id")
    )


def _dates(case: Case, partnership: Partnership, cal) -> RetentionDates:
    until = case.available_until_due
    if until is None and case.published_on is not None:
        until = available_until(partnership, case.published_on, cal)  # §10.5.2
    return retention_dates(
        closed_on=case.closed_on,
        years=partnership.retention_years,
        available_until=until,
        kept_until=case.kept_until,
    )


def cases_due_for_review(*, partnership: Partnership, today: date) -> list[DueCase]:
    """The partnership's closed cases that the rule (retention/rules.py) makes due today,
    whether or not they are flagged already."""
    cal = working_calendar(partnership=partnership)
    due = []
    for case in _closed_cases(partnership):
        dates = _dates(case, partnership, cal)
        if is_due(
            stage=case.stage,
            dates=dates,
            open_actions=case.has_open_actions,
            archived=case.is_archived,
            erased=case.is_erased,
            today=today,
        ):
            due.append(DueCase(case=case, dates=dates))
    return due


def flagged_reviews(*, scope: Scope) -> QuerySet[RetentionReview]:
    """The scope's cases flagged for a decision and not yet decided, longest waiting first."""
    return (
        RetentionReview.objects.visible_to(scope)
        .filter(decided_at__isnull=True)
        .select_related("case")
        .order_by("flagged_on", "case__reference")
    )


def decided_reviews(*, scope: Scope, limit: int = 50) -> QuerySet[RetentionReview]:
    """The latest decisions, newest first: the record that stays after an erasure."""
    return (
        RetentionReview.objects.visible_to(scope)
        .filter(decided_at__isnull=False)
        .select_related("case", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def case_retention(*, scope: Scope, reference: str) -> dict:
    """The case (404 unless the scope may see it), its undecided review, if any, and its
    past decisions."""
    case = case_get(scope=scope, reference=reference)
    reviews = list(
        RetentionReview.objects.visible_to(scope)
        .filter(case=case)
        .select_related("decided_by")
        .order_by("-flagged_on", "-id")
    )
    return {
        "case": case,
        "review": next((r for r in reviews if not r.is_decided), None),
        "decisions": [r for r in reviews if r.is_decided],
    }


@register_work
def retention_work(scope: Scope) -> list[WorkItem]:
    """Each flagged case, on the dashboard of those who decide on retention."""
    if scope.partnership is None or not scope.can(Action.DECIDE_RETENTION):
        return []
    return [
        WorkItem(
            case_reference=review.case.reference,
            text="Its retention period has passed: decide to archive, keep or erase it",
            url=reverse("retention_decide", kwargs={"reference": review.case.reference}),
        )
        for review in flagged_reviews(scope=scope)
    ]
