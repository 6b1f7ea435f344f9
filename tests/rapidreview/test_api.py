"""GET /api/v1/rapid-reviews/: each Rapid Review's meeting, decision, sign-off and report
against its deadlines, for the token's own partnership only."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import ChildRole, Stage
from cases.services import api_token_create
from rapidreview import services
from rapidreview.models import Decision, RapidReview
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, staff_user
from tests.rapidreview.flow import (
    decided,
    meeting_held,
    notified,
    quorate_attendance,
    recorded,
    signed_off,
    signers,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/rapid-reviews/"
RECEIVED = date(2027, 3, 1)  # a Monday: the meeting window is 10-18 March
MEETING = date(2027, 3, 12)
ON_TIME, LATE = date(2027, 3, 22), date(2027, 3, 23)  # 15 working days is 22 March
AFTERWARDS = date(2027, 3, 31)


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


def _signed_off(monkeypatch, partnership, office, *, report_sent_on):
    """A notification decided at a quorate meeting to proceed, signed off, its report sent
    and the decision notified on `report_sent_on`."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(partnership, office, RECEIVED)
    meeting = meeting_held(monkeypatch, partnership, office, case, MEETING)
    review = RapidReview.objects.for_partnership(partnership).get(case=case)
    quorate_attendance(meeting, office)
    recorded(review, office)
    decided(review, office, Decision.PROCEED)
    review = signed_off(review, signers(partnership))
    monkeypatch.setattr(timezone, "localdate", lambda *a: AFTERWARDS)
    services.report_sent_record(review=review, actor=office, sent_on=report_sent_on)
    services.decision_notified_record(review=review, actor=office, notified_on=report_sent_on)
    return review


def test_a_signed_off_review_with_its_report_on_time_and_one_late(
    monkeypatch, leicester, leicester_office
):
    on_time = _signed_off(monkeypatch, leicester, leicester_office, report_sent_on=ON_TIME)
    late = _signed_off(monkeypatch, leicester, leicester_office, report_sent_on=LATE)

    rows = _rows(_client(leicester_office))

    row = rows[on_time.case.reference]
    deadlines = {d["kind"]: d for d in row.pop("deadlines")}
    assert row == {
        "case_reference": on_time.case.reference,
        "path": "rapid_review",
        "notification_date": "2027-03-01",
        "referral_date": None,
        "meeting_date": "2027-03-12",
        "quorate": True,
        "decision": "proceed",
        "decision_date": "2027-03-12",
        "signed_off": True,
        "report_sent_date": "2027-03-22",
        "decision_notified_date": "2027-03-22",
    }
    assert set(deadlines) == {
        "rapid_review_meeting_latest",
        "rapid_review_complete",
        "lcspr_complete",
    }
    assert deadlines["rapid_review_complete"] == {
        "kind": "rapid_review_complete",
        "due_date": "2027-03-22",
        "status": "met",
        "completed_on": "2027-03-22",
        "met": True,
    }
    # Six months from the decision is Sunday 12 September: the Friday before.
    assert deadlines["lcspr_complete"] == {
        "kind": "lcspr_complete",
        "due_date": "2027-09-10",
        "status": "open",
        "completed_on": None,
        "met": None,
    }
    assert deadlines["rapid_review_meeting_latest"]["due_date"] == "2027-03-18"

    late_row = rows[late.case.reference]
    (complete,) = [d for d in late_row["deadlines"] if d["kind"] == "rapid_review_complete"]
    assert late_row["report_sent_date"] == "2027-03-23"
    assert (complete["status"], complete["completed_on"], complete["met"]) == (
        "missed",
        "2027-03-23",
        False,
    )


