"""The access log page and the case history tab: who looked, who changed what."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import services
from cases.models import AccessAction, AccessEvent, Role, Stage
from cases.services.access import ANONYMOUS_REFUSALS_LOGGED_PER_MINUTE
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
    events = list(page.context["page"].object_list)
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
    assert [e.action for e in page.context["page"].object_list] == [AccessAction.SIGN_IN]


def test_a_partnership_sees_the_other_partnerships_attempts_on_its_cases(
    client, leicester, lr, officer
):
    mine = open_case(leicester)
    prober = staff_user(lr, username="prober")
    sign_in(client, prober)
    assert client.get(mine.get_absolute_url()).status_code == 404
    sign_in(client, officer)
    page = client.get(reverse("access_log"), {"reference": mine.reference})
    assert [(e.username, e.action) for e in page.context["page"].object_list] == [
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
