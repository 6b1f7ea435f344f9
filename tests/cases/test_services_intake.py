"""Intake: a notification or a referral opens a case with its pseudonyms and deadlines (§4.1)."""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.errors import ApplicationError
from cases.models import (
    ADULT_CARE_LEAVER_NOT_A_DEATH,
    NO_ABUSE_NOT_A_DEATH,
    NO_ABUSE_NOT_IN_CARE,
    OFSTED_DATE_MISSING,
    SECRETARY_OF_STATE_DATE_MISSING,
    AbuseOrNeglect,
    AgencyKind,
    CareStatus,
    Case,
    Child,
    ChildRole,
    Criterion,
    Deadline,
    DeadlineStatus,
    IncidentKind,
    InformationRequest,
    Membership,
    Notification,
    Referral,
    Role,
    Stage,
)
from cases.services.information_request import REFERRAL_NOT_DECIDED
from cases.services.intake import (
    CARE_LEAVER_NO_RAPID_REVIEW,
    NO_SUBJECT_CHILD,
    NOT_A_LOCAL_AUTHORITY,
    NOT_THE_PARTNERSHIPS_AGENCY,
    RECEIVED_IN_FUTURE,
    REFERRAL_CONFLICT,
    REFERRAL_NOT_AWAITING,
)
from rapidreview.models import CrgMeeting, MeetingKind
from tests.factories import AgencyFactory, sign_in, staff_user, working_days_ahead

# "Today" for these tests, so that December 2026 dates are in the past whenever they run.
TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


@pytest.fixture
def city_council(leicester):
    return AgencyFactory(
        name="Leicester City Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester]
    )


@pytest.fixture
def county_council(lr):
    return AgencyFactory(
        name="Leicestershire County Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[lr]
    )


@pytest.fixture
def police(partnerships):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


def notification(received_on, **overrides):
    fields = {"summary": "Child A was taken to hospital with injuries.", **overrides}
    return services.NotificationDetails(received_on=received_on, **fields)


def referral(received_on, **overrides):
    fields = {"summary": "Concerns raised by the school about Child A.", **overrides}
    return services.ReferralDetails(received_on=received_on, **fields)


SUBJECT = services.ChildDetails(
    role=ChildRole.SUBJECT, local_authority_reference="LA-1001", name="Jolene Marchbanks"
)


def deadlines_of(case):
    return {d.kind: d for d in Deadline.objects.for_partnership(case.partnership).filter(case=case)}


def case_count(partnership):
    return Case.objects.for_partnership(partnership).count()


# --- Notifications ---------------------------------------------------------------------


def test_a_notification_opens_a_rapid_review_with_pseudonyms_subject_first(lr, lr_office):
    children = [
        services.ChildDetails(
            role=ChildRole.SIBLING, local_authority_reference="LA-1002", name="Kit Marchbanks"
        ),
        SUBJECT,
        services.ChildDetails(role=ChildRole.SIBLING, name="Ada Marchbanks"),
    ]
    case = services.notification_record(
        partnership=lr,
        details=notification(date(2026, 12, 18)),
        children=children,
        actor=lr_office,
        lead_officer=lr_office,
    )
    assert case.stage == Stage.RAPID_REVIEW
    assert case.opened_on == date(2026, 12, 18)
    assert case.reference == "LRSCP-2026-0001"
    assert case.lead_officer == lr_office
    rows = Child.objects.for_partnership(lr).filter(case=case).order_by("pseudonym")
    assert [(c.pseudonym, c.role, c.name, c.local_authority_reference) for c in rows] == [
        ("Child A", ChildRole.SUBJECT, "Jolene Marchbanks", "LA-1001"),
        ("Child B", ChildRole.SIBLING, "Kit Marchbanks", "LA-1002"),
        ("Child C", ChildRole.SIBLING, "Ada Marchbanks", ""),
    ]
    assert str(rows[0]) == "Child A"  # never the name
    saved = Notification.objects.for_partnership(lr).get(case=case)
    assert saved.received_on == date(2026, 12, 18)
    assert saved.care_status == CareStatus.NEITHER


# Worked by hand from DESIGN.md "Timescales": Friday 18 December 2026 is day 0.
# Working days after it: Mon 21 (1), Tue 22 (2), Wed 23 (3), Thu 24 (4); Fri 25 Christmas
# Day, Sat 26, Sun 27 and Mon 28 (the substitute for Boxing Day) are skipped; Tue 29 (5),
# Wed 30 (6), Thu 31 (7); Fri 1 January 2027 (New Year's Day) and the weekend skipped;
# Mon 4 (8), Tue 5 (9), Wed 6 (10), Thu 7 (11), Fri 8 (12), Mon 11 (13), Tue 12 (14),
# Wed 13 (15).
RECEIVED_BEFORE_CHRISTMAS = date(2026, 12, 18)
HAND_WORKED = {
    "information_request_sent": date(2026, 12, 22),
    "rapid_review_meeting_earliest": date(2026, 12, 31),
    "rapid_review_meeting_latest": date(2027, 1, 11),
    "rapid_review_complete": date(2027, 1, 13),
    "decision_notified": date(2027, 1, 13),  # with the report (§1.6.3)
}


