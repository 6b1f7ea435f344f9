"""Volume measures against a hand-built data set with a known answer, for both
partnerships: a date on the period's first and last day counts, the day before and the
day after do not, a withdrawn case never counts, and the other partnership's rows are
never in the figures or the cases behind them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import (
    AgencyKind,
    CareStatus,
    Case,
    IncidentKind,
    Notification,
    Referral,
    Stage,
)
from cases.services import case_withdraw
from cases.tenancy import Scope
from publication.models import Publication
from rapidreview.models import (
    Attendance,
    CrgMeeting,
    Decision,
    Declaration,
    MeetingKind,
    RapidReview,
)
from reporting.rules.period import Period
from reporting.selectors.base import cases_behind, results
from reviews.models import DraftSource, Lcspr, ReportDraft, ReportFinal
from tests.factories import AgencyFactory, open_case, staff_user

pytestmark = pytest.mark.django_db

YEAR = Period.financial_year(2025)  # 1 April 2025 to 31 March 2026
FIRST, LAST = YEAR.start, YEAR.end
BEFORE, AFTER = FIRST - timedelta(days=1), LAST + timedelta(days=1)
MIDYEAR = date(2025, 10, 15)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def other(partnership, leicester, lr):
    return lr if partnership == leicester else leicester


def _scope(partnership) -> Scope:
    office = staff_user(partnership)
    return Scope(user=office, membership=office.memberships.get())


def _withdraw(case) -> None:
    case_withdraw(
        case=case, actor=None, reason="Opened twice", duplicate_of="", version=case.version
    )


def _notified(
    partnership, on, *, kind=IncidentKind.SERIOUS_HARM, care=CareStatus.NEITHER, age=None
):
    case = open_case(partnership, opened_on=on, stage=Stage.RAPID_REVIEW)
    Notification.unscoped.create(
        case=case,
        received_on=on,
        incident_kind=kind,
        care_status=care,
        care_leaver_age=age,
        summary="Child A",
    )
    return case


def _referred(partnership, on, *, converted_on=None):
    case = open_case(partnership, opened_on=on, stage=Stage.REFERRAL_DECISION)
    Referral.unscoped.create(
        case=case, received_on=on, summary="Child A", converted_on=converted_on
    )
    return case


def _row(result, key):
    return next(row for row in result.rows if row.key == key)


def _references(lines):
    return [line.case_reference for line in lines]


# --- Notifications ---------------------------------------------------------------------


def test_notifications_count_the_first_and_last_day_by_month_received(partnership, other):
    first = _notified(partnership, FIRST, kind=IncidentKind.DEATH)
    last = _notified(partnership, LAST)
    _notified(partnership, BEFORE, kind=IncidentKind.DEATH)
    _notified(partnership, AFTER)
    _withdraw(_notified(partnership, FIRST))
    _notified(other, MIDYEAR)

    (result,) = results("notifications", [partnership], YEAR)

    assert result.figures == {"count": 2, "deaths": 1, "harm": 1}
    assert [row.key for row in result.rows][:2] == ["2025-04", "2025-05"]
    assert len(result.rows) == 12
    assert _row(result, "2025-04").label == "April 2025"
    assert _row(result, "2025-04").values == {"count": 1}
    assert _row(result, "2026-03").values == {"count": 1}
    assert sum(row.values["count"] for row in result.rows) == 2
    lines = cases_behind("notifications", scope=_scope(partnership), period=YEAR)
    assert [(line.case_reference, line.row) for line in lines] == [
        (first.reference, "2025-04"),
        (last.reference, "2026-03"),
    ]
    assert lines[0].values == {"received_on": FIRST}


def test_deaths_of_looked_after_children_and_care_leavers(partnership, other):
    looked_after = _notified(
        partnership, FIRST, kind=IncidentKind.DEATH, care=CareStatus.LOOKED_AFTER
    )
    leaver = _notified(
        partnership, LAST, kind=IncidentKind.DEATH, care=CareStatus.CARE_LEAVER, age=20
    )
    _notified(partnership, MIDYEAR, kind=IncidentKind.SERIOUS_HARM, care=CareStatus.LOOKED_AFTER)
    _notified(partnership, MIDYEAR, kind=IncidentKind.DEATH)  # neither looked after nor a leaver
    _notified(partnership, AFTER, kind=IncidentKind.DEATH, care=CareStatus.LOOKED_AFTER)
    _withdraw(
        _notified(partnership, MIDYEAR, kind=IncidentKind.DEATH, care=CareStatus.LOOKED_AFTER)
    )
    _notified(other, MIDYEAR, kind=IncidentKind.DEATH, care=CareStatus.LOOKED_AFTER)

    (result,) = results("care-deaths", [partnership], YEAR)

    assert result.figures == {"count": 2, "looked_after": 1, "care_leavers": 1}
    assert _row(result, "2025-10").values == {"count": 0}
    lines = cases_behind("care-deaths", scope=_scope(partnership), period=YEAR)
    assert [(line.case_reference, line.values["care_status"]) for line in lines] == [
        (looked_after.reference, CareStatus.LOOKED_AFTER.label),
        (leaver.reference, CareStatus.CARE_LEAVER.label),
    ]


# --- Referrals -------------------------------------------------------------------------


def test_referrals_and_those_that_became_notifications(partnership, other):
    converted = _referred(partnership, FIRST, converted_on=date(2025, 4, 20))
    _referred(partnership, LAST)
    _referred(partnership, BEFORE, converted_on=FIRST)
    _withdraw(_referred(partnership, MIDYEAR, converted_on=MIDYEAR))
    _referred(other, MIDYEAR, converted_on=MIDYEAR)

    (result,) = results("referrals", [partnership], YEAR)

    assert result.figures == {"count": 2, "converted": 1}
    assert _row(result, "2025-04").values == {"count": 1}
    assert _row(result, "2026-03").values == {"count": 1}
    lines = cases_behind("referrals", scope=_scope(partnership), period=YEAR, row="2025-04")
    assert [(line.case_reference, line.values["converted_on"]) for line in lines] == [
        (converted.reference, date(2025, 4, 20))
    ]


# --- Cases by stage --------------------------------------------------------------------


def test_cases_opened_in_the_period_by_the_stage_reached(partnership, other):
    rapid = open_case(partnership, opened_on=FIRST, stage=Stage.RAPID_REVIEW)
    open_case(partnership, opened_on=LAST, stage=Stage.REFERRAL_DECISION)
    closed = open_case(partnership, opened_on=MIDYEAR, stage=Stage.CLOSED)
    open_case(partnership, opened_on=BEFORE, stage=Stage.RAPID_REVIEW)
    open_case(partnership, opened_on=AFTER)
    _withdraw(open_case(partnership, opened_on=MIDYEAR))
    open_case(other, opened_on=MIDYEAR, stage=Stage.RAPID_REVIEW)

    (result,) = results("cases-by-stage", [partnership], YEAR)

    assert result.figures == {"count": 3, "open": 2}
    assert [row.key for row in result.rows] == list(Stage.values)
    counts = {row.key: row.values["count"] for row in result.rows}
    assert counts == {
        **dict.fromkeys(Stage.values, 0),
        Stage.RAPID_REVIEW: 1,
        Stage.REFERRAL_DECISION: 1,
        Stage.CLOSED: 1,
    }
    assert _row(result, Stage.CLOSED).label == "Closed"
    scope = _scope(partnership)
    assert _references(cases_behind("cases-by-stage", scope=scope, period=YEAR, row="closed")) == [
        closed.reference
    ]
    lines = cases_behind("cases-by-stage", scope=scope, period=YEAR, row="rapid_review")
    assert [(line.case_reference, line.values) for line in lines] == [
        (rapid.reference, {"opened_on": FIRST, "stage": "Rapid Review"})
    ]


# --- Rapid Review meetings and decisions -----------------------------------------------


def _meeting(partnership, on, *, agencies=(), cancelled=False, **attendance):
    meeting = CrgMeeting.unscoped.create(
        partnership=partnership,
        kind=MeetingKind.EXTRAORDINARY,
        held_on=on,
        cancelled_at=timezone.now() if cancelled else None,
    )
    for agency in agencies:
        Attendance.unscoped.create(
            meeting=meeting, name="A representative", agency=agency, **attendance
        )
    return meeting


def _rapid_review(partnership, meeting=None, *, decision="", decided_on=None):
    case = open_case(partnership, opened_on=meeting.held_on if meeting else decided_on)
    RapidReview.unscoped.create(
        case=case, meeting=meeting, decision=decision, decided_on=decided_on
    )
    return case


@pytest.fixture
def agencies():
    """A quorum's worth: three partner agencies, two of them Safeguarding Partners (§4.6.1)."""
    return (
        AgencyFactory(name="Test Police", kind=AgencyKind.POLICE),
        AgencyFactory(name="Test Council", kind=AgencyKind.LOCAL_AUTHORITY),
        AgencyFactory(name="Test School", kind=AgencyKind.SCHOOL),
    )


