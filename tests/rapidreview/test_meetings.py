"""The CRG calendar and the Rapid Review meeting date (§4.4.1-4.4.3)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import ChildRole, Role, Stage
from rapidreview import selectors, services
from rapidreview.models import CrgMeeting, MeetingKind, RapidReview
from rapidreview.services.meeting import (
    ALREADY_CANCELLED,
    MEETING_CANCELLED,
    MEETING_IN_THE_PAST,
    NO_PARAMETERS_MEETING,
    NOT_A_PARAMETERS_MEETING,
    NOT_A_RAPID_REVIEW,
    OUTSIDE_WINDOW,
    RAPID_REVIEW_CONFLICT,
)
from tests.factories import open_case, sign_in, staff_user


@pytest.fixture
def today(monkeypatch):
    """A fixed Monday, so that the window's working days are known: 1 March 2027."""
    fixed = date(2027, 3, 1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: fixed)
    return fixed


def notified(partnership, office, received_on):
    return case_services.notification_record(
        partnership=partnership,
        details=case_services.NotificationDetails(received_on=received_on, summary="Child A."),
        children=[
            case_services.ChildDetails(role=ChildRole.SUBJECT, local_authority_reference="LA-1")
        ],
        actor=office,
        lead_officer=office,
    )


def meeting(partnership, office, held_on, kind=MeetingKind.MONTHLY):
    return services.crg_meeting_create(
        partnership=partnership, kind=kind, held_on=held_on, actor=office
    )


def set_meeting(case, chosen, office, reason=""):
    review = services.rapid_review_for(case=case)
    return services.rapid_review_meeting_set(
        case=case, meeting=chosen, actor=office, version=review.version, reason=reason
    )


def test_a_meeting_inside_the_window_is_set_without_a_reason(today, leicester, leicester_office):
    # Received Monday 1 March: working day 7 is Wednesday 10 March, 13 is Thursday 18 March.
    case = notified(leicester, leicester_office, today)
    assert selectors.meeting_window(case=case) == (date(2027, 3, 10), date(2027, 3, 18))
    for day in (date(2027, 3, 10), date(2027, 3, 18)):
        chosen = meeting(leicester, leicester_office, day)
        review = set_meeting(case, chosen, leicester_office)
        assert review.meeting == chosen
        assert review.outside_window_reason == ""


@pytest.mark.parametrize("day", [date(2027, 3, 9), date(2027, 3, 19)])
def test_a_meeting_outside_the_window_needs_a_reason(today, leicester, leicester_office, day):
    case = notified(leicester, leicester_office, today)
    chosen = meeting(leicester, leicester_office, day)
    with pytest.raises(ApplicationError) as refused:
        set_meeting(case, chosen, leicester_office)
    assert refused.value.message == OUTSIDE_WINDOW.format(
        day=f"{day:%-d %B %Y}", start="10 March 2027", end="18 March 2027"
    )
    assert refused.value.field == "reason"
    assert RapidReview.objects.for_partnership(leicester).get(case=case).meeting is None
    review = set_meeting(case, chosen, leicester_office, reason="The Chair is away that week.")
    assert review.meeting == chosen
    assert review.outside_window_reason == "The Chair is away that week."


def test_a_diarised_slot_takes_place_once_a_rapid_review_needs_it(today, lr, lr_office):
    case = notified(lr, lr_office, today)
    slot = meeting(lr, lr_office, date(2027, 3, 12), kind=MeetingKind.DIARISED)
    assert not slot.takes_place
    set_meeting(case, slot, lr_office)
    assert CrgMeeting.objects.for_partnership(lr).get(pk=slot.pk).takes_place


def test_refusals(today, leicester, lr, leicester_office, lr_office):
    case = notified(leicester, leicester_office, today)
    others = meeting(lr, lr_office, date(2027, 3, 12))
    with pytest.raises(ApplicationError) as refused:
        set_meeting(case, others, leicester_office)
    assert refused.value.field == "meeting"
    cancelled = meeting(leicester, leicester_office, date(2027, 3, 12))
    services.crg_meeting_cancel(meeting=cancelled, actor=leicester_office, reason="Room lost")
    with pytest.raises(ApplicationError) as refused:
        set_meeting(
            case,
            CrgMeeting.objects.for_partnership(leicester).get(pk=cancelled.pk),
            leicester_office,
        )
    assert refused.value.message == MEETING_CANCELLED
    with pytest.raises(ApplicationError) as refused:
        meeting(leicester, leicester_office, today - timedelta(days=1))
    assert refused.value.message == MEETING_IN_THE_PAST
    closed_case = open_case(leicester, stage=Stage.CLOSED)
    with pytest.raises(ApplicationError) as refused:
        set_meeting(
            closed_case, meeting(leicester, leicester_office, date(2027, 3, 15)), leicester_office
        )
    assert refused.value.message == NOT_A_RAPID_REVIEW
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError) as refused:
        meeting(leicester, chair, date(2027, 3, 15))
    assert "Only the Business Office or a partnership admin" in refused.value.message


