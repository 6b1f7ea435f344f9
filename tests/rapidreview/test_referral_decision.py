"""The referral path (§4.9): the same decision at a scheduled CRG meeting, within the
one-month and two-month deadlines; proceeding sends the completed Combined Summary to
the National Panel."""

from datetime import date

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AgencyKind, Case, ChildRole, Deadline, DeadlineStatus, Stage
from rapidreview import selectors, services
from rapidreview.models import CrgMeeting, Decision, MeetingKind, RapidReview
from rapidreview.services.meeting import REFERRAL_AT_SCHEDULED_MEETING, REFERRAL_OUTSIDE_WINDOW
from reviews.models import Lcspr
from tests.factories import AgencyFactory
from tests.rapidreview.flow import decided, quorate_attendance, recorded, signed_off, signers

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # the first discussion is due by 1 April, the decision by 1 May


@pytest.fixture
def referral(monkeypatch, lr, lr_office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[lr])
    return case_services.referral_record(
        partnership=lr,
        details=case_services.ReferralDetails(
            received_on=RECEIVED, summary="Child B.", referring_agency=school
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=lr_office,
        lead_officer=lr_office,
    )


def deadline(case, kind):
    return Deadline.objects.for_partnership(case.partnership).get(case=case, kind=kind)


def monthly(partnership, office, day, kind=MeetingKind.MONTHLY):
    return services.crg_meeting_create(
        partnership=partnership, kind=kind, held_on=day, actor=office
    )


def set_for(case, meeting, office, reason=""):
    review = services.rapid_review_for(case=case)
    return services.rapid_review_meeting_set(
        case=case, meeting=meeting, actor=office, version=review.version, reason=reason
    )


def test_the_first_discussion_meets_its_one_month_deadline(monkeypatch, referral, lr, lr_office):
    monthly(lr, lr_office, date(2027, 3, 18))  # the first scheduled meeting after receipt
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 20))
    referral_row = case_services.referral_progress_record(
        referral=referral.referral,
        actor=lr_office,
        shared_with_local_authority_on=date(2027, 3, 2),
        local_authority_representative="LA CRG representative",
        first_crg_meeting_on=date(2027, 3, 18),
        request_information=True,
        request_information_reason="It might meet the criteria.",
        version=1,
    )
    assert referral_row.request_information is True
    first = deadline(referral, "referral_first_discussion")
    assert (first.status, first.completed_on) == (DeadlineStatus.MET, date(2027, 3, 18))


def test_a_referral_is_decided_at_a_scheduled_meeting_within_two_months(referral, lr, lr_office):
    assert selectors.meeting_window(case=referral) == (RECEIVED, date(2027, 4, 30))
    extraordinary = monthly(lr, lr_office, date(2027, 4, 14), MeetingKind.EXTRAORDINARY)
    with pytest.raises(ApplicationError) as refused:
        set_for(referral, extraordinary, lr_office)
    assert refused.value.message == REFERRAL_AT_SCHEDULED_MEETING
    late = monthly(lr, lr_office, date(2027, 5, 12))
    with pytest.raises(ApplicationError) as refused:
        set_for(referral, late, lr_office)
    assert refused.value.message == REFERRAL_OUTSIDE_WINDOW.format(
        day="12 May 2027", end="30 April 2027"
    )
    review = set_for(referral, monthly(lr, lr_office, date(2027, 4, 14)), lr_office)
    assert review.meeting.held_on == date(2027, 4, 14)


def test_a_referral_decided_to_proceed_opens_the_lcspr_and_meets_its_deadline(
    monkeypatch, referral, lr, lr_office
):
    meeting = monthly(lr, lr_office, date(2027, 4, 14))
    set_for(referral, meeting, lr_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 4, 14))
    review = RapidReview.objects.for_partnership(lr).get(case=referral)
    quorate_attendance(CrgMeeting.objects.for_partnership(lr).get(pk=meeting.pk), lr_office)
    recorded(review, lr_office)
    decided(review, lr_office)
    review = signed_off(review, signers(lr))
    case = Case.objects.for_partnership(lr).get(pk=referral.pk)
    assert case.stage == Stage.LCSPR
    assert Lcspr.objects.for_partnership(lr).get(case=case).decided_on == date(2027, 4, 14)
    decision = deadline(case, "referral_decision")
    assert (decision.status, decision.completed_on) == (DeadlineStatus.MET, date(2027, 4, 14))
    # The completed Combined Summary goes to the National Panel (§4.9).
    services.report_sent_record(review=review, actor=lr_office, sent_on=date(2027, 4, 14))
    review.refresh_from_db()
    assert review.report_sent_on == date(2027, 4, 14)


def test_a_referral_not_taken_further_is_not_sent_to_the_national_panel(
    monkeypatch, referral, lr, lr_office
):
    meeting = monthly(lr, lr_office, date(2027, 4, 14))
    set_for(referral, meeting, lr_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 4, 14))
    review = RapidReview.objects.for_partnership(lr).get(case=referral)
    quorate_attendance(CrgMeeting.objects.for_partnership(lr).get(pk=meeting.pk), lr_office)
    recorded(review, lr_office)
    decided(review, lr_office, Decision.NOT_PROCEED)
    review = signed_off(review, signers(lr))
    with pytest.raises(ApplicationError, match="not sent to the National Panel"):
        services.report_sent_record(review=review, actor=lr_office, sent_on=date(2027, 4, 14))
    # The decision itself is notified (§1.6.3), and only then does the case close.
    assert Case.objects.for_partnership(lr).get(pk=referral.pk).stage == Stage.REFERRAL_DECISION
    services.decision_notified_record(review=review, actor=lr_office, notified_on=date(2027, 4, 14))
    assert Case.objects.for_partnership(lr).get(pk=referral.pk).stage == Stage.CLOSED
