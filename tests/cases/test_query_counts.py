"""List pages and list endpoints cost the same number of queries for 3 or 300 cases."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import (
    AccessAction,
    AccessEvent,
    AgencyKind,
    Case,
    Deadline,
    DeadlineStatus,
    Reminder,
)
from cases.services import api_token_create
from rapidreview.models import (
    CrgMeeting,
    Invitation,
    InviteeKind,
    MeetingKind,
    OutcomeNotice,
    RapidReview,
)
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, staff_user
from tests.publication.action_fixtures import make_plan
from tests.reporting.bulk import bulk_cases


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


def _log(partnership, n):
    AccessEvent.unscoped.bulk_create(
        AccessEvent(
            username=f"reader{k}",
            partnership=partnership,
            case_partnership=partnership,
            action=AccessAction.VIEW,
            object_reference=f"LSCP-2026-{k:04d}",
        )
        for k in range(n)
    )


def test_the_access_log_costs_the_same_for_3_events_as_for_300(
    client, leicester, officer, django_assert_max_num_queries
):
    """Its first page and an older one: paged by keyset, it counts nothing (issue 18)."""
    sign_in(client, officer)
    _log(leicester, 3)
    few = _queries(lambda: client.get("/access-log/"))
    _log(leicester, 297)
    with django_assert_max_num_queries(few):
        first = client.get("/access-log/")
    assert len(first.context["events"]) == 50
    with django_assert_max_num_queries(few):
        older = client.get("/access-log/" + first.context["older_url"])
    assert len(older.context["events"]) == 50
    assert older.context["events"][0].pk < first.context["events"][-1].pk


# --- The agency portal and the office's dashboard (issue 18) --------------------------------

FEW, MANY = 3, 30


def _papers(cases, agency):
    """Each case's Rapid Review, its meeting (none, to come or held, in turn), the agency's
    invitation to it and, for every other case, the outcome sent to the agency."""
    today = timezone.localdate()
    have = set(RapidReview.unscoped.filter(case__in=cases).values_list("case_id", flat=True))
    RapidReview.unscoped.bulk_create(RapidReview(case=c) for c in cases if c.pk not in have)
    reviews = list(RapidReview.unscoped.filter(case__in=cases).select_related("case"))
    for n, review in enumerate(reviews):
        if n % 3:
            review.meeting = CrgMeeting.unscoped.create(
                partnership=review.case.partnership,
                kind=MeetingKind.MONTHLY,
                held_on=today + timedelta(days=10 if n % 3 == 1 else -10),
            )
    RapidReview.unscoped.bulk_update(reviews, ["meeting"])
    Invitation.unscoped.bulk_create(
        Invitation(review=review, kind=InviteeKind.AGENCY, agency=agency) for review in reviews
    )
    OutcomeNotice.unscoped.bulk_create(
        OutcomeNotice(review=review, agency=agency) for review in reviews[::2]
    )


def _reminders(cases, user):
    """A notification to `user` about each open deadline of the cases."""
    Reminder.unscoped.bulk_create(
        Reminder(
            deadline=deadline,
            recipient=user,
            kind="due",
            threshold=3,
            due_date=deadline.due_date,
        )
        for deadline in Deadline.unscoped.filter(case__in=cases, status=DeadlineStatus.OPEN)
    )


def _agency_rows(world, n, first):
    """`n` cases in each partnership, received over the last weeks (so that replies are
    overdue, due soon or further off), each with a request to the police and one to health
    in every status; their Rapid Reviews, meetings, invitations and outcomes; the office's
    notifications about the Leicester cases, which it leads; and `n` of the police's
    actions due about now."""
    start = timezone.localdate() - timedelta(days=20)
    for i, partnership in enumerate((world["leicester"], world["lr"])):
        cases = bulk_cases(
            partnership,
            n,
            start=start,
            days=30,
            agencies=[world["police"], world["health"]],
            first_number=first + i * 1000,
        )
        _papers(cases, world["police"])
        if partnership == world["leicester"]:
            Case.unscoped.filter(pk__in=[c.pk for c in cases]).update(lead_officer=world["office"])
            _reminders(cases, world["office"])
    for k in range(n):
        due = k % 3 - 1  # overdue, due today, due tomorrow
        make_plan(world["leicester"], world["police"], office=world["office"], due_in_days=due)


@pytest.fixture
def world(leicester, lr):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    health = AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)
    return {
        "leicester": leicester,
        "lr": lr,
        "police": police,
        "health": health,
        "office": staff_user(leicester),
        "police_user": agency_user(police),
    }


def _page_counts(client, user, paths) -> dict[str, int]:
    sign_in(client, user)
    client.get(paths[0])  # the session's first request, uncounted
    return {path: _queries(lambda path=path: client.get(path)) for path in paths}


def _api_counts(world) -> dict[str, int]:
    counts = {}
    for name in ("office", "police_user"):
        client = APIClient()
        key = api_token_create(membership=world[name].memberships.get())
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.get("/api/v1/information-requests/")  # the token's first use, uncounted
        counts[name] = _queries(lambda c=client: c.get("/api/v1/information-requests/"))
    return counts


PORTAL_PAGES = ["/portal/", "/portal/papers/", "/", "/portal/?page=2&submitted_page=2"]


def test_the_portal_and_the_office_dashboard_cost_the_same_for_30_requests_as_for_3(client, world):
    """The police's portal pages and dashboard, and the Leicester office's dashboard (its
    next deadlines, notifications and replies to review), issue the same number of queries
    whether the police received 3 requests in each partnership or 30; so do the API lists."""
    _agency_rows(world, FEW, first=1)
    few = {
        "police": _page_counts(client, world["police_user"], PORTAL_PAGES),
        "office": _page_counts(client, world["office"], ["/"]),
        "api": _api_counts(world),
    }
    _agency_rows(world, MANY - FEW, first=100)
    many = {
        "police": _page_counts(client, world["police_user"], PORTAL_PAGES),
        "office": _page_counts(client, world["office"], ["/"]),
        "api": _api_counts(world),
    }
    assert many == few
    # And the rows are there: the lists are full pages, not empty ones.
    sign_in(client, world["police_user"])
    home = client.get("/portal/")
    assert home.context["to_answer"]["page"].paginator.count > MANY
    assert client.get("/portal/papers/").context["invitations"]["page"].paginator.count == 2 * MANY
