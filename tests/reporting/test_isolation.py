"""Every reporting route, for every measure and download format, on the demo's two
partnerships: a partnership's office sees only its own case references, the
cross-partnership role sees none at all (and is refused every list of cases: the cases
behind a figure, the slippage view), and an API token reads only its own partnership's
figures. A PDF is read by its text."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Case, Role
from cases.services import api_token_create
from reporting.rules.measures import MEASURES
from reporting.selectors.base import COMPUTATIONS
from tests.access_policy import ROUTES
from tests.factories import sign_in, staff_user
from tests.routes import routes
from tests.test_isolation import REPORT_ROUTES

# The demo's history spans these financial years (cases/management/commands/seed_demo.py).
YEARS = ("2024", "2025", "2026")
SLUGS = [m.slug for m in MEASURES if m.slug in COMPUTATIONS]


def _urls():
    """Each reporting route with every measure and format it takes: (route name, url)."""
    for path, entry in routes():
        if path not in REPORT_ROUTES:
            continue
        converters = entry.pattern.converters
        slugs = SLUGS if ("slug" in converters or "measure" in converters) else [""]
        formats = ["csv", "xlsx"] if "fmt" in converters else [""]
        for slug in slugs:
            for fmt in formats:
                url = "/" + re.sub(r"<(?:\w+:)?(slug|measure)>", slug, path)
                yield entry.name, url.replace("<fmt:fmt>", fmt)


def _references(partnership):
    return set(Case.objects.for_partnership(partnership).values_list("reference", flat=True))


def _text(response) -> str:
    if response["Content-Type"] == "application/pdf":
        from io import BytesIO

        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    if response["Content-Type"].startswith("application/vnd.openxml"):
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.content))
        return " ".join(
            str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
        )
    return response.content.decode("utf-8-sig")


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_an_office_sees_only_its_own_cases_behind_every_figure(slug, demo, client):
    mine, other = demo[slug], next(p for s, p in demo.items() if s != slug)
    others = _references(other)
    seen_own = 0
    sign_in(client, staff_user(mine))
    for year in YEARS:
        for _name, url in _urls():
            response = client.get(url, {"year": year})
            assert response.status_code == 200, url
            text = _text(response)
            assert not [ref for ref in others if ref in text], (url, year)
            seen_own += any(ref in text for ref in _references(mine))
    assert seen_own, "no page showed an own case: the test would pass on empty pages"


def test_the_cross_partnership_role_sees_no_case_and_is_refused_the_lists(demo, client):
    leicester, lr = demo["leicester"], demo["leicestershire-rutland"]
    user = staff_user(leicester, role=Role.JOINT_REPORTING)
    user.memberships.get().reports_on.add(lr)
    every = _references(leicester) | _references(lr)
    sign_in(client, user)
    for name, url in _urls():
        response = client.get(url, {"year": YEARS[1]})
        if ROUTES[name] == "view_report_cases":
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        text = _text(response)
        assert not [ref for ref in every if ref in text], url


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_a_token_reads_only_its_own_partnership(slug, demo):
    mine, other = demo[slug], next(p for s, p in demo.items() if s != slug)
    client = APIClient()
    key = api_token_create(membership=staff_user(mine).memberships.get())
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    others = _references(other)
    for measure in SLUGS:
        url = reverse("api_report", args=[measure])
        for year in YEARS:
            answer = client.get(url, {"year": year})
            assert answer.status_code == 200
            assert not [ref for ref in others if ref in answer.content.decode()]
        refused = client.get(url, {"partnership": other.slug})
        assert refused.status_code == 403
