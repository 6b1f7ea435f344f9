"""Security headers on every response, as a browser receives them."""

import pytest
from django.urls import reverse

from tests.factories import open_case, sign_in


@pytest.mark.parametrize("path", ["/sign-in/", "/", "/cases/", "/api/v1/cases/"])
def test_every_page_carries_the_security_headers(client, leicester_office, path):
    sign_in(client, leicester_office)
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";"))
    )
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_do_not_use_inline_script(client, leicester_office):
    sign_in(client, leicester_office)
    for path in ["/sign-in/", "/", "/cases/"]:
        html = client.get(path).text
        assert "<script>" not in html
        assert "onclick=" not in html


def test_https_deployments_send_hsts_and_secure_cookies(client, settings, leicester_office):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(
        reverse("login"),
        {"username": "t-leicester-office", "password": "correct-horse-battery"},
        secure=True,
    )
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_uploaded_files_are_not_served_from_a_public_path(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    (tmp_path / "chronology.pdf").write_bytes(b"%PDF-1.4 secret")
    for path in ["/media/chronology.pdf", "/chronology.pdf", "/static/chronology.pdf"]:
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/", "/cases/", "{case}", "{case}timeline/", "/api/v1/cases/", "/api/v1/cases/{ref}/"]
)
def test_nothing_a_signed_in_person_sees_is_stored_by_a_cache(
    client, leicester, leicester_office, path
):
    """Issue 11, item 10: after signing out, Back must not show a case page from a cache."""
    case = open_case(leicester)
    sign_in(client, leicester_office)
    response = client.get(path.format(case=case.get_absolute_url(), ref=case.reference))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_stored_even_when_refused(client, db):
    response = client.get("/api/v1/cases/")
    assert response.status_code in (401, 403)
    assert "no-store" in response["Cache-Control"]


def test_api_token_answers_are_not_stored(leicester_office):
    from rest_framework.test import APIClient

    from cases import services

    api = APIClient()
    key = services.api_token_create(membership=leicester_office.memberships.get())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/cases/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_may_still_be_cached(client, leicester_office):
    sign_in(client, leicester_office)
    response = client.get("/static/js/app.mjs")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
