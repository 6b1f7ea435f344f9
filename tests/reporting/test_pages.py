"""The reporting pages: who may see the figures, who the cases behind them, and the
cross-partnership role, which sees both partnerships' figures side by side and is
refused every list of cases (403), in the pages and the API."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from cases.models import Membership, Role
from reporting.exports import csv_bytes, neutralise, xlsx_bytes
from reporting.rules.measures import MEASURES
from reporting.selectors.base import COMPUTATIONS
from tests.factories import sign_in, staff_user

from .test_timeliness import FIFTEENTH, SIXTEENTH, _complete, _notified_case

pytestmark = pytest.mark.django_db

YEAR = {"year": "2025"}


@pytest.fixture
def joint(leicester, lr):
    user = staff_user(leicester, role=Role.JOINT_REPORTING)
    user.memberships.get().reports_on.add(lr)
    return user


@pytest.fixture
def timeliness_data(leicester, lr):
    _complete(_notified_case(leicester), "rapid_review_complete", FIFTEENTH)
    _complete(_notified_case(lr), "rapid_review_complete", SIXTEENTH)


def test_the_office_sees_every_measure_and_the_cases_behind_one(
    client, leicester, lr, timeliness_data
):
    sign_in(client, staff_user(leicester))
    page = client.get(reverse("reports"), YEAR)
    assert page.status_code == 200
    for measure in MEASURES:
        if measure.slug in COMPUTATIONS:
            assert measure.title in page.content.decode()
    detail = client.get(reverse("report_measure", args=["rapid-review-timeliness"]), YEAR)
    body = detail.content.decode()
    assert "100%" in body
    assert escape(lr.name) not in body
    assert "<svg" in body and "The chart&#x27;s data" in body or "The chart's data" in body
    cases = client.get(reverse("report_measure_cases", args=["rapid-review-timeliness"]), YEAR)
    assert "LSCP-2025-0001" in cases.content.decode()


def test_the_cross_partnership_role_sees_both_side_by_side_and_no_case(
    client, joint, leicester, lr, timeliness_data
):
    sign_in(client, joint)
    page = client.get(reverse("report_measure", args=["rapid-review-timeliness"]), YEAR)
    body = page.content.decode()
    assert page.status_code == 200
    assert escape(leicester.name) in body
    assert escape(lr.name) in body
    assert "100%" in body
    assert "0%" in body
    assert "LSCP-" not in body
    assert "LRSCP" not in body
    for route in ("report_measure_cases",):
        assert client.get(reverse(route, args=["rapid-review-timeliness"]), YEAR).status_code == 403
    assert (
        client.get(
            reverse("report_measure_cases_export", args=["rapid-review-timeliness", "csv"])
        ).status_code
        == 403
    )
    for case_list in (
        "case_list",
        "api_case_list",
        "api_rapid_reviews",
        "api_information_requests",
    ):
        assert client.get(reverse(case_list)).status_code == 403, case_list
    api = client.get(
        reverse("api_report", args=["rapid-review-timeliness"]), {**YEAR, "partnership": lr.slug}
    ).json()
    assert api["figures"]["missed"] == 1
    assert "cases" not in api


def test_the_cross_partnership_role_s_dashboard_leads_to_the_reports(client, joint):
    """It has no case work to list: its dashboard says what it has, rather than nothing."""
    sign_in(client, joint)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Your account shows the partnerships' figures, not their cases" in body
    assert f'href="{reverse("reports")}">open the reports</a>' in body


def test_a_role_without_reports_is_refused(client, leicester):
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert client.get(reverse("reports")).status_code == 403
    assert client.get(reverse("api_report", args=["rapid-review-timeliness"])).status_code == 403


def test_a_bad_period_is_named_and_the_typed_value_kept(client, leicester):
    sign_in(client, staff_user(leicester))
    page = client.get(reverse("reports"), {"from": "2025-13-01", "to": "2026-03-31"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Give a real date as YYYY-MM-DD" in body
    assert 'value="2025-13-01"' in body
    api = client.get(
        reverse("api_report", args=["rapid-review-timeliness"]), {"from": "2025-04-01"}
    )
    # Each value as the schema says, but no period together: 422 (400: not a date at all).
    assert api.status_code == 422
    assert "to" in api.json()
    api = client.get(
        reverse("api_report", args=["rapid-review-timeliness"]),
        {"from": "2025-13-01", "to": "2026-03-31"},
    )
    assert api.status_code == 400
    assert "from" in api.json()
    # A parameter with no value is not a date either (the pages read it as absent).
    api = client.get(reverse("api_report", args=["rapid-review-timeliness"]), {"to": ""})
    assert api.status_code == 400
    assert api.json() == {"to": ["Give a value, or leave the parameter out."]}


def test_another_partnership_is_refused_to_the_api(client, leicester, lr):
    sign_in(client, staff_user(leicester))
    answer = client.get(
        reverse("api_report", args=["rapid-review-timeliness"]), {"partnership": lr.slug}
    )
    assert answer.status_code == 403  # as the API answers a token naming another partnership


def test_exports_hold_the_page_s_figures(client, leicester, timeliness_data):
    sign_in(client, staff_user(leicester))
    url = reverse("report_measure_export", args=["rapid-review-timeliness", "csv"])
    rows = list(csv.reader(io.StringIO(client.get(url, YEAR).content.decode("utf-8-sig"))))
    header, total = rows[0], rows[1]
    assert total[header.index("Met")] == "1"
    assert total[header.index("Due in the period")] == "1"
    xlsx = client.get(
        reverse("report_measure_export", args=["rapid-review-timeliness", "xlsx"]), YEAR
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][values[0].index("Met")] == 1


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)"])
def test_a_formula_looking_cell_is_neutralised(text):
    assert neutralise(text) == f"'{text}"
    assert f"'{text}".encode() in csv_bytes(["a"], [[text]])
    book = load_workbook(io.BytesIO(xlsx_bytes([("S", ["a"], [[text]])])))
    cell = book.active["A2"]
    assert cell.value == text
    assert cell.data_type == "s"


def test_numbers_and_dates_stay_numbers_in_the_workbook():
    book = load_workbook(io.BytesIO(xlsx_bytes([("S", ["n", "d"], [[3, date(2025, 4, 1)]])])))
    assert book.active["A2"].value == 3
    assert book.active["B2"].value.date() == date(2025, 4, 1)


def test_memberships_of_the_cross_role_read_no_case_rows(joint, leicester):
    from cases.models import Case
    from cases.tenancy import Scope

    _notified_case(leicester)
    membership = Membership.objects.get(user=joint)
    assert not Case.objects.visible_to(Scope(user=joint, membership=membership)).exists()


def test_every_download_s_log_line_fits_the_access_log():
    """The access log's object type names the measure downloaded (figures_<slug>,
    cases_<slug>): every slug must fit it."""
    from cases.models import AccessEvent

    longest = AccessEvent._meta.get_field("object_type").max_length
    for measure in MEASURES:
        assert len(f"figures_{measure.slug}") <= longest, measure.slug
