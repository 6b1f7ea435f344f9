import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import ApiToken, Membership, Role, Stage
from tests.factories import open_case, sign_in, staff_user


def token_for(user, **options):
    from io import StringIO

    out = StringIO()
    call_command("create_api_token", user.username, stdout=out, stderr=StringIO(), **options)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def api():
    def client_for(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


def test_case_list_is_scoped_paginated_and_links_each_case(api, leicester, lr, leicester_office):
    mine = [open_case(leicester) for _ in range(3)]
    open_case(lr)
    response = api(token_for(leicester_office)).get("/api/v1/cases/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {item["reference"] for item in body["results"]} == {c.reference for c in mine}
    first = body["results"][0]
    assert first["url"] == f"http://testserver/api/v1/cases/{first['reference']}/"
    assert first["partnership"] == "leicester"


def test_case_list_pages(api, leicester, leicester_office):
    for _ in range(3):
        open_case(leicester)
    client = api(token_for(leicester_office))
    first = client.get("/api/v1/cases/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_case_list_filters_by_stage(api, leicester, leicester_office):
    open_case(leicester)
    closed = open_case(leicester, stage=Stage.CLOSED)
    client = api(token_for(leicester_office))
    body = client.get("/api/v1/cases/", {"stage": "closed"}).json()
    assert [item["reference"] for item in body["results"]] == [closed.reference]
    bad = client.get("/api/v1/cases/", {"stage": "nonsense"})
    assert bad.status_code == 400
    assert "stage" in bad.json()


def test_case_detail_and_another_partnerships_case(api, leicester, lr, leicester_office):
    mine, theirs = open_case(leicester), open_case(lr)
    client = api(token_for(leicester_office))
    assert client.get(f"/api/v1/cases/{mine.reference}/").json()["reference"] == mine.reference
    assert client.get(f"/api/v1/cases/{theirs.reference}/").status_code == 404


def test_requests_without_a_valid_token_are_refused(api, leicester_office):
    assert APIClient().get("/api/v1/cases/").status_code in (401, 403)
    assert api("not-a-token").get("/api/v1/cases/").status_code == 401
    key = token_for(leicester_office)
    services.api_token_revoke(
        token=ApiToken.objects.get(user=leicester_office), actor=None, reason="test"
    )
    assert api(key).get("/api/v1/cases/").status_code == 401


def test_a_deactivated_membership_loses_api_access(api, leicester_office):
    key = token_for(leicester_office)
    membership = leicester_office.memberships.get()
    membership.is_active = False
    membership.save()
    assert api(key).get("/api/v1/cases/").status_code == 401


def test_a_deactivated_user_loses_api_access(api, leicester_office):
    key = token_for(leicester_office)
    leicester_office.is_active = False
    leicester_office.save()
    assert api(key).get("/api/v1/cases/").status_code == 401


def test_tokens_are_stored_only_as_digests(leicester_office):
    key = token_for(leicester_office)
    token = ApiToken.objects.get(user=leicester_office)
    assert key not in (token.key_digest, token.key_prefix)
    assert len(key) >= 40


def test_a_user_of_two_partnerships_must_say_which_the_token_acts_for(api, leicester, lr):
    user = staff_user(leicester, role=Role.CRG_MEMBER)
    Membership.objects.create(user=user, role=Role.CRG_MEMBER, partnership=lr)
    with pytest.raises(CommandError, match="--partnership"):
        token_for(user)
    lr_case = open_case(lr)
    key = token_for(user, partnership="leicestershire-rutland")
    body = api(key).get("/api/v1/cases/").json()
    assert [item["reference"] for item in body["results"]] == [lr_case.reference]


def test_create_api_token_for_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user called"):
        call_command("create_api_token", "nobody")


def test_browser_session_uses_the_chosen_organisation(client, leicester, leicester_office):
    case = open_case(leicester)
    sign_in(client, leicester_office)
    response = client.get("/api/v1/cases/", HTTP_ACCEPT="application/json")
    assert [item["reference"] for item in response.json()["results"]] == [case.reference]


def test_openapi_schema_and_docs_are_for_signed_in_users(client, leicester_office):
    assert client.get(reverse("schema")).status_code in (401, 403)
    assert client.get(reverse("swagger-ui")).status_code in (401, 403)
    sign_in(client, leicester_office)
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/cases/" in paths
    assert "/api/v1/cases/{reference}/" in paths
    assert "tokenAuth" in schema.json()["components"]["securitySchemes"]
    assert client.get(reverse("swagger-ui")).status_code == 200
