"""The case list and a case's own pages: summary, timeline, deadlines, history."""

from django.shortcuts import render
from django.utils import timezone

from cases import selectors
from cases.forms.lists import CaseFilterForm
from cases.models import Stage
from cases.permissions import Action
from cases.web import paged, scope_required, valid_filters

CASES_PER_PAGE = 25


@scope_required(Action.VIEW_CASES)
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    filters = valid_filters(form)
    cases = selectors.case_list(
        scope=request.scope,
        stages=filters.get("stage") or None,
        reference=filters.get("reference", ""),
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "selected_filters": _selected_filters(request.GET, filters),
            **paged(request, cases, CASES_PER_PAGE),
        },
    )


def _selected_filters(query, filters):
    """(category, label, link that removes just this filter) for the MOJ filter tags."""

    def without(key, value):
        remaining = query.copy()
        remaining.pop("page", None)  # a changed filter starts again at page 1
        remaining.setlist(key, [v for v in remaining.getlist(key) if v != value])
        return f"?{remaining.urlencode()}"

    selected = []
    if filters.get("reference"):
        selected.append(
            ("Case reference", filters["reference"], without("reference", query["reference"]))
        )
    for value in filters.get("stage", []):
        selected.append(("Stage", Stage(value).label, without("stage", value)))
    return selected


@scope_required(Action.VIEW_CASES)
def case_detail(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "tab": "overview",
            "requests_sent": selectors.case_requests(case=case).exists(),
            "can_record_decision": request.scope.can(Action.RECORD_DECISION),
            **selectors.case_intake(case=case),
        },
    )


@scope_required(Action.VIEW_CASES)
def case_deadlines(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    views = selectors.deadline_views(
        deadlines=selectors.case_deadlines(case=case), today=timezone.localdate()
    )
    return render(
        request, "cases/case_deadlines.html", {"case": case, "tab": "deadlines", "deadlines": views}
    )


@scope_required(Action.VIEW_CASES)
def case_history(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return render(
        request,
        "cases/case_history.html",
        {"case": case, "tab": "history", "entries": selectors.case_changes(case=case)},
    )


@scope_required(Action.VIEW_CASES)
def case_timeline(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return render(
        request,
        "cases/case_timeline.html",
        {"case": case, "tab": "timeline", "events": selectors.case_timeline(case=case)},
    )
