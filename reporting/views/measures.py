"""The reporting dashboard and each measure's page: its figures, a chart with its data
table, the cases behind it (for those who may see cases), and the downloads.

Every figure comes from `reporting.selectors` in a fixed number of queries, whatever the
number of cases (tests/reporting/test_query_counts.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from cases.permissions import Action
from cases.web import log_download, paged, scope_required
from reporting.charts import bar_chart
from reporting.exports import csv_bytes, xlsx_bytes
from reporting.rules.measures import MEASURES, Kind, Part
from reporting.selectors.base import COMPUTATIONS, cases_behind, results, results_of
from reporting.web import asked, measure_or_404

CASES_PER_PAGE = 50
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@scope_required(Action.VIEW_REPORTS)
def reports(request):
    """Every measure's headline figure for each partnership, by part."""
    ask = asked(request)
    shown = [measure for measure in MEASURES if measure.slug in COMPUTATIONS]
    found = results_of([m.slug for m in shown], ask.partnerships, ask.period)
    parts = []
    for part in Part:
        lines = [
            {"measure": measure, "results": found[measure.slug]}
            for measure in shown
            if measure.part == part
        ]
        parts.append({"part": part, "lines": lines})
    return render(
        request,
        "reporting/reports.html",
        {"ask": ask, "parts": parts, "current": "reports"},
    )


def _chart(result, index: int) -> str:
    measure = result.measure
    columns = {c.key: c for c in measure.columns}
    percent = all(columns[key].kind == Kind.RATE for key in measure.chart)
    return mark_safe(  # noqa: S308 - built by reporting.charts, which escapes every text
        bar_chart(
            uid=f"{measure.slug}-{index}",
            title=f"{measure.title}, {result.partnership.name}",
            labels=[row.label for row in result.rows],
            series=[
                (columns[key].label, [row.values.get(key) for row in result.rows])
                for key in measure.chart
            ],
            percent=percent,
        )
    )


@scope_required(Action.VIEW_REPORTS)
def report_measure(request, slug):
    measure = measure_or_404(slug)
    ask = asked(request)
    shown = [
        {"result": result, "chart": _chart(result, i)}
        for i, result in enumerate(results(slug, ask.partnerships, ask.period))
    ]
    return render(
        request,
        "reporting/measure.html",
        {"ask": ask, "measure": measure, "shown": shown, "current": "reports"},
    )


@scope_required(Action.VIEW_REPORT_CASES)
def report_measure_cases(request, slug):
    """The cases behind the measure's figures, of the user's own partnership: a row's
    (`?row=`, a month or an agency…) or all of them."""
    measure = measure_or_404(slug)
    ask = asked(request)
    row = request.GET.get("row", "")
    lines = cases_behind(slug, scope=request.scope, period=ask.period, row=row)
    # The row as its table names it ("June 2026", an agency's name), not its key.
    (own,) = results(slug, [request.scope.partnership], ask.period) if row else [None]
    row_label = next((r.label for r in own.rows if r.key == row), row) if own else ""
    return render(
        request,
        "reporting/measure_cases.html",
        {
            "ask": ask,
            "measure": measure,
            "row": row,
            "row_label": row_label,
            "count": len(lines),
            **paged(request, lines, CASES_PER_PAGE),
            "current": "reports",
        },
    )


def _download(request, *, name: str, what: str, fmt: str, header, rows, sheet: str) -> HttpResponse:
    """`what` is the access log's object type (40 characters at most): what was downloaded
    and of which measure, never the period, which the file's name holds."""
    body = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes([(sheet, header, rows)])
    log_download(request, reference="", what=what)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@scope_required(Action.VIEW_REPORTS)
def report_measure_export(request, slug, fmt):
    """The measure's figures and breakdown, as the page shows them: one line per
    partnership and row, the headline figures first (row "All")."""
    measure = measure_or_404(slug)
    ask = asked(request)
    figure_keys = {c.key for c in measure.figures}
    columns = [*measure.figures, *[c for c in measure.columns if c.key not in figure_keys]]
    header = ["Partnership", "From", "To", measure.row_label, *[c.label for c in columns]]
    rows = []
    for result in results(slug, ask.partnerships, ask.period):
        start, end = ask.period.start, ask.period.end
        name = result.partnership.name
        rows.append([name, start, end, "All", *[result.figures.get(c.key) for c in columns]])
        for row in result.rows:
            rows.append([name, start, end, row.label, *[row.values.get(c.key) for c in columns]])
    return _download(
        request,
        name=f"{slug}-{ask.period.start}-{ask.period.end}",
        what=f"figures_{slug}",
        fmt=fmt,
        header=header,
        rows=rows,
        sheet=measure.title,
    )


@scope_required(Action.VIEW_REPORT_CASES)
def report_measure_cases_export(request, slug, fmt):
    measure = measure_or_404(slug)
    ask = asked(request)
    lines = cases_behind(
        slug, scope=request.scope, period=ask.period, row=request.GET.get("row", "")
    )
    header = ["Case", *[c.label for c in measure.case_columns]]
    rows = [
        [line.case_reference, *[line.values.get(c.key) for c in measure.case_columns]]
        for line in lines
    ]
    return _download(
        request,
        name=f"{slug}-cases-{ask.period.start}-{ask.period.end}",
        what=f"cases_{slug}",
        fmt=fmt,
        header=header,
        rows=rows,
        sheet="Cases",
    )
