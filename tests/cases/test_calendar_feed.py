"""The personal calendar feed: a secret, revocable URL of one's own deadlines."""

from datetime import date

import pytest
from django.urls import reverse
from icalendar import Calendar

from cases import services
from cases.models import AccessAction, AccessEvent
from cases.timescales import Event
from cases.views.calendar import NEW_FEED_SESSION_KEY
from tests.factories import open_case, sign_in, staff_user


@pytest.fixture
def officer_with_deadlines(leicester, lr):
    officer = staff_user(leicester, username="officer")
    case = open_case(leicester, lead_officer=officer)
    services.deadlines_schedule(
        case=case,
        event=Event.NOTIFICATION_RECEIVED,
        event_date=date(2026, 12, 18),
        actor=None,
        reason="x",
    )
    other = open_case(lr, lead_officer=staff_user(lr))
    services.deadlines_schedule(
        case=other,
        event=Event.NOTIFICATION_RECEIVED,
        event_date=date(2026, 12, 18),
        actor=None,
        reason="x",
    )
    return officer, case, other


def make_feed(client, user):
    sign_in(client, user)
    client.post(reverse("calendar_feed_create"))
    page = client.get(reverse("calendar_feed_page"))
    url = page.context["new_feed_url"]
    assert url in page.text
    assert client.get(reverse("calendar_feed_page")).context["new_feed_url"] is None  # once
    return url.split("testserver", 1)[1]


def test_the_feed_lists_my_deadlines_by_reference_only(client, officer_with_deadlines):
    officer, case, other = officer_with_deadlines
    path = make_feed(client, officer)
    client.logout()
    response = client.get(path)  # calendar apps fetch it without signing in
    assert response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    summaries = {str(e["summary"]) for e in events}
    assert f"{case.reference}: Rapid Review complete and sent to the National Panel" in summaries
    assert not any(other.reference in s for s in summaries)
    complete = next(e for e in events if "Rapid Review complete" in str(e["summary"]))
    assert complete.decoded("dtstart") == date(2027, 1, 13)
    assert AccessEvent.unscoped.filter(
        action=AccessAction.API_READ, route="calendar_feed", user=officer
    ).exists()


def test_a_revoked_or_replaced_feed_stops_working(client, officer_with_deadlines):
    officer, *_ = officer_with_deadlines
    first = make_feed(client, officer)
    second = make_feed(client, officer)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.post(reverse("calendar_feed_revoke"))
    assert client.get(second).status_code == 404


def test_deactivating_the_user_stops_the_feed(client, officer_with_deadlines):
    officer, *_ = officer_with_deadlines
    path = make_feed(client, officer)
    services.user_deactivate(user=officer, actor=None, reason="Left")
    assert client.get(path).status_code == 404


def test_a_made_up_feed_address_is_not_found(client, db):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


def test_the_new_address_is_not_kept_in_the_session_after_showing(client, officer_with_deadlines):
    officer, *_ = officer_with_deadlines
    make_feed(client, officer)
    assert NEW_FEED_SESSION_KEY not in client.session


def test_my_deadlines_are_those_given_to_me_and_the_unassigned_ones_of_cases_i_lead(
    leicester, officer_with_deadlines
):
    """Read as two indexed queries (issue 18): the same deadlines as the rule says."""
    from cases.models import Deadline, DeadlineStatus
    from cases.selectors import deadlines_responsible_for
    from cases.timescales import NOT_DUTIES

    officer, led, _ = officer_with_deadlines
    colleague = staff_user(leicester, username="colleague")
    theirs = open_case(leicester, lead_officer=colleague)
    services.deadlines_schedule(
        case=theirs,
        event=Event.NOTIFICATION_RECEIVED,
        event_date=date(2026, 12, 18),
        actor=None,
        reason="x",
    )
    duties = Deadline.unscoped.filter(status=DeadlineStatus.OPEN).exclude(kind__in=NOT_DUTIES)
    given_to_me = duties.filter(case=theirs).order_by("id").first()
    unassigned, given_away = duties.filter(case=led).order_by("id")[:2]
    Deadline.unscoped.filter(pk=given_to_me.pk).update(responsible=officer)
    Deadline.unscoped.filter(pk=unassigned.pk).update(responsible=None)
    Deadline.unscoped.filter(pk=given_away.pk).update(responsible=colleague)

    mine = deadlines_responsible_for(user=officer)
    found = {d.pk for d in mine}
    assert {given_to_me.pk, unassigned.pk} <= found
    assert given_away.pk not in found
    assert given_away.pk in {d.pk for d in deadlines_responsible_for(user=colleague)}
    expected = {
        d.pk
        for d in Deadline.unscoped.select_related("case").filter(status=DeadlineStatus.OPEN)
        if d.kind not in NOT_DUTIES
        and (
            d.responsible_id == officer.pk
            or (d.responsible_id is None and d.case.lead_officer_id == officer.pk)
        )
    }
    assert found == expected
    assert [(d.due_date, d.pk) for d in mine] == sorted((d.due_date, d.pk) for d in mine)
