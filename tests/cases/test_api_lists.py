"""Every API list (issue 17: API): pages by cursor as well as by number, through every row
with none repeated or lost, forwards and back; filters by date (`from`, `to`: each list's
own date) and by the case's stage with known answers; refuses a bad value with a 400 (or,
for values the schema allows but a rule does not, a 422) naming it; and never shows
another partnership's rows. Hand-built rows in both partnerships, with ties on each list's
first order column (two cases received the same day, two publications the same day…) so
that the id decides, and NULLs where a list orders by a nullable date."""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import AgencyKind, Case, InformationRequest, Stage
from cases.services import api_token_create
from publication.models import PlanAction
from reviews.services import lcspr_open
from tests.factories import AgencyFactory, agency_user, open_case, staff_user, working_days_ahead
from tests.publication.action_fixtures import _media_in_tmp, make_plan  # noqa: F401
from tests.publication.public_rows import publication

pytestmark = pytest.mark.django_db

UK = ZoneInfo("Europe/London")


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )
    return client


def _on(partnership, opened_on: date, stage: str | None = None) -> Case:
    """A case received on `opened_on`; `stage` set on the row, as a test's data."""
    case = open_case(partnership, opened_on=opened_on)
    if stage is not None:
        Case.unscoped.filter(pk=case.pk).update(stage=stage)
        case.refresh_from_db()
    return case


def _rows_of(partnership, police, health) -> dict:
    """One partnership's rows of every list, by name."""
    d = date
    office = staff_user(partnership)
    made: dict = {"office": office}
    # Cases, and the Rapid Reviews (cases at a deciding stage).
    made["c1"] = _on(partnership, d(2024, 4, 10), Stage.RAPID_REVIEW)
    made["c2"] = _on(partnership, d(2024, 4, 10), Stage.RAPID_REVIEW)
    made["c3"] = _on(partnership, d(2024, 6, 1), Stage.RAPID_REVIEW)  # then referral_decision
    made["c4"] = _on(partnership, d(2024, 6, 1))
    made["c5"] = _on(partnership, d(2024, 9, 15), Stage.RAPID_REVIEW)
    made["c6"] = _on(partnership, d(2025, 1, 5))
    # Information requests, each sent at a set time (r2: 23:30 UTC on 30 June, which is
    # 1 July in the UK; r4 at the same time as r1).
    sent = {
        "r1": ("c1", police, datetime(2024, 4, 11, 10, 0, tzinfo=UK)),
        "r2": ("c3", police, datetime(2024, 6, 30, 23, 30, tzinfo=UTC)),
        "r3": ("c5", police, datetime(2024, 9, 16, 9, 0, tzinfo=UK)),
        "r4": ("c1", health, datetime(2024, 4, 11, 10, 0, tzinfo=UK)),
    }
    for name, (case, agency, at) in sent.items():
        (request,) = services.information_requests_send(
            case=made[case], agencies=[agency], reply_due_on=working_days_ahead(7), actor=office
        )
        InformationRequest.unscoped.filter(pk=request.pk).update(sent_at=at)
        made[name] = request
    Case.unscoped.filter(pk=made["c3"].pk).update(stage=Stage.REFERRAL_DECISION)
    # LCSPRs: l1 and l2 decided the same day.
    for name, decided_on, stage in (
        ("l1", d(2024, 5, 1), Stage.LCSPR),
        ("l2", d(2024, 5, 1), Stage.PUBLICATION),
        ("l3", d(2024, 8, 1), Stage.LCSPR),
    ):
        case = _on(partnership, d(2024, 3, 1), stage)
        made[name] = lcspr_open(
            case=case, decided_on=decided_on, key_lines_of_enquiry="", actor=None
        )
    # Publications: p1 and p2 the same day; p4 planned only, p5 not even planned (NULLs).
    for name, published_on, planned_on in (
        ("p1", d(2024, 10, 1), None),
        ("p2", d(2024, 10, 1), None),
        ("p3", d(2024, 12, 2), d(2024, 12, 1)),
        ("p4", None, d(2025, 1, 15)),
        ("p5", None, None),
    ):
        made[name], _ = publication(
            partnership, published_on=published_on, planned_on=planned_on, decided_on=d(2024, 2, 1)
        )
    Case.unscoped.filter(pk=made["p3"].lcspr.case_id).update(stage=Stage.PUBLICATION)
    # Actions: a2 and a3 due the same day; a4 closed (the list orders by status first).
    for name, due_in in (("a1", -5), ("a2", 10), ("a3", 10), ("a4", 40)):
        made[name] = make_plan(partnership, police, office=office, due_in_days=due_in)["action"]
    PlanAction.unscoped.filter(pk=made["a4"].pk).update(status="closed")
    Case.unscoped.filter(pk=made["a4"].plan.case_id).update(stage=Stage.LEARNING)
    made["today"] = timezone.localdate()
    return made