@pytest.mark.parametrize(
    ("slug", "has_information_request_deadline"),
    [("leicestershire-rutland", True), ("leicester", False)],
)
def test_notification_deadlines_run_from_the_date_received_across_christmas(
    partnerships, slug, has_information_request_deadline
):
    partnership = partnerships[slug]
    office = staff_user(partnership, username=f"office-{slug}")
    case = services.notification_record(
        partnership=partnership,
        details=notification(RECEIVED_BEFORE_CHRISTMAS),
        children=[SUBJECT],
        actor=office,
        lead_officer=office,
    )
    deadlines = deadlines_of(case)
    expected = dict(HAND_WORKED)
    if not has_information_request_deadline:
        del expected["information_request_sent"]
    assert {kind: d.due_date for kind, d in deadlines.items()} == expected
    latest = deadlines["rapid_review_meeting_latest"]
    assert latest.window_start == date(2026, 12, 31)  # the 7..13 working-day window (§4.4.2)
    for deadline in deadlines.values():
        assert deadline.event_date == RECEIVED_BEFORE_CHRISTMAS
        assert deadline.status == DeadlineStatus.OPEN
        assert deadline.responsible == office


def test_a_notification_received_today_is_accepted(leicester, leicester_office, today):
    case = services.notification_record(
        partnership=leicester,
        details=notification(today),
        children=[SUBJECT],
        actor=leicester_office,
    )
    assert case.opened_on == today


def test_the_death_of_a_care_leaver_aged_17_is_accepted(leicester, leicester_office, city_council):
    """§1.3.5: under 18, a care leaver's death is notified (and the Secretary of State and
    Ofsted are told) like a looked-after child's."""
    details = notification(
        date(2026, 6, 1),
        notifying_authority=city_council,
        incident_kind=IncidentKind.DEATH,
        care_status=CareStatus.CARE_LEAVER,
        care_leaver_age=17,
        secretary_of_state_notified_on=date(2026, 6, 1),
        ofsted_notified_on=date(2026, 6, 1),
    )
    case = services.notification_record(
        partnership=leicester, details=details, children=[SUBJECT], actor=leicester_office
    )
    assert case.stage == Stage.RAPID_REVIEW
    saved = Notification.objects.for_partnership(leicester).get(case=case)
    assert (saved.care_status, saved.care_leaver_age) == (CareStatus.CARE_LEAVER, 17)
    assert saved.secretary_of_state_notified_on == date(2026, 6, 1)
    assert saved.ofsted_notified_on == date(2026, 6, 1)
    assert saved.notifying_authority == city_council


