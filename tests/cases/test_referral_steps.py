"""The referral path's one-month steps (§4.9), each with its own date, met or missed: the
referral shared with the Local Authority's CRG representative, the first discussion at a
scheduled CRG meeting chosen from the calendar, and the Information Request Letter; the
decision at the next scheduled meeting, in both partnerships."""

import html
from datetime import date

import pytest
from django.utils import timezone

from cases import selectors
from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AgencyKind, ChildRole, Deadline, DeadlineStatus, Role
from cases.services.intake import NO_LETTER_NEEDED, NOT_A_SCHEDULED_MEETING
from rapidreview import services
from rapidreview.models import MeetingKind
from tests.factories import AgencyFactory, sign_in, staff_user

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # a Monday: one month is Thursday 1 April, two Friday 30 April
FIRST = date(2027, 3, 17)  # the first scheduled (monthly) CRG meeting after receipt
NEXT = date(2027, 4, 14)  # the next one, where the referral is decided


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def office(partnership):
    return staff_user(partnership)


@pytest.fixture
def referred(monkeypatch, partnership, office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[partnership])
    return case_services.referral_record(
        partnership=partnership,
        details=case_services.ReferralDetails(
            received_on=RECEIVED, summary="Child B.", referring_agency=school
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )


def meeting(partnership, office, day, kind=MeetingKind.MONTHLY):
    return services.crg_meeting_create(
        partnership=partnership, kind=kind, held_on=day, actor=office
    )


@pytest.fixture
def calendar(referred, partnership, office):
    """An extraordinary meeting first, then two monthly ones: only these are scheduled."""
    meeting(partnership, office, date(2027, 3, 5), MeetingKind.EXTRAORDINARY)
    return [meeting(partnership, office, FIRST), meeting(partnership, office, NEXT)]


def deadline(case, kind):
    return Deadline.objects.for_partnership(case.partnership).get(case=case, kind=kind)


def progress(case, office, **changes):
    referral = selectors.case_intake(case=case)["referral"]
    fields = {
        "shared_with_local_authority_on": referral.shared_with_local_authority_on,
        "local_authority_representative": referral.local_authority_representative,
        "first_crg_meeting_on": referral.first_crg_meeting_on,
        "request_information": referral.request_information,
        "request_information_reason": referral.request_information_reason,
        **changes,
    }
    return case_services.referral_progress_record(
        referral=referral, actor=office, version=referral.version, **fields
    )


def on(monkeypatch, day):
    monkeypatch.setattr(timezone, "localdate", lambda *a: day)


def progress_url(case):
    return f"/cases/{case.reference}/referral/"


# --- The steps' dates ---------------------------------------------------------------------


def test_each_step_of_the_referral_path_has_its_own_date(referred):
    dates = {d.kind: d.due_date for d in Deadline.objects.for_partnership(referred.partnership)}
    assert dates == {
        "referral_shared_with_local_authority": date(2027, 4, 1),
        "referral_first_discussion": date(2027, 4, 1),
        "referral_information_request_sent": date(2027, 4, 1),
        "referral_decision": date(2027, 4, 30),
        "referral_decision_notified": date(2027, 4, 30),
    }


@pytest.mark.parametrize(
    ("shared_on", "status"),
    [(date(2027, 4, 1), DeadlineStatus.MET), (date(2027, 4, 2), DeadlineStatus.MISSED)],
)
def test_sharing_with_the_local_authority_meets_or_misses_its_month(
    monkeypatch, referred, office, shared_on, status
):
    on(monkeypatch, date(2027, 4, 5))
    progress(
        referred,
        office,
        shared_with_local_authority_on=shared_on,
        local_authority_representative="LA CRG representative",
    )
    shared = deadline(referred, "referral_shared_with_local_authority")
    assert (shared.status, shared.completed_on) == (status, shared_on)


@pytest.mark.parametrize(
    ("sent_on", "status"),
    [(date(2027, 3, 31), DeadlineStatus.MET), (date(2027, 4, 2), DeadlineStatus.MISSED)],
)
def test_sending_the_requests_meets_or_misses_the_letters_month(
    monkeypatch, referred, partnership, office, calendar, sent_on, status
):
    on(monkeypatch, FIRST)
    progress(
        referred,
        office,
        first_crg_meeting_on=FIRST,
        request_information=True,
        request_information_reason="It might meet the criteria.",
    )
    assert deadline(referred, "referral_information_request_sent").status == DeadlineStatus.OPEN
    on(monkeypatch, sent_on)
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[partnership])
    case_services.information_requests_send(
        case=referred, agencies=[police], reply_due_on=date(2027, 4, 9), actor=office
    )
    letter = deadline(referred, "referral_information_request_sent")
    assert (letter.status, letter.completed_on) == (status, sent_on)


