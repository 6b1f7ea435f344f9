"""The Independent Scrutineer (§4.7): written advice asked for when they cannot attend,
with a warning until it arrives; a reply after sign-off; a concern that lets the chair
reopen the discussion with the partners."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Role
from rapidreview import selectors, services
from rapidreview.models import AdviceKind, RapidReview
from tests.factories import sign_in, staff_user
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

RECEIVED = date(2027, 3, 1)
MEETING = date(2027, 3, 12)


@pytest.fixture
def review(monkeypatch, leicester, leicester_office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 8))  # before it
    return RapidReview.objects.for_partnership(leicester).get(case=case)


def test_an_absent_scrutineer_is_asked_for_written_advice_and_the_page_warns(
    client, review, leicester, leicester_office, django_capture_on_commit_callbacks
):
    scrutineer = staff_user(leicester, Role.INDEPENDENT_SCRUTINEER)
    sign_in(client, leicester_office)
    page_url = reverse("rapid_review_scrutineer", kwargs={"reference": review.case.reference})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url, {"form": "attending", "attending": "no"})
    assert response.status_code == 302
    asked = [m for m in mail.outbox if "written advice" in m.subject]
    assert [m.to for m in asked] == [[scrutineer.email]]
    assert review.case.reference in asked[0].subject
    # Saying so again sends no second email.
    review.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.scrutineer_attendance_record(
            review=review, actor=leicester_office, attending=False
        )
    assert len([m for m in mail.outbox if "written advice" in m.subject]) == 1
    warning = "their written advice has not arrived"
    assert warning in client.get(page_url).content.decode()
    decision_page = reverse("rapid_review_decision", kwargs={"reference": review.case.reference})
    assert warning in client.get(decision_page).content.decode()
    tasks = reverse("case_rapid_review", kwargs={"reference": review.case.reference})
    assert "Written advice awaited" in client.get(tasks).content.decode()
    review.refresh_from_db()
    services.scrutineer_advice_record(
        review=review,
        actor=leicester_office,
        kind=AdviceKind.WRITTEN_BEFORE,
        advice="The criteria appear to be met.",
        received_on=date(2027, 3, 8),
    )
    assert warning not in client.get(page_url).content.decode()
    assert selectors.scrutineer_advice_awaited(review) == ""


def test_a_reply_after_sign_off_can_raise_a_concern_and_the_chair_reopens(
    monkeypatch, client, review, leicester, leicester_office, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "localdate", lambda *a: MEETING)
    quorate_attendance(review.meeting, leicester_office)
    people = signers(leicester)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    review = signed_off(review, people)
    assert review.is_signed_off
    review = services.scrutineer_decision_sent(
        review=review, actor=leicester_office, sent_on=MEETING
    )
    with pytest.raises(ApplicationError, match="raises a concern"):
        services.scrutineer_advice_record(
            review=review,
            actor=leicester_office,
            kind=AdviceKind.REPLY_AFTER,
            advice="I question whether learning was fully derived.",
            received_on=MEETING,
        )
    sign_in(client, leicester_office)
    page_url = reverse("rapid_review_scrutineer", kwargs={"reference": review.case.reference})
    response = client.post(
        page_url,
        {
            "form": "advice",
            "kind": AdviceKind.REPLY_AFTER,
            "advice": "I question whether learning was fully derived.",
            "received_on-day": "12",
            "received_on-month": "3",
            "received_on-year": "2027",
            "raises_concern": "yes",
        },
    )
    assert response.status_code == 302  # recorded after sign-off (§4.7.5)
    advice = review.advice.get()
    assert advice.raises_concern
    # The office cannot reopen; the chair can, with a note, and the signers are told.
    refused = client.post(page_url, {"form": "reopen", "advice": advice.pk, "note": "x"})
    assert refused.status_code == 403
    sign_in(client, people["chair"])
    missing = client.post(page_url, {"form": "reopen", "advice": advice.pk, "note": ""})
    assert "Say how the discussion is reopened" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url,
            {"form": "reopen", "advice": advice.pk, "note": "Extraordinary CRG on 19 March."},
        )
    assert response.status_code == 302
    advice.refresh_from_db()
    assert advice.reopened_by == people["chair"]
    page = client.get(page_url).content.decode()
    assert "reopened the discussion with the Safeguarding Partners" in page
    assert "Extraordinary CRG on 19 March." in page
    told = [m for m in mail.outbox if "reopened" in m.subject]
    assert sorted(told[0].to) == sorted([people["police"].email, people["local_authority"].email])
    assert "Extraordinary" not in told[0].body
    with pytest.raises(ApplicationError, match="reopened this discussion"):
        services.discussion_reopen(advice=advice, actor=people["chair"], note="Again.")
