"""The meeting's record, the decision and its sign-off (§4.6, §4.7, §1.4), end to end
through the services."""

from datetime import date

import pytest
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AgencyKind, Case, Deadline, DeadlineStatus, Stage
from rapidreview import selectors, services
from rapidreview.models import CriterionFinding, Decision, RapidReview, SignOff
from reviews.models import Lcspr
from tests.rapidreview.flow import (
    all_criteria,
    crg_member,
    decided,
    meeting_held,
    notified,
    quorate_attendance,
    recorded,
    signed_off,
    signers,
)

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # a Monday: the 7-13 working-day window is 10-18 March
MEETING = date(2027, 3, 12)


@pytest.fixture
def review(monkeypatch, leicester, leicester_office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    return RapidReview.objects.for_partnership(leicester).get(case=case)


def test_a_meeting_that_is_not_quorate_cannot_decide_and_says_why(review, leicester_office):
    with pytest.raises(ApplicationError) as refused:
        decided(review, leicester_office)
    assert refused.value.message.startswith("The decision cannot be recorded. Not quorate:")
    assert "needs 3 more partner agencies" in refused.value.message  # §4.6.1
    review.refresh_from_db()
    assert review.decision == ""


def test_the_decision_is_not_recorded_before_the_meeting(monkeypatch, review, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 11))
    with pytest.raises(ApplicationError, match="12 March 2027"):
        decided(review, leicester_office)


@pytest.mark.parametrize("part", ["finding", "rationale"])
def test_every_criterion_needs_a_finding_and_a_rationale(review, leicester_office, part):
    quorate_attendance(review.meeting, leicester_office)
    criteria = all_criteria()
    criteria["cross_boundary"][part] = ""
    with pytest.raises(ApplicationError) as refused:
        decided(review, leicester_office, criteria=criteria)
    assert refused.value.field == f"{part}_cross_boundary"
    assert "More than one Local Authority" in refused.value.message