def test_no_letter_is_due_when_the_crg_asks_for_nothing(monkeypatch, referred, office, calendar):
    on(monkeypatch, FIRST)
    progress(
        referred,
        office,
        first_crg_meeting_on=FIRST,
        request_information=False,
        request_information_reason="Learning is already known.",
    )
    letter = deadline(referred, "referral_information_request_sent")
    assert (letter.status, letter.waived_reason) == (DeadlineStatus.WAIVED, NO_LETTER_NEEDED)
    first = deadline(referred, "referral_first_discussion")
    assert (first.status, first.completed_on) == (DeadlineStatus.MET, FIRST)


# --- The first discussion: a scheduled meeting from the calendar --------------------------


@pytest.mark.parametrize("day", [date(2027, 3, 5), date(2027, 3, 18)])
def test_the_first_discussion_must_be_a_scheduled_meeting(referred, office, calendar, day):
    # 5 March is an extraordinary meeting, 18 March no meeting at all.
    with pytest.raises(ApplicationError) as refused:
        progress(referred, office, first_crg_meeting_on=day)
    assert refused.value.message == NOT_A_SCHEDULED_MEETING
    assert selectors.case_intake(case=referred)["referral"].first_crg_meeting_on is None


def test_a_cancelled_meeting_is_no_longer_offered(referred, office, calendar):
    services.crg_meeting_cancel(meeting=calendar[0], actor=office, reason="Chair unwell")
    with pytest.raises(ApplicationError) as refused:
        progress(referred, office, first_crg_meeting_on=FIRST)
    assert refused.value.message == NOT_A_SCHEDULED_MEETING


def test_the_page_offers_the_scheduled_meetings_defaulting_to_the_first_after_receipt(
    client, referred, office, calendar
):
    sign_in(client, office)
    page = html.unescape(client.get(progress_url(referred)).text)
    assert 'value="2027-03-17" checked' in page
    assert "Wednesday 17 March 2027 (the first after receipt)" in page
    assert 'value="2027-04-14"' in page
    assert 'value="2027-03-05"' not in page  # extraordinary: not a scheduled meeting
    assert (
        "At the next scheduled CRG meeting after the first discussion: Wednesday 14 April 2027"
        in page
    )


def test_two_meetings_on_one_day_are_one_choice(client, referred, partnership, office, calendar):
    meeting(partnership, office, FIRST)
    sign_in(client, office)
    assert client.get(progress_url(referred)).text.count('value="2027-03-17"') == 1


def test_choosing_the_meeting_on_the_page_meets_the_first_discussion(
    monkeypatch, client, referred, office, calendar
):
    sign_in(client, office)
    referral = selectors.case_intake(case=referred)["referral"]
    on(monkeypatch, date(2027, 3, 18))
    response = client.post(
        progress_url(referred),
        {
            "version": referral.version,
            "first_crg_meeting_on": "2027-03-17",
            "request_information": "yes",
            "request_information_reason": "It might meet the criteria.",
        },
    )
    assert response.status_code == 302
    first = deadline(referred, "referral_first_discussion")
    assert (first.status, first.completed_on) == (DeadlineStatus.MET, FIRST)
    page = html.unescape(client.get(progress_url(referred)).text)
    assert "Met on 17 March 2027" in page


def test_with_no_meeting_scheduled_the_page_says_who_must_add_one_and_still_saves(
    monkeypatch, client, referred, office
):
    sign_in(client, office)
    page = html.unescape(client.get(progress_url(referred)).text)
    assert "No scheduled CRG meeting is in the calendar after the referral was received" in page
    assert "the Business Office must add the next monthly CRG meeting" in page
    assert 'href="/meetings/"' in page
    referral = selectors.case_intake(case=referred)["referral"]
    on(monkeypatch, date(2027, 3, 3))
    response = client.post(
        progress_url(referred),
        {
            "version": referral.version,
            "shared_with_local_authority_on-day": "2",
            "shared_with_local_authority_on-month": "3",
            "shared_with_local_authority_on-year": "2027",
            "local_authority_representative": "LA CRG representative",
            "first_crg_meeting_on": "",
        },
    )
    assert response.status_code == 302
    shared = deadline(referred, "referral_shared_with_local_authority")
    assert shared.status == DeadlineStatus.MET


def test_the_decision_date_quotes_both_paragraphs(client, referred, office):
    sign_in(client, office)
    page = html.unescape(client.get(progress_url(referred)).text)
    assert "Friday 30 April 2027" in page  # §4.9's two months, not §3.1.2's 15 working days
    assert "§3.1.2: “A Rapid Review and decision on all referrals" in page
    assert "(currently within 15 working days)”" in page
    assert "§4.9, a referral with no Local Authority notification: “Within two months" in page


@pytest.mark.parametrize("role", [Role.CRG_CHAIR, Role.CRG_MEMBER])
def test_others_see_the_steps_but_cannot_change_them(client, referred, partnership, role):
    sign_in(client, staff_user(partnership, role))
    page = html.unescape(client.get(progress_url(referred)).text)
    assert "Referral shared with the Local Authority's CRG representative" in page
    assert 'name="first_crg_meeting_on"' not in page
