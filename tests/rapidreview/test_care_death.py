"""The death of a looked-after child or care leaver (§1.3.5, §4.1.2): recorded with its
Secretary of State and Ofsted notification, considered by the CRG, not a Rapid Review."""

from datetime import date

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import (
    AbuseOrNeglect,
    AgencyKind,
    CareStatus,
    Case,
    Child,
    ChildRole,
    Deadline,
    DeadlineStatus,
    IncidentKind,
    Notification,
    Referral,
    Role,
    Stage,
)
from cases.services.intake import CARE_DEATH_NO_RAPID_REVIEW
from rapidreview import services
from rapidreview.models import CareDeathDecision, CareDeathOutcome, CrgMeeting, MeetingKind
from rapidreview.services.care_death import (
    ADULT_NOT_A_SERIOUS_INCIDENT,
    DECIDED_IN_FUTURE,
    MEETING_BEFORE_NOTIFICATION,
    MEETING_NOT_HELD,
    NO_RATIONALE,
    NOT_AWAITING,
)
from tests.factories import AgencyFactory, staff_user

TODAY = date(2027, 3, 1)
RECEIVED = date(2027, 1, 11)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def office(partnership):
    return staff_user(partnership)


def council(partnership):
    return AgencyFactory(kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[partnership])


def care_death(partnership, office, *, care_status, age=None, abuse=AbuseOrNeglect.NOT_KNOWN):
    return case_services.notification_record(
        partnership=partnership,
        details=case_services.NotificationDetails(
            received_on=RECEIVED,
            summary="Child A died in their placement.",
            notifying_authority=council(partnership),
            incident_kind=IncidentKind.DEATH,
            abuse_or_neglect=abuse,
            care_status=care_status,
            care_leaver_age=age,
            secretary_of_state_notified_on=date(2027, 1, 8),
            ofsted_notified_on=date(2027, 1, 8),
        ),
        children=[
            case_services.ChildDetails(
                role=ChildRole.SUBJECT, local_authority_reference="LA-77", name="Rowan Tilby"
            )
        ],
        actor=office,
        lead_officer=office,
    )


def meeting_on(partnership, held_on, **fields):
    return CrgMeeting.unscoped.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=held_on, **fields
    )


def deadlines_of(case):
    return {d.kind: d for d in Deadline.objects.for_partnership(case.partnership).filter(case=case)}


def stage_of(case):
    return Case.objects.for_partnership(case.partnership).get(pk=case.pk).stage


# --- Intake ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("care_status", "age", "abuse"),
    [
        pytest.param(CareStatus.LOOKED_AFTER, None, AbuseOrNeglect.NOT_KNOWN, id="looked-after"),
        pytest.param(CareStatus.CARE_LEAVER, 16, AbuseOrNeglect.NOT_KNOWN, id="care-leaver-16"),
        pytest.param(CareStatus.CARE_LEAVER, 22, AbuseOrNeglect.NOT_KNOWN, id="care-leaver-22"),
        # §1.3.5: a care leaver of 18 or over is not a child: never a Rapid Review.
        pytest.param(CareStatus.CARE_LEAVER, 24, AbuseOrNeglect.SUSPECTED, id="care-leaver-24"),
    ],
)
def test_a_care_death_goes_to_the_crg_without_a_rapid_review_or_deadlines(
    partnership, office, care_status, age, abuse
):
    case = care_death(partnership, office, care_status=care_status, age=age, abuse=abuse)
    assert case.stage == Stage.CRG_CONSIDERATION
    # §1.3.5 sets no timescale for the CRG's consideration, so there is no deadline.
    assert deadlines_of(case) == {}
    saved = Notification.objects.for_partnership(partnership).get(case=case)
    assert saved.secretary_of_state_notified_on == date(2027, 1, 8)
    assert saved.ofsted_notified_on == date(2027, 1, 8)
    assert saved.goes_to_crg_consideration
    reasons = [h.history_change_reason for h in case.history.all()]
    assert any("the CRG considers it (§1.3.5)" in (r or "") for r in reasons)


