"""Reading the LCSPR's report (§9.1): its drafts, their checklist (§9.1.2) and what the
anonymisation guard found in them (§9.1.3). Callers pass an LCSPR already read through the
scoping choke point (reviews.selectors.review.lcspr_get); its rows are then read for that
LCSPR's partnership only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from reviews.checklist import ChecklistPoint, checklist_points, missing_points
from reviews.models import AnonymisationHit, Lcspr, ReportDraft, ReportRequirement
from reviews.selectors.terms import terms_in_force


def report_drafts(lcspr: Lcspr) -> QuerySet[ReportDraft]:
    """The review's drafts, the latest first."""
    partnership = lcspr.case.partnership
    return (
        ReportDraft.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .select_related("created_by", "finished_by")
        .order_by("-number")
    )


def report_draft_latest(lcspr: Lcspr) -> ReportDraft | None:
    return report_drafts(lcspr).first()


def report_draft_get(*, lcspr: Lcspr, number: int) -> ReportDraft:
    """One draft of the review, by its number; 404 if it has none of that number."""
    draft = report_drafts(lcspr).filter(number=number).first()
    if draft is None:
        raise Http404("This review has no draft of that number.")
    return draft


def report_checklist(lcspr: Lcspr) -> list[ChecklistPoint]:
    """The points every draft of this review must address: §9.1.2's, each line of enquiry
    of the terms of reference in force, and the requirements the terms of reference add."""
    terms = terms_in_force(lcspr)
    kloes = terms.key_lines_of_enquiry if terms is not None else []
    requirements = (
        ReportRequirement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .values_list("pk", "text")
    )
    return checklist_points(kloes, list(requirements))


def draft_missing_points(draft: ReportDraft) -> list[ChecklistPoint]:
    """The checklist's points this draft does not say where it addresses."""
    return missing_points(report_checklist(draft.lcspr), draft.checklist or {})


def draft_open_hits(draft: ReportDraft) -> QuerySet[AnonymisationHit]:
    """What the guard found in the draft that is neither fixed nor accepted by the chair."""
    partnership = draft.lcspr.case.partnership
    return AnonymisationHit.objects.for_partnership(partnership).filter(
        draft=draft, accepted_at__isnull=True
    )
