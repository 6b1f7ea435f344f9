"""The learning search across reviews (issue 17, §11) and the recurring themes (§1.4.1).

What each user finds is the selectors' to decide (reporting/selectors/search.py): a
review's records only where they may see its case, published material in every
partnership they search."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from cases.permissions import Action
from cases.web import paged, scope_required, valid_filters
from reporting.forms.search import LearningSearchForm
from reporting.rules import search as rules
from reporting.rules.period import PeriodError
from reporting.selectors import search as selectors


@scope_required(Action.SEARCH_LEARNING)
def learning_search(request):
    """The search box, its filters and a page of results; without a query, the filters and
    the themes and recommendations that recur across the period's reviews."""
    scope = request.scope
    today = timezone.localdate()
    form = LearningSearchForm(
        request.GET or None,
        themes=selectors.theme_choices(scope),
        stages=selectors.STAGE_CHOICES,
        agencies=selectors.agency_choices(scope),
    )
    chosen = valid_filters(form)
    query = chosen.get("q", "")
    filters = selectors.Filters(
        theme=chosen.get("theme", ""),
        stage=chosen.get("stage", ""),
        agency=chosen.get("agency"),
        start=chosen.get("date_from"),
        end=chosen.get("date_to"),
    )
    context = {
        "form": form,
        "query": query,
        "searched": bool(query) and not form.errors,
        "filtered": form.is_bound and form.filters_chosen(),
        "partnerships": selectors.search_partnerships(scope),
        "section": "search",
    }
    if context["searched"]:
        rows = selectors.learning_search(scope, query, filters, today=today)
        pages = paged(request, rows, rules.RESULTS_PER_PAGE)
        context.update(pages, results=selectors.results_of(scope, query, pages["page"]))
    else:
        try:
            period = rules.recurrence_period(today, start=filters.start, end=filters.end)
        except PeriodError:
            period = rules.recurrence_period(today)
        context["recurrence"] = selectors.recurrence(scope, period, today=today)
    return render(request, "reporting/search.html", context)
