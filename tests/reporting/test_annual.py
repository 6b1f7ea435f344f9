"""The annual report's figures: every registered measure's headline figures for the year,
by part, on one printable page and in its PDF, equal to `results()` for a hand-built data
set; the cross-partnership role's partnerships side by side; never a case reference."""

import re
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from cases.models import AccessEvent, Case, Role
from reporting.rules.measures import MEASURES
from reporting.selectors.base import COMPUTATIONS, results
from reporting.templatetags.reporting import report_value
from tests.factories import sign_in, staff_user

from .test_learning_measures import (
    YEAR,
    _actions_data,
    _recommendations_data,
    _themes_data,
)
from .test_timeliness import _complete, _notified_case

pytestmark = pytest.mark.django_db

ASKED = {"year": str(YEAR.start.year)}
COMPUTED = [m for m in MEASURES if m.slug in COMPUTATIONS]


@pytest.fixture
def year_of_work(leicester, lr):
    """Learning and timeliness figures in both partnerships, different in each."""
    for partnership in (leicester, lr):
        _themes_data(partnership)
        _actions_data(partnership)
    _recommendations_data(leicester)
    on_time = _notified_case(leicester, on=date(2024, 6, 3))
    _complete(on_time, "rapid_review_complete", date(2024, 6, 10))
    _notified_case(lr, on=date(2024, 6, 3))


def _references(*partnerships):
    return {
        reference
        for p in partnerships
        for reference in Case.objects.for_partnership(p).values_list("reference", flat=True)
    }


def _cells(body: str, slug: str, key: str) -> list[str]:
    row = re.search(rf'<tr[^>]*id="{slug}--{key}">(.*?)</tr>', body, re.S)[1]
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def _pdf_text(response) -> str:
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _shown(value, column) -> str:
    return str(report_value(value, column))


def test_the_page_shows_every_measure_s_figures_as_results_gives_them(
    client, leicester, year_of_work
):
    sign_in(client, staff_user(leicester))

    response = client.get(reverse("report_annual"), ASKED)

    assert response.status_code == 200
    body = response.content.decode()
    for measure in COMPUTED:
        (result,) = results(measure.slug, [leicester], YEAR)
        assert escape(measure.title) in body
        assert f"({measure.seed})" in body
        for column in measure.figures:
            assert _cells(body, measure.slug, column.key) == [
                escape(_shown(result.figures[column.key], column))
            ], (measure.slug, column.key)
    # The data set is not empty: the figures the test compares are not all nothing.
    (actions,) = results("actions", [leicester], YEAR)
    assert _cells(body, "actions", "count") == ["6"] == [str(actions.figures["count"])]
    assert _cells(body, "rapid-review-timeliness", "rate") == ["100%"]


def test_the_parts_come_in_order_each_measure_under_its_own(client, leicester, year_of_work):
    sign_in(client, staff_user(leicester))

    parts = client.get(reverse("report_annual"), ASKED).context["parts"]

    for group in parts:
        assert group.measures
        assert all(item.measure.part == group.part for item in group.measures)
    assert [item.measure.slug for group in parts for item in group.measures] == [
        m.slug for m in COMPUTED
    ]


def test_the_pdf_holds_the_same_figures(client, leicester, year_of_work):
    sign_in(client, staff_user(leicester))

    response = client.get(reverse("report_annual_pdf"), ASKED)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="annual-report-2024-04-01-2025-03-31.pdf"'
    )
    text = _pdf_text(response)
    assert "Annual report figures, 2024 to 2025" in text
    for measure in COMPUTED:
        (result,) = results(measure.slug, [leicester], YEAR)
        assert " ".join(measure.title.split()) in text, measure.slug
        for column in measure.figures:
            shown = f"{column.label} {_shown(result.figures[column.key], column)}"
            assert shown in text, (measure.slug, shown)
    logged = AccessEvent.objects.for_partnership(leicester).filter(object_type="annual_report")
    assert logged.count() == 1


def test_no_case_reference_anywhere_in_the_annual_report(client, leicester, lr, year_of_work):
    every = _references(leicester, lr)
    assert every
    sign_in(client, staff_user(leicester))

    page = client.get(reverse("report_annual"), ASKED).content.decode()
    pdf = _pdf_text(client.get(reverse("report_annual_pdf"), ASKED))

    assert [ref for ref in every if ref in page] == []
    assert [ref for ref in every if ref in pdf] == []


def test_the_cross_partnership_role_sees_its_partnerships_side_by_side(
    client, leicester, lr, year_of_work
):
    user = staff_user(leicester, role=Role.JOINT_REPORTING)
    user.memberships.get().reports_on.add(lr)
    sign_in(client, user)

    body = client.get(reverse("report_annual"), ASKED).content.decode()
    pdf = _pdf_text(client.get(reverse("report_annual_pdf"), ASKED))

    for measure in COMPUTED:
        mine, theirs = results(measure.slug, [leicester, lr], YEAR)
        for column in measure.figures:
            assert _cells(body, measure.slug, column.key) == [
                escape(_shown(mine.figures[column.key], column)),
                escape(_shown(theirs.figures[column.key], column)),
            ], (measure.slug, column.key)
    assert escape(leicester.name) in body
    assert escape(lr.name) in body
    assert leicester.name in pdf
    assert lr.name in pdf
    every = _references(leicester, lr)
    assert [ref for ref in every if ref in body or ref in pdf] == []


def test_the_tab_and_a_role_without_reports(client, leicester):
    sign_in(client, staff_user(leicester))
    body = client.get(reverse("report_annual")).content.decode()
    assert 'aria-current="page">Annual report' in body
    assert f'href="{reverse("report_annual_pdf")}' in body
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert client.get(reverse("report_annual")).status_code == 403
    assert client.get(reverse("report_annual_pdf")).status_code == 403
