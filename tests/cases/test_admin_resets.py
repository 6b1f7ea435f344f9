"""What outlives a reset: nothing made with the account works after an admin resets its
password or second factor (issue 11, item 10)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import ApiToken, CalendarFeed
from tests.factories import UserFactory, sign_in

NEW_PASSWORD = "a-new-long-passphrase-42"


@pytest.fixture
def admin_client(db):
    client = Client()
    sign_in(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def credentials(leicester_office):
    """An API token and a calendar feed address made with the account."""
    key = services.api_token_create(membership=leicester_office.memberships.get())
    feed = reverse(
        "calendar_feed", kwargs={"token": services.calendar_feed_create(user=leicester_office)}
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/cases/").status_code == 200
    assert Client().get(feed).status_code == 200
    return api, feed


def assert_revoked(user, credentials, reason):
    api, feed = credentials
    assert api.get("/api/v1/cases/").status_code == 401
    assert Client().get(feed).status_code == 404
    token = ApiToken.objects.get(user=user)
    assert token.history.first().history_change_reason == reason
    assert CalendarFeed.objects.get(user=user).history.first().history_change_reason == reason


def test_resetting_the_second_factor_in_admin_revokes_tokens_and_feeds(
    admin_client, leicester_office, credentials
):
    response = admin_client.post(
        reverse("admin:cases_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [leicester_office.pk]},
        follow=True,
    )
    assert "Their API tokens and calendar feeds no longer work." in response.text
    assert_revoked(leicester_office, credentials, "Two-factor authentication reset")


def test_setting_a_new_password_in_admin_revokes_tokens_and_feeds(
    admin_client, leicester_office, credentials
):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[leicester_office.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    leicester_office.refresh_from_db()
    assert leicester_office.check_password(NEW_PASSWORD)
    assert_revoked(leicester_office, credentials, "Password reset in admin")


def test_a_refused_new_password_revokes_nothing(admin_client, leicester_office, credentials):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[leicester_office.pk]),
        {"password1": NEW_PASSWORD, "password2": "something else", "usable_password": "true"},
    )
    assert response.status_code == 200
    api, feed = credentials
    assert api.get("/api/v1/cases/").status_code == 200
    assert Client().get(feed).status_code == 200
