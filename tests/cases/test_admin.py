import pytest
from django.urls import reverse

from cases.models import ApiToken, Partnership
from cases.services import api_token_create
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
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