def test_proceeding_needs_key_lines_of_enquiry(review, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    with pytest.raises(ApplicationError) as refused:
        decided(review, leicester_office, key_lines_of_enquiry="  ")
    assert refused.value.field == "key_lines_of_enquiry"


@pytest.mark.parametrize("missing", ["dissemination", "other_learning_processes"])
def test_not_proceeding_needs_dissemination_and_other_learning(review, leicester_office, missing):
    quorate_attendance(review.meeting, leicester_office)
    with pytest.raises(ApplicationError) as refused:
        decided(review, leicester_office, Decision.NOT_PROCEED, **{missing: ""})
    assert refused.value.field == missing


def test_signing_waits_for_the_whole_record(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    decided(review, leicester_office)
    people = signers(leicester)
    with pytest.raises(ApplicationError) as refused:
        services.decision_sign(review=review, actor=people["chair"], role="chair")
    assert "sections 2 and 3 of the Combined Summary" in refused.value.message
    assert "the facts reviewed" in refused.value.message


def test_a_signed_off_decision_to_proceed_opens_the_lcspr_and_its_deadline(
    review, leicester, leicester_office
):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    people = signers(leicester)
    review = signed_off(review, {"chair": people["chair"], "police": people["police"]})
    assert review.signed_off_at is None  # the Local Authority was there and has not signed
    assert not Lcspr.objects.for_partnership(leicester).filter(case=review.case).exists()

    review = signed_off(review, {"local_authority": people["local_authority"]})
    assert review.signed_off_at is not None
    case = Case.objects.for_partnership(leicester).get(pk=review.case_id)
    assert case.stage == Stage.LCSPR
    lcspr = Lcspr.objects.for_partnership(leicester).get(case=case)
    assert lcspr.decided_on == MEETING
    assert "How agencies shared information" in lcspr.key_lines_of_enquiry
    deadline = Deadline.objects.for_partnership(leicester).get(case=case, kind="lcspr_complete")
    # Six months on is Sunday 12 September; the deadline is the working day before.
    assert (deadline.event_date, deadline.due_date) == (MEETING, date(2027, 9, 10))

    with pytest.raises(ApplicationError, match="signed off"):
        decided(review, leicester_office)


def test_a_partner_not_at_the_meeting_does_not_sign(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)  # police and Local Authority
    recorded(review, leicester_office)
    decided(review, leicester_office)
    icb = signers(leicester)["police"]
    with pytest.raises(ApplicationError, match="not represented"):
        services.decision_sign(review=review, actor=icb, role="icb")


def test_only_the_chair_approves_and_each_signs_once(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    people = signers(leicester)
    with pytest.raises(ApplicationError, match="Only the CRG chair"):
        services.decision_sign(review=review, actor=people["police"], role="chair")
    with pytest.raises(ApplicationError, match="Only a Safeguarding Partner"):
        services.decision_sign(review=review, actor=leicester_office, role="police")
    services.decision_sign(review=review, actor=people["police"], role="police")
    another_officer = crg_member(leicester, AgencyKind.POLICE)
    with pytest.raises(ApplicationError, match="already signed"):
        services.decision_sign(review=review, actor=another_officer, role="police")


def test_changing_the_decision_asks_everyone_to_sign_again(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    people = signers(leicester)
    services.decision_sign(review=review, actor=people["police"], role="police")
    decided(review, leicester_office, Decision.NOT_PROCEED)
    assert not SignOff.objects.for_partnership(leicester).filter(review=review).exists()


def test_a_signed_off_decision_not_to_proceed_closes_the_case_once_notified(
    review, leicester, leicester_office
):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(
        review,
        leicester_office,
        Decision.NOT_PROCEED,
        criteria=all_criteria(CriterionFinding.NOT_MET),
    )
    review = signed_off(review, signers(leicester))
    case = Case.objects.for_partnership(leicester).get(pk=review.case_id)
    assert case.stage == Stage.RAPID_REVIEW  # until the National Panel is told (§1.6.3)
    services.decision_notified_record(
        review=review, actor=leicester_office, notified_on=review.decided_on
    )
    case = Case.objects.for_partnership(leicester).get(pk=review.case_id)
    assert case.stage == Stage.CLOSED
    assert review.dissemination == "A 7-minute briefing to all agencies."
    assert not Lcspr.objects.for_partnership(leicester).filter(case=case).exists()


@pytest.mark.parametrize(
    ("sent_on", "status"),
    [(date(2027, 3, 22), DeadlineStatus.MET), (date(2027, 3, 23), DeadlineStatus.MISSED)],
)
def test_sending_the_report_meets_or_misses_the_fifteen_working_days(
    monkeypatch, review, leicester, leicester_office, sent_on, status
):
    # 15 working days from Monday 1 March 2027 is Monday 22 March.
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    review = signed_off(review, signers(leicester))
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 31))
    services.report_sent_record(review=review, actor=leicester_office, sent_on=sent_on)
    deadline = Deadline.objects.for_partnership(leicester).get(
        case=review.case, kind="rapid_review_complete"
    )
    assert (deadline.status, deadline.completed_on) == (status, sent_on)


def test_the_meeting_cannot_move_once_it_has_decided(monkeypatch, review, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    decided(review, leicester_office)
    review.refresh_from_db()
    later = services.crg_meeting_create(
        partnership=review.case.partnership,
        kind="extraordinary",
        held_on=date(2027, 3, 15),
        actor=leicester_office,
    )
    with pytest.raises(ApplicationError, match="no longer change"):
        services.rapid_review_meeting_set(
            case=review.case, meeting=later, actor=leicester_office, version=review.version
        )


def test_a_member_confirms_only_for_the_partner_they_represent(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    local_authority = signers(leicester)["local_authority"]
    with pytest.raises(ApplicationError, match="You do not represent the Police"):
        services.decision_sign(review=review, actor=local_authority, role="police")
    assert not SignOff.objects.for_partnership(leicester).filter(review=review).exists()


def test_changing_the_signed_record_asks_everyone_to_sign_again(
    review, leicester, leicester_office
):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    people = signers(leicester)
    services.decision_sign(review=review, actor=people["police"], role="police")
    review.refresh_from_db()
    services.record_save(
        review=review,
        actor=leicester_office,
        version=review.version,
        facts_reviewed="Other facts.",
        immediate_learning="",
        learning_sharing="",
        improvement_potential="Other potential.",
    )
    assert not SignOff.objects.for_partnership(leicester).filter(review=review).exists()


def test_the_attendance_a_decision_rests_on_is_frozen(review, leicester_office):
    from rapidreview.models import Attendance

    quorate_attendance(review.meeting, leicester_office)
    decided(review, leicester_office)
    police = Attendance.objects.for_partnership(review.case.partnership).filter(
        meeting=review.meeting, agency__kind="police"
    )
    with pytest.raises(ApplicationError, match="can no longer change"):
        services.attendance_remove(attendance=police.get(), actor=leicester_office)
    with pytest.raises(ApplicationError, match="can no longer change"):
        services.attendance_record(meeting=review.meeting, actor=leicester_office, name="Late")
    assert police.exists()


def test_sign_off_waits_for_the_immediate_safety_question(review, leicester, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    review.refresh_from_db()
    services.immediate_action_add(
        review=review,
        actor=leicester_office,
        action="Visit.",
        owner="Social worker",
        due_on=date(2027, 3, 15),
    )
    review.refresh_from_db()
    assert review.no_immediate_action is False  # an action is needed after all
    assert selectors.sign_off_readiness(review).ready
    review.actions.all().delete()
    review.refresh_from_db()
    assert "none is needed" in " ".join(selectors.sign_off_readiness(review).missing)


def test_the_decision_is_sent_to_the_scrutineer_once(monkeypatch, review, leicester_office):
    quorate_attendance(review.meeting, leicester_office)
    decided(review, leicester_office)
    services.scrutineer_decision_sent(review=review, actor=leicester_office, sent_on=MEETING)
    with pytest.raises(ApplicationError, match="already recorded"):
        services.scrutineer_decision_sent(review=review, actor=leicester_office, sent_on=MEETING)