@pytest.fixture
def rows(leicester, lr, _media_in_tmp):  # noqa: F811
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    health = AgencyFactory(name="Health Trust", kind=AgencyKind.HEALTH_TRUST)
    made = {p.slug: _rows_of(p, police, health) for p in (leicester, lr)}
    made["police"] = police
    return made


# Each list: its address and the field that names a row.
LISTS = {
    "cases": ("/api/v1/cases/", "reference"),
    "information-requests": ("/api/v1/information-requests/", "id"),
    "rapid-reviews": ("/api/v1/rapid-reviews/", "case_reference"),
    "lcsprs": ("/api/v1/lcsprs/", "case_reference"),
    "publications": ("/api/v1/publications/", "case_reference"),
    "action-plans": ("/api/v1/action-plans/", "id"),
}


def _names(made: dict, endpoint: str) -> dict:
    """The fixture's name (c1, r2, l3, p4, a1…) of each row a list shows, by its key."""
    named = {}
    for name, value in made.items():
        if endpoint in ("cases", "rapid-reviews") and isinstance(value, Case):
            named[value.reference] = name
        elif endpoint == "information-requests" and isinstance(value, InformationRequest):
            named[value.pk] = name
        elif endpoint == "lcsprs" and name[0] == "l":
            named[value.case.reference] = name
        elif endpoint == "publications" and name[0] == "p":
            named[value.lcspr.case.reference] = name
        elif endpoint == "action-plans" and isinstance(value, PlanAction):
            named[value.pk] = name
    return named


def _keys_of(partnership, endpoint: str) -> set:
    """The keys of all the partnership's rows that a list of `endpoint` could show."""
    if endpoint == "information-requests":
        found = InformationRequest.unscoped.filter(case__partnership=partnership)
        return set(found.values_list("pk", flat=True))
    if endpoint == "action-plans":
        found = PlanAction.unscoped.filter(plan__partnership=partnership)
        return set(found.values_list("pk", flat=True))
    found = Case.unscoped.filter(partnership=partnership)
    return set(found.values_list("reference", flat=True))