def test_a_meeting_in_use_cannot_be_cancelled(today, leicester, leicester_office):
    case = notified(leicester, leicester_office, today)
    chosen = meeting(leicester, leicester_office, date(2027, 3, 11))
    set_meeting(case, chosen, leicester_office)
    with pytest.raises(ApplicationError) as refused:
        services.crg_meeting_cancel(meeting=chosen, actor=leicester_office, reason="Clash")
    assert case.reference in refused.value.message


def test_two_people_setting_the_meeting_conflict(today, leicester, leicester_office):
    case = notified(leicester, leicester_office, today)
    first = meeting(leicester, leicester_office, date(2027, 3, 11))
    second = meeting(leicester, leicester_office, date(2027, 3, 12))
    opened_at = services.rapid_review_for(case=case).version
    services.rapid_review_meeting_set(
        case=case, meeting=first, actor=leicester_office, version=opened_at
    )
    with pytest.raises(ApplicationError) as refused:
        services.rapid_review_meeting_set(
            case=case, meeting=second, actor=leicester_office, version=opened_at
        )
    assert refused.value.message == RAPID_REVIEW_CONFLICT
    assert RapidReview.objects.for_partnership(leicester).get(case=case).meeting == first


def test_only_leicester_holds_a_request_parameters_meeting(
    today, leicester, lr, leicester_office, lr_office
):
    """§4.4.3 is Leicester's variant, read from the partnership, not its name."""
    assert leicester.holds_request_parameters_meeting
    assert not lr.holds_request_parameters_meeting
    case = notified(leicester, leicester_office, today)
    parameters = meeting(
        leicester, leicester_office, date(2027, 3, 2), kind=MeetingKind.REQUEST_PARAMETERS
    )
    review = services.parameters_meeting_set(
        case=case, meeting=parameters, actor=leicester_office, version=1
    )
    assert review.parameters_meeting == parameters
    with pytest.raises(ApplicationError) as refused:
        meeting(lr, lr_office, date(2027, 3, 2), kind=MeetingKind.REQUEST_PARAMETERS)
    assert refused.value.message == NO_PARAMETERS_MEETING


def test_the_case_page_offers_the_window_meetings_first_and_keeps_a_refused_choice(
    today, client, leicester, leicester_office
):
    case = notified(leicester, leicester_office, today)
    late = meeting(leicester, leicester_office, date(2027, 3, 25))
    inside = meeting(leicester, leicester_office, date(2027, 3, 16), kind=MeetingKind.DIARISED)
    sign_in(client, leicester_office)
    page = client.get(f"/cases/{case.reference}/rapid-review/")
    labels = [label for _, label in page.context["form"].fields["meeting"].choices]
    assert labels == [
        "Tuesday 16 March 2027: Diarised extraordinary slot",
        "Thursday 25 March 2027: Monthly CRG meeting (outside the window)",
    ]
    response = client.post(
        f"/cases/{case.reference}/rapid-review/",
        {"form": "meeting", "meeting": late.pk, "version": 1, "reason": ""},
    )
    assert response.status_code == 200
    assert "outside the 7 to 13 working-day window" in response.content.decode()
    assert f'value="{late.pk}" checked' in response.content.decode()
    response = client.post(
        f"/cases/{case.reference}/rapid-review/",
        {"form": "meeting", "meeting": inside.pk, "version": 1, "reason": ""},
    )
    assert response.status_code == 302
    assert RapidReview.objects.for_partnership(leicester).get(case=case).meeting == inside


def test_the_calendar_page_adds_a_meeting_and_keeps_what_was_typed_on_error(
    today, client, lr, lr_office
):
    sign_in(client, lr_office)
    bad = client.post(
        "/meetings/",
        {
            "kind": "monthly",
            "held_on-day": "31",
            "held_on-month": "2",
            "held_on-year": "2027",
            "location": "County Hall",
        },
    )
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "Date of the meeting must be a real date." in text
    assert 'value="County Hall"' in text
    assert "request_parameters" not in text  # not this partnership's variant (§4.4.3)
    good = client.post(
        "/meetings/",
        {"kind": "diarised", "held_on-day": "9", "held_on-month": "3", "held_on-year": "2027"},
    )
    assert good.status_code == 302
    page = client.get("/meetings/").content.decode()
    assert "Tuesday 9 March 2027" in page
    assert "Held only if needed" in page


