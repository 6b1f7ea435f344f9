"""Every role, in each partnership, against every route, each status checked against the
access policy typed out in tests/access_policy.py (never against cases/permissions.py).

Routes come from the URL configuration, so a new page or endpoint is tried without being
listed here; it fails until tests/access_policy.py says who may reach it. Routes by id
(requests, documents, chronology, Rapid Review rows, meetings) are tried for every role
in tests/test_isolation.py against the same policy.
"""

import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from cases.models import Child, Membership, Role
from cases.services import api_token_create
from cases.tenancy import Scope
from tests.access_policy import (
    APPOINTED_ONLY,
    COLUMNS,
    POLICY,
    PUBLIC_ROUTES,
    ROUTES,
    SIGNED_IN,
    may,
    parse_table,
    route_name,
)
from tests.factories import (
    AgencyFactory,
    agency_user,
    appoint,
    open_case,
    sign_in,
    staff_user,
)
from tests.routes import POST_ONLY, PREPARED_FIRST, declared_access, routes, url_for
from tests.test_isolation import NON_CASE_PAGES, OTHER_PARAMETER_ROUTES

# Lists that must show the user's own case (and, like every page, none of the other's).
CASE_LISTS = {"case_list", "api_case_list", "access_log"}
# Children's names: distinctive, so that a page showing one cannot be missed.
CHILD_NAMES = {"leicester": "Zebedee Quarrington", "leicestershire-rutland": "Ottoline Pym"}
RESULTS = {"tried": 0, "unexpected": []}


def counts():
    """This process's (requests tried, unexpected answers), which tests/conftest.py adds up
    over the parallel test processes and prints at the end of the run."""
    return RESULTS["tried"], len(RESULTS["unexpected"])


def seeded_cases(partnerships):
    """A case in each partnership, with a named child: {slug: (case, child's name)}."""
    seeded = {}
    for slug, partnership in partnerships.items():
        case = open_case(partnership)
        Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAMES[slug])
        seeded[slug] = (case, CHILD_NAMES[slug])
    return seeded


def every_role(partnerships, seeded):
    """(role, partnership slug or None, user, whether the user may see the seeded case of
    their partnership): each role in each partnership, a Reviewer of each who is appointed
    to no review, and a user of an agency that serves both. Reviewers and Panel members
    are appointed to their partnership's seeded case: the only case they may see (§2.1.6)."""
    users = []
    for slug, partnership in partnerships.items():
        for role in Role:
            if role == Role.AGENCY_USER:
                continue
            user = staff_user(partnership, role=role)
            if role in APPOINTED_ONLY:
                appoint(seeded[slug][0], user, role)
            # The cross-partnership reporting role sees no case, not even its own
            # partnership's (issue 17): a page that shows one is wrong.
            users.append((role, slug, user, role != Role.JOINT_REPORTING))
        users.append((Role.REVIEWER, slug, staff_user(partnership, role=Role.REVIEWER), False))
    users.append((Role.AGENCY_USER, None, agency_user(AgencyFactory(name="Police")), True))
    return users


def expected_status(role, name, path, own):
    """The status the policy gives `role` on a GET of the route; `own`: whether the case
    in the URL is one the user may see (None: no case in the URL)."""
    needs = ROUTES[name]
    if name in POST_ONLY:
        # The API checks the role before the method; the pages refuse the method first.
        return 403 if path.startswith("api/") and not may(role, needs) else 405
    if not may(role, needs):
        return 403
    return 404 if own is False else 200


def _check_page(wrong, role, slug, name, url, response, seeded, expected, sees_own=True):
    """Record a status other than the expected one, or case data where none may be."""
    RESULTS["tried"] += 1
    text = response.content.decode(errors="replace")
    problems = []
    if expected is not None and response.status_code != expected:
        problems.append(f"status {response.status_code}, expected {expected}")
    for other_slug, (case, child) in seeded.items():
        mine = other_slug == slug and sees_own
        if not mine or name in NON_CASE_NAMES or name in PUBLIC_ROUTES:
            markers = (case.reference, child)
            if name == "access_log" and other_slug != slug:
                # What its own people did, their refused tries at the other's cases
                # included, names the reference they typed (and nothing more).
                markers = (child,)
            shown = [marker for marker in markers if marker in text]
            if shown:
                problems.append(f"shows {shown}")
        elif child in text and name != "restricted_file":
            problems.append("shows the child's name outside the restricted file")
    listed = name in CASE_LISTS and response.status_code == 200 and slug in seeded and sees_own
    if listed and seeded[slug][0].reference not in text:
        problems.append("does not list the user's own case")
    if problems:
        wrong.append((role, slug, url, problems))
        RESULTS["unexpected"].append((role, slug, url, problems))


NON_CASE_NAMES = {
    route_name(path, entry) for path, entry in routes() if path in NON_CASE_PAGES
} | POST_ONLY