def test_rapid_reviews_held_and_whether_the_meeting_was_quorate(partnership, other, agencies):
    police, council, school = agencies
    quorate = _rapid_review(partnership, _meeting(partnership, FIRST, agencies=agencies))
    # Two partner agencies only: one short of the three.
    short = _rapid_review(partnership, _meeting(partnership, LAST, agencies=(police, council)))
    # Three agencies, but one Safeguarding Partner took no part after declaring a conflict.
    conflicted = _meeting(partnership, MIDYEAR, agencies=(police, school))
    Attendance.unscoped.create(
        meeting=conflicted,
        name="Conflicted",
        agency=council,
        declaration=Declaration.DECLARED,
        takes_part_in_decision=False,
    )
    not_taking_part = _rapid_review(partnership, conflicted)
    _rapid_review(partnership, _meeting(partnership, MIDYEAR, agencies=agencies, cancelled=True))
    _rapid_review(partnership, _meeting(partnership, BEFORE, agencies=agencies))
    _withdraw(_rapid_review(partnership, _meeting(partnership, MIDYEAR, agencies=agencies)))
    _rapid_review(other, _meeting(other, MIDYEAR, agencies=agencies))

    (result,) = results("rapid-reviews-held", [partnership], YEAR)

    assert result.figures == {"count": 3, "quorate": 1}
    assert _row(result, "2025-04").values == {"count": 1, "quorate": 1}
    assert _row(result, "2025-10").values == {"count": 1, "quorate": 0}
    assert _row(result, "2026-03").values == {"count": 1, "quorate": 0}
    lines = cases_behind("rapid-reviews-held", scope=_scope(partnership), period=YEAR)
    assert [(line.case_reference, line.row, line.values["quorate"]) for line in lines] == [
        (quorate.reference, "2025-04", "Quorate"),
        (not_taking_part.reference, "2025-10", "Not quorate"),
        (short.reference, "2026-03", "Not quorate"),
    ]


