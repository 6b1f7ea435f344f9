"""Timeliness measures against a hand-built data set with a known answer, for both
partnerships: a Rapid Review sent on its 15th working day is met, on its 16th missed,
and the working days skip Christmas, Boxing Day and New Year's Day (§3.1.2)."""

from datetime import date

import pytest
from django.urls import reverse

from cases.models import Deadline, Stage
from cases.services import deadline_complete, deadlines_schedule
from cases.timescales import Event
from reporting.rules.period import Period
from reporting.selectors.base import cases_behind, results
from tests.factories import open_case, staff_user

pytestmark = pytest.mark.django_db

# Friday 12 December 2025: the 15th working day after it is Wednesday 7 January 2026,
# the 16th Thursday 8 January (25 and 26 December and 1 January are bank holidays).
NOTIFIED = date(2025, 12, 12)
FIFTEENTH = date(2026, 1, 7)
SIXTEENTH = date(2026, 1, 8)
YEAR = Period.financial_year(2025)


def _notified_case(partnership, on=NOTIFIED):
    case = open_case(partnership, opened_on=on, stage=Stage.RAPID_REVIEW)
    deadlines_schedule(
        case=case, event=Event.NOTIFICATION_RECEIVED, event_date=on, actor=None, reason="Test"
    )
    return case


def _complete(case, kind, on):
    deadline = Deadline.objects.for_partnership(case.partnership).get(case=case, kind=kind)
    deadline_complete(deadline=deadline, on=on, actor=None)


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


def test_fifteenth_working_day_over_christmas_is_met_and_sixteenth_missed(partnership):
    on_time, late, still_open = (_notified_case(partnership) for _ in range(3))
    _complete(on_time, "rapid_review_complete", FIFTEENTH)
    _complete(late, "rapid_review_complete", SIXTEENTH)

    (result,) = results("rapid-review-timeliness", [partnership], YEAR)

    assert result.figures == {
        "total": 3,
        "met": 1,
        "missed": 1,
        "open": 1,
        "waived": 0,
        "rate": 0.5,
    }
    january = next(row for row in result.rows if row.key == "2026-01")
    assert january.values == {"met": 1, "missed": 1, "open": 1, "rate": 0.5}
    assert sum(row.values["met"] for row in result.rows) == 1


def test_a_due_date_outside_the_period_is_not_counted(partnership):
    _notified_case(partnership)
    (result,) = results("rapid-review-timeliness", [partnership], Period.financial_year(2026))
    assert result.figures["total"] == 0
    assert result.figures["rate"] is None  # never 0% of nothing


def test_each_partnership_counts_only_its_own_cases(leicester, lr):
    _complete(_notified_case(leicester), "rapid_review_complete", FIFTEENTH)
    _complete(_notified_case(lr), "rapid_review_complete", SIXTEENTH)
    _notified_case(lr)

    mine, theirs = results("rapid-review-timeliness", [leicester, lr], YEAR)

    assert (mine.figures["met"], mine.figures["missed"], mine.figures["total"]) == (1, 0, 1)
    assert (theirs.figures["met"], theirs.figures["missed"], theirs.figures["total"]) == (0, 1, 2)


def test_a_case_withdrawn_as_a_duplicate_is_not_counted(leicester):
    from cases.services import case_withdraw

    kept, duplicate = _notified_case(leicester), _notified_case(leicester)
    case_withdraw(
        case=duplicate,
        actor=None,
        reason="Duplicate",
        duplicate_of=kept.reference,
        version=duplicate.version,
    )

    (result,) = results("rapid-review-timeliness", [leicester], YEAR)

    assert result.figures["total"] == 1


def test_the_cases_behind_the_figure_are_the_scope_s_own(leicester, lr):
    from cases.tenancy import Scope

    met = _notified_case(leicester)
    _complete(met, "rapid_review_complete", FIFTEENTH)
    _notified_case(lr)
    office = staff_user(leicester)
    scope = Scope(user=office, membership=office.memberships.get())

    lines = cases_behind("rapid-review-timeliness", scope=scope, period=YEAR)

    assert [(line.case_reference, line.values["met"]) for line in lines] == [(met.reference, True)]


def test_a_meeting_held_before_the_window_opened_is_outside_it(leicester):
    early, inside = _notified_case(leicester), _notified_case(leicester)
    window = Deadline.objects.for_partnership(leicester).get(
        case=inside, kind="rapid_review_meeting_latest"
    )
    _complete(early, "rapid_review_meeting_latest", date(2025, 12, 15))  # 1st working day
    _complete(inside, "rapid_review_meeting_latest", window.window_start)

    (result,) = results("rapid-review-meeting-window", [leicester], YEAR)

    assert (result.figures["met"], result.figures["missed"]) == (1, 1)


def test_the_api_agrees_with_the_rapid_reviews_endpoint(client, leicester):
    from tests.factories import sign_in

    on_time, late = _notified_case(leicester), _notified_case(leicester)
    _complete(on_time, "rapid_review_complete", FIFTEENTH)
    _complete(late, "rapid_review_complete", SIXTEENTH)
    sign_in(client, staff_user(leicester))

    report = client.get(
        reverse("api_report", kwargs={"measure": "rapid-review-timeliness"}), {"year": 2025}
    ).json()
    listed = client.get(reverse("api_rapid_reviews")).json()["results"]

    listed_met = {
        row["case_reference"]: d["met"]
        for row in listed
        for d in row["deadlines"]
        if d["kind"] == "rapid_review_complete"
    }
    assert {c["case_reference"]: c["values"]["met"] for c in report["cases"]} == listed_met
    assert report["figures"]["met"] == 1
    assert report["figures"]["missed"] == 1
    assert report["figures"]["rate"] == 0.5
