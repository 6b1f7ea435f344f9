"""Create forms carry a one-time token: a double submit, or Back and submit again, makes
one row and goes to it (issue 11, item 5)."""

import re
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import AgencyKind, Case, ChronologyEntry, Stage
from cases.once import ALREADY_SENT, FIELD
from cases.services.once import FORM_EXPIRED
from rapidreview import services
from rapidreview.models import Attendance, CrgMeeting
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


def token_on(client, url) -> str:
    page = client.get(url).content.decode()
    found = re.findall(rf'name="{FIELD}" value="([^"]+)"', page)
    assert len(found) == 1, "the form carries one token"
    return found[0]


def submit_twice(client, url, data):
    """As a double click, or Back and submit again: the same form, token and all."""
    data = {**data, FIELD: token_on(client, url)}
    return client.post(url, data), client.post(url, data)


def assert_second_goes_to_the_first(client, first, second):
    assert first.status_code == 302
    assert second.status_code == 302
    assert second.url == first.url
    assert ALREADY_SENT in client.get(second.url).content.decode()


def dmy(prefix, when):
    return {f"{prefix}-day": when.day, f"{prefix}-month": when.month, f"{prefix}-year": when.year}


@pytest.fixture
def council(leicester):
    return AgencyFactory(
        name="Leicester City Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester]
    )


CHILD = {
    "child-TOTAL_FORMS": "1",
    "child-INITIAL_FORMS": "0",
    "child-MIN_NUM_FORMS": "0",
    "child-MAX_NUM_FORMS": "4",
    "child-0-local_authority_reference": "LA-1001",
}


def notification(council, **extra):
    return {
        "notifying_authority": council.pk,
        **dmy("received_on", date(2027, 2, 25)),
        "incident_kind": "serious_harm",
        "abuse_or_neglect": "suspected",
        "summary": "Child A was taken to hospital.",
        "care_status": "neither",
        **CHILD,
        **extra,
    }


def test_a_notification_sent_twice_opens_one_case(client, leicester, leicester_office, council):
    sign_in(client, leicester_office)
    first, second = submit_twice(client, "/cases/new/notification/", notification(council))
    assert_second_goes_to_the_first(client, first, second)
    assert Case.objects.for_partnership(leicester).count() == 1


def test_a_referral_sent_twice_opens_one_case(client, leicester, leicester_office, council):
    sign_in(client, leicester_office)
    data = {
        "referring_agency": council.pk,
        **dmy("received_on", date(2027, 2, 25)),
        "summary": "The school raised concerns.",
        "criteria": ["improvements"],
        "reasons": "Missed opportunities to share information.",
        **CHILD,
    }
    first, second = submit_twice(client, "/cases/new/referral/", data)
    assert_second_goes_to_the_first(client, first, second)
    assert Case.objects.for_partnership(leicester).count() == 1


def test_a_refused_submit_keeps_its_token_for_the_corrected_one(
    client, leicester, leicester_office, council
):
    sign_in(client, leicester_office)
    token = token_on(client, "/cases/new/notification/")
    refused = client.post(
        "/cases/new/notification/", {**notification(council, summary=""), FIELD: token}
    )
    assert refused.status_code == 200
    assert f'value="{token}"' in refused.content.decode()
    fixed = client.post("/cases/new/notification/", {**notification(council), FIELD: token})
    assert fixed.status_code == 302
    assert Case.objects.for_partnership(leicester).count() == 1


def test_a_token_not_issued_to_this_user_saves_nothing(
    client, leicester, leicester_office, council
):
    sign_in(client, leicester_office)
    response = client.post("/cases/new/notification/", {**notification(council), FIELD: "made-up"})
    assert response.status_code == 200
    assert FORM_EXPIRED in response.content.decode()
    assert Case.objects.for_partnership(leicester).count() == 0


def test_a_notification_matching_an_open_case_asks_before_opening_another(
    client, leicester, leicester_office, council
):
    sign_in(client, leicester_office)
    client.post("/cases/new/notification/", notification(council))
    (first,) = Case.objects.for_partnership(leicester)
    again = client.post("/cases/new/notification/", notification(council))
    assert again.status_code == 200
    page = again.content.decode()
    assert f"This may be a case already open: {first.reference}" in page
    assert "Child A was taken to hospital." in page  # what was typed is kept
    assert Case.objects.for_partnership(leicester).count() == 1
    confirmed = client.post(
        "/cases/new/notification/", notification(council, confirm_duplicate="on")
    )
    assert confirmed.status_code == 302
    assert Case.objects.for_partnership(leicester).count() == 2