def _refusals():
    """(id, details overrides, children, expected message, expected field)."""
    return [
        pytest.param(
            {"received_on": TODAY + timedelta(days=1)},
            [SUBJECT],
            RECEIVED_IN_FUTURE,
            "received_on",
            id="received-tomorrow",
        ),
        pytest.param(
            {"received_on": date(1999, 12, 31)},
            [SUBJECT],
            "Give a date from 2000 onwards.",
            "received_on",
            id="received-before-2000",
        ),
        pytest.param(
            {"notifying_authority": "police"},
            [SUBJECT],
            NOT_A_LOCAL_AUTHORITY,
            "notifying_authority",
            id="authority-is-the-police",
        ),
        pytest.param(
            {"notifying_authority": "county_council"},
            [SUBJECT],
            NOT_THE_PARTNERSHIPS_AGENCY,
            "notifying_authority",
            id="authority-serves-the-other-partnership",
        ),
        pytest.param(
            {"care_status": CareStatus.CARE_LEAVER, "care_leaver_age": 25},
            [SUBJECT],
            "A care leaver is someone up to and including the age of 24 (§1.3.5).",
            "care_leaver_age",
            id="care-leaver-aged-25",
        ),
        pytest.param(
            {"care_status": CareStatus.CARE_LEAVER, "care_leaver_age": 18},
            [SUBJECT],
            ADULT_CARE_LEAVER_NOT_A_DEATH,
            "care_leaver_age",
            id="care-leaver-aged-18-not-a-death",
        ),
        pytest.param(
            {
                "care_status": CareStatus.CARE_LEAVER,
                "care_leaver_age": 24,
                "incident_kind": IncidentKind.DEATH,
                "secretary_of_state_notified_on": date(2026, 6, 1),
            },
            [SUBJECT],
            OFSTED_DATE_MISSING,
            "ofsted_notified_on",
            id="care-leaver-aged-24-without-the-ofsted-date",
        ),
        pytest.param(
            {
                "care_status": CareStatus.LOOKED_AFTER,
                "incident_kind": IncidentKind.DEATH,
                "abuse_or_neglect": AbuseOrNeglect.NOT_KNOWN,
                "ofsted_notified_on": date(2026, 6, 1),
            },
            [SUBJECT],
            SECRETARY_OF_STATE_DATE_MISSING,
            "secretary_of_state_notified_on",
            id="looked-after-death-without-the-secretary-of-state-date",
        ),
        pytest.param(
            {"incident_kind": IncidentKind.SERIOUS_HARM, "abuse_or_neglect": "not_known"},
            [SUBJECT],
            NO_ABUSE_NOT_A_DEATH,
            "abuse_or_neglect",
            id="serious-harm-without-abuse-or-neglect",
        ),
        pytest.param(
            {"incident_kind": IncidentKind.DEATH, "abuse_or_neglect": "not_known"},
            [SUBJECT],
            NO_ABUSE_NOT_IN_CARE,
            "care_status",
            id="death-without-abuse-or-neglect-of-a-child-not-in-care",
        ),
        pytest.param(
            {"care_status": CareStatus.CARE_LEAVER},
            [SUBJECT],
            "Enter the care leaver's age.",
            "care_leaver_age",
            id="care-leaver-without-age",
        ),
        pytest.param(
            {"secretary_of_state_notified_on": date(2026, 6, 1)},
            [SUBJECT],
            "Secretary of State and Ofsted notifications are for looked-after children",
            "care_status",
            id="secretary-of-state-date-when-neither",
        ),
        pytest.param(
            {"ofsted_notified_on": date(2026, 6, 1)},
            [SUBJECT],
            "Secretary of State and Ofsted notifications are for looked-after children",
            "care_status",
            id="ofsted-date-when-neither",
        ),
        pytest.param(
            {
                "incident_kind": IncidentKind.SERIOUS_HARM,
                "care_status": CareStatus.LOOKED_AFTER,
                "secretary_of_state_notified_on": date(2026, 6, 1),
            },
            [SUBJECT],
            "Secretary of State and Ofsted notifications are for the death",
            "incident_kind",
            id="secretary-of-state-date-for-serious-harm",
        ),
        pytest.param(
            {
                "incident_kind": IncidentKind.SERIOUS_HARM,
                "care_status": CareStatus.CARE_LEAVER,
                "care_leaver_age": 17,
                "ofsted_notified_on": date(2026, 6, 1),
            },
            [SUBJECT],
            "Secretary of State and Ofsted notifications are for the death",
            "incident_kind",
            id="ofsted-date-for-serious-harm",
        ),
        pytest.param(
            {"incident_on": date(2026, 6, 2)},
            [SUBJECT],
            "This date cannot be after the date the notification was received.",
            "incident_on",
            id="incident-after-received",
        ),
        pytest.param(
            {},
            [services.ChildDetails(role=ChildRole.SIBLING, local_authority_reference="LA-9")],
            NO_SUBJECT_CHILD,
            "children",
            id="only-a-sibling",
        ),
        pytest.param({}, [], NO_SUBJECT_CHILD, "children", id="no-children"),
    ]


@pytest.mark.parametrize(("overrides", "children", "message", "field"), _refusals())
def test_a_notification_that_breaks_a_rule_is_refused_and_opens_nothing(
    request, leicester, leicester_office, overrides, children, message, field
):
    if isinstance(overrides.get("notifying_authority"), str):
        overrides["notifying_authority"] = request.getfixturevalue(overrides["notifying_authority"])
    details = notification(overrides.pop("received_on", date(2026, 6, 1)), **overrides)
    with pytest.raises(ApplicationError) as refused:
        services.notification_record(
            partnership=leicester, details=details, children=children, actor=leicester_office
        )
    assert refused.value.message.startswith(message)
    assert refused.value.field == field
    assert case_count(leicester) == 0
    assert Child.objects.for_partnership(leicester).count() == 0


@pytest.mark.parametrize("who", ["chair", "scrutineer", "other partnership's office"])
def test_only_the_partnerships_business_office_records_a_notification(leicester, lr, who):
    actor = {
        "chair": lambda: staff_user(leicester, role=Role.CRG_CHAIR),
        "scrutineer": lambda: staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER),
        "other partnership's office": lambda: staff_user(lr),
    }[who]()
    with pytest.raises(ApplicationError, match="Only the Business Office can record"):
        services.notification_record(
            partnership=leicester,
            details=notification(date(2026, 6, 1)),
            children=[SUBJECT],
            actor=actor,
        )
    assert case_count(leicester) == 0


def test_an_inactive_business_office_membership_cannot_record(leicester, leicester_office):
    Membership.objects.filter(user=leicester_office).update(is_active=False)
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        services.notification_record(
            partnership=leicester,
            details=notification(date(2026, 6, 1)),
            children=[SUBJECT],
            actor=leicester_office,
        )


def test_every_intake_record_carries_who_and_why(lr, lr_office):
    case = services.notification_record(
        partnership=lr,
        details=notification(date(2026, 6, 1)),
        children=[SUBJECT],
        actor=lr_office,
    )
    case_record = case.history.first()
    assert case_record.stage == Stage.RAPID_REVIEW
    assert case_record.history_change_reason == "A notification results in a Rapid Review (§4.1.4)"
    assert case.history.earliest().history_change_reason == (
        "Local Authority notification received (§4.1.3)"
    )
    saved = Notification.objects.for_partnership(lr).get(case=case)
    child = Child.objects.for_partnership(lr).get(case=case)
    deadline = Deadline.objects.for_partnership(lr).filter(case=case).first()
    for obj, reason in [
        (saved, "Notification received (§4.1.3)"),
        (child, "Child A recorded"),
        (deadline, "Notification received (§4.1.3)"),
    ]:
        record = obj.history.first()
        assert record.history_change_reason == reason
        assert record.history_user == lr_office
    assert case_record.history_user == lr_office


