"""The review's findings (§9.2.1) as a PDF, for the separate group the partnership decided
will turn them into actions (§9.2.2-9.2.3): the group works outside the product, so the
Business Office sends it this. By case reference only: the template is given the findings,
their key themes and KLOEs and any recommendations, never a child, a family member or the
case file."""

from __future__ import annotations

from django.utils import timezone

from cases.documents import render_pdf
from reviews.models import Lcspr
from reviews.selectors import findings as selectors


def findings_pdf(*, lcspr: Lcspr) -> bytes:
    return render_pdf(
        "documents/findings.html",
        {
            "case": lcspr.case,
            "reference": lcspr.case.reference,
            "partnership": lcspr.case.partnership,
            "findings": selectors.findings_with_recommendations(lcspr),
            "group": selectors.findings_group(lcspr),
            "generated_on": timezone.localdate(),
        },
    )
