"""The access log page and the case history tab: who looked, who changed what."""

import logging
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.keyset import cursor_keys, decode_cursor, encode_cursor
from cases.models import AccessAction, AccessEvent, Role, Stage
from cases.services.access import ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE
from cases.views import access_log as access_log_view
from tests.factories import open_case, sign_in, staff_user


@pytest.fixture
def officer(leicester):
    return staff_user(leicester, username="officer")


def test_the_log_answers_who_looked_at_this_case(client, leicester, officer):
    case, other = open_case(leicester), open_case(leicester)
    reader = staff_user(leicester, role=Role.CRG_MEMBER, username="reader")
    sign_in(client, reader)
    client.get(f"/cases/{case.reference}/")
    client.get(f"/cases/{other.reference}/")

    sign_in(client, officer)
    page = client.get(reverse("access_log"), {"reference": case.reference})
    events = list(page.context["events"])
    assert [(e.username, e.action, e.object_reference) for e in events] == [
        ("reader", AccessAction.VIEW, case.reference)
    ]
    assert events[0].role == Role.CRG_MEMBER
    assert "reader" in page.text


def test_the_log_is_searched_per_user_and_includes_their_sign_ins(client, leicester, officer):
    member = staff_user(leicester, role=Role.CRG_MEMBER, username="member")
    services.access_record(request=None, action=AccessAction.SIGN_IN, user=member)
    sign_in(client, officer)
    page = client.get(reverse("access_log"), {"username": "member"})
    assert [e.action for e in page.context["events"]] == [AccessAction.SIGN_IN]


def test_a_partnership_sees_the_other_partnerships_attempts_on_its_cases(
    client, leicester, lr, officer
):
    mine = open_case(leicester)
    prober = staff_user(lr, username="prober")
    sign_in(client, prober)
    assert client.get(mine.get_absolute_url()).status_code == 404
    sign_in(client, officer)
    page = client.get(reverse("access_log"), {"reference": mine.reference})
    assert [(e.username, e.action) for e in page.context["events"]] == [
        ("prober", AccessAction.DENIED)
    ]


def test_the_log_of_one_partnership_is_not_shown_to_the_other(client, leicester, lr, officer):
    lr_case = open_case(lr)
    lr_reader = staff_user(lr, username="lr-reader")
    sign_in(client, lr_reader)
    client.get(f"/cases/{lr_case.reference}/")
    services.access_record(request=None, action=AccessAction.SIGN_IN, user=lr_reader)

    sign_in(client, officer)
    page = client.get(reverse("access_log"))
    assert "lr-reader" not in page.text
    assert lr_case.reference not in page.text


# --- Paging by keyset (issue 18): "Newer" and "Older", never a count ---------------------


def _events_at(partnership, times):
    """One sign-in-free event of the partnership's per time, named e0, e1, ... in the
    order made (so by id), at exactly these times (several may share one)."""
    made = []
    for n, at in enumerate(times):
        event = AccessEvent.unscoped.create(
            username=f"e{n}", partnership=partnership, action=AccessAction.VIEW
        )
        AccessEvent.unscoped.filter(pk=event.pk).update(at=at)  # auto_now_add set it
        made.append(f"e{n}")
    return made


def _walk(client, url, link):
    """The usernames of each page, following the `link` ("older_url" or "newer_url")
    from `url` until there is none."""
    pages = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        pages.append([e.username for e in page.context["events"]])
        following = page.context[link]
        url = reverse("access_log") + following if following else None
    return pages, page


@pytest.fixture
def three_a_page(monkeypatch):
    monkeypatch.setattr(access_log_view, "ACCESS_EVENTS_PER_PAGE", 3)


def test_the_log_pages_older_and_back_newer_through_equal_times(
    client, leicester, officer, three_a_page
):
    now = timezone.now().replace(microsecond=0)
    # e1 to e5 share one time: a page ends inside them, so the id alone decides the rest.
    names = _events_at(
        leicester, [now - timedelta(hours=1)] + [now] * 5 + [now + timedelta(hours=1)]
    )
    newest_first = [names[6], names[5], names[4], names[3], names[2], names[1], names[0]]
    sign_in(client, officer)

    older, last = _walk(client, reverse("access_log"), "older_url")
    assert older == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]
    assert 'rel="next"' not in last.text  # the oldest page: no "Older" link
    assert last.context["newer_url"] is not None

    newer, first = _walk(client, reverse("access_log") + last.context["newer_url"], "newer_url")
    assert newer == [newest_first[3:6], newest_first[0:3]]
    assert first.context["newer_url"] is None  # back at the newest: nothing newer
    assert first.context["older_url"] is not None


def test_an_event_logged_while_paging_neither_shifts_nor_repeats_the_older_pages(
    client, leicester, officer, three_a_page
):
    now = timezone.now()
    _events_at(leicester, [now - timedelta(minutes=n) for n in range(6)])
    sign_in(client, officer)
    first = client.get(reverse("access_log"), {"username": ""})
    assert [e.username for e in first.context["events"]] == ["e0", "e1", "e2"]
    _events_at(leicester, [now + timedelta(minutes=1)])  # a newer row, named e0 too
    second = client.get(reverse("access_log") + first.context["older_url"])
    assert [e.username for e in second.context["events"]] == ["e3", "e4", "e5"]