def test_a_case_holds_at_most_26_children(leicester, leicester_office):
    siblings = [services.ChildDetails(role=ChildRole.SIBLING, name=f"S{n}") for n in range(26)]
    with pytest.raises(ApplicationError, match="at most 26 children"):
        services.notification_record(
            partnership=leicester,
            details=notification(date(2026, 6, 1)),
            children=[SUBJECT, *siblings],
            actor=leicester_office,
        )
    assert case_count(leicester) == 0


# --- Referrals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "first_discussion", "decision"),
    [
        # Tuesday 31 Dec 2024: 31 Jan 2025 (Fri); 31 Feb is clamped to Fri 28 Feb 2025.
        (date(2024, 12, 31), date(2025, 1, 31), date(2025, 2, 28)),
        # Wednesday 31 Dec 2025: Sat 31 Jan 2026 moves back to Fri 30 Jan; clamped to
        # Sat 28 Feb 2026, which moves back to Fri 27 Feb.
        (date(2025, 12, 31), date(2026, 1, 30), date(2026, 2, 27)),
        # Wednesday 28 Oct 2026: Sat 28 Nov moves back to Fri 27 Nov; Mon 28 Dec 2026 is
        # the Boxing Day substitute, so back past Christmas Day to Thu 24 Dec.
        (date(2026, 10, 28), date(2026, 11, 27), date(2026, 12, 24)),
    ],
)
def test_a_referral_opens_a_case_for_the_crg_with_its_month_deadlines(
    leicester, leicester_office, police, received, first_discussion, decision
):
    case = services.referral_record(
        partnership=leicester,
        details=referral(
            received,
            referring_agency=police,
            referrer_name="DS Hollis",
            criteria=(Criterion.SINGLE_AGENCY, Criterion.IMPROVEMENTS),
            reasons="Missed opportunities.",
        ),
        children=[SUBJECT],
        actor=leicester_office,
        lead_officer=leicester_office,
    )
    assert case.stage == Stage.REFERRAL_DECISION
    assert case.opened_on == received
    deadlines = deadlines_of(case)
    assert {kind: d.due_date for kind, d in deadlines.items()} == {
        "referral_shared_with_local_authority": first_discussion,
        "referral_first_discussion": first_discussion,
        "referral_information_request_sent": first_discussion,
        "referral_decision": decision,
        "referral_decision_notified": decision,
    }
    assert {d.event_date for d in deadlines.values()} == {received}
    saved = Referral.objects.for_partnership(leicester).get(case=case)
    assert saved.referring_agency == police
    assert saved.criteria == [Criterion.SINGLE_AGENCY, Criterion.IMPROVEMENTS]
    assert saved.history.first().history_change_reason == "Referral received (§4.1.1)"
    assert deadlines["referral_decision"].history.first().history_change_reason == (
        "Referral received (§4.9)"
    )
    assert [c.pseudonym for c in Child.objects.for_partnership(leicester).filter(case=case)] == [
        "Child A"
    ]


def test_a_referral_from_an_agency_of_the_other_partnership_is_refused(
    leicester, leicester_office, county_council
):
    with pytest.raises(ApplicationError) as refused:
        services.referral_record(
            partnership=leicester,
            details=referral(date(2026, 6, 1), referring_agency=county_council),
            children=[SUBJECT],
            actor=leicester_office,
        )
    assert (refused.value.message, refused.value.field) == (
        NOT_THE_PARTNERSHIPS_AGENCY,
        "referring_agency",
    )
    assert case_count(leicester) == 0


@pytest.mark.parametrize(
    ("received_on", "children", "message"),
    [
        (TODAY + timedelta(days=1), [SUBJECT], RECEIVED_IN_FUTURE),
        (date(1999, 1, 1), [SUBJECT], "Give a date from 2000 onwards."),
        (date(2026, 6, 1), [], NO_SUBJECT_CHILD),
    ],
)
def test_a_referral_with_a_bad_date_or_no_subject_is_refused(
    leicester, leicester_office, received_on, children, message
):
    with pytest.raises(ApplicationError) as refused:
        services.referral_record(
            partnership=leicester,
            details=referral(received_on),
            children=children,
            actor=leicester_office,
        )
    assert refused.value.message == message
    assert case_count(leicester) == 0


def test_only_the_business_office_records_a_referral(leicester):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError, match="Only the Business Office can record a referral"):
        services.referral_record(
            partnership=leicester,
            details=referral(date(2026, 6, 1)),
            children=[SUBJECT],
            actor=chair,
        )
    assert case_count(leicester) == 0


def scheduled(partnership, *days):
    """Monthly CRG meetings in the partnership's calendar: where a referral is first
    discussed (§4.9). Made directly, since the service refuses days already past."""
    for day in days:
        CrgMeeting.unscoped.create(partnership=partnership, kind=MeetingKind.MONTHLY, held_on=day)


