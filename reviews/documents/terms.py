"""The terms of reference as a PDF (§5.1-§5.8): by case reference only, never a child's
name (the template receives no child at all)."""

from __future__ import annotations

from django.utils import timezone

from cases.documents import render_pdf
from cases.models import Case
from reviews.models import CollectionTool, Lcspr, TermsVersion
from reviews.selectors import terms as selectors


def terms_of_reference_pdf(
    *, case: Case, lcspr: Lcspr, version: TermsVersion | None = None, milestones=None
) -> bytes:
    """The version in force (or the latest draft, or `version`). `milestones`: the
    timetable's dated milestones (§5.8), a list of objects or dicts with `label` and
    `date` (and optionally `kind`), rendered in the "Timetable" section when given."""
    state = selectors.terms_state(lcspr)
    shown = version or state.in_force or state.latest
    agreement = None
    if shown is not None:
        agreement = next(
            (
                a
                for a in selectors.terms_agreements(lcspr)
                if a.version_id == shown.pk and a.outcome == "agreed"
            ),
            None,
        )
    return render_pdf(
        "documents/terms_of_reference.html",
        {
            "case": case,
            "partnership": case.partnership,
            "lcspr": lcspr,
            "version": shown,
            "agreement": agreement,
            "in_force": shown is not None
            and state.in_force is not None
            and state.in_force.pk == shown.pk,
            "tools": [CollectionTool(t).label for t in shown.collection_tools] if shown else [],
            "processes": selectors.parallel_processes(lcspr),
            "milestones": list(milestones or []),
            "generated_on": timezone.localdate(),
        },
    )
