"""GET /api/v1/publications/ (issue 16: public): each publication's dates, archiving, NSPCC
decision and timeliness against the seven working days' notice (§10.5.1) and the six
months (§3.1.2-§3.1.3), scoped to the partnership (and a Reviewer's own reviews)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Role
from cases.selectors import working_calendar
from cases.services import api_token_create
from publication.models import NspccChoice, PublishChoice
from tests.factories import AgencyFactory, agency_user, appoint, sign_in, staff_user
from tests.publication.public_rows import CHILD_NAMES, publication

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/"


def _client(user):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )
    return client


def _rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["case_reference"]: row for row in response.json()["results"]}


def test_each_field_and_the_timeliness_of_notice_and_six_months(leicester, leicester_office):
    cal = working_calendar(partnership=leicester)
    today = timezone.localdate()
    published_on = cal.subtract(today, 3)
    on_time, _ = publication(
        leicester,
        published_on=published_on,
        planned_on=published_on,
        notice_on=cal.subtract(published_on, 7),  # the last allowed day (§10.5.1)
        decided_on=published_on - timedelta(days=100),
    )
    on_time.nspcc_choice, on_time.nspcc_submitted_on = NspccChoice.SUBMIT, today
    on_time.save()
    late, _ = publication(
        leicester,
        choice=PublishChoice.IMPROVEMENTS_ONLY,
        published_on=published_on,
        notice_on=cal.subtract(published_on, 6),  # a day too late
        decided_on=published_on - timedelta(days=250),  # past its six months
    )
    planned, _ = publication(leicester, choice="", planned_on=today + timedelta(days=30))
    archived, _ = publication(leicester, published_on=today - timedelta(days=400))
    archived.archived_on = today
    archived.save()

    rows = _rows(_client(leicester_office))
    row = rows[on_time.lcspr.case.reference]
    assert row["choice"] == "report"
    assert row["planned_on"] == published_on.isoformat()
    assert row["notice_sent_on"] == cal.subtract(published_on, 7).isoformat()
    assert row["published_on"] == published_on.isoformat()
    assert row["available_until"].startswith(str(published_on.year + 1))
    assert row["archived"] is False
    assert row["archived_on"] is None
    assert row["nspcc_choice"] == "submit"
    assert row["nspcc_submitted_on"] == today.isoformat()
    assert row["notice_in_time"] is True
    assert row["lcspr_complete"]["status"] == "met"
    assert row["published_within_six_months"] is True

    row = rows[late.lcspr.case.reference]
    assert row["choice"] == "improvements_only"
    assert row["notice_in_time"] is False
    assert row["lcspr_complete"]["status"] == "missed"
    assert row["published_within_six_months"] is False
    assert row["nspcc_choice"] is None

    row = rows[planned.lcspr.case.reference]
    assert row["choice"] is None
    assert row["published_on"] is None
    assert row["available_until"] is None
    assert row["notice_sent_on"] is None
    assert row["notice_in_time"] is None
    assert row["published_within_six_months"] is None
    assert row["lcspr_complete"]["status"] == "open"

    row = rows[archived.lcspr.case.reference]
    assert row["archived"] is True
    assert row["archived_on"] == today.isoformat()

    # Newest publication first, then the unpublished.
    order = [r["case_reference"] for r in _client(leicester_office).get(URL).json()["results"]]
    assert order[-1] == planned.lcspr.case.reference
    assert order.index(archived.lcspr.case.reference) == len(order) - 2


def test_no_name_or_content_in_the_answer(leicester, leicester_office):
    row, _ = publication(leicester, published_on=timezone.localdate(), reviewer="Dr Ada Lovelace")
    row.choice_reason = "The family asked that it not be published"
    row.save()
    text = _client(leicester_office).get(URL).content.decode()
    for hidden in (*CHILD_NAMES.values(), "Dr Ada Lovelace", "The family asked", "public_id"):
        assert hidden not in text


def test_each_partnership_lists_only_its_own(leicester, lr, client):
    mine, _ = publication(leicester, published_on=timezone.localdate())
    theirs, _ = publication(lr, published_on=timezone.localdate())
    for partnership, own, other in ((leicester, mine, theirs), (lr, theirs, mine)):
        user = staff_user(partnership)
        for answer in (
            _client(user).get(URL),
            sign_in(client, user).get(URL, HTTP_ACCEPT="application/json"),
        ):
            assert answer.status_code == 200
            assert [r["case_reference"] for r in answer.json()["results"]] == [
                own.lcspr.case.reference
            ]
            assert other.lcspr.case.reference not in answer.text


def test_a_reviewer_lists_only_the_review_they_are_appointed_to(leicester):
    theirs, _ = publication(leicester, published_on=timezone.localdate())
    other, _ = publication(leicester, published_on=timezone.localdate())
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(theirs.lcspr.case, reviewer, Role.REVIEWER)
    assert set(_rows(_client(reviewer))) == {theirs.lcspr.case.reference}
    assert other.lcspr.case.reference not in _client(reviewer).get(URL).content.decode()


def test_agencies_and_strangers_are_refused(leicester, client):
    publication(leicester, published_on=timezone.localdate())
    portal_user = agency_user(AgencyFactory(name="Leicestershire Police"))
    assert _client(portal_user).get(URL).status_code == 403
    assert sign_in(client, portal_user).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


def test_pages_and_a_query_count_that_does_not_grow_with_the_rows(leicester, leicester_office):
    client = _client(leicester_office)
    publication(leicester, published_on=timezone.localdate(), notice_on=timezone.localdate())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            _rows(client)
        return len(captured)

    one = queries()
    for _ in range(3):
        publication(leicester, published_on=timezone.localdate(), notice_on=timezone.localdate())
    assert queries() == one
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 4
    assert len(first["results"]) == 2
    assert first["next"]
    assert client.get(URL, {"page_size": 0}).status_code == 400


def test_the_schema_documents_the_endpoint(leicester_office, client):
    sign_in(client, leicester_office)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/publications/" in schema
    assert "notice_in_time" in schema
