"""Thin views: check the scope, call a selector or service, render."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.dashboard import sections as dashboard_sections
from cases.forms import (
    AccessLogFilterForm,
    CaseFilterForm,
    OrganisationChoiceForm,
    TimescaleCalculatorForm,
)
from cases.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from cases.models import Reminder, Stage
from cases.permissions import Action
from cases.timescales import Event, timescales_for

NO_ROLE_MESSAGE = (
    "Your account has no role in a partnership or agency yet. Ask your partnership admin."
)
CASES_PER_PAGE = 25
ACCESS_EVENTS_PER_PAGE = 50


def scope_required(action: Action | None = None):
    """Signed in, working for one organisation, and (optionally) allowed `action`."""

    def decorator(view):
        @login_required
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.scope is None:
                if len(request.memberships) > 1:
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('organisation_choose')}?{query}")
                raise PermissionDenied(NO_ROLE_MESSAGE)
            if action is not None and not request.scope.can(action):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # read by the role x route access matrix test
        wrapped.requires_scope = True
        return wrapped

    return decorator


@scope_required()
def dashboard(request):
    scope = request.scope
    context = {"scope": scope}
    if scope.can(Action.VIEW_CASES):
        context["my_cases"] = selectors.my_cases(scope=scope)[:50]
        context["stage_counts"] = selectors.case_counts_by_stage(scope=scope)
        context["notifications"] = selectors.my_notifications(scope=scope)
        context["deadlines"] = selectors.deadline_views(
            deadlines=selectors.upcoming_deadlines(scope=scope), today=timezone.localdate()
        )
        context["leads_cases"] = scope.can(Action.OPEN_CASE)
    context.update(dashboard_sections(scope))
    if scope.can(Action.MANAGE_REQUESTS):
        context["replies_to_review"] = selectors.requests_to_review(scope=scope)
    if scope.can(Action.REPLY_TO_REQUESTS):
        context["portal_requests"] = [
            r for r in selectors.portal_requests(scope=scope) if r.is_open_for_agency
        ]
    return render(request, "cases/dashboard.html", context)


def _valid_filters(form) -> dict:
    """The filters that are valid; a bad value is reported beside its field."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _paged(request, rows, per_page) -> dict:
    """One page of rows with GOV.UK pagination links that keep the filters."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query_without_page": query_without_page.urlencode(),
    }


@scope_required(Action.VIEW_CASES)
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    filters = _valid_filters(form)
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
            **_paged(request, cases, CASES_PER_PAGE),
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


@require_GET
@scope_required(Action.VIEW_ACCESS_LOG)
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    events = selectors.access_log(scope=request.scope, **_valid_filters(form))
    return render(
        request,
        "cases/access_log.html",
        {"form": form, **_paged(request, events, ACCESS_EVENTS_PER_PAGE)},
    )


@scope_required(Action.VIEW_CASES)
def case_timeline(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return render(
        request,
        "cases/case_timeline.html",
        {"case": case, "tab": "timeline", "events": selectors.case_timeline(case=case)},
    )


@require_POST
@scope_required()
def notification_dismiss(request, pk):
    reminder = get_object_or_404(
        Reminder.objects.visible_to(request.scope).filter(recipient=request.user), pk=pk
    )
    services.reminder_dismiss(reminder=reminder, user=request.user)
    return redirect("dashboard")


@scope_required(Action.USE_TIMESCALE_CALCULATOR)
def timescale_calculator(request):
    initial = {"partnership": request.scope.partnership}
    form = TimescaleCalculatorForm(request.GET or None, initial=initial)
    workings = None
    if form.is_valid():
        partnership = form.cleaned_data["partnership"]
        workings = timescales_for(
            partnership,
            Event(form.cleaned_data["event"]),
            form.cleaned_data["date"],
            selectors.working_calendar(partnership=partnership),
        )
    return render(request, "cases/timescale_calculator.html", {"form": form, "workings": workings})


def signed_in_required(view):
    """Signed in with both factors, but working for no organisation in particular: the
    page where one chooses it. Declared, like `scope_required`, for the access tests."""
    wrapped = login_required(never_cache(view))
    wrapped.requires_sign_in = True
    return wrapped


@signed_in_required
def organisation_choose(request):
    memberships = request.memberships
    if not memberships:
        raise PermissionDenied(NO_ROLE_MESSAGE)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    initial = {"membership": request.scope.membership.pk} if request.scope else {}
    form = OrganisationChoiceForm(
        request.POST if request.method == "POST" else None,
        memberships=memberships,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = form.cleaned_data["membership"]
        chosen = next(m for m in memberships if m.pk == form.cleaned_data["membership"])
        messages.success(request, f"You are now working for {chosen.organisation_name}.")
        # A page of the other organisation would now answer 404: start from the dashboard.
        if next_url and request.scope is None:
            return HttpResponseRedirect(next_url)
        return redirect("dashboard")
    return render(request, "cases/organisation_choose.html", {"form": form, "next": next_url})


@require_GET
def health(request):
    """Liveness and database check for the load balancer; no data, no session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
