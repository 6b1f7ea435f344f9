"""The National Panel log (§1.6.3): the partnership's decisions notified to the National
Panel, with when each was due and sent, filtered by status, and as a CSV file."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render

from cases.permissions import Action
from cases.web import log_download, scope_required, valid_filters
from publication.forms.learning import PanelLogFilterForm
from publication.rules.panel_log import NOT_SENT, SENT_LATE
from publication.selectors.panel_log import panel_log

CSV_HEADER = ["Case", "Decision", "Decided", "Due", "Sent", "Status", "What was sent", "Seed"]


def _entries(request):
    form = PanelLogFilterForm(request.GET or None)
    return form, panel_log(scope=request.scope, status=valid_filters(form).get("status", ""))


@scope_required(Action.VIEW_CASES)
def national_panel_log(request):
    form, entries = _entries(request)
    everything = entries if not form.is_bound else panel_log(scope=request.scope)
    return render(
        request,
        "publication/panel_log/log.html",
        {
            "form": form,
            "entries": entries,
            "not_sent": sum(1 for e in everything if e.status == NOT_SENT),
            "sent_late": sum(1 for e in everything if e.status == SENT_LATE),
            "query": request.GET.urlencode(),
        },
    )


@scope_required(Action.VIEW_CASES)
def national_panel_log_csv(request):
    """The same entries, as a spreadsheet: case references only, never a child's name."""
    _, entries = _entries(request)
    partnership = request.scope.partnership
    log_download(request, reference="", what="national_panel_log")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{partnership.slug}-national-panel-log.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow(
            [
                e.case_reference,
                e.decision,
                e.decided_on.isoformat() if e.decided_on else "",
                e.due_on.isoformat() if e.due_on else "",
                e.sent_on.isoformat() if e.sent_on else "",
                e.status_label,
                e.sent,
                e.seed,
            ]
        )
    return response
