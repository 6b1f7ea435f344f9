"""Every row of the statutory timescales table, each citing its framework paragraph."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.models import ClosureDay
from cases.selectors import working_calendar
from cases.timescales import TIMESCALES, TIMESCALES_BY_KIND, Event, add_months, timescales_for


def due(partnership, kind, start):
    timescale = TIMESCALES_BY_KIND[kind]
    found = {
        w.timescale.kind: w
        for w in timescales_for(
            partnership, timescale.event, start, working_calendar(partnership=partnership)
        )
    }
    return found[kind].due if kind in found else None


def test_every_row_cites_its_paragraph_and_is_tested():
    assert {t.kind for t in TIMESCALES} == set(ROW_TESTS)
    for t in TIMESCALES:
        assert t.seed.startswith("§"), t.kind
        assert ROW_TESTS[t.kind] == t.seed


ROW_TESTS = {}


def row(kind, seed):
    def register(test):
        ROW_TESTS[kind] = seed
        return test

    return register


@row("information_request_sent", "§4.3.3")
def test_information_requests_within_two_working_days_in_lr_only(leicester, lr):
    # Thursday 24 December 2026: Christmas, a weekend and Boxing Day's substitute follow.
    assert due(lr, "information_request_sent", date(2026, 12, 24)) == date(2026, 12, 30)
    assert due(leicester, "information_request_sent", date(2026, 12, 24)) is None


@row("rapid_review_meeting_earliest", "§4.4.2")
def test_rapid_review_meeting_not_before_seven_working_days(leicester):
    assert due(leicester, "rapid_review_meeting_earliest", date(2026, 12, 18)) == date(2026, 12, 31)


@row("rapid_review_meeting_latest", "§4.4.2")
def test_rapid_review_meeting_no_later_than_thirteen_working_days(leicester):
    assert due(leicester, "rapid_review_meeting_latest", date(2026, 12, 18)) == date(2027, 1, 11)


@row("rapid_review_complete", "§3.1.2, §4.2.2")
def test_rapid_review_complete_within_fifteen_working_days(lr):
    assert due(lr, "rapid_review_complete", date(2026, 12, 18)) == date(2027, 1, 13)
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March are skipped.
    assert due(lr, "rapid_review_complete", date(2027, 3, 15)) == date(2027, 4, 7)


@row("referral_first_discussion", "§4.9")
def test_referral_discussed_within_a_month(leicester):
    assert due(leicester, "referral_first_discussion", date(2026, 3, 10)) == date(2026, 4, 10)
    # 31 October + 1 month = 30 November 2026, a Monday.
    assert due(leicester, "referral_first_discussion", date(2026, 10, 31)) == date(2026, 11, 30)


@row("referral_decision", "§4.9")
def test_referral_decided_within_two_months_moving_back_off_a_holiday(leicester):
    # 25 October + 2 months = Christmas Day 2026 (Friday): no later than Thursday 24th.
    assert due(leicester, "referral_decision", date(2026, 10, 25)) == date(2026, 12, 24)


@row("decision_notified", "§1.6.3, §4.8.1")
@pytest.mark.parametrize("partnership", ["leicester", "lr"])
def test_decision_notified_with_the_rapid_review_report(request, partnership):
    partnership = request.getfixturevalue(partnership)
    # Due with the report: the same 15 working days, over Easter 2027.
    assert due(partnership, "decision_notified", date(2027, 3, 15)) == date(2027, 4, 7)
    assert due(partnership, "decision_notified", date(2027, 3, 15)) == due(
        partnership, "rapid_review_complete", date(2027, 3, 15)
    )


@row("referral_shared_with_local_authority", "§4.9, §4.1.6")
def test_referral_shared_with_the_local_authority_within_a_month(lr):
    # 28 February 2027 (Sunday) + 1 month = Sunday 28 March: back to Friday 26th, Good
    # Friday, and so to Thursday 25th.
    assert due(lr, "referral_shared_with_local_authority", date(2027, 2, 28)) == date(2027, 3, 25)


@row("referral_information_request_sent", "§4.9")
def test_referral_information_request_letter_within_a_month(leicester):
    assert due(leicester, "referral_information_request_sent", date(2026, 3, 10)) == date(
        2026, 4, 10
    )


@row("referral_decision_notified", "§1.6.3, §4.9")
def test_referral_decision_notified_with_the_decision(leicester):
    assert due(leicester, "referral_decision_notified", date(2026, 10, 25)) == date(2026, 12, 24)


def test_the_readme_table_lists_every_timescale_with_its_paragraph():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Statutory timescales", 1)[1]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert [(r[0].strip("`"), r[1], r[4]) for r in rows] == [
        (t.kind, t.title, t.seed) for t in TIMESCALES
    ]


@row("lcspr_complete", "§3.1.2")
def test_lcspr_within_six_months_clamped_to_the_month_end(leicester):
    # 31 August + 6 months = 28 February 2027, a Sunday: back to Friday 26th.
    assert due(leicester, "lcspr_complete", date(2026, 8, 31)) == date(2027, 2, 26)


@row("report_sent_to_national_panel", "§10.5.1")
def test_report_sent_seven_working_days_before_publication(lr):
    # Publication planned Tuesday 5 January 2027: count back over New Year and Christmas.
    assert due(lr, "report_sent_to_national_panel", date(2027, 1, 5)) == date(2026, 12, 22)


@row("publication_available_until", "§10.5.2")
def test_published_for_at_least_a_year_moving_forward(leicester):
    # Published 27 December 2025 (Saturday) + 12 months = Sunday 27 December 2026,
    # then Monday 28th is Boxing Day's substitute: not before Tuesday 29th.
    assert due(leicester, "publication_available_until", date(2025, 12, 27)) == date(2026, 12, 29)


def test_closure_days_move_deadlines(lr):
    ClosureDay.objects.create(partnership=lr, day=date(2026, 12, 29), reason="Office closed")
    ClosureDay.objects.create(partnership=lr, day=date(2026, 12, 30), reason="Office closed")
    assert due(lr, "information_request_sent", date(2026, 12, 24)) == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
    ],
)
def test_calendar_months_keep_the_day_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_timescales_command_json_for_both_partnerships(partnerships, capsys):
    import json

    for slug, expect_request in [("leicester", False), ("leicestershire-rutland", True)]:
        call_command(
            "timescales",
            "--partnership",
            slug,
            "--event",
            Event.NOTIFICATION_RECEIVED,
            "--date",
            "2026-12-18",
            "--json",
        )
        result = json.loads(capsys.readouterr().out)
        assert result["rapid_review_complete"] == "2027-01-13"
        assert ("information_request_sent" in result) == expect_request


def test_workdays_command(partnerships, capsys):
    call_command("workdays", "add", "2026-12-24", "1")
    call_command("workdays", "subtract", "2027-01-04", "1")
    call_command("workdays", "between", "2026-12-24", "2027-01-04")
    assert capsys.readouterr().out.split() == ["2026-12-29", "2026-12-31", "4"]


def test_commands_explain_bad_input(partnerships):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a date"):
        call_command("workdays", "add", "2026-13-01", "1")
    with pytest.raises(CommandError, match="No partnership"):
        call_command(
            "timescales", "--partnership", "x", "--event", "published", "--date", "2026-01-01"
        )


def test_calculator_page_shows_each_date_with_its_working(client, lr):
    from tests.factories import sign_in, staff_user

    sign_in(client, staff_user(lr))
    page = client.get(
        "/timescales/",
        {
            "partnership": lr.slug,
            "event": "notification_received",
            "day": 24,
            "month": 12,
            "year": 2026,
        },
    )
    assert page.status_code == 200
    kinds = [w.timescale.kind for w in page.context["workings"]]
    assert kinds[0] == "information_request_sent"
    assert "Wednesday 30 December 2026" in page.text
    assert "Boxing Day (observed)" in page.text
    assert "§4.3.3" in page.text


def test_calculator_keeps_what_was_typed_and_says_what_is_wrong(client, leicester):
    from cases.forms.fields import DATE_NOT_REAL
    from tests.factories import sign_in, staff_user

    sign_in(client, staff_user(leicester))
    page = client.get(
        "/timescales/",
        {
            "partnership": "leicester",
            "event": "referral_received",
            "day": 31,
            "month": 2,
            "year": 2027,
        },
    )
    assert DATE_NOT_REAL in page.text
    assert 'value="31"' in page.text
    assert page.context["workings"] is None


def test_timescales_api(leicester):
    from rest_framework.test import APIClient

    from cases.services import api_token_create
    from tests.factories import staff_user

    key = api_token_create(membership=staff_user(leicester).memberships.get())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = client.get(
        "/api/v1/timescales/",
        {
            "partnership": "leicestershire-rutland",
            "event": "notification_received",
            "date": "2026-12-18",
        },
    ).json()
    assert {d["kind"]: d["due_date"] for d in body["deadlines"]} == {
        "information_request_sent": "2026-12-22",
        "rapid_review_meeting_earliest": "2026-12-31",
        "rapid_review_meeting_latest": "2027-01-11",
        "rapid_review_complete": "2027-01-13",
        "decision_notified": "2027-01-13",
    }
    assert body["deadlines"][0]["seed"] == "§4.3.3"
    bad = client.get(
        "/api/v1/timescales/", {"partnership": "nowhere", "event": "x", "date": "2026-02-31"}
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"partnership", "event", "date"}