def test_a_looked_after_childs_death_with_abuse_suspected_is_a_rapid_review(partnership, office):
    """§4.1.2: notified to the National Panel as well as the Secretary of State and Ofsted."""
    case = care_death(
        partnership, office, care_status=CareStatus.LOOKED_AFTER, abuse=AbuseOrNeglect.SUSPECTED
    )
    assert case.stage == Stage.RAPID_REVIEW
    assert "rapid_review_complete" in deadlines_of(case)


def test_a_care_death_cannot_turn_a_referral_into_a_rapid_review(leicester, leicester_office):
    referred = case_services.referral_record(
        partnership=leicester,
        details=case_services.ReferralDetails(received_on=RECEIVED, summary="Child A."),
        children=[case_services.ChildDetails(local_authority_reference="LA-1")],
        actor=leicester_office,
    )
    with pytest.raises(ApplicationError) as refused:
        case_services.referral_convert(
            case=referred,
            details=case_services.NotificationDetails(
                received_on=RECEIVED,
                summary="Child A died.",
                incident_kind=IncidentKind.DEATH,
                abuse_or_neglect=AbuseOrNeglect.NOT_KNOWN,
                care_status=CareStatus.LOOKED_AFTER,
                secretary_of_state_notified_on=RECEIVED,
                ofsted_notified_on=RECEIVED,
            ),
            actor=leicester_office,
        )
    assert refused.value.message == CARE_DEATH_NO_RAPID_REVIEW
    assert stage_of(referred) == Stage.REFERRAL_DECISION


def test_a_child_is_recorded_as_the_perpetrator(leicester, leicester_office):
    """§1.3.4: a child perpetrator may be the subject of a review."""
    case = case_services.notification_record(
        partnership=leicester,
        details=case_services.NotificationDetails(received_on=RECEIVED, summary="Child B."),
        children=[
            case_services.ChildDetails(local_authority_reference="LA-1"),
            case_services.ChildDetails(
                role=ChildRole.SIBLING, local_authority_reference="LA-2", is_perpetrator=True
            ),
        ],
        actor=leicester_office,
    )
    children = Child.objects.for_partnership(leicester).filter(case=case)
    assert {c.pseudonym: c.is_perpetrator for c in children} == {
        "Child A": False,
        "Child B": True,
    }


# --- The CRG's decision ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "stage"),
    [
        (CareDeathOutcome.LOCAL_REVIEW, Stage.LCSPR),
        (CareDeathOutcome.LEARNING_OUTSIDE_REVIEW, Stage.LOCAL_LEARNING),
        (CareDeathOutcome.NO_FURTHER_ACTION, Stage.CLOSED),
    ],
)
def test_the_crgs_decision_moves_a_care_leavers_case_on(partnership, office, outcome, stage):
    case = care_death(partnership, office, care_status=CareStatus.CARE_LEAVER, age=22)
    meeting = meeting_on(partnership, date(2027, 2, 10))
    services.care_death_decision_record(
        case=case,
        meeting=meeting,
        decided_on=date(2027, 2, 10),
        outcome=outcome,
        rationale="The agencies' involvement was limited.",
        actor=office,
    )
    assert stage_of(case) == stage
    decision = CareDeathDecision.objects.for_partnership(partnership).get(case=case)
    assert (decision.meeting, decision.decided_on, decision.recorded_by) == (
        meeting,
        date(2027, 2, 10),
        office,
    )
    assert decision.history.first().history_change_reason.startswith("The CRG decided")
    if outcome == CareDeathOutcome.LOCAL_REVIEW:
        # A local review is an LCSPR: opened, with its six months from the decision (§3.1.2).
        from reviews.models import Lcspr

        lcspr = Lcspr.objects.for_partnership(partnership).get(case=case)
        assert lcspr.decided_on == date(2027, 2, 10)
        assert set(deadlines_of(case)) == {"lcspr_complete"}
    else:
        assert deadlines_of(case) == {}