def test_a_meeting_still_ahead_is_not_yet_held(leicester, agencies):
    today = timezone.localdate()
    held = _rapid_review(leicester, _meeting(leicester, today, agencies=agencies))
    _rapid_review(leicester, _meeting(leicester, today + timedelta(days=5), agencies=agencies))
    period = Period(today - timedelta(days=30), today + timedelta(days=30))

    (result,) = results("rapid-reviews-held", [leicester], period)

    assert result.figures == {"count": 1, "quorate": 1}
    lines = cases_behind("rapid-reviews-held", scope=_scope(leicester), period=period)
    assert _references(lines) == [held.reference]


def test_decisions_to_commission_a_review_and_the_conversion_rate(partnership, other):
    proceed = _rapid_review(partnership, decision=Decision.PROCEED, decided_on=FIRST)
    _rapid_review(partnership, decision=Decision.NOT_PROCEED, decided_on=LAST)
    _rapid_review(partnership, decision=Decision.NOT_PROCEED, decided_on=MIDYEAR)
    _rapid_review(partnership, decision=Decision.PROCEED, decided_on=BEFORE)
    _rapid_review(partnership, decision=Decision.PROCEED, decided_on=AFTER)
    _rapid_review(partnership, decided_on=MIDYEAR)  # the record started, no decision yet
    _withdraw(_rapid_review(partnership, decision=Decision.PROCEED, decided_on=MIDYEAR))
    _rapid_review(other, decision=Decision.PROCEED, decided_on=MIDYEAR)

    (result,) = results("rapid-review-decisions", [partnership], YEAR)

    assert result.figures == {"count": 3, "proceed": 1, "not_proceed": 2, "rate": 1 / 3}
    assert [(row.key, row.values) for row in result.rows] == [
        ("proceed", {"count": 1}),
        ("not_proceed", {"count": 2}),
    ]
    lines = cases_behind(
        "rapid-review-decisions", scope=_scope(partnership), period=YEAR, row="proceed"
    )
    assert [(line.case_reference, line.values) for line in lines] == [
        (proceed.reference, {"decided_on": FIRST, "decision": Decision.PROCEED.label})
    ]


def test_no_decision_is_no_rate_not_a_rate_of_nothing(leicester):
    (result,) = results("rapid-review-decisions", [leicester], YEAR)
    assert result.figures["rate"] is None


# --- LCSPRs ----------------------------------------------------------------------------


