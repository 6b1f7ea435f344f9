"""The genogram as a PDF (§7.2.1), WeasyPrint drawing the SVG: the named version for the
review team, panel meetings and the learning workshop, and the anonymised one, the only
version a report may hold."""

from __future__ import annotations

from django.utils import timezone

from cases.documents import render_pdf
from cases.models import Case
from reviews.models import Lcspr
from reviews.selectors import genogram as selectors


def _pdf(*, case: Case, genogram: selectors.Genogram) -> bytes:
    return render_pdf(
        "reviews/genogram/genogram_pdf.html",
        {
            "case": case,
            "partnership": case.partnership,
            "genogram": genogram,
            "generated_on": timezone.localdate(),
        },
    )


def named_genogram_pdf(*, case: Case, lcspr: Lcspr) -> bytes:
    """Restricted to the review team: names, ages and households as recorded."""
    return _pdf(case=case, genogram=selectors.named_genogram(lcspr))


def anonymised_genogram_pdf(*, case: Case, lcspr: Lcspr) -> bytes:
    """The only PDF of the family network a report may hold: no name, no date of birth,
    no address (§7.2.1). Raises selectors.GenogramNotAnonymous rather than print a name."""
    return _pdf(case=case, genogram=selectors.anonymised_genogram(lcspr))