def test_criteria_that_apply_start_a_rapid_review_timed_from_the_decision(partnership, office):
    case = care_death(partnership, office, care_status=CareStatus.LOOKED_AFTER)
    chair = staff_user(partnership, Role.CRG_CHAIR)
    services.care_death_decision_record(
        case=case,
        meeting=meeting_on(partnership, date(2027, 2, 10)),
        decided_on=date(2027, 2, 11),
        outcome=CareDeathOutcome.RAPID_REVIEW,
        rationale="Neglect is now suspected.",
        actor=chair,
    )
    assert stage_of(case) == Stage.RAPID_REVIEW
    complete = deadlines_of(case)["rapid_review_complete"]
    assert complete.event_date == date(2027, 2, 11)
    assert complete.status == DeadlineStatus.OPEN


def _decide(case, office, **overrides):
    fields = {
        "meeting": meeting_on(case.partnership, date(2027, 2, 10)),
        "decided_on": date(2027, 2, 10),
        "outcome": CareDeathOutcome.LOCAL_REVIEW,
        "rationale": "Learning about transitions.",
        **overrides,
    }
    return services.care_death_decision_record(case=case, actor=office, **fields)


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        pytest.param(
            {"outcome": CareDeathOutcome.RAPID_REVIEW},
            ADULT_NOT_A_SERIOUS_INCIDENT,
            "outcome",
            id="rapid-review-for-a-22-year-old",
        ),
        pytest.param({"rationale": "  "}, NO_RATIONALE, "rationale", id="no-rationale"),
        pytest.param(
            {"decided_on": date(2027, 3, 2)}, DECIDED_IN_FUTURE, "decided_on", id="future"
        ),
        pytest.param(
            {"decided_on": date(2027, 2, 9)},
            MEETING_NOT_HELD,
            "meeting",
            id="decided-before-the-meeting",
        ),
        pytest.param(
            {"meeting": "before"}, MEETING_BEFORE_NOTIFICATION, "meeting", id="old-meeting"
        ),
        pytest.param({"meeting": "cancelled"}, MEETING_NOT_HELD, "meeting", id="cancelled"),
        pytest.param({"meeting": "other"}, MEETING_NOT_HELD, "meeting", id="other-partnership"),
    ],
)
def test_a_decision_that_breaks_a_rule_is_refused(
    leicester, lr, leicester_office, overrides, message, field
):
    case = care_death(leicester, leicester_office, care_status=CareStatus.CARE_LEAVER, age=22)
    meetings = {
        "before": lambda: meeting_on(leicester, date(2027, 1, 5)),
        "cancelled": lambda: meeting_on(
            leicester, date(2027, 2, 10), cancelled_at=timezone.now(), cancel_reason="Snow"
        ),
        "other": lambda: meeting_on(lr, date(2027, 2, 10)),
    }
    if "meeting" in overrides:
        overrides["meeting"] = meetings[overrides["meeting"]]()
    with pytest.raises(ApplicationError) as refused:
        _decide(case, leicester_office, **overrides)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert stage_of(case) == Stage.CRG_CONSIDERATION
    assert not CareDeathDecision.objects.for_partnership(leicester).exists()


def test_the_crg_decides_once(leicester, leicester_office):
    case = care_death(leicester, leicester_office, care_status=CareStatus.LOOKED_AFTER)
    _decide(case, leicester_office)
    with pytest.raises(ApplicationError) as refused:
        _decide(case, leicester_office, outcome=CareDeathOutcome.NO_FURTHER_ACTION)
    assert refused.value.message == NOT_AWAITING
    assert stage_of(case) == Stage.LCSPR


@pytest.mark.parametrize("role", [Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER])
def test_only_the_office_or_the_chair_records_the_decision(leicester, leicester_office, role):
    case = care_death(leicester, leicester_office, care_status=CareStatus.LOOKED_AFTER)
    with pytest.raises(ApplicationError):
        _decide(case, staff_user(leicester, role))
    assert stage_of(case) == Stage.CRG_CONSIDERATION


