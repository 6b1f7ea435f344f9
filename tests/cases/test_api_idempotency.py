"""Creates through the API are safe to repeat: `Idempotency-Key`, and the warning when a
notification matches an open case (issue 11, item 5)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, IdempotencyKey
from cases.services.idempotency import KEY_REUSED
from tests.factories import staff_user

URLS = ["/api/v1/notifications/", "/api/v1/referrals/"]


def body(slug="leicester", **extra):
    return {
        "partnership": slug,
        "received_on": "2026-11-02",
        "child_reference": "LA-1001",
        "summary": "Child A was taken to hospital.",
        **extra,
    }


def client_for(user):
    client = APIClient()
    key = services.api_token_create(membership=user.memberships.get())
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(leicester_office):
    return client_for(leicester_office)


def cases_in(partnership):
    return Case.objects.for_partnership(partnership).count()


@pytest.mark.parametrize("url", URLS)
def test_the_same_key_and_body_answer_the_first_response_and_create_nothing(leicester, api, url):
    first = api.post(url, body(), format="json", headers={"Idempotency-Key": "abc-1"})
    again = api.post(url, body(), format="json", headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert cases_in(leicester) == 1


def test_without_a_key_each_post_creates(leicester, api):
    # The behaviour the key exists for: two posts, two referrals.
    for _ in range(2):
        assert api.post(URLS[1], body(), format="json").status_code == 201
    assert cases_in(leicester) == 2


@pytest.mark.parametrize("url", URLS)
def test_the_same_key_with_another_body_is_refused(leicester, api, url):
    api.post(url, body(), format="json", headers={"Idempotency-Key": "abc-1"})
    other = api.post(
        url, body(child_reference="LA-2002"), format="json", headers={"Idempotency-Key": "abc-1"}
    )
    assert other.status_code == 422
    assert other.json() == {"Idempotency-Key": [KEY_REUSED]}
    assert cases_in(leicester) == 1


def test_the_same_key_on_the_other_create_is_another_request(leicester, api):
    api.post(URLS[0], body(), format="json", headers={"Idempotency-Key": "abc-1"})
    other = api.post(URLS[1], body(), format="json", headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 422
    assert cases_in(leicester) == 1


def test_keys_are_each_users_own(leicester, api):
    other_user = client_for(staff_user(leicester))
    for client in (api, other_user):
        response = client.post(URLS[1], body(), format="json", headers={"Idempotency-Key": "k"})
        assert response.status_code == 201
    assert cases_in(leicester) == 2


def test_a_key_expires_after_24_hours(leicester, api):
    api.post(URLS[1], body(), format="json", headers={"Idempotency-Key": "k"})
    IdempotencyKey.objects.for_partnership(leicester).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    again = api.post(URLS[1], body(), format="json", headers={"Idempotency-Key": "k"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert cases_in(leicester) == 2
    assert IdempotencyKey.history.filter(
        history_type="-", history_change_reason="Idempotency key expired"
    ).exists()


def test_a_refused_create_does_not_spend_the_key(leicester, api):
    refused = api.post(
        URLS[1], body(received_on="2999-01-01"), format="json", headers={"Idempotency-Key": "k"}
    )
    assert refused.status_code == 422
    fixed = api.post(URLS[1], body(), format="json", headers={"Idempotency-Key": "k"})
    assert fixed.status_code == 201
    assert cases_in(leicester) == 1


@pytest.mark.parametrize("key", ["", "a" * 256, "naïve", "two words"])
def test_a_malformed_key_answers_400(leicester, api, key):
    response = api.post(URLS[1], body(), format="json", headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert cases_in(leicester) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_simultaneous_requests_with_one_key_create_one_case(partnerships):
    leicester = partnerships["leicester"]
    api = client_for(staff_user(leicester))
    answers, errors = [], []
    start = threading.Barrier(4)

    def post():
        try:
            start.wait()
            response = api.post(URLS[0], body(), format="json", headers={"Idempotency-Key": "same"})
            answers.append((response.status_code, response.json()))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {status for status, _ in answers} == {201}
    assert len({b["case_reference"] for _, b in answers}) == 1
    assert cases_in(leicester) == 1


def test_a_notification_matching_an_open_case_answers_409_until_confirmed(leicester, api):
    first = api.post(URLS[0], body(), format="json")
    assert first.status_code == 201
    reference = first.json()["case_reference"]
    again = api.post(URLS[0], body(child_reference=" la-1001 "), format="json")
    assert again.status_code == 409
    assert again.json()["matching_cases"] == [reference]
    assert reference in again.json()["detail"]
    assert cases_in(leicester) == 1
    confirmed = api.post(URLS[0], body(confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201
    assert cases_in(leicester) == 2


def test_a_match_on_the_incident_date_warns_too(leicester, api):
    api.post(URLS[0], body(incident_on="2026-10-30"), format="json")
    later = api.post(
        URLS[0], body(received_on="2026-11-04", incident_on="2026-10-30"), format="json"
    )
    assert later.status_code == 409


@pytest.mark.parametrize(
    "changed",
    [
        {"child_reference": "LA-9999"},
        {"received_on": "2026-11-03"},
        {"partnership": "leicestershire-rutland"},
    ],
    ids=["other-child", "other-day", "other-partnership"],
)
def test_no_warning_without_a_match_in_the_partnership(leicester, lr, api, changed):
    api.post(URLS[0], body(), format="json")
    slug = changed.get("partnership", "leicester")
    sender = api if slug == "leicester" else client_for(staff_user(lr))
    response = sender.post(URLS[0], body(**changed), format="json")
    assert response.status_code == 201


def test_a_closed_case_does_not_warn(leicester, api):
    first = api.post(URLS[0], body(), format="json")
    case = Case.objects.for_partnership(leicester).get(reference=first.json()["case_reference"])
    Case.objects.for_partnership(leicester).filter(pk=case.pk).update(stage="closed")
    assert api.post(URLS[0], body(), format="json").status_code == 201


def test_a_key_used_in_one_partnership_never_answers_for_the_other(leicester, lr):
    from cases.models import Membership, Role

    user = staff_user(leicester)
    Membership.objects.create(user=user, role=Role.BUSINESS_OFFICE, partnership=lr)
    apis = {}
    for partnership in (leicester, lr):
        client = APIClient()
        key = services.api_token_create(membership=user.memberships.get(partnership=partnership))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        apis[partnership.slug] = client
    first = apis["leicester"].post(URLS[1], body(), format="json", headers={"Idempotency-Key": "k"})
    other = apis["leicestershire-rutland"].post(
        URLS[1], body("leicestershire-rutland"), format="json", headers={"Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    assert other.status_code == 422
    assert first.json()["case_reference"] not in other.content.decode()
    assert cases_in(lr) == 0
