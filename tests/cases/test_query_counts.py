"""List pages and list endpoints cost the same number of queries for 3 or 300 cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.services import api_token_create
from tests.factories import open_case, sign_in, staff_user


def _queries(fetch):
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def officer(leicester):
    return staff_user(leicester)


def _cases(partnership, officer, n):
    for _ in range(n):
        open_case(partnership, lead_officer=officer)


@pytest.mark.parametrize("path", ["/", "/cases/", "/cases/?stage=intake"])
def test_pages_do_not_grow_with_rows(
    path, client, leicester, officer, django_assert_max_num_queries
):
    sign_in(client, officer)
    _cases(leicester, officer, 3)
    few = _queries(lambda: client.get(path))
    _cases(leicester, officer, 297)
    with django_assert_max_num_queries(few):
        assert client.get(path).status_code == 200


def test_api_list_does_not_grow_with_rows(leicester, officer, django_assert_max_num_queries):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=officer.memberships.get())}"
    )
    _cases(leicester, officer, 3)
    few = _queries(lambda: client.get("/api/v1/cases/", {"page_size": 500}))
    _cases(leicester, officer, 297)
    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/cases/", {"page_size": 500})
    assert response.json()["count"] == 300
