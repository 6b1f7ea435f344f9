"""Lockout and the access log behind the TLS proxy: each client is known by its own
address, taken from the proxy's X-Forwarded-For only when BEHIND_TLS_PROXY is set
(issue 11, item 1)."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import AccessAction, AccessEvent

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"  # every connection gunicorn sees comes from the proxy
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"
ELSEWHERE = "192.0.2.40"


@pytest.fixture(autouse=True)
def _enrolled(leicester_office, lr_office):
    for user in (leicester_office, lr_office):
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def sign_in_through_proxy(client, username, password, address, claimed=""):
    """A sign-in as the proxy passes it on: it appends the address it saw to whatever
    X-Forwarded-For the client sent (`claimed`)."""
    forwarded = f"{claimed}, {address}" if claimed else address
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def addresses(action):
    return sorted(AccessEvent.unscoped.filter(action=action).values_list("username", "ip_address"))


def test_one_clients_failures_lock_neither_other_clients_nor_other_accounts(
    settings, leicester_office, lr_office
):
    settings.BEHIND_TLS_PROXY = True
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        # It even claims to be the office: only the address the proxy added counts.
        sign_in_through_proxy(attacker, f"made-up-{n}", "guess", ATTACKER, claimed=OFFICE)
    assert sign_in_through_proxy(attacker, "made-up-again", "guess", ATTACKER).status_code == 429

    office, other = Client(), Client()
    assert sign_in_through_proxy(office, "t-leicester-office", PASSWORD, OFFICE).status_code == 302
    assert office.session["_auth_user_id"] == str(leicester_office.pk)
    assert sign_in_through_proxy(other, "t-lr-office", PASSWORD, ELSEWHERE).status_code == 302
    assert other.session["_auth_user_id"] == str(lr_office.pk)

    assert {ip for _, ip in addresses(AccessAction.SIGN_IN_FAILED)} == {ATTACKER}
    assert {ip for _, ip in addresses(AccessAction.LOCKED_OUT)} == {ATTACKER}
    assert addresses(AccessAction.SIGN_IN) == [
        ("t-leicester-office", OFFICE),
        ("t-lr-office", ELSEWHERE),
    ]


def test_without_the_proxy_setting_the_header_is_not_believed(settings):
    settings.BEHIND_TLS_PROXY = False
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A new made-up address each time does not escape the lockout.
        client.post(
            reverse("login"),
            {"username": f"made-up-{n}", "password": "guess"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
        )
    locked = client.post(
        reverse("login"),
        {"username": "t-leicester-office", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=OFFICE,
    )
    assert locked.status_code == 429
    assert {ip for _, ip in addresses(AccessAction.SIGN_IN_FAILED)} == {ATTACKER}