@pytest.fixture
def referred(leicester, leicester_office):
    """A referral received on Monday 1 June 2026, with CRG meetings scheduled after it."""
    scheduled(leicester, date(2026, 6, 2), date(2026, 6, 17), date(2026, 6, 18), date(2026, 6, 24))
    case = services.referral_record(
        partnership=leicester,
        details=referral(date(2026, 6, 1)),
        children=[SUBJECT],
        actor=leicester_office,
        lead_officer=leicester_office,
    )
    return Referral.objects.for_partnership(leicester).get(case=case)


def progress(referral_row, actor, **overrides):
    fields = {
        "shared_with_local_authority_on": None,
        "local_authority_representative": "",
        "first_crg_meeting_on": None,
        "request_information": None,
        "request_information_reason": "",
        "version": referral_row.version,  # as the page was opened
        **overrides,
    }
    return services.referral_progress_record(referral=referral_row, actor=actor, **fields)


def referral_now(referral_row):
    return Referral.objects.for_partnership(referral_row.case.partnership).get(pk=referral_row.pk)


def test_referral_progress_is_saved_with_its_reason(leicester, leicester_office, referred):
    progress(
        referred,
        leicester_office,
        shared_with_local_authority_on=date(2026, 6, 2),
        local_authority_representative="  Sam Okafor  ",
        first_crg_meeting_on=date(2026, 6, 17),
        request_information=True,
        request_information_reason="The CRG wants the school's records.",
    )
    saved = Referral.objects.for_partnership(leicester).get(pk=referred.pk)
    assert saved.shared_with_local_authority_on == date(2026, 6, 2)
    assert saved.local_authority_representative == "Sam Okafor"
    assert saved.first_crg_meeting_on == date(2026, 6, 17)
    assert saved.request_information is True
    record = saved.history.first()
    assert record.history_change_reason == "Referral progress recorded (§4.1.6, §4.9)"
    assert record.history_user == leicester_office


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param(
            {
                "shared_with_local_authority_on": TODAY + timedelta(days=1),
                "local_authority_representative": "Sam Okafor",
            },
            "shared_with_local_authority_on",
            id="shared-in-the-future",
        ),
        pytest.param(
            {
                "shared_with_local_authority_on": date(2026, 5, 29),
                "local_authority_representative": "Sam Okafor",
            },
            "shared_with_local_authority_on",
            id="shared-before-received",
        ),
        pytest.param(
            {"shared_with_local_authority_on": date(2026, 6, 2)},
            "local_authority_representative",
            id="shared-with-nobody",
        ),
        pytest.param(
            {"first_crg_meeting_on": date(2026, 5, 31)},
            "first_crg_meeting_on",
            id="crg-meeting-before-received",
        ),
        pytest.param(
            {"first_crg_meeting_on": date(2026, 6, 3)},
            "first_crg_meeting_on",
            id="no-crg-meeting-that-day",
        ),
        pytest.param(
            {"first_crg_meeting_on": date(2026, 6, 1)},
            "first_crg_meeting_on",
            id="crg-meeting-on-the-day-received",
        ),
        pytest.param(
            {"request_information": True, "request_information_reason": "  "},
            "request_information_reason",
            id="yes-without-reason",
        ),
        pytest.param(
            {"request_information": False},
            "request_information_reason",
            id="no-without-reason",
        ),
    ],
)
def test_referral_progress_that_breaks_a_rule_is_refused(
    leicester, leicester_office, referred, overrides, field
):
    with pytest.raises(ApplicationError) as refused:
        progress(referred, leicester_office, **overrides)
    assert refused.value.field == field
    saved = Referral.objects.for_partnership(leicester).get(pk=referred.pk)
    assert saved.shared_with_local_authority_on is None
    assert saved.first_crg_meeting_on is None
    assert saved.request_information is None
    assert saved.version == referred.version


def test_the_first_crg_meeting_the_day_after_the_referral_is_accepted(leicester_office, referred):
    progress(referred, leicester_office, first_crg_meeting_on=date(2026, 6, 2))
    assert referral_now(referred).first_crg_meeting_on == date(2026, 6, 2)


def test_progress_saved_from_a_page_opened_before_someone_elses_save_is_refused(
    leicester, leicester_office, referred
):
    colleague = staff_user(leicester, username="office-colleague")
    opened_at = referred.version  # both opened the page at this version
    progress(
        referred,
        colleague,
        first_crg_meeting_on=date(2026, 6, 17),
        request_information=True,
        request_information_reason="The CRG wants the school's records.",
        version=opened_at,
    )
    with pytest.raises(ApplicationError) as refused:
        progress(
            referred,
            leicester_office,
            first_crg_meeting_on=date(2026, 6, 24),
            request_information=False,
            request_information_reason="Enough is known already.",
            version=opened_at,
        )
    assert refused.value.message == REFERRAL_CONFLICT
    saved = referral_now(referred)  # the colleague's progress stands
    assert saved.first_crg_meeting_on == date(2026, 6, 17)
    assert saved.request_information is True
    assert saved.history.first().history_user == colleague
    # Opened again, at the current version, the page saves.
    progress(
        saved,
        leicester_office,
        first_crg_meeting_on=date(2026, 6, 24),
        request_information=True,
        request_information_reason="The CRG wants the school's records.",
    )
    assert referral_now(referred).first_crg_meeting_on == date(2026, 6, 24)


