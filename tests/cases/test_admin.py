import pytest
from django.urls import reverse

from cases.models import ApiToken, Partnership
from cases.services import api_token_create
from tests.factories import UserFactory, sign_in


@pytest.fixture
def admin_client(client, db):
    sign_in(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["partnership", "agency", "user", "membership", "apitoken"])
def test_configuration_pages_load(admin_client, partnerships, model):
    response = admin_client.get(reverse(f"admin:cases_{model}_changelist"))
    assert response.status_code == 200


def test_partnership_variants_are_editable_in_admin(admin_client, lr):
    page = admin_client.get(reverse("admin:cases_partnership_change", args=[lr.pk]))
    assert "Information request working days" in page.text
    assert Partnership.objects.get(pk=lr.pk).information_request_working_days == 2


def test_tokens_are_revoked_from_admin_with_a_reason(admin_client, leicester_office):
    api_token_create(membership=leicester_office.memberships.get())
    token = ApiToken.objects.get()
    admin_client.post(
        reverse("admin:cases_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.history.first().history_change_reason == "Revoked in admin"


def test_unticking_active_in_admin_ends_sessions_and_revokes_tokens(
    admin_client, leicester_office, client
):
    from django.contrib.sessions.models import Session

    from tests.factories import sign_in

    api_token_create(membership=leicester_office.memberships.get())
    other = type(client)()
    sign_in(other, leicester_office)
    office_session = other.session.session_key
    page = admin_client.get(reverse("admin:cases_user_change", args=[leicester_office.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "is_active": "",
            "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
            "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("date_joined", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = admin_client.post(
        reverse("admin:cases_user_change", args=[leicester_office.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    leicester_office.refresh_from_db()
    assert leicester_office.is_active is False
    assert not Session.objects.filter(session_key=office_session).exists()
    assert ApiToken.objects.get(user=leicester_office).revoked_at is not None
