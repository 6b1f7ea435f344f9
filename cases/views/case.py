"""The case list and a case's own pages: summary, timeline, deadlines, history."""

from django.shortcuts import render
from django.utils import timezone

from cases import selectors, services
from cases.dates import format_date
from cases.forms.lists import CaseFilterForm, ChildSearchForm
from cases.models import AccessAction, Stage
from cases.permissions import Action
from cases.rules import sent_late
from cases.web import paged, scope_required, valid_filters

CASES_PER_PAGE = 25
SEARCH_RESULTS = 50


@scope_required(Action.VIEW_CASES)
def case_list(request):
    """Filters in the URL; a search by a child's details posted, logged when by name, and
    answered on this response (unpaged), so that the details never reach a URL."""
    officers = [
        (officer.pk, str(officer))
        for officer in selectors.business_office_officers(partnership=request.scope.partnership)
    ]
    form = CaseFilterForm(request.GET or None, lead_officers=officers)
    may_search_names = request.scope.can(Action.VIEW_RESTRICTED_FILE)
    search = ChildSearchForm(
        request.POST if request.method == "POST" else None, may_search_names=may_search_names
    )
    if search.is_bound and search.is_valid():
        found = search.cleaned_data
        if found.get("child_name"):
            services.access_record(
                request=request,
                action=AccessAction.SEARCH,
                scope=request.scope,
                object_type="case list: search by child's name",
                route="case_list",
                status_code=200,
            )
        cases = selectors.case_list(
            scope=request.scope,
            local_authority_reference=found["local_authority_reference"],
            child_name=found.get("child_name", ""),
        )
        return render(
            request,
            "cases/case_list.html",
            {
                "form": CaseFilterForm(lead_officers=officers),
                "search": search,
                "search_forms": [search],
                "found": list(cases[:SEARCH_RESULTS]),
                "found_more": cases.count() > SEARCH_RESULTS,
                "selected_filters": [],
            },
        )
    filters = valid_filters(form)
    cases = selectors.case_list(
        scope=request.scope,
        stages=filters.get("stage") or None,
        reference=filters.get("reference", ""),
        lead_officer=filters.get("lead_officer"),
        overdue_on=timezone.localdate() if filters.get("overdue") else None,
        received_from=filters.get("received_from"),
        received_to=filters.get("received_to"),
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "search": search,
            "search_forms": [search],
            "selected_filters": _selected_filters(request.GET, filters, dict(officers)),
            **paged(request, cases, CASES_PER_PAGE),
        },
    )


def _selected_filters(query, filters, officers):
    """(category, label, link that removes just this filter) for the MOJ filter tags."""

    def without(*keys, value=None):
        remaining = query.copy()
        remaining.pop("page", None)  # a changed filter starts again at page 1
        for key in keys:
            remaining.setlist(
                key, [v for v in remaining.getlist(key) if value is not None and v != value]
            )
        return f"?{remaining.urlencode()}"

    selected = []
    if filters.get("reference"):
        selected.append(("Case reference", filters["reference"], without("reference")))
    for value in filters.get("stage", []):
        selected.append(("Stage", Stage(value).label, without("stage", value=value)))
    if filters.get("lead_officer"):
        name = officers.get(filters["lead_officer"], "Someone who has left")
        selected.append(("Lead officer", name, without("lead_officer")))
    if filters.get("overdue"):
        selected.append(("Deadlines", "Has an overdue deadline", without("overdue")))
    for key, label in (("received_from", "From"), ("received_to", "To")):
        if filters.get(key):
            parts = [f"{key}-{part}" for part in ("day", "month", "year")]
            selected.append(
                ("Date received", f"{label} {format_date(filters[key])}", without(*parts))
            )
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
    sending_due = selectors.request_sending_due(case=case)
    return render(
        request,
        "cases/case_deadlines.html",
        {
            "case": case,
            "tab": "deadlines",
            "deadlines": views,
            "sending_due": sending_due,
            "late_requests": [
                item
                for item in selectors.case_requests(case=case).order_by("sent_at", "agency__name")
                if sent_late(item, sending_due)
            ],
        },
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
