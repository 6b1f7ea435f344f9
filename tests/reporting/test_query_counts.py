"""Every reporting page, download and report endpoint costs the same number of queries
with 500 cases as with 5: each measure's figures come from grouped queries, never a query
a case (the views' promise, reporting/views/measures.py). Measures registered later are
tried as they are registered (reporting.selectors.base.COMPUTATIONS), for the office of a
partnership and for the cross-partnership reporting role."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AgencyKind, Role
from reporting.rules.period import Period
from reporting.selectors.base import COMPUTATIONS, TOGETHER, read_together, results, results_of
from tests.factories import AgencyFactory, sign_in, staff_user
from tests.reporting.bulk import KINDS, bulk_cases
from tests.reporting.test_learning_measures import _actions_data

pytestmark = pytest.mark.django_db

YEAR = {"year": "2025"}  # the financial year 2025-26, which the rows fall in
START, DAYS = date(2025, 4, 1), 365
FEW, MANY = 5, 500
FORMATS = ("csv", "xlsx")


def _figure_urls() -> list[str]:
    """The pages and downloads of figures (every role that reports), for every measure."""
    urls = [reverse("reports"), reverse("api_reports")]
    for slug in sorted(COMPUTATIONS):
        urls.append(reverse("report_measure", args=[slug]))
        urls += [reverse("report_measure_export", args=[slug, fmt]) for fmt in FORMATS]
        urls.append(reverse("api_report", args=[slug]))
    return urls


def _case_urls() -> list[str]:
    """The cases behind each measure, and their downloads (a role that may see cases)."""
    urls = []
    for slug in sorted(COMPUTATIONS):
        urls.append(reverse("report_measure_cases", args=[slug]))
        urls += [reverse("report_measure_cases_export", args=[slug, fmt]) for fmt in FORMATS]
    return urls


def _counts(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, YEAR)
        assert response.status_code == 200, url
        counts[url] = len(captured.captured_queries)
    return counts


def test_every_reporting_page_costs_the_same_queries_for_500_cases_as_for_5(client, leicester, lr):
    agencies = [
        AgencyFactory(name=f"Agency {n}", kind=kind)
        for n, kind in enumerate((AgencyKind.POLICE, AgencyKind.HEALTH_TRUST, AgencyKind.SCHOOL))
    ]
    for partnership in (leicester, lr):
        bulk_cases(partnership, FEW, start=START, days=DAYS, agencies=agencies)
    office = staff_user(leicester)
    joint = staff_user(leicester, role=Role.JOINT_REPORTING)
    joint.memberships.get().reports_on.add(lr)
    roles = {"office": (office, _figure_urls() + _case_urls()), "joint": (joint, _figure_urls())}

    def all_counts() -> dict[str, dict[str, int]]:
        found = {}
        for name, (user, urls) in roles.items():
            sign_in(client, user)
            client.get(reverse("reports"), YEAR)  # the session's first request, uncounted
            found[name] = _counts(client, urls)
            client.logout()
        return found

    few = all_counts()
    sign_in(client, office)
    before = client.get(reverse("api_report", args=["rapid-review-timeliness"]), YEAR).json()
    client.logout()

    for partnership in (leicester, lr):
        bulk_cases(
            partnership,
            MANY - FEW,
            start=START,
            days=DAYS,
            agencies=agencies,
            first_number=FEW + 1,
        )
    many = all_counts()

    sign_in(client, office)
    after = client.get(reverse("api_report", args=["rapid-review-timeliness"]), YEAR).json()
    assert after["figures"]["total"] > before["figures"]["total"] * 10  # the rows count
    for role in roles:
        grew = {url: (few[role][url], n) for url, n in many[role].items() if n != few[role][url]}
        assert not grew, f"{role}: queries (5 cases, 500 cases) by page: {grew}"


def test_the_measures_computed_together_agree_with_each_computed_alone(leicester, lr):
    """The figures page and the annual report compute some measures at once (one query for
    every timeliness measure): each has the figures and rows its own page shows, for each
    partnership."""
    _rows_of_every_measure(leicester, lr, cases=60)
    period = Period.financial_year(START.year)
    together = results_of(sorted(COMPUTATIONS), [leicester, lr], period)
    assert TOGETHER, "some measures are computed together"
    for slug in sorted(COMPUTATIONS):
        alone = results(slug, [leicester, lr], period)
        assert [(r.figures, r.rows) for r in together[slug]] == [
            (r.figures, r.rows) for r in alone
        ], slug
    for slug in TOGETHER:
        headlines = [r.headline for r in together[slug]]
        assert any(headlines), f"the rows hold figures of {slug}, computed together"


def _rows_of_every_measure(leicester, lr, cases=40):
    """Cases with every kind of deadline, requests to three agencies, and plans' actions
    due in the period or overdue in it, in both partnerships."""
    agencies = [
        AgencyFactory(name=f"Agency {n}", kind=kind)
        for n, kind in enumerate((AgencyKind.POLICE, AgencyKind.HEALTH_TRUST, AgencyKind.SCHOOL))
    ]
    for partnership in (leicester, lr):
        bulk_cases(
            partnership,
            cases,
            start=START,
            days=DAYS,
            agencies=agencies,
            deadlines_per_case=len(KINDS),
        )
        _actions_data(partnership)


@pytest.mark.parametrize("pipelined", [True, False], ids=["pipeline", "one at a time"])
def test_each_measure_read_with_the_others_has_the_figures_it_has_alone(
    leicester, lr, monkeypatch, pipelined
):
    """The figures page sends every measure's queries to PostgreSQL at once, in one
    pipeline (reporting.selectors.base.read_together), and reads their rows once all are
    sent; where there is no pipeline (SQLite) it runs them one at a time. Either way each
    measure, read alongside all the others (not computed together), has the figures and
    rows its own page shows, for each partnership."""
    if not pipelined:
        monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    _rows_of_every_measure(leicester, lr)
    period = Period.financial_year(START.year)
    slugs = sorted(COMPUTATIONS)
    read = read_together([COMPUTATIONS[slug].reads([leicester, lr], period) for slug in slugs])
    for slug, figures in zip(slugs, read, strict=True):
        assert figures == COMPUTATIONS[slug].figures([leicester, lr], period), slug


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL pipeline")
def test_the_figures_page_sends_every_measures_queries_in_one_pipeline(leicester, lr):
    """What makes the figures page cheaper than its queries one after another: each is
    sent while the next is built, none waited for until all are sent."""
    _rows_of_every_measure(leicester, lr)
    sent_in_pipeline = []

    def record(execute, sql, params, many, context):
        status = connection.connection.pgconn.pipeline_status
        sent_in_pipeline.append(status != psycopg.pq.PipelineStatus.OFF)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        found = results_of(sorted(COMPUTATIONS), [leicester, lr], Period.financial_year(2025))
    assert any(r.headline for results in found.values() for r in results)
    assert len(sent_in_pipeline) >= len(set(TOGETHER.values())), "every measure's query"
    assert all(sent_in_pipeline), sent_in_pipeline
