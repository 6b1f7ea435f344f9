"""Cross-tenant reads, generated from the URL configuration so every new page is covered.

Every route that takes a case `reference` must answer 404 to a user of the other
partnership (UI and API alike), and no list page may show the other's references.
"""

import pytest
from rest_framework.test import APIClient

from cases.services import api_token_create
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, staff_user
from tests.routes import routes, url_for

CASE_ROUTES = sorted(
    path for path, entry in routes() if set(entry.pattern.converters) == {"reference"}
)
# Pages without parameters that show no case data; every other one must list the
# user's own cases and none of the other partnership's.
NON_CASE_PAGES = {
    "sign-in/",
    "sign-in/two-factor/",
    "sign-in/set-up-two-factor/",
    "sign-in/recovery-codes/",
    "password-reset/",
    "password-reset/sent/",
    "password-reset/done/",
    "admin/login/",
    "sign-out/",
    "organisation/",
    "health/",
    "api/schema/",
    "api/docs/",
    "timescales/",  # the timescale calculator: rules and dates, no case data
    "calendar/",  # the page to make or stop one's calendar feed
    "calendar/new/",
    "calendar/stop/",
    "api/v1/timescales/",
}
LIST_ROUTES = sorted(
    path for path, entry in routes() if "<" not in path and path not in NON_CASE_PAGES
)


# Routes with parameters that are not a case reference. A new one must be
# added here or to the isolation tests below: no route escapes unnoticed.
OTHER_PARAMETER_ROUTES = {
    "calendar/<str:token>.ics",  # a secret per-user feed (tests/cases/test_calendar_feed.py)
    "notifications/<int:pk>/dismiss/",  # POST only, the user's own (tests/cases/test_reminders.py)
    "password-reset/<uidb64>/<token>/",  # a signed one-time link, no case data
}


def test_every_route_with_parameters_is_checked():
    unchecked = {
        path
        for path, entry in routes()
        if entry.pattern.converters
        and set(entry.pattern.converters) != {"reference"}
        and path not in OTHER_PARAMETER_ROUTES
    }
    assert unchecked == set()


def test_the_generated_route_lists_hold_the_known_pages():
    assert {"cases/<str:reference>/", "api/v1/cases/<str:reference>/"} <= set(CASE_ROUTES)
    assert {"", "cases/", "api/v1/cases/"} <= set(LIST_ROUTES)


@pytest.fixture
def two_cases(leicester, lr):
    return open_case(leicester), open_case(lr)


@pytest.mark.parametrize("path", CASE_ROUTES)
def test_a_case_of_the_other_partnership_is_not_found(path, client, two_cases, lr):
    leicester_case, lr_case = two_cases
    lr_user = staff_user(lr)
    sign_in(client, lr_user)
    assert client.get(url_for(path, lr_case.reference)).status_code == 200
    assert client.get(url_for(path, leicester_case.reference)).status_code == 404


@pytest.mark.parametrize("path", [p for p in CASE_ROUTES if p.startswith("api/")])
def test_a_token_of_the_other_partnership_gets_not_found(path, two_cases, leicester):
    leicester_case, lr_case = two_cases
    key = api_token_create(membership=staff_user(leicester).memberships.get())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(url_for(path, leicester_case.reference)).status_code == 200
    assert client.get(url_for(path, lr_case.reference)).status_code == 404


@pytest.mark.parametrize("path", CASE_ROUTES)
def test_agency_users_never_read_a_case_page(path, client, two_cases):
    sign_in(client, agency_user(AgencyFactory(name="Leicestershire Police")))
    for case in two_cases:
        assert client.get(url_for(path, case.reference)).status_code in (403, 404)


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_list_pages_show_only_the_own_partnership(path, client, leicester, lr):
    officer = staff_user(leicester)
    other_officer = staff_user(lr)
    own = open_case(leicester, lead_officer=officer)
    other = open_case(lr, lead_officer=other_officer)
    # Both look at their own case, so that logs of reads have something to show.
    sign_in(client, other_officer).get(other.get_absolute_url())
    sign_in(client, officer).get(own.get_absolute_url())
    response = client.get(url_for(path), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert own.reference in response.text
    assert other.reference not in response.text