def test_a_diarised_slot_nobody_needs_any_more_is_not_held(today, lr, lr_office):
    case = notified(lr, lr_office, today)
    slot = meeting(lr, lr_office, date(2027, 3, 12), kind=MeetingKind.DIARISED)
    monthly = meeting(lr, lr_office, date(2027, 3, 16))
    set_meeting(case, slot, lr_office)
    set_meeting(case, monthly, lr_office)
    assert not CrgMeeting.objects.for_partnership(lr).get(pk=slot.pk).takes_place


def test_a_meeting_is_cancelled_once(today, leicester, leicester_office):
    chosen = meeting(leicester, leicester_office, date(2027, 3, 11))
    services.crg_meeting_cancel(meeting=chosen, actor=leicester_office, reason="Room lost")
    with pytest.raises(ApplicationError) as refused:
        services.crg_meeting_cancel(meeting=chosen, actor=leicester_office, reason="Again")
    assert refused.value.message == ALREADY_CANCELLED
    assert CrgMeeting.objects.for_partnership(leicester).get(pk=chosen.pk).cancel_reason == (
        "Room lost"
    )


def test_the_parameters_meeting_must_be_the_partnerships_own_and_of_its_kind(
    today, leicester, lr, leicester_office, lr_office
):
    lr.holds_request_parameters_meeting = True  # so that the other's meeting can exist
    lr.save()
    case = notified(leicester, leicester_office, today)
    others = meeting(lr, lr_office, date(2027, 3, 2), kind=MeetingKind.REQUEST_PARAMETERS)
    with pytest.raises(ApplicationError) as refused:
        services.parameters_meeting_set(
            case=case, meeting=others, actor=leicester_office, version=1
        )
    assert refused.value.field == "meeting"
    monthly = meeting(leicester, leicester_office, date(2027, 3, 2))
    with pytest.raises(ApplicationError) as refused:
        services.parameters_meeting_set(
            case=case, meeting=monthly, actor=leicester_office, version=1
        )
    assert refused.value.message == NOT_A_PARAMETERS_MEETING


def test_after_a_conflict_the_page_lets_the_user_save_again(
    today, client, leicester, leicester_office
):
    case = notified(leicester, leicester_office, today)
    first = meeting(leicester, leicester_office, date(2027, 3, 11))
    second = meeting(leicester, leicester_office, date(2027, 3, 12))
    set_meeting(case, first, leicester_office)  # a colleague, after this page was opened
    sign_in(client, leicester_office)
    url = f"/cases/{case.reference}/rapid-review/"
    stale = {"form": "meeting", "meeting": second.pk, "version": 1, "reason": ""}
    response = client.post(url, stale)
    assert response.status_code == 200
    assert "Someone else changed this Rapid Review" in response.content.decode()
    again = client.post(url, {**stale, "version": response.context["form"]["version"].value()})
    assert again.status_code == 302
    assert RapidReview.objects.for_partnership(leicester).get(case=case).meeting == second


def test_only_the_business_office_posts_to_the_rapid_review_page(
    today, client, leicester, leicester_office
):
    case = notified(leicester, leicester_office, today)
    chosen = meeting(leicester, leicester_office, date(2027, 3, 11))
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    url = f"/cases/{case.reference}/rapid-review/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "meeting", "meeting": chosen.pk, "version": 1})
    assert response.status_code == 403
    assert RapidReview.objects.for_partnership(leicester).filter(meeting=chosen).count() == 0


def test_attendance_decides_quorum_on_the_meeting_page(today, client, leicester, leicester_office):
    from cases.models import AgencyKind
    from rapidreview.services.meeting import DECLARATION_DETAILS_NEEDED
    from tests.factories import AgencyFactory

    police = AgencyFactory(name="City Police", kind=AgencyKind.POLICE, partnerships=[leicester])
    icb = AgencyFactory(
        name="City ICB", kind=AgencyKind.INTEGRATED_CARE_BOARD, partnerships=[leicester]
    )
    trust = AgencyFactory(name="City Trust", kind=AgencyKind.HEALTH_TRUST, partnerships=[leicester])
    chosen = meeting(leicester, leicester_office, date(2027, 3, 11))
    sign_in(client, leicester_office)
    url = f"/meetings/{chosen.pk}/"
    assert "Not quorate" in client.get(url).content.decode()
    refused = client.post(
        url,
        {
            "name": "Dr A",
            "agency": icb.pk,
            "present": "yes",
            "declaration": "declared",
            "declaration_details": "",
        },
    )
    assert refused.status_code == 200
    assert DECLARATION_DETAILS_NEEDED in refused.content.decode()
    for name, agency in (("DI B", police), ("Dr A", icb), ("Ms C", trust)):
        response = client.post(
            url,
            {
                "name": name,
                "agency": agency.pk,
                "present": "yes",
                "declaration": "none",
                "confidentiality_agreed": "yes",
            },
        )
        assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Quorate: 3 partner agencies are represented, 2 of them Safeguarding Partners" in page
