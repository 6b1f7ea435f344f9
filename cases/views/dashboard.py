"""The dashboard: each role's tasks, deadlines and notifications."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import dashboard as dashboard_lists
from cases import selectors, services
from cases.dashboard import sections as dashboard_sections
from cases.models import Reminder, Stage
from cases.permissions import Action
from cases.web import paged, scope_required

PORTAL_REQUESTS_SHOWN = 10
PER_PAGE = 50


@scope_required()
def dashboard(request):
    scope = request.scope
    context = {"scope": scope}
    if scope.can(Action.VIEW_CASES):
        context.update(_my_cases(scope))
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
        today = timezone.localdate()
        # The most urgent few; the portal's home pages through them all.
        context["portal_requests"] = selectors.with_due_states(
            selectors.portal_requests_to_answer(scope=scope)[:PORTAL_REQUESTS_SHOWN], today=today
        )
        context["portal_request_counts"] = selectors.portal_requests_to_answer_counts(
            scope=scope, today=today
        )
        context["due_soon_days"] = selectors.DUE_SOON_WORKING_DAYS
    return render(request, "cases/dashboard.html", context)


def _my_cases(scope) -> dict:
    """The person's open cases, the latest received first: the dashboard shows a few and
    says how many, and links to the case list filtered to them (issue 18: an officer may
    lead a thousand cases, and the page rendered fifty of them)."""
    mine = selectors.my_cases(scope=scope)
    # Counted even when fewer are shown, so that the page's queries do not vary with the
    # rows (a COUNT(*) OVER () on the rows read every case before the first ten).
    shown, total = list(mine[: dashboard_lists.SHOWN]), mine.count()
    open_stages = [stage for stage in Stage.values if stage != Stage.CLOSED]
    query = urlencode({"lead_officer": scope.user.pk, "stage": open_stages}, doseq=True)
    return {
        "my_cases": shown,
        "my_cases_total": total,
        "my_cases_url": f"{reverse('case_list')}?{query}",
    }


@scope_required()
def my_work(request):
    """Every item of "Your work on reviews", paginated: the dashboard shows the first few
    and links here (issue 18)."""
    items, _ = dashboard_lists.work(request.scope)
    context = {"scope": request.scope, **paged(request, items, PER_PAGE)}
    return render(request, "cases/my_work.html", context)


@require_POST
@scope_required()
def notification_dismiss(request, pk):
    reminder = get_object_or_404(
        Reminder.objects.visible_to(request.scope).filter(recipient=request.user), pk=pk
    )
    services.reminder_dismiss(reminder=reminder, user=request.user)
    return redirect("dashboard")
