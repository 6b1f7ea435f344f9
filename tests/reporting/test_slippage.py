"""The slippage view: every open case of the partnership against each statutory milestone
that applies to it, each cell met, due, at risk, missed or none, said in words; sorted by
risk, reference or date opened without JavaScript; in a fixed number of queries; never
another partnership's case, and never to the cross-partnership role."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Deadline, DeadlineStatus, Role, Stage
from cases.selectors import working_calendar
from cases.workdays import WorkingCalendar
from reporting.rules.slippage import (
    AT_RISK_WORKING_DAYS,
    Level,
    at_risk_until,
    level_of,
    milestones,
)
from reporting.views.slippage import CASES_PER_PAGE
from tests.factories import open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

URL = "/reports/slippage/"


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


# --- The rule, with known dates ------------------------------------------------------------

# Tuesday 23 December 2025: its 3 working days on are 24, 29 and 30 December (Christmas Day
# and Boxing Day are bank holidays, 27 and 28 a weekend).
TUESDAY = date(2025, 12, 23)


def test_at_risk_runs_three_working_days_over_christmas():
    assert AT_RISK_WORKING_DAYS == 3
    assert at_risk_until(TUESDAY, WorkingCalendar()) == date(2025, 12, 30)


@pytest.mark.parametrize(
    ("status", "due", "level"),
    [
        (DeadlineStatus.OPEN, date(2025, 12, 22), Level.MISSED),  # open, past its date
        (DeadlineStatus.OPEN, TUESDAY, Level.AT_RISK),  # due today
        (DeadlineStatus.OPEN, date(2025, 12, 30), Level.AT_RISK),  # the 3rd working day
        (DeadlineStatus.OPEN, date(2025, 12, 31), Level.DUE),  # the 4th
        (DeadlineStatus.MET, date(2025, 12, 1), Level.MET),
        (DeadlineStatus.MISSED, date(2025, 12, 31), Level.MISSED),  # done late
        (DeadlineStatus.WAIVED, date(2025, 12, 1), Level.WAIVED),
    ],
)
def test_a_deadline_s_level(status, due, level):
    risk_until = at_risk_until(TUESDAY, WorkingCalendar())
    assert level_of(status=status, due_date=due, today=TUESDAY, risk_until=risk_until) == level


def test_the_milestones_are_the_duties_that_apply_to_the_partnership(leicester, lr):
    leicester_kinds = [t.kind for t in milestones(leicester)]
    lr_kinds = [t.kind for t in milestones(lr)]
    # §4.3.3's two working days are Leicestershire & Rutland's rule only.
    assert "information_request_sent" not in leicester_kinds
    assert "information_request_sent" in lr_kinds
    # An earliest date cannot slip.
    assert "rapid_review_meeting_earliest" not in lr_kinds
    assert "publication_available_until" not in lr_kinds
    assert "rapid_review_complete" in leicester_kinds


# --- The page ------------------------------------------------------------------------------


def _deadline(case, kind, due, status=DeadlineStatus.OPEN, completed_on=None):
    return Deadline.unscoped.create(
        case=case,
        kind=kind,
        event_date=case.opened_on,
        due_date=due,
        status=status,
        completed_on=completed_on,
    )


def _slipping_case(partnership):
    """A case with one deadline at each level, against today and the partnership's days."""
    today = timezone.localdate()
    cal = working_calendar(partnership=partnership)
    case = open_case(partnership, opened_on=today - timedelta(days=40), stage=Stage.RAPID_REVIEW)
    _deadline(
        case,
        "rapid_review_complete",
        today - timedelta(days=10),
        DeadlineStatus.MET,
        today - timedelta(days=12),
    )
    _deadline(
        case,
        "decision_notified",
        today - timedelta(days=10),
        DeadlineStatus.MISSED,
        today - timedelta(days=8),
    )
    _deadline(case, "rapid_review_meeting_latest", today - timedelta(days=1))
    _deadline(case, "referral_decision", cal.add(today, AT_RISK_WORKING_DAYS))
    _deadline(case, "referral_decision_notified", cal.add(today, AT_RISK_WORKING_DAYS + 1))
    _deadline(case, "lcspr_complete", today + timedelta(days=90), DeadlineStatus.WAIVED)
    return case


EXPECTED = {
    "rapid_review_complete": Level.MET,
    "decision_notified": Level.MISSED,
    "rapid_review_meeting_latest": Level.MISSED,
    "referral_decision": Level.AT_RISK,
    "referral_decision_notified": Level.DUE,
    "lcspr_complete": Level.WAIVED,
}


def _row_html(body: str, reference: str) -> str:
    return re.search(rf"<tr[^>]*>\s*<th[^>]*><a[^>]*>{reference}</a>.*?</tr>", body, re.S)[0]


