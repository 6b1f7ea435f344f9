"""The report through the API (issue 15): GET /api/v1/lcsprs/{case_reference}/report/ says
where the report stands without its text; POST .../report/drafts/ takes a Word draft from
the Reviewer's token, for the reviews they are appointed to only."""

from __future__ import annotations

import io

import docx
import pytest
from rest_framework.test import APIClient

from cases.models import Role
from cases.services import api_token_create
from reviews.docx import NOT_WORD
from reviews.models import HitKind, ReportDraft
from tests.factories import appoint, staff_user
from tests.reviews.test_submissions import CHILD_NAME, review_of

pytestmark = pytest.mark.django_db

FIRST_NAME = CHILD_NAME.split()[0]


def _client(user):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )
    return client


def report_url(case):
    return f"/api/v1/lcsprs/{case.reference}/report/"


def drafts_url(case):
    return f"/api/v1/lcsprs/{case.reference}/report/drafts/"


def word(*paragraphs: str) -> io.BytesIO:
    document = docx.Document()
    document.add_heading("Overview", level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    out.name = "draft.docx"
    return out


@pytest.fixture(params=["leicester", "leicestershire-rutland"])
def review(request, leicester, lr):
    return review_of({"leicester": leicester, "leicestershire-rutland": lr}[request.param])


def test_before_any_draft_the_report_is_drafting(review):
    response = _client(review["reviewer"]).get(report_url(review["case"]))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "case_reference": review["case"].reference,
        "version": None,
        "version_finished": False,
        "status": "drafting",
        "checklist_missing": [],
        "anonymisation_hits_open": 0,
        "recommendation_count": 0,
    }


def test_the_reviewer_uploads_a_word_draft_and_hears_what_it_lacks(review):
    response = _client(review["reviewer"]).post(
        drafts_url(review["case"]),
        {
            "file": word(f"{FIRST_NAME}'s school saw bruising.", "Child A lived with Mother."),
            "note": "First draft",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1
    assert {"kind": HitKind.CHILD_NAME, "where": "draft"} in body["anonymisation_hits"]
    assert {point["key"] for point in body["checklist_missing"]} >= {"overview", "methods"}
    assert body["url"].endswith("/")
    # The answer never repeats the draft's text, nor the name it found.
    assert FIRST_NAME not in response.content.decode()
    status = _client(review["office"]).get(report_url(review["case"])).json()
    assert status["version"] == 1
    assert status["version_finished"] is True
    assert status["status"] == "qa"
    assert status["anonymisation_hits_open"] >= 1
    assert len(status["checklist_missing"]) == len(body["checklist_missing"])
    assert FIRST_NAME not in str(status)


def test_a_file_that_is_not_word_is_refused_with_the_reason(review):
    upload = io.BytesIO(b"just some text")
    upload.name = "draft.docx"
    response = _client(review["reviewer"]).post(
        drafts_url(review["case"]), {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert NOT_WORD in str(response.json())
    assert not ReportDraft.unscoped.filter(lcspr=review["lcspr"]).exists()


def test_no_file_is_refused(review):
    response = _client(review["reviewer"]).post(drafts_url(review["case"]), {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_the_same_key_twice_makes_one_draft(review):
    client = _client(review["reviewer"])
    # The very same bytes each time: a .docx saved a second later differs in its zip
    # entries' times, which is a different request under the same key.
    content = word("Child A lived with Mother.").getvalue()

    def upload():
        file = io.BytesIO(content)
        file.name = "draft.docx"
        return client.post(
            drafts_url(review["case"]),
            {"file": file},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="draft-one",
        )

    first, again = upload(), upload()
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReportDraft.unscoped.filter(lcspr=review["lcspr"]).count() == 1


def test_a_reviewer_uploads_only_to_the_reviews_they_are_appointed_to(review):
    partnership = review["case"].partnership
    other = review_of(partnership)
    response = _client(other["reviewer"]).post(
        drafts_url(review["case"]), {"file": word("Child A.")}, format="multipart"
    )
    assert response.status_code == 404
    unappointed = staff_user(partnership, role=Role.REVIEWER)
    assert _client(unappointed).get(report_url(review["case"])).status_code == 404
    assert not ReportDraft.unscoped.filter(lcspr=review["lcspr"]).exists()


def test_the_panel_reads_the_status_but_does_not_upload(review):
    client = _client(review["panel"])
    assert client.get(report_url(review["case"])).status_code == 200
    response = client.post(
        drafts_url(review["case"]), {"file": word("Child A.")}, format="multipart"
    )
    assert response.status_code == 403


def test_another_partnerships_token_finds_nothing(review, leicester, lr):
    other = lr if review["case"].partnership == leicester else leicester
    office = staff_user(other)
    assert _client(office).get(report_url(review["case"])).status_code == 404
    response = _client(office).post(
        drafts_url(review["case"]), {"file": word("Child A.")}, format="multipart"
    )
    assert response.status_code == 404
    reviewer = staff_user(other, role=Role.REVIEWER)
    appoint(review_of(other)["case"], reviewer, Role.REVIEWER)
    assert _client(reviewer).get(report_url(review["case"])).status_code == 404