def test_the_paging_links_keep_the_filters_and_carry_no_case_content(
    client, leicester, officer, three_a_page
):
    case = open_case(leicester)
    now = timezone.now()
    for n in range(4):
        event = AccessEvent.unscoped.create(
            username="reader",
            partnership=leicester,
            case_partnership=leicester,
            action=AccessAction.VIEW,
            object_reference=case.reference,
        )
        AccessEvent.unscoped.filter(pk=event.pk).update(at=now - timedelta(minutes=n))
    _events_at(leicester, [now - timedelta(seconds=30)] * 3)  # other rows, in between
    sign_in(client, officer)
    page = client.get(reverse("access_log"), {"reference": case.reference})
    older = page.context["older_url"]
    assert f"reference={case.reference}" in older
    cursor = parse_qs(older.lstrip("?"))["cursor"][0]
    assert case.reference not in cursor
    assert "reader" not in cursor
    values, backwards = decode_cursor(cursor, cursor_keys(AccessEvent.unscoped.all()))
    assert values[1] == page.context["events"][-1].pk  # (at, id): nothing else
    assert not backwards
    following = client.get(reverse("access_log") + older)
    assert [e.object_reference for e in following.context["events"]] == [case.reference]
    assert following.context["older_url"] is None


def test_a_made_up_cursor_shows_the_first_page(client, leicester, officer, three_a_page):
    _events_at(leicester, [timezone.now()])
    sign_in(client, officer)
    for cursor in ("nonsense", "eyJ2IjpbXX0", "e30"):
        page = client.get(reverse("access_log"), {"cursor": cursor})
        assert page.status_code == 200
        assert [e.username for e in page.context["events"]] == ["e0"]


def test_paging_never_reaches_the_other_partnerships_log(
    client, leicester, lr, officer, three_a_page
):
    now = timezone.now()
    _events_at(leicester, [now - timedelta(minutes=n) for n in range(4)])
    theirs = AccessEvent.unscoped.create(
        username="lr-reader", partnership=lr, action=AccessAction.VIEW
    )
    AccessEvent.unscoped.filter(pk=theirs.pk).update(at=now - timedelta(seconds=90))
    sign_in(client, officer)
    older, _ = _walk(client, reverse("access_log"), "older_url")
    assert older == [["e0", "e1", "e2"], ["e3"]]
    # A cursor naming the other partnership's row finds only this partnership's rows.
    theirs.refresh_from_db()
    for backwards in (False, True):
        cursor = encode_cursor([theirs.at, theirs.pk], backwards=backwards)
        page = client.get(reverse("access_log"), {"cursor": cursor})
        assert "lr-reader" not in page.text
        assert all(e.partnership_id == leicester.pk for e in page.context["events"])


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.BUSINESS_OFFICE, True),
        (Role.CRG_CHAIR, True),
        (Role.PARTNERSHIP_ADMIN, True),
        (Role.CRG_MEMBER, False),
        (Role.INDEPENDENT_SCRUTINEER, False),
        (Role.REVIEWER, False),
        (Role.PANEL_MEMBER, False),
    ],
)
def test_only_some_roles_read_the_log(client, leicester, role, allowed):
    sign_in(client, staff_user(leicester, role=role))
    assert client.get(reverse("access_log")).status_code == (200 if allowed else 403)


def test_nothing_in_the_product_edits_the_log(client, leicester, officer):
    from django.contrib import admin

    sign_in(client, officer)
    assert client.post(reverse("access_log"), {"username": "x"}).status_code == 405
    assert AccessEvent not in admin.site._registry


def test_history_shows_who_changed_what_and_why(client, leicester, officer):
    case = open_case(leicester)
    services.case_stage_set(
        case=case, stage=Stage.RAPID_REVIEW, actor=officer, reason="LA notification received"
    )
    sign_in(client, officer)
    page = client.get(reverse("case_history", kwargs={"reference": case.reference}))
    latest = page.context["entries"][0]
    assert latest.by == str(officer)
    assert latest.reason == "LA notification received"
    assert [(c.field, c.old, c.new) for c in latest.changes] == [
        ("Stage", "Intake", "Rapid Review")
    ]
    assert page.context["entries"][-1].kind == "Created"
    assert "LA notification received" in page.text


PROBE = "/api/v1/cases/LRSCP-2026-0001%20viewed%20by%20lr-chair%20ATTACKER/"


@pytest.fixture
def fresh_refusal_count():
    """The anonymous-refusal count lives in the shared cache for a minute."""
    cache.delete("access-log:anonymous-refusals")
    yield
    cache.delete("access-log:anonymous-refusals")


def test_nobody_signed_in_writes_nothing_into_a_partnerships_log(
    client, lr, fresh_refusal_count, caplog
):
    open_case(lr)
    caplog.set_level(logging.INFO, logger="cases.services.access")
    response = client.get(PROBE)
    assert response.status_code in (401, 403)
    assert not AccessEvent.unscoped.exists()
    assert not AccessEvent.objects.for_partnership(lr).exists()
    access_lines = [r.getMessage() for r in caplog.records if r.name == "cases.services.access"]
    assert access_lines == [
        f"refused anonymous request: route=api_case_detail status={response.status_code}"
    ]


def test_a_malformed_reference_is_not_kept_nor_given_to_a_partnership(client, lr, officer):
    sign_in(client, officer)
    assert client.get(PROBE).status_code == 404
    [event] = AccessEvent.unscoped.all()
    assert (event.username, event.action, event.object_reference) == (
        "officer",
        AccessAction.DENIED,
        "",
    )
    assert event.case_partnership is None
    assert not AccessEvent.objects.for_partnership(lr).exists()


def test_anonymous_refusals_are_logged_at_a_bounded_rate(client, db, fresh_refusal_count, caplog):
    caplog.set_level(logging.INFO, logger="cases.services.access")
    for _ in range(ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE + 10):
        client.get("/api/v1/cases/LSCP-2026-0001/")
    lines = [r.getMessage() for r in caplog.records if r.name == "cases.services.access"]
    assert len(lines) == ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE + 1
    assert lines[-1] == "more refused anonymous requests this minute: not logged"
    assert not AccessEvent.unscoped.exists()
