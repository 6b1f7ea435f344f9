"""Reporting's documents, rendered with WeasyPrint like every other PDF (cases/documents.py):
the annual report's figures. Figures only, never a case reference."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cases.documents import render_pdf
from cases.models import Partnership
from reporting.rules.period import Period
from reporting.selectors.annual import AnnualPart


def annual_report_pdf(
    *,
    partnership: Partnership,
    partnerships: Sequence[Partnership],
    period: Period,
    parts: list[AnnualPart],
    dated: date,
) -> bytes:
    """The figures of `partnerships` (side by side), made for `partnership`'s office."""
    return render_pdf(
        "documents/annual_report.html",
        {
            "partnership": partnership,
            "partnerships": partnerships,
            "period": period,
            "parts": parts,
            "dated": dated,
        },
    )
