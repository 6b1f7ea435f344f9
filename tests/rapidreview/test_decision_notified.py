"""Decisions notified to the National Panel (§1.6.3): a deadline due with the Rapid Review
Report, met or missed when recorded; no case closes with its decision un-notified; and the
report sent is kept as the exact file sent (§4.8.1), in both partnerships."""

import hashlib
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AccessEvent, Case, Child, Deadline, DeadlineStatus, Stage
from cases.services.case import DECISION_NOT_NOTIFIED
from rapidreview import documents, services
from rapidreview.models import Decision, RapidReview
from tests.factories import sign_in, staff_user
from tests.rapidreview.test_papers import (
    after_url,
    decided_and_signed,
    notified_review,
    pdf_text,
)

pytestmark = pytest.mark.django_db

DUE = date(2027, 3, 22)  # 15 working days from Monday 1 March 2027, with the report


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def office(partnership):
    return staff_user(partnership)


@pytest.fixture
def review(monkeypatch, partnership, office):
    return notified_review(monkeypatch, partnership, office)


def notified_deadline(review):
    return Deadline.objects.for_partnership(review.case.partnership).get(
        case=review.case, kind="decision_notified"
    )


def case_of(review):
    return Case.objects.for_partnership(review.case.partnership).get(pk=review.case_id)


def test_the_notification_is_due_with_the_report(review):
    report = Deadline.objects.for_partnership(review.case.partnership).get(
        case=review.case, kind="rapid_review_complete"
    )
    assert notified_deadline(review).due_date == report.due_date == DUE


@pytest.mark.parametrize(
    ("notified_on", "status", "label"),
    [
        (DUE, DeadlineStatus.MET, "Met on 22 March 2027"),
        (date(2027, 3, 23), DeadlineStatus.MISSED, "Missed: done on 23 March 2027"),
    ],
)
def test_recording_the_notification_meets_or_misses_it(
    monkeypatch, client, review, office, notified_on, status, label
):
    decided_and_signed(review, office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 31))
    sign_in(client, office)
    page = client.get(after_url(review)).text
    assert "Decision notified to the National Panel by Monday 22 March 2027" in page
    response = client.post(
        after_url(review),
        {
            "form": "notified",
            "notified_on-day": notified_on.day,
            "notified_on-month": notified_on.month,
            "notified_on-year": notified_on.year,
        },
    )
    assert response.status_code == 302
    deadline = notified_deadline(review)
    assert (deadline.status, deadline.completed_on) == (status, notified_on)
    assert label in client.get(after_url(review)).text


def test_a_decision_not_to_proceed_closes_the_case_only_once_notified(
    monkeypatch, client, review, office
):
    decided_and_signed(review, office, Decision.NOT_PROCEED)
    assert case_of(review).stage == Stage.RAPID_REVIEW
    with pytest.raises(ApplicationError) as refused:
        case_services.case_stage_set(
            case=case_of(review), stage=Stage.CLOSED, actor=office, reason="No LCSPR"
        )
    assert refused.value.message == DECISION_NOT_NOTIFIED
    sign_in(client, office)
    page = client.get(after_url(review)).text
    assert "The case closes once the decision is notified" in page

    services.decision_notified_record(review=review, actor=office, notified_on=date(2027, 3, 12))
    assert case_of(review).stage == Stage.CLOSED
    assert notified_deadline(review).status == DeadlineStatus.MET


def test_a_case_without_a_decision_to_notify_still_closes(review, office):
    deadline = notified_deadline(review)
    case_services.deadline_waive(
        deadline=deadline, actor=office, reason="Notification withdrawn by the Local Authority"
    )
    case = case_services.case_stage_set(
        case=case_of(review), stage=Stage.CLOSED, actor=office, reason="Withdrawn"
    )
    assert case.stage == Stage.CLOSED


def test_a_referral_decision_not_to_proceed_is_notified_before_the_case_closes(
    monkeypatch, partnership, office
):
    from rapidreview.models import MeetingKind
    from tests.factories import AgencyFactory
    from tests.rapidreview.test_papers import referral_review

    school = AgencyFactory(kind="school", partnerships=[partnership])
    review = referral_review(monkeypatch, partnership, office, referrer=school)
    assert review.meeting.kind == MeetingKind.MONTHLY
    decided_and_signed(review, office, Decision.NOT_PROCEED)
    assert case_of(review).stage == Stage.REFERRAL_DECISION
    services.decision_notified_record(review=review, actor=office, notified_on=date(2027, 3, 12))
    assert case_of(review).stage == Stage.CLOSED
    deadline = Deadline.objects.for_partnership(partnership).get(
        case=review.case, kind="referral_decision_notified"
    )
    assert (deadline.status, deadline.completed_on) == (DeadlineStatus.MET, date(2027, 3, 12))


# --- The report kept as sent (§4.8.1) ----------------------------------------------------


def test_the_report_sent_is_kept_byte_for_byte_after_the_data_changes(
    monkeypatch, client, review, partnership, office
):
    decided_and_signed(review, office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 15))
    services.report_sent_record(review=review, actor=office, sent_on=date(2027, 3, 15))
    review = RapidReview.objects.for_partnership(partnership).get(pk=review.pk)
    with review.report_file.open("rb") as stored:
        sent = stored.read()
    assert hashlib.sha256(sent).hexdigest() == review.report_sha256
    assert "prepared 15 March 2027" in pdf_text(sent)
    assert "Child A" in pdf_text(sent)

    # Later: the child's pseudonym is corrected, and the clock has moved on.
    Child.objects.for_partnership(partnership).filter(case=review.case).update(pseudonym="Child Z")
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 6, 1))
    sign_in(client, office)
    url = reverse("rapid_review_report", kwargs={"reference": review.case.reference})
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == sent
    fresh = pdf_text(documents.rapid_review_report_pdf(case=case_of(review), review=review))
    assert "Child Z" in fresh
    assert "prepared 1 June 2027" in fresh
    assert review.report_sha256 in client.get(after_url(review)).text
    assert (
        AccessEvent.objects.for_partnership(partnership)
        .filter(object_type="rapid review report", object_reference=review.case.reference)
        .exists()
    )
    # History keeps the file and its fingerprint with the sending.
    sending = review.history.filter(report_sent_on__isnull=False).last()
    assert (sending.report_file, sending.report_sha256) == (
        review.report_file.name,
        review.report_sha256,
    )