def test_the_other_partnerships_office_cannot_decide(leicester, lr, leicester_office):
    case = care_death(leicester, leicester_office, care_status=CareStatus.LOOKED_AFTER)
    with pytest.raises(ApplicationError):
        _decide(case, staff_user(lr))
    assert stage_of(case) == Stage.CRG_CONSIDERATION


# --- §1.4.5: a referral that is not a serious case but raises learning ------------------


def _referred(partnership, office):
    return case_services.referral_record(
        partnership=partnership,
        details=case_services.ReferralDetails(received_on=RECEIVED, summary="A near miss."),
        children=[case_services.ChildDetails(local_authority_reference="LA-1")],
        actor=office,
    )


def _progress(case, office, **fields):
    referral = Referral.objects.for_partnership(case.partnership).get(case=case)
    return case_services.referral_progress_record(
        referral=referral,
        actor=office,
        shared_with_local_authority_on=None,
        local_authority_representative="",
        first_crg_meeting_on=None,
        request_information=None,
        request_information_reason="",
        version=referral.version,
        **fields,
    )


def test_a_referral_raising_learning_ends_in_learning_outside_an_lcspr(partnership, office):
    case = _referred(partnership, office)
    _progress(
        case,
        office,
        learning_outside_review_on=date(2027, 2, 10),
        learning_outside_review_rationale="Good practice worth sharing.",
        learning_outside_review_notified_on=date(2027, 2, 11),
    )
    assert stage_of(case) == Stage.LOCAL_LEARNING
    referral = Referral.objects.for_partnership(partnership).get(case=case)
    assert referral.learning_outside_review_on == date(2027, 2, 10)
    assert referral.learning_outside_review_rationale == "Good practice worth sharing."
    # The CRG's finding is its decision on the referral, within the two months (§4.9),
    # notified to the National Panel (§1.6.3); no letter goes, and the referral was never
    # shared with the Local Authority: both waived, with why.
    assert {k: d.status for k, d in deadlines_of(case).items()} == {
        "referral_first_discussion": DeadlineStatus.MET,
        "referral_decision": DeadlineStatus.MET,
        "referral_decision_notified": DeadlineStatus.MET,
        "referral_shared_with_local_authority": DeadlineStatus.WAIVED,
        "referral_information_request_sent": DeadlineStatus.WAIVED,
    }
    assert deadlines_of(case)["referral_decision_notified"].completed_on == date(2027, 2, 11)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param(
            {"learning_outside_review_on": date(2027, 2, 10)},
            "learning_outside_review_rationale",
            id="no-rationale",
        ),
        pytest.param(
            {
                "learning_outside_review_on": date(2027, 3, 2),
                "learning_outside_review_rationale": "Near miss.",
                "learning_outside_review_notified_on": date(2027, 3, 2),
            },
            "learning_outside_review_on",
            id="in-the-future",
        ),
        pytest.param(
            {
                "learning_outside_review_on": date(2027, 1, 10),
                "learning_outside_review_rationale": "Near miss.",
                "learning_outside_review_notified_on": date(2027, 1, 11),
            },
            "learning_outside_review_on",
            id="before-the-referral",
        ),
        pytest.param(
            {
                "learning_outside_review_on": date(2027, 2, 10),
                "learning_outside_review_rationale": "Near miss.",
            },
            "learning_outside_review_notified_on",
            id="not-notified-to-the-panel",
        ),
    ],
)
def test_a_learning_finding_that_breaks_a_rule_is_refused(
    leicester, leicester_office, fields, field
):
    case = _referred(leicester, leicester_office)
    with pytest.raises(ApplicationError) as refused:
        _progress(case, leicester_office, **fields)
    assert refused.value.field == field
    assert stage_of(case) == Stage.REFERRAL_DECISION