def _get_routes():
    return [
        (path, entry, route_name(path, entry))
        for path, entry in routes()
        if path not in OTHER_PARAMETER_ROUTES
        and "pk" not in entry.pattern.converters
        and route_name(path, entry) != "password_reset_confirm"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("users_of", ["leicester", "leicestershire-rutland", "an agency"])
def test_every_role_partnership_and_route(users_of, partnerships):
    """Split by whose users ask, so that parallel test processes share the work."""
    seeded = seeded_cases(partnerships)
    wrong = []
    for role, slug, user, sees_own in every_role(partnerships, seeded):
        if (slug or "an agency") != users_of:
            continue
        client = sign_in(APIClient(), user)
        for path, entry, name in _get_routes():
            targets = (
                [
                    (case, other_slug == slug and sees_own)
                    for other_slug, (case, _) in seeded.items()
                ]
                if "reference" in entry.pattern.converters
                else [(None, None)]
            )
            for case, own in targets:
                url = url_for(path, case.reference if case else "")
                response = client.get(url, follow=name in PREPARED_FIRST)
                expected = None if name in PUBLIC_ROUTES else expected_status(role, name, path, own)
                if name in PUBLIC_ROUTES and response.status_code >= 500:
                    expected = 200
                _check_page(wrong, role, slug, name, url, response, seeded, expected, sees_own)
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.django_db
def test_api_tokens_follow_the_same_policy(partnerships):
    """A token acts with its membership's role and partnership."""
    seeded = seeded_cases(partnerships)
    api_routes = [(p, e, n) for p, e, n in _get_routes() if p.startswith("api/v1/")]
    wrong = []
    for role, slug, user, sees_own in every_role(partnerships, seeded):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
        )
        for path, entry, name in api_routes:
            for other_slug, (case, _) in seeded.items():
                mine = other_slug == slug and sees_own
                own = mine if "reference" in entry.pattern.converters else None
                url = url_for(path, case.reference)
                response = client.get(url)
                expected = expected_status(role, name, path, own)
                _check_page(wrong, role, slug, name, url, response, seeded, expected, sees_own)
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "password only"])
def test_without_both_factors_no_route_gives_case_data(who, partnerships, client):
    from tests.factories import UserFactory

    case = open_case(partnerships["leicester"])
    if who == "password only":
        user = UserFactory()
        Membership.objects.create(
            user=user, role=Role.BUSINESS_OFFICE, partnership=partnerships["leicester"]
        )
        client.force_login(user)  # the password step, without the code
    for path, entry in routes():
        if path in OTHER_PARAMETER_ROUTES:
            continue
        url = url_for(path, case.reference, pk=1)
        response = client.get(url)
        RESULTS["tried"] += 1
        assert case.reference.encode() not in response.content, url
        if route_name(path, entry) in PUBLIC_ROUTES:
            continue
        if path.startswith("api/"):
            assert response.status_code in (401, 403), url
        elif response.status_code != 405:  # a POST-only page refuses the method first
            assert response.status_code == 302, url
            target = "two-factor" if who == "password only" else "/sign-in/"
            assert target in response["Location"], url


def test_every_route_has_an_entry_in_the_policy():
    names = [route_name(path, entry) for path, entry in routes()]
    assert len(names) == len(set(names))
    assert set(ROUTES) & set(PUBLIC_ROUTES) == set()
    assert sorted(set(names) - set(ROUTES) - set(PUBLIC_ROUTES)) == []  # decide who may
    assert sorted((set(ROUTES) | set(PUBLIC_ROUTES)) - set(names)) == []  # stale entries
    assert set(ROUTES.values()) <= set(POLICY) | {"any role", SIGNED_IN}


def test_every_view_declares_what_it_needs_unless_it_is_public():
    """A view that declares nothing escapes the organisation and role checks: only the
    short list of public routes may."""
    undeclared, wrongly = [], []
    for path, entry in routes():
        name = route_name(path, entry)
        declared = declared_access(entry)
        if name in PUBLIC_ROUTES:
            if declared is not None:
                wrongly.append((name, declared))
        elif declared is None:
            undeclared.append(name)
        elif declared != ("sign-in" if ROUTES[name] == SIGNED_IN else "scope"):
            wrongly.append((name, declared))
    assert undeclared == []
    assert wrongly == []


def test_post_only_routes_declare_the_action_the_policy_gives_them():
    """A GET cannot reach them, so their declaration is read too (the refusals of
    a POST are tried in tests/test_isolation.py)."""
    for path, entry in routes():
        name = route_name(path, entry)
        if name not in POST_ONLY or ROUTES.get(name) not in POLICY:
            continue
        view = entry.callback
        cls = getattr(view, "cls", None)
        declared = cls.required_action if cls is not None else view.required_action
        assert declared == ROUTES[name], name


@pytest.mark.django_db
def test_each_role_may_do_what_the_policy_says(partnerships):
    """Every role against every action, as the views (`Scope.can`) and the services
    (`user_can`, through `require`) ask, against the typed-out policy."""
    from cases.permissions import Action, user_can  # the code under test, not the oracle

    assert set(COLUMNS.values()) == set(Role), "a new role needs a column in the policy"
    assert set(POLICY) == {a.value for a in Action}, "a new action needs a row"
    partnership = partnerships["leicester"]
    agency = AgencyFactory(name="Police")
    for role in Role:
        if role == Role.AGENCY_USER:
            user = agency_user(agency)
        else:
            user = staff_user(partnership, role=role)
        scope = Scope(user=user, membership=user.memberships.get())
        for action in Action:
            expected = role in POLICY[action.value]
            assert scope.can(action) is expected, (role, action)
            if role != Role.AGENCY_USER:
                assert user_can(user, partnership, action) is expected, (role, action)


def test_the_readme_shows_the_same_policy():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Who may do what", 1)[1]
    table = re.search(r"(^\|.*\|\n)+", section, re.MULTILINE).group(0)
    assert parse_table(table) == POLICY