def test_each_save_moves_the_referral_on_a_version(leicester_office, referred):
    first = referral_now(referred).version
    progress(referred, leicester_office, first_crg_meeting_on=date(2026, 6, 17))
    assert referral_now(referred).version == first + 1
    progress(referral_now(referred), leicester_office, first_crg_meeting_on=date(2026, 6, 18))
    assert referral_now(referred).version == first + 2


def test_progress_cannot_be_recorded_once_the_referral_is_a_rapid_review(
    leicester, leicester_office, referred
):
    services.referral_convert(
        case=referred.case, details=notification(date(2026, 6, 10)), actor=leicester_office
    )
    before = referral_now(referred)
    with pytest.raises(ApplicationError) as refused:
        progress(
            before,
            leicester_office,
            first_crg_meeting_on=date(2026, 6, 17),
            request_information=False,
            request_information_reason="The Local Authority notified.",
        )
    assert refused.value.message == REFERRAL_NOT_AWAITING
    after = referral_now(referred)
    assert (after.first_crg_meeting_on, after.request_information) == (None, None)
    assert after.version == before.version


def test_only_the_business_office_records_referral_progress(leicester, referred):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError, match="Only the Business Office records"):
        progress(referred, chair, first_crg_meeting_on=date(2026, 6, 17))
    assert referral_now(referred).first_crg_meeting_on is None


# --- A referral becomes a Rapid Review (§4.1.6) ------------------------------------------


def test_the_local_authority_notifying_turns_the_referral_into_a_rapid_review(
    leicester, leicester_office, city_council, referred
):
    case = referred.case
    reference, pk = case.reference, case.pk
    services.referral_convert(
        case=case,
        details=notification(RECEIVED_BEFORE_CHRISTMAS, notifying_authority=city_council),
        actor=leicester_office,
    )
    case = Case.objects.for_partnership(leicester).get(pk=pk)
    assert case.reference == reference
    assert case.stage == Stage.RAPID_REVIEW
    assert case.opened_on == date(2026, 6, 1)  # the case started with the referral
    assert case_count(leicester) == 1
    # The history runs unbroken from the referral to the Rapid Review.
    reasons = [r.history_change_reason for r in case.history.order_by("history_date", "pk")]
    assert reasons[:2] == [
        "Referral received (§4.1.1)",
        "A referral without a notification goes to the CRG (§4.1.5, §4.9)",
    ]
    assert reasons[-1] == "The Local Authority notified the National Panel (§4.1.6)"

    deadlines = deadlines_of(case)
    for kind in ("referral_first_discussion", "referral_decision"):
        assert deadlines[kind].status == DeadlineStatus.WAIVED
        assert "§4.1.6" in deadlines[kind].waived_reason
        assert deadlines[kind].history.first().history_change_reason.startswith("Waived: ")
    rapid_review = {k: d for k, d in deadlines.items() if not k.startswith("referral_")}
    # Leicester has no information-request limit (§4.3.3 is Leicestershire & Rutland's).
    expected = {k: v for k, v in HAND_WORKED.items() if k != "information_request_sent"}
    assert {k: d.due_date for k, d in rapid_review.items()} == expected
    assert {d.event_date for d in rapid_review.values()} == {RECEIVED_BEFORE_CHRISTMAS}
    assert {d.status for d in rapid_review.values()} == {DeadlineStatus.OPEN}

    saved = Referral.objects.for_partnership(leicester).get(pk=referred.pk)
    assert saved.converted_on == RECEIVED_BEFORE_CHRISTMAS
    assert saved.history.first().history_change_reason == "Converted to a Rapid Review (§4.1.6)"
    notified = Notification.objects.for_partnership(leicester).get(case=case)
    assert notified.history.first().history_change_reason == (
        "The Local Authority notified after the referral (§4.1.6)"
    )
    # The children recorded with the referral are the Rapid Review's children.
    assert [c.pseudonym for c in Child.objects.for_partnership(leicester).filter(case=case)] == [
        "Child A"
    ]


def test_a_referral_is_converted_once_only(leicester, leicester_office, referred):
    services.referral_convert(
        case=referred.case, details=notification(date(2026, 6, 10)), actor=leicester_office
    )
    case = Case.objects.for_partnership(leicester).get(pk=referred.case_id)
    with pytest.raises(ApplicationError, match="Only a referral awaiting its decision"):
        services.referral_convert(
            case=case, details=notification(date(2026, 6, 12)), actor=leicester_office
        )
    notified = Notification.objects.for_partnership(leicester).get(case=case)
    assert notified.received_on == date(2026, 6, 10)


