"""Every role, in each partnership, against every route: allowed as the permission table
says, otherwise refused (403) or not found (404). Generated from the URL configuration
and each view's declared action, so a new page or endpoint is tried without being listed.
"""

import pytest
from rest_framework.test import APIClient

from cases.models import Role
from cases.permissions import role_can
from cases.services import api_token_create
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, staff_user
from tests.routes import routes, url_for, view_rule
from tests.test_isolation import (
    NON_CASE_PAGES,
    OTHER_PARAMETER_ROUTES,
    PK_ROUTES,
    RAPID_REVIEW_LIST_ROUTES,
    RAPID_REVIEW_PK_ROUTES,
    REQUEST_LIST_ROUTES,
)

# Routes that only accept POST (GET answers 405), or that end the session. The
# intake API is tried with POST in tests/cases/test_api_intake.py; routes by request
# id in tests/test_isolation.py.
NOT_READ_BY_GET = {
    "sign-out/",
    "calendar/new/",
    "calendar/stop/",
    "api/v1/notifications/",
    "api/v1/referrals/",
    # The CRG calendar's pages by id: tests/test_isolation.py.
    "meetings/<int:pk>/",
    "meetings/<int:pk>/cancel/",
    "meetings/attendance/<int:pk>/remove/",
    *PK_ROUTES,
    *RAPID_REVIEW_PK_ROUTES,
}
RESULTS = {"tried": 0, "unexpected": []}


def summary_line():
    """Printed at the end of the run by tests/conftest.py."""
    return (
        f"access matrix: {RESULTS['tried']} role x partnership x route requests tried, "
        f"{len(RESULTS['unexpected'])} unexpected"
    )


def _users(partnerships):
    users = []
    police = AgencyFactory(name="Leicestershire Police")
    for slug, partnership in partnerships.items():
        for role in Role:
            if role == Role.AGENCY_USER:
                continue
            users.append((role, slug, staff_user(partnership, role=role)))
    users.append((Role.AGENCY_USER, "both", agency_user(police)))
    return users


def _expected(role, own, route_entry):
    needs_scope, action = view_rule(route_entry)
    if not needs_scope:
        return {200, 302, 401, 403, 405}  # sign-in pages, docs: never case data
    if action is not None and not role_can(role, action):
        return {403}
    return {200} if own else {404}


@pytest.mark.django_db
def test_every_role_partnership_and_route(partnerships):
    cases = {slug: open_case(p) for slug, p in partnerships.items()}
    all_routes = [
        (path, entry)
        for path, entry in routes()
        if path not in OTHER_PARAMETER_ROUTES and path not in NOT_READ_BY_GET
    ]
    for role, slug, user in _users(partnerships):
        client = sign_in(APIClient(), user)
        for path, entry in all_routes:
            targets = (
                [(case, case.partnership.slug == slug) for case in cases.values()]
                if "reference" in entry.pattern.converters
                else [(None, True)]
            )
            for case, own in targets:
                url = url_for(path, case.reference if case else "")
                status = client.get(url).status_code
                RESULTS["tried"] += 1
                expected = _expected(role, own, entry)
                if role == Role.AGENCY_USER and case is not None:
                    expected = {403, 404}
                if status not in expected:
                    RESULTS["unexpected"].append((role, slug, url, status, sorted(expected)))
    assert RESULTS["unexpected"] == []
    assert RESULTS["tried"] > 100


@pytest.mark.django_db
def test_api_tokens_follow_the_same_table(partnerships):
    """A token acts with its membership's role and partnership."""
    cases = {slug: open_case(p) for slug, p in partnerships.items()}
    api_routes = [
        (p, e) for p, e in routes() if p.startswith("api/v1/") and p not in NOT_READ_BY_GET
    ]
    for role, slug, user in _users(partnerships):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
        )
        for path, entry in api_routes:
            for case in cases.values():
                own = case.partnership.slug == slug
                url = url_for(path, case.reference)
                status = client.get(url).status_code
                RESULTS["tried"] += 1
                _, action = view_rule(entry)
                allowed = role_can(role, action)
                if not allowed:
                    assert status == 403, (role, url, status)
                elif "reference" in entry.pattern.converters:
                    assert status == (200 if own else 404), (role, url, status)
                else:
                    assert status == 200, (role, url, status)
                    if path not in NON_CASE_PAGES | REQUEST_LIST_ROUTES | RAPID_REVIEW_LIST_ROUTES:
                        assert (case.reference in client.get(url).content.decode()) == own


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "password only"])
def test_without_both_factors_no_route_gives_case_data(who, partnerships, client):
    from cases.models import Membership
    from tests.factories import UserFactory

    case = open_case(partnerships["leicester"])
    if who == "password only":
        user = UserFactory()
        Membership.objects.create(
            user=user, role=Role.BUSINESS_OFFICE, partnership=partnerships["leicester"]
        )
        client.force_login(user)  # the password step, without the code
    for path, entry in routes():
        if path in NOT_READ_BY_GET or path in OTHER_PARAMETER_ROUTES:
            continue
        needs_scope, _ = view_rule(entry)
        url = url_for(path, case.reference)
        response = client.get(url)
        RESULTS["tried"] += 1
        if not needs_scope:
            continue
        assert case.reference.encode() not in response.content, url
        if path.startswith("api/"):
            assert response.status_code in (401, 403), url
        else:
            assert response.status_code == 302, url
            target = "two-factor" if who == "password only" else "/sign-in/"
            assert target in response["Location"], url


def test_views_declare_what_they_need():
    rules = {entry.name: view_rule(entry) for _, entry in routes()}
    assert rules["dashboard"] == (True, None)
    assert rules["case_detail"] == (True, "view_cases")
    assert rules["access_log"] == (True, "view_access_log")
    assert rules["api_case_list"] == (True, "read_api")
    assert rules["login"] == (False, None)