def _by_pages(client, url, key, **params) -> list:
    response = client.get(url, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return [row[key] for row in body["results"]]


def _by_cursor(client, url, key, size=2, **params) -> tuple[list, str]:
    """Every row, following `next` from the first cursor page; and the last page's URL."""
    seen, pages = [], 0
    response = client.get(url, {"pagination": "cursor", "page_size": size, **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        assert len(body["results"]) <= size
        seen += [row[key] for row in body["results"]]
        pages += 1
        assert pages < 100
        if body["next"] is None:
            return seen, response.wsgi_request.get_full_path()
        assert "cursor=" in body["next"]
        assert "page=" not in body["next"]
        response = client.get(body["next"])


def _backwards(client, last_page: str, key) -> list:
    """Every row, following `previous` from the last page, in the list's order."""
    response = client.get(last_page)
    seen: list = []
    while True:
        body = response.json()
        seen = [row[key] for row in body["results"]] + seen
        if body["previous"] is None:
            return seen
        response = client.get(body["previous"])
        assert response.status_code == 200, response.content


# Each test below builds both partnerships' rows once and tries every list on them.


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_each_list_pages_by_cursor_through_every_row_once(rows, slug):
    client = _client(rows[slug]["office"])
    for endpoint, (url, key) in LISTS.items():
        expected = _by_pages(client, url, key)
        assert len(expected) >= 4, endpoint  # several pages, and ties inside them
        for size in (1, 2, 3):
            forwards, last_page = _by_cursor(client, url, key, size=size)
            # In the list's order, none repeated, none lost; and back again.
            assert forwards == expected, (endpoint, size)
            assert _backwards(client, last_page, key) == expected, (endpoint, size)


def test_a_portal_token_pages_by_cursor_through_its_agencys_rows_of_both(rows):
    client = _client(agency_user(rows["police"]))
    for endpoint, count in (("information-requests", 6), ("action-plans", 8)):
        url, key = LISTS[endpoint]
        expected = _by_pages(client, url, key)
        assert len(expected) == count
        assert _by_cursor(client, url, key)[0] == expected


def test_a_case_received_while_paging_neither_repeats_nor_shifts_the_rest(rows, leicester):
    url, key = LISTS["cases"]
    client = _client(rows["leicester"]["office"])
    before = _by_pages(client, url, key)
    first = client.get(url, {"pagination": "cursor", "page_size": 3}).json()
    _on(leicester, timezone.localdate())  # newest: it sorts first, before the cursor
    second = client.get(first["next"]).json()
    assert [r[key] for r in first["results"] + second["results"]] == before[:6]


# --- Filters with known answers ------------------------------------------------------------

FILTERED = [
    ("cases", {"from": "2024-04-10", "to": "2024-06-01"}, ["c4", "c3", "c2", "c1"]),
    ("cases", {"from": "2024-06-02", "to": "2025-01-05"}, ["c6", "c5"]),
    ("cases", {"stage": "rapid_review"}, ["c5", "c2", "c1"]),
    (
        "cases",
        {"stage": ["rapid_review", "referral_decision"], "to": "2024-06-30"},
        ["c3", "c2", "c1"],
    ),
    ("information-requests", {"from": "2024-07-01", "to": "2024-07-01"}, ["r2"]),
    ("information-requests", {"from": "2024-06-30", "to": "2024-06-30"}, []),
    ("information-requests", {"to": "2024-04-11"}, ["r4", "r1"]),
    ("information-requests", {"stage": "referral_decision"}, ["r2"]),
    ("rapid-reviews", {"from": "2024-06-01", "to": "2024-12-31"}, ["c5", "c3"]),
    ("rapid-reviews", {"stage": "referral_decision"}, ["c3"]),
    ("lcsprs", {"from": "2024-05-01", "to": "2024-05-01"}, ["l2", "l1"]),
    ("lcsprs", {"from": "2024-05-02"}, ["l3"]),
    ("lcsprs", {"stage": "lcspr"}, ["l3", "l1"]),
    ("publications", {"from": "2024-10-01", "to": "2024-10-31"}, ["p2", "p1"]),
    ("publications", {"from": "2024-01-01"}, ["p3", "p2", "p1"]),
    ("publications", {"stage": "publication"}, ["p3"]),
    ("action-plans", {"stage": "learning"}, ["a4"]),
]


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_filters_have_known_answers_by_page_and_by_cursor(rows, slug):
    client = _client(rows[slug]["office"])
    for endpoint, params, names in FILTERED:
        url, key = LISTS[endpoint]
        named = _names(rows[slug], endpoint)
        by_pages = [named.get(row, row) for row in _by_pages(client, url, key, **params)]
        assert by_pages == names, (endpoint, params)
        by_cursor = [named.get(row, row) for row in _by_cursor(client, url, key, **params)[0]]
        assert by_cursor == names, (endpoint, params)


def test_the_action_plans_filter_by_due_date(rows):
    made = rows["leicester"]
    url, key = LISTS["action-plans"]
    client = _client(made["office"])
    named = _names(made, "action-plans")
    due = (made["today"] + timedelta(days=10)).isoformat()
    listed = _by_pages(client, url, key, **{"from": due, "to": due})
    assert [named[row] for row in listed] == ["a2", "a3"]
    assert _by_cursor(client, url, key, size=1, **{"from": due, "to": due})[0] == listed
    # Closed sorts before open (by the word), then the soonest due, then the id.
    assert [named[row] for row in _by_pages(client, url, key)] == ["a4", "a1", "a2", "a3"]


# --- Bad values ----------------------------------------------------------------------------


def _cursor(body: dict) -> str:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD = [
    ({"from": "2024-13-01"}, 400, "from"),
    ({"to": "yesterday"}, 400, "to"),
    ({"from": "2024-1-5x"}, 400, "from"),
    ({"stage": "nowhere"}, 400, "stage"),
    ({"stage": ["intake", "nowhere"]}, 400, "stage"),
    ({"pagination": "sideways"}, 400, "pagination"),
    ({"cursor": "not a cursor!"}, 400, "cursor"),
    ({"page": "0"}, 400, "page"),
    ({"page_size": "0", "pagination": "cursor"}, 400, "page_size"),
    ({"page_size": "501", "pagination": "cursor"}, 400, "page_size"),
    # As the schema says, but refused by a rule: 422, named.
    ({"from": "2024-06-02", "to": "2024-06-01"}, 422, "to"),
    ({"cursor": "abc"}, 422, "cursor"),
    ({"cursor": _cursor({"v": ["2024-04-10"]})}, 422, "cursor"),
    ({"cursor": _cursor({"v": ["not a date", 1]})}, 422, "cursor"),
    ({"cursor": _cursor({"v": "2024-04-10"})}, 422, "cursor"),
    ({"cursor": _cursor([1, 2])}, 422, "cursor"),
    ({"cursor": "", "page": "2"}, 422, "page"),
    ({"pagination": "cursor", "page": "1"}, 422, "page"),
    ({"pagination": "page", "cursor": ""}, 422, "cursor"),
]


@pytest.mark.parametrize("endpoint", LISTS)
def test_a_bad_value_is_refused_naming_it(leicester, endpoint):
    client = _client(staff_user(leicester))
    url, _ = LISTS[endpoint]
    for params, status, named in BAD:
        response = client.get(url, params)
        assert response.status_code == status, (params, response.content)
        assert named in response.json(), (params, response.json())


def test_a_cursor_with_a_value_of_the_wrong_type_is_refused(leicester):
    client = _client(staff_user(leicester))
    for values in (
        ["not a date", 1],
        ["2024-04-10", "x"],
        ["2024-04-10", 10**30],  # past a bigint
        ["2024-04-10", True],
        [None, None],  # neither column has NULLs
        [{"a": 1}, 1],
        ["2024-04-10\u0000", 1],
    ):
        response = client.get("/api/v1/cases/", {"cursor": _cursor({"v": values})})
        assert response.status_code == 422, values
        assert list(response.json()) == ["cursor"]
    choice = _cursor({"v": ["nowhere", "2024-04-10", 1]})  # not a status
    assert client.get("/api/v1/action-plans/", {"cursor": choice}).status_code == 422
    naive = _cursor({"v": ["2024-04-11T10:00:00", 1]})  # a time without its offset
    assert client.get("/api/v1/information-requests/", {"cursor": naive}).status_code == 422


# --- Partnerships ---------------------------------------------------------------------------


def test_another_partnerships_rows_never_appear(rows, leicester, lr):
    for (endpoint, (url, key)), (own, other) in itertools.product(
        LISTS.items(), ((leicester, lr), (lr, leicester))
    ):
        client = _client(rows[own.slug]["office"])
        listed = _by_pages(client, url, key) + _by_cursor(client, url, key)[0]
        for params in ({"from": "2000-01-01"}, {"stage": list(Stage.values)}):
            listed += _by_cursor(client, url, key, **params)[0]
        assert listed, endpoint
        assert set(listed) <= _keys_of(own, endpoint), endpoint
        assert not set(listed) & _keys_of(other, endpoint), endpoint


def test_a_cursor_taken_to_the_other_partnership_shows_only_its_own_rows(rows, lr):
    """A cursor is a position only: taken to the other partnership's token, it pages on
    through that partnership's rows after the same values."""
    url, key = LISTS["cases"]
    mine = _client(rows["leicester"]["office"])
    theirs = _client(rows["leicestershire-rutland"]["office"])
    cursor = mine.get(url, {"pagination": "cursor", "page_size": 2}).json()["next"]
    shown = [row[key] for row in theirs.get(cursor).json()["results"]]
    assert shown
    assert set(shown) <= _keys_of(lr, "cases")


# --- Throttling ------------------------------------------------------------------------------


def test_too_many_requests_answer_429_saying_how_long_to_wait(leicester, monkeypatch):
    from cases.api.throttling import ApiClientThrottle

    cache.clear()
    monkeypatch.setattr(ApiClientThrottle, "THROTTLE_RATES", {"api_client": "2/minute"})
    client = _client(staff_user(leicester))
    answers = [client.get("/api/v1/cases/", {"pagination": "cursor"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    wait = int(answers[2]["Retry-After"])
    assert 0 < wait <= 60
    assert answers[2]["Content-Type"] == "application/json"
    detail = answers[2].json()["detail"]
    assert f"wait {wait} second" in detail
    cache.clear()


# --- The schema --------------------------------------------------------------------------------


def test_the_schema_describes_each_lists_paging_and_filters(leicester):
    client = _client(staff_user(leicester))
    schema = client.get("/api/schema/?format=json").json()
    dates = {
        "cases": "opened_on",
        "information-requests": "sent_at",
        "rapid-reviews": "opened_on",
        "lcsprs": "decided_on",
        "publications": "published_on",
        "action-plans": "due_on",
    }
    for endpoint, (url, _) in LISTS.items():
        operation = schema["paths"][url]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert {"page", "page_size", "pagination", "cursor", "from", "to", "stage"} <= set(
            parameters
        )
        for name in ("from", "to"):
            assert parameters[name]["schema"]["format"] == "date"
            assert dates[endpoint] in parameters[name]["description"]
        for name in ("pagination", "cursor", "from", "to", "stage"):
            assert parameters[name]["examples"], (endpoint, name)
        assert {"400", "422", "429"} <= set(operation["responses"])
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
        assert component["required"] == ["next", "previous", "results"]