def test_a_notification_dated_before_the_referral_is_refused(leicester, leicester_office, referred):
    with pytest.raises(ApplicationError) as refused:
        services.referral_convert(
            case=referred.case, details=notification(date(2026, 5, 29)), actor=leicester_office
        )
    assert refused.value.field == "received_on"
    assert "before the referral" in refused.value.message
    case = Case.objects.for_partnership(leicester).get(pk=referred.case_id)
    assert case.stage == Stage.REFERRAL_DECISION
    assert set(deadlines_of(case)) == {
        "referral_shared_with_local_authority",
        "referral_first_discussion",
        "referral_information_request_sent",
        "referral_decision",
        "referral_decision_notified",
    }
    assert {d.status for d in deadlines_of(case).values()} == {DeadlineStatus.OPEN}
    assert not Notification.objects.for_partnership(leicester).filter(case=case).exists()


def test_a_notification_on_the_day_of_the_referral_is_accepted(
    leicester, leicester_office, referred
):
    services.referral_convert(
        case=referred.case, details=notification(date(2026, 6, 1)), actor=leicester_office
    )
    assert Case.objects.for_partnership(leicester).get(pk=referred.case_id).stage == (
        Stage.RAPID_REVIEW
    )


def test_a_case_that_started_with_a_notification_cannot_be_converted(leicester, leicester_office):
    case = services.notification_record(
        partnership=leicester,
        details=notification(date(2026, 6, 1)),
        children=[SUBJECT],
        actor=leicester_office,
    )
    with pytest.raises(ApplicationError, match="Only a referral awaiting its decision"):
        services.referral_convert(
            case=case, details=notification(date(2026, 6, 2)), actor=leicester_office
        )


def test_only_the_business_office_converts_a_referral(leicester, referred):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        services.referral_convert(
            case=referred.case, details=notification(date(2026, 6, 10)), actor=chair
        )
    assert Case.objects.for_partnership(leicester).get(pk=referred.case_id).stage == (
        Stage.REFERRAL_DECISION
    )


@pytest.mark.parametrize("age", [18, 24])
def test_a_care_leaver_aged_18_to_24_cannot_convert_a_referral(
    leicester, leicester_office, referred, age
):
    """§1.3.5: the death of a care leaver aged 18 or over does not need a Rapid Review."""
    with pytest.raises(ApplicationError) as refused:
        services.referral_convert(
            case=referred.case,
            details=notification(
                date(2026, 6, 10),
                incident_kind=IncidentKind.DEATH,
                care_status=CareStatus.CARE_LEAVER,
                care_leaver_age=age,
            ),
            actor=leicester_office,
        )
    assert (refused.value.message, refused.value.field) == (
        CARE_LEAVER_NO_RAPID_REVIEW,
        "care_leaver_age",
    )
    case = Case.objects.for_partnership(leicester).get(pk=referred.case_id)
    assert case.stage == Stage.REFERRAL_DECISION
    assert {d.status for d in deadlines_of(case).values()} == {DeadlineStatus.OPEN}
    assert not Notification.objects.for_partnership(leicester).filter(case=case).exists()


def test_a_care_leaver_aged_17_converts_a_referral(leicester, leicester_office, referred):
    services.referral_convert(
        case=referred.case,
        details=notification(
            date(2026, 6, 10),
            incident_kind=IncidentKind.DEATH,
            care_status=CareStatus.CARE_LEAVER,
            care_leaver_age=17,
        ),
        actor=leicester_office,
    )
    case = Case.objects.for_partnership(leicester).get(pk=referred.case_id)
    assert case.stage == Stage.RAPID_REVIEW
    assert Notification.objects.for_partnership(leicester).get(case=case).care_leaver_age == 17


LONDON = ZoneInfo("Europe/London")


def clock_at(monkeypatch, when: datetime):
    """Both "today" and "now" at `when`, as on the day the office did something."""
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return when.date() if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)


@pytest.fixture
def lr_referred(lr, lr_office):
    """A Leicestershire & Rutland referral received on Monday 14 December 2026."""
    scheduled(lr, date(2026, 12, 15))
    case = services.referral_record(
        partnership=lr,
        details=referral(date(2026, 12, 14)),
        children=[SUBJECT],
        actor=lr_office,
        lead_officer=lr_office,
    )
    return Referral.objects.for_partnership(lr).get(case=case)


def test_requests_sent_on_the_referral_meet_the_rapid_reviews_two_day_deadline(
    monkeypatch, lr, lr_office, county_council, police, lr_referred
):
    """§4.3.3 (Leicestershire & Rutland): requests go out within 2 working days of the
    notification. Those sent while the CRG considered the referral already went out."""
    case = lr_referred.case
    clock_at(monkeypatch, datetime(2026, 12, 16, 10, 0, tzinfo=LONDON))
    # Letters go only once the CRG has decided it wants agencies' information (§4.9).
    with pytest.raises(ApplicationError) as refused:
        services.information_requests_send(
            case=case, agencies=[police], reply_due_on=working_days_ahead(10, lr), actor=lr_office
        )
    assert refused.value.message == REFERRAL_NOT_DECIDED
    progress(
        lr_referred,
        lr_office,
        first_crg_meeting_on=date(2026, 12, 15),
        request_information=True,
        request_information_reason="The CRG wants the police's records.",
    )
    services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(10, lr), actor=lr_office
    )
    assert InformationRequest.objects.for_partnership(lr).filter(case=case).count() == 1

    clock_at(monkeypatch, datetime(2026, 12, 18, 15, 0, tzinfo=LONDON))
    services.referral_convert(
        case=case,
        details=notification(date(2026, 12, 18), notifying_authority=county_council),
        actor=lr_office,
    )
    sent = deadlines_of(case)["information_request_sent"]
    assert sent.due_date == date(2026, 12, 22)
    assert sent.status == DeadlineStatus.MET
    assert sent.completed_on == date(2026, 12, 18)  # the notification's day: already done
    assert deadlines_of(case)["rapid_review_complete"].status == DeadlineStatus.OPEN