def test_a_notification_without_its_meeting_yet_is_listed_and_so_is_a_referral(
    leicester, leicester_office
):
    today = timezone.localdate()
    awaiting = case_services.notification_record(
        partnership=leicester,
        details=case_services.NotificationDetails(
            received_on=today, summary="NARRATIVE-SENTINEL: what happened to the child."
        ),
        children=[
            case_services.ChildDetails(
                role=ChildRole.SUBJECT, local_authority_reference="LA-9", name="Zebedee Secretname"
            )
        ],
        actor=leicester_office,
    )
    referral = case_services.referral_record(
        partnership=leicester,
        details=case_services.ReferralDetails(received_on=today, summary="Child B."),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=leicester_office,
    )
    open_case(leicester)  # at intake: not yet a Rapid Review

    client = _client(leicester_office)
    response = client.get(URL)
    assert "Zebedee" not in response.text
    assert "Secretname" not in response.text
    assert "NARRATIVE-SENTINEL" not in response.text
    rows = _rows(client)
    assert set(rows) == {awaiting.reference, referral.reference}
    row = rows[awaiting.reference]
    assert row["path"] == "rapid_review"
    assert row["notification_date"] == today.isoformat()
    assert (row["meeting_date"], row["quorate"], row["decision"], row["signed_off"]) == (
        None,
        None,
        None,
        False,
    )
    assert {d["kind"] for d in row["deadlines"]} == {
        "rapid_review_meeting_latest",
        "rapid_review_complete",
    }
    assert rows[referral.reference]["path"] == "referral"
    assert rows[referral.reference]["referral_date"] == today.isoformat()
    assert rows[referral.reference]["notification_date"] is None
    assert {d["kind"] for d in rows[referral.reference]["deadlines"]} == {
        "referral_first_discussion",
        "referral_decision",
    }


def test_filters_by_decision_and_stage(monkeypatch, leicester, leicester_office):
    decided_review = _signed_off(monkeypatch, leicester, leicester_office, report_sent_on=ON_TIME)
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    waiting = notified(leicester, leicester_office, RECEIVED)
    client = _client(leicester_office)

    assert set(_rows(client, decision="proceed")) == {decided_review.case.reference}
    assert set(_rows(client, decision="undecided")) == {waiting.reference}
    assert set(_rows(client, decision="not_proceed")) == set()
    assert set(_rows(client, stage=Stage.RAPID_REVIEW)) == {waiting.reference}
    assert set(_rows(client, stage=Stage.LCSPR)) == {decided_review.case.reference}
    assert client.get(URL, {"decision": "maybe"}).status_code == 400


def test_the_other_partnership_never_sees_the_references(leicester, lr, client):
    own = open_case(leicester, stage=Stage.RAPID_REVIEW)
    other = open_case(lr, stage=Stage.RAPID_REVIEW)
    leicester_user, lr_user = staff_user(leicester), staff_user(lr)

    for user, mine, theirs in ((leicester_user, own, other), (lr_user, other, own)):
        by_token = _client(user).get(URL)
        by_session = sign_in(client, user).get(URL, HTTP_ACCEPT="application/json")
        for response in (by_token, by_session):
            assert response.status_code == 200
            assert mine.reference in response.text
            assert theirs.reference not in response.text


def test_an_agency_user_is_refused(leicester, client):
    open_case(leicester, stage=Stage.RAPID_REVIEW)
    portal_user = agency_user(AgencyFactory(name="Leicestershire Police"))
    assert _client(portal_user).get(URL).status_code == 403
    assert sign_in(client, portal_user).get(URL).status_code == 403


def _meetings_with_attendance(monkeypatch, partnership, office, n):
    for _ in range(n):
        monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
        case = notified(partnership, office, RECEIVED)
        meeting = meeting_held(monkeypatch, partnership, office, case, MEETING)
        quorate_attendance(meeting, office)


def test_the_query_count_does_not_grow_with_the_rows(monkeypatch, leicester, leicester_office):
    client = _client(leicester_office)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            rows = _rows(client)
        assert all(row["quorate"] for row in rows.values())
        return len(rows), len(captured.captured_queries)

    _meetings_with_attendance(monkeypatch, leicester, leicester_office, 1)
    one = queries()
    _meetings_with_attendance(monkeypatch, leicester, leicester_office, 4)
    five = queries()
    assert (one[0], five[0]) == (1, 5)
    assert five[1] == one[1]
