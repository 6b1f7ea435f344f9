"""GET /api/v1/lcsprs/{case_reference}/submissions/ (issue 14): per agency, the kind asked
for, the due date, the status and the Panel's quality assurance with their dates; never
the content. Partnership staff only (an appointed Reviewer or Panel member: their own
review only); agency tokens are refused; another partnership's case is a 404."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Role, SubmissionKind
from cases.services import api_token_create
from reviews import services
from reviews.models import QaOutcome
from reviews.services.submissions import SubmissionAsk
from tests.factories import AgencyFactory, agency_user, appoint, sign_in, staff_user
from tests.reviews.test_submissions import agree_terms, ask, review_of, submit

pytestmark = pytest.mark.django_db

SECRET = "The custody record of 4 March shows a missed referral."


def _client(user):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )
    return client


def url(case):
    return f"/api/v1/lcsprs/{case.reference}/submissions/"


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police")


@pytest.fixture
def review(leicester, police):
    review = review_of(leicester)
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY, with_analysis=True))
    made = submit(made, agency_user(police))
    services.submission_review_record(
        request=made,
        outcome=QaOutcome.MORE_INFORMATION,
        asked_for=SECRET,
        respond_by=made.reply_due_on,
        version=made.version,
        actor=review["reviewer"],
    )
    review["request"] = made
    return review


def test_the_office_reads_each_agencys_submission_without_its_content(review):
    response = _client(review["office"]).get(url(review["case"]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case_reference"] == review["case"].reference
    (row,) = body["submissions"]
    assert row["agency"] == "Leicestershire Police"
    assert row["kind"] == "chronology"
    assert row["with_analysis"] is True
    assert row["status"] == "returned"
    assert row["qa_outcome"] == "more_information"
    (decision,) = row["qa_decisions"]
    assert decision["decided_on"] == timezone.localdate().isoformat()
    assert decision["respond_by"] == review["request"].reply_due_on.isoformat()
    assert row["submitted_on"] == timezone.localdate().isoformat()
    assert SECRET not in response.content.decode()
    assert "Two contacts in March" not in response.content.decode()


def test_the_appointed_reviewer_reads_their_review_and_no_other(review, leicester):
    assert _client(review["reviewer"]).get(url(review["case"])).status_code == 200
    other_reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(review_of(leicester)["case"], other_reviewer, Role.REVIEWER)
    response = _client(other_reviewer).get(url(review["case"]))
    assert response.status_code == 404
    assert review["case"].reference not in response.content.decode()


def test_the_other_partnership_gets_a_404(review, lr):
    response = _client(staff_user(lr)).get(url(review["case"]))
    assert response.status_code == 404
    assert review["case"].reference not in response.content.decode()


def test_an_agency_token_is_refused(review, police):
    response = _client(agency_user(police)).get(url(review["case"]))
    assert response.status_code in (403, 404)
    assert SECRET not in response.content.decode()


def test_the_schema_documents_the_endpoint(client, leicester):
    sign_in(client, staff_user(leicester))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "get" in schema["paths"]["/api/v1/lcsprs/{reference}/submissions/"]
    row = schema["components"]["schemas"]["SubmissionRow"]["properties"]
    assert {"agency", "kind", "due_on", "status", "qa_outcome", "qa_decisions"} <= set(row)