def _lcspr(partnership, decided_on, *, final_at=None, published_on=None, stage=None):
    case = open_case(partnership, opened_on=decided_on - timedelta(days=30), stage=stage)
    lcspr = Lcspr.unscoped.create(case=case, decided_on=decided_on)
    if final_at:
        draft = ReportDraft.unscoped.create(lcspr=lcspr, number=1, source=DraftSource.WRITTEN)
        final = ReportFinal.unscoped.create(
            lcspr=lcspr, draft=draft, file="report-final/test.pdf", sha256="0" * 64, size=1
        )
        ReportFinal.unscoped.filter(pk=final.pk).update(marked_at=final_at)
    if published_on:
        Publication.unscoped.create(lcspr=lcspr, published_on=published_on)
    return case


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def test_reviews_commissioned_open_at_the_end_final_and_published(partnership, other):
    # Commissioned the year before; final and published in the period: not open at its end.
    done = _lcspr(
        partnership,
        date(2025, 1, 10),
        final_at=_at(FIRST, 0, 30),  # 23:30 on 31 March in UTC: 1 April in London
        published_on=LAST,
    )
    running = _lcspr(partnership, FIRST)
    # Decided on the last day and published the day after: open at the end.
    late = _lcspr(partnership, LAST, final_at=_at(LAST, 23, 30), published_on=AFTER)
    # Closed without publication: not open, though commissioned in the period.
    stopped = _lcspr(partnership, MIDYEAR, stage=Stage.CLOSED)
    _lcspr(partnership, AFTER)
    _withdraw(_lcspr(partnership, MIDYEAR, final_at=_at(MIDYEAR, 12), published_on=MIDYEAR))
    _lcspr(other, MIDYEAR, final_at=_at(MIDYEAR, 12), published_on=MIDYEAR)

    (result,) = results("lcsprs", [partnership], YEAR)

    assert result.figures == {"commissioned": 3, "open": 2, "completed": 2, "published": 1}
    assert [(row.key, row.values["count"]) for row in result.rows] == [
        ("commissioned", 3),
        ("open", 2),
        ("completed", 2),
        ("published", 1),
    ]
    scope = _scope(partnership)
    by_row = {
        key: [
            (line.case_reference, line.values["on"])
            for line in cases_behind("lcsprs", scope=scope, period=YEAR, row=key)
        ]
        for key in ("commissioned", "open", "completed", "published")
    }
    assert by_row == {
        "commissioned": [
            (running.reference, FIRST),
            (stopped.reference, MIDYEAR),
            (late.reference, LAST),
        ],
        "open": [(running.reference, FIRST), (late.reference, LAST)],
        "completed": [(done.reference, FIRST), (late.reference, LAST)],
        "published": [(done.reference, LAST)],
    }


def test_a_report_marked_final_just_after_midnight_counts_on_its_london_day(leicester):
    # 00:30 on 1 April 2026 in London is 23:30 on 31 March in UTC: after the period.
    _lcspr(leicester, MIDYEAR, final_at=_at(AFTER, 0, 30))
    (result,) = results("lcsprs", [leicester], YEAR)
    assert result.figures["completed"] == 0


# --- Every measure: one query, and the scope's own cases only --------------------------

VOLUMES = (
    "notifications",
    "referrals",
    "care-deaths",
    "cases-by-stage",
    "rapid-reviews-held",
    "rapid-review-decisions",
    "lcsprs",
)


def _one_of_each(partnership, agencies) -> set[str]:
    """A case behind every volume measure in the year; the references made."""
    return {
        _notified(
            partnership, MIDYEAR, kind=IncidentKind.DEATH, care=CareStatus.LOOKED_AFTER
        ).reference,
        _referred(partnership, MIDYEAR).reference,
        _rapid_review(
            partnership,
            _meeting(partnership, MIDYEAR, agencies=agencies),
            decision=Decision.PROCEED,
            decided_on=MIDYEAR,
        ).reference,
        _lcspr(partnership, MIDYEAR, final_at=_at(MIDYEAR, 12), published_on=MIDYEAR).reference,
    }


@pytest.mark.parametrize("slug", VOLUMES)
def test_the_cases_behind_each_volume_are_the_scope_s_own(slug, leicester, lr, agencies):
    mine = _one_of_each(leicester, agencies)
    theirs = _one_of_each(lr, agencies)
    own = set(Case.objects.for_partnership(leicester).values_list("reference", flat=True))

    lines = cases_behind(slug, scope=_scope(leicester), period=YEAR)

    assert lines, "the test would pass on no cases at all"
    assert {line.case_reference for line in lines} <= own
    assert not {line.case_reference for line in lines} & theirs
    assert {line.case_reference for line in lines} & mine


@pytest.mark.parametrize("slug", VOLUMES)
def test_each_volume_is_one_query_for_both_partnerships(
    slug, leicester, lr, agencies, django_assert_num_queries
):
    for _ in range(2):
        _one_of_each(leicester, agencies)
    _one_of_each(lr, agencies)

    with django_assert_num_queries(1):
        mine, theirs = results(slug, [leicester, lr], YEAR)

    assert _counted(mine) == 2 * _counted(theirs) > 0


def _counted(result) -> int:
    """Everything the result counts (its rates left aside)."""
    return sum(v for v in result.figures.values() if type(v) is int)
