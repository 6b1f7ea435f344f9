"""The publication's own documents, rendered with WeasyPrint like the report
(reviews/documents/report.py): the improvements-only document (§10.1.1, footnote 23) and
the action plan published alongside the report (§10.1.2). Both are written to be
published: no case reference, no child, no person's name in the improvements."""

from __future__ import annotations

from datetime import date

from cases.documents import render_pdf
from publication.models import ActionPlan
from publication.selectors import plan as selectors
from reviews.models import Lcspr
from reviews.selectors.findings import recommendations_for_action_plans


def improvements_pdf(*, lcspr: Lcspr, dated: date) -> bytes:
    """The information about the improvements to be made: the review's agreed
    recommendations and, where the case has one, its action plan's actions."""
    plan = selectors.action_plan_of(lcspr)
    return render_pdf(
        "documents/publication_improvements.html",
        {
            "partnership": lcspr.case.partnership,
            "dated": dated,
            "recommendations": recommendations_for_action_plans(lcspr),
            "plan_rows": selectors.action_plan_rows(plan) if plan else [],
        },
    )


def action_plan_pdf(*, plan: ActionPlan, dated: date) -> bytes:
    """The action plan as published alongside the report (§10.1.2)."""
    return render_pdf(
        "documents/publication_action_plan.html",
        {
            "partnership": plan.partnership,
            "plan": plan,
            "dated": dated,
            "plan_rows": selectors.action_plan_rows(plan),
        },
    )