def test_without_requests_on_the_referral_the_two_day_deadline_stays_open(
    lr, lr_office, county_council, lr_referred
):
    services.referral_convert(
        case=lr_referred.case,
        details=notification(date(2026, 12, 18), notifying_authority=county_council),
        actor=lr_office,
    )
    sent = deadlines_of(lr_referred.case)["information_request_sent"]
    assert (sent.due_date, sent.status) == (date(2026, 12, 22), DeadlineStatus.OPEN)
    assert sent.completed_on is None


def test_a_future_notification_cannot_convert_a_referral(leicester, leicester_office, referred):
    with pytest.raises(ApplicationError) as refused:
        services.referral_convert(
            case=referred.case,
            details=notification(TODAY + timedelta(days=1)),
            actor=leicester_office,
        )
    assert refused.value.message == RECEIVED_IN_FUTURE


# --- Names stay in the restricted file ---------------------------------------------------


class _Kept(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line():
    """Every logger at DEBUG, however the project's LOGGING or pytest's plugins are set."""
    kept = _Kept()
    manager = logging.root.manager
    loggers = [logging.getLogger()] + [
        logger for logger in manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is logging.getLogger() or not logger.propagate:
            logger.addHandler(kept)
    yield kept.lines
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(kept)


def test_a_childs_name_reaches_no_log_and_no_email(
    leicester,
    leicester_office,
    city_council,
    client,
    every_log_line,
    django_capture_on_commit_callbacks,
):
    names = ["Jolene Marchbanks", "Kit Marchbanks", "Ada Marchbanks", "Rowan Tillotson"]
    sign_in(client, leicester_office)
    with django_capture_on_commit_callbacks(execute=True):
        # Through the web form: a subject child and a sibling.
        response = client.post(
            "/cases/new/notification/",
            {
                "notifying_authority": city_council.pk,
                "received_on-day": "18",
                "received_on-month": "12",
                "received_on-year": "2026",
                "incident_kind": "serious_harm",
                "abuse_or_neglect": "suspected",
                "summary": "Child A was found injured at home.",
                "care_status": "neither",
                "child-TOTAL_FORMS": "4",
                "child-INITIAL_FORMS": "0",
                "child-MIN_NUM_FORMS": "0",
                "child-MAX_NUM_FORMS": "4",
                "child-0-local_authority_reference": "LA-1001",
                "child-0-name": names[0],
                "child-0-date_of_birth-day": "3",
                "child-0-date_of_birth-month": "4",
                "child-0-date_of_birth-year": "2019",
                "child-1-name": names[1],
            },
        )
        assert response.status_code == 302
        web_case = response.url.strip("/").split("/")[-1]
        # Through the service: a referral, then the Local Authority notifies.
        referred_case = services.referral_record(
            partnership=leicester,
            details=referral(date(2026, 6, 1)),
            children=[services.ChildDetails(name=names[2])],
            actor=leicester_office,
        )
        services.referral_convert(
            case=referred_case, details=notification(date(2026, 6, 3)), actor=leicester_office
        )
        # Through the API.
        key = services.api_token_create(membership=leicester_office.memberships.get())
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        posted = api.post(
            "/api/v1/notifications/",
            {
                "partnership": "leicester",
                "received_on": "2026-07-01",
                "child_reference": "LA-2002",
                "child_name": names[3],
                "summary": "Child A was harmed.",
            },
            format="json",
        )
        assert posted.status_code == 201
    # Every page of the cases, the restricted file included.
    pages = ""
    for reference in (web_case, referred_case.reference, posted.json()["case_reference"]):
        for tab in ("", "restricted/", "timeline/", "history/", "deadlines/", "referral/"):
            page = client.get(f"/cases/{reference}/{tab}")
            assert page.status_code == 200
            pages += page.content.decode() if tab == "restricted/" else ""
    for name in names:  # the names are really recorded, and really shown where they belong
        assert name in pages

    assert any("LSCP-2026-0001" in line for line in every_log_line)  # the log was captured
    assert len(mail.outbox) == 3  # one "case opened" email per case
    emailed = [m.subject + m.body + "".join(str(a[0]) for a in m.alternatives) for m in mail.outbox]
    for name in names:
        for part in name.split():
            assert not any(part in line for line in every_log_line), part
            assert not any(part in text for text in emailed), part