def test_a_notification_for_another_child_does_not_warn(
    client, leicester, leicester_office, council
):
    sign_in(client, leicester_office)
    client.post("/cases/new/notification/", notification(council))
    other = client.post(
        "/cases/new/notification/",
        notification(council, **{"child-0-local_authority_reference": "LA-2002"}),
    )
    assert other.status_code == 302
    assert Case.objects.for_partnership(leicester).count() == 2


def test_a_chronology_entry_sent_twice_is_added_once(client, leicester):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    (item,) = case_services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(7), actor=None
    )
    sign_in(client, agency_user(police))
    data = {
        **dmy("happened_on", TODAY - timedelta(days=3)),
        "happened_at": "14:30",
        "source": "Niche RMS",
        "event": "Officers attended.",
        "agency_response": "Words of advice.",
    }
    first, second = submit_twice(client, f"/portal/requests/{item.pk}/chronology/", data)
    assert_second_goes_to_the_first(client, first, second)
    assert ChronologyEntry.objects.for_partnership(leicester).filter(request=item).count() == 1


def test_a_crg_meeting_sent_twice_is_added_once(client, lr, lr_office):
    sign_in(client, lr_office)
    data = {"kind": "diarised", **dmy("held_on", date(2027, 3, 9))}
    first, second = submit_twice(client, "/meetings/", data)
    assert_second_goes_to_the_first(client, first, second)
    assert CrgMeeting.objects.for_partnership(lr).count() == 1


def test_attendance_sent_twice_is_recorded_once(client, leicester, leicester_office):
    police = AgencyFactory(name="City Police", kind=AgencyKind.POLICE, partnerships=[leicester])
    chosen = services.crg_meeting_create(
        partnership=leicester, kind="monthly", held_on=date(2027, 3, 11), actor=leicester_office
    )
    sign_in(client, leicester_office)
    data = {
        "name": "DI B",
        "agency": police.pk,
        "present": "yes",
        "declaration": "none",
        "confidentiality_agreed": "yes",
    }
    first, second = submit_twice(client, f"/meetings/{chosen.pk}/", data)
    assert_second_goes_to_the_first(client, first, second)
    assert Attendance.objects.for_partnership(leicester).filter(meeting=chosen).count() == 1


def test_each_form_has_its_own_token(client, lr, lr_office):
    sign_in(client, lr_office)
    assert token_on(client, "/meetings/") != token_on(client, "/meetings/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_simultaneous_submits_of_the_notification_form_open_one_case(partnerships):
    leicester = partnerships["leicester"]
    council = AgencyFactory(
        name="Leicester City Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester]
    )
    office = staff_user(leicester)
    first_client = sign_in(Client(), office)
    data = {**notification(council), FIELD: token_on(first_client, "/cases/new/notification/")}
    clients = [first_client, Client()]
    clients[1].cookies = first_client.cookies  # the same browser session, two tabs
    answers, errors = [], []
    start = threading.Barrier(2)

    def submit(client):
        try:
            start.wait()
            answers.append(client.post("/cases/new/notification/", data))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Case.objects.for_partnership(leicester).count() == 1


def test_the_daily_purge_forgets_stale_tokens_and_expired_keys(leicester, leicester_office):

    from cases.models import FormToken, IdempotencyKey
    from cases.tasks import duplicate_guards_purge

    fresh = case_services.form_token_issue(user=leicester_office, purpose="referral")
    stale = case_services.form_token_issue(user=leicester_office, purpose="referral")
    FormToken.objects.filter(token=stale).update(created_at=timezone.now() - timedelta(days=8))
    now = timezone.now()
    for key, expires in (("old", now - timedelta(seconds=1)), ("new", now + timedelta(hours=1))):
        IdempotencyKey.objects.create(
            partnership=leicester,
            user=leicester_office,
            key=key,
            request_digest="x",
            expires_at=expires,
        )
    assert duplicate_guards_purge() == 2
    assert duplicate_guards_purge() == 0  # safe to run twice
    assert list(FormToken.objects.values_list("token", flat=True)) == [fresh]
    assert list(
        IdempotencyKey.objects.for_partnership(leicester).values_list("key", flat=True)
    ) == ["new"]
    # The expired key's history (with its response body) goes too; the live one's stays.
    assert set(IdempotencyKey.history.values_list("key", flat=True)) == {"new"}