def test_each_cell_is_classified_and_says_so_in_words(client, partnership):
    case = _slipping_case(partnership)
    sign_in(client, staff_user(partnership))

    response = client.get(URL)

    assert response.status_code == 200
    kinds = [t.kind for t in response.context["milestones"]]
    assert kinds == [t.kind for t in milestones(partnership)]
    (row,) = response.context["rows"]
    assert row.case.reference == case.reference
    levels = dict(zip(kinds, [cell.level for cell in row.cells], strict=True))
    assert levels == {kind: EXPECTED.get(kind, Level.NONE) for kind in kinds}
    assert (row.case.missed, row.case.at_risk) == (2, 1)
    html = _row_html(response.content.decode(), case.reference)
    tags = re.findall(r'govuk-tag--(\w+)">([^<]+)<', html)
    assert ("red", "Missed") in tags
    assert ("orange", "At risk") in tags
    assert ("blue", "Due") in tags
    assert ("green", "Met") in tags
    assert ("grey", "Waived") in tags
    assert "still open" in html  # the missed date not yet done, in words
    assert "working days left" in html
    assert "No such deadline" in html


def test_an_information_request_due_today_is_at_risk_where_the_rule_applies(client, lr):
    case = open_case(lr, stage=Stage.RAPID_REVIEW)
    _deadline(case, "information_request_sent", timezone.localdate())
    sign_in(client, staff_user(lr))

    (row,) = client.get(URL).context["rows"]

    kinds = [t.kind for t in milestones(lr)]
    assert row.cells[kinds.index("information_request_sent")].level == Level.AT_RISK
    assert "due today" in client.get(URL).content.decode()


def test_only_the_partnership_s_open_cases_appear(client, leicester, lr):
    mine = _slipping_case(leicester)
    theirs = _slipping_case(lr)
    closed = open_case(leicester, stage=Stage.RAPID_REVIEW)
    Case.objects.for_partnership(leicester).filter(pk=closed.pk).update(stage=Stage.CLOSED)
    withdrawn = open_case(leicester)
    Case.objects.for_partnership(leicester).filter(pk=withdrawn.pk).update(
        withdrawn_at=timezone.now()
    )
    sign_in(client, staff_user(leicester))

    body = client.get(URL).content.decode()

    assert mine.reference in body
    for other in (theirs, closed, withdrawn):
        assert other.reference not in body


def test_sorted_by_risk_first_then_by_reference_or_date_opened(client, leicester):
    today = timezone.localdate()
    calm = open_case(leicester, opened_on=today - timedelta(days=5))
    _deadline(calm, "rapid_review_complete", today + timedelta(days=60))
    slipping = _slipping_case(leicester)  # opened 40 days ago, after `calm` by reference
    sign_in(client, staff_user(leicester))

    def order(query):
        return [row.case.reference for row in client.get(URL, query).context["rows"]]

    assert order({}) == [slipping.reference, calm.reference]
    assert order({"sort": "reference"}) == [calm.reference, slipping.reference]
    assert order({"sort": "-reference"}) == [slipping.reference, calm.reference]
    assert order({"sort": "opened"}) == [slipping.reference, calm.reference]
    assert order({"sort": "-opened"}) == [calm.reference, slipping.reference]
    assert order({"sort": "nonsense"}) == order({})

    body = client.get(URL, {"sort": "reference"}).content.decode()
    assert 'aria-sort="ascending"><a class="govuk-link" href="?sort=-reference">Case' in body
    assert 'aria-sort="none"><a class="govuk-link" href="?sort=risk">Risk' in body


def test_the_page_is_paginated(client, leicester):
    for _ in range(CASES_PER_PAGE + 1):
        open_case(leicester)
    sign_in(client, staff_user(leicester))

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["rows"]) == CASES_PER_PAGE
    assert len(second.context["rows"]) == 1
    assert 'rel="next"' in first.content.decode()


def _cases_with_deadlines(partnership, n):
    today = timezone.localdate()
    kinds = [t.kind for t in milestones(partnership)]
    for i in range(n):
        case = open_case(partnership, opened_on=today - timedelta(days=i))
        Deadline.unscoped.bulk_create(
            Deadline(case=case, kind=kind, event_date=today, due_date=today + timedelta(days=j))
            for j, kind in enumerate(kinds)
        )


def test_the_queries_do_not_grow_with_the_cases(client, leicester):
    sign_in(client, staff_user(leicester))
    client.get(URL)  # the session and the user, once
    _cases_with_deadlines(leicester, 5)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL).context["rows"]) == 5
    _cases_with_deadlines(leicester, 45)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(URL).context["rows"]) == CASES_PER_PAGE
    assert len(five) == len(fifty)
    sql = [q["sql"] for q in fifty.captured_queries]
    # The page's cases and their count (for the pagination), and the page's deadlines.
    assert len([q for q in sql if q.startswith(('SELECT "cases_case"', "SELECT COUNT(*)"))]) == 2
    assert len([q for q in sql if q.startswith('SELECT "cases_deadline"')]) == 1


def test_the_cross_partnership_role_is_refused(client, leicester, lr):
    user = staff_user(leicester, role=Role.JOINT_REPORTING)
    user.memberships.get().reports_on.add(lr)
    sign_in(client, user)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("report_slippage")).status_code == 403


def test_the_reporting_tabs_lead_to_it(client, leicester):
    sign_in(client, staff_user(leicester))
    body = client.get(reverse("reports")).content.decode()
    assert f'href="{URL}"' in body
    assert 'aria-current="page">Slippage' in client.get(URL).content.decode()
