"""The annual report's figures: every measure's headline figures for a financial year (or
the period asked for) on one printable page, and the same as a PDF. For the
cross-partnership role, its partnerships side by side. Figures only: no case reference."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.permissions import Action
from cases.web import log_download, scope_required
from reporting.documents import annual_report_pdf
from reporting.selectors.annual import annual_report
from reporting.web import asked


@scope_required(Action.VIEW_REPORTS)
def report_annual(request):
    ask = asked(request)
    return render(
        request,
        "reporting/annual.html",
        {
            "ask": ask,
            "parts": annual_report(ask.partnerships, ask.period),
            "current": "reports",
        },
    )


@scope_required(Action.VIEW_REPORTS)
def report_annual_pdf(request):
    ask = asked(request)
    pdf = annual_report_pdf(
        partnership=request.scope.partnership,
        partnerships=ask.partnerships,
        period=ask.period,
        parts=annual_report(ask.partnerships, ask.period),
        dated=timezone.localdate(),
    )
    log_download(request, reference="", what="annual_report")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"annual-report-{ask.period.start}-{ask.period.end}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
