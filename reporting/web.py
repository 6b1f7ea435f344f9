"""Helpers the reporting views share: what was asked for (period and partnerships), read
once from the query string and checked against the scope."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone

from reporting.forms.period import ReportFilterForm
from reporting.rules.access import may_see_cases, reporting_partnerships
from reporting.rules.measures import MEASURES_BY_SLUG, Measure
from reporting.rules.period import Period

FILTER_KEYS = ("year", "from", "to", "partnership")


@dataclass
class Asked:
    form: ReportFilterForm
    period: Period
    partnerships: list
    query: str  # the filters, to carry to exports and drill-downs
    may_see_cases: bool


def asked(request) -> Asked:
    """The period and partnerships asked for; a bad value is shown on the form, and the
    page shows the default period meanwhile."""
    allowed = reporting_partnerships(request.scope)
    bound = any(key in request.GET for key in FILTER_KEYS)
    form = ReportFilterForm(
        request.GET if bound else None, partnerships=allowed, today=timezone.localdate()
    )
    period = form.period
    query = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}
    return Asked(
        form=form,
        period=period,
        partnerships=form.chosen_partnerships,
        query=urlencode(query),
        may_see_cases=may_see_cases(request.scope),
    )


def measure_or_404(slug: str) -> Measure:
    from reporting.selectors.base import COMPUTATIONS

    if slug not in COMPUTATIONS:
        raise Http404("No such measure.")
    return MEASURES_BY_SLUG[slug]
