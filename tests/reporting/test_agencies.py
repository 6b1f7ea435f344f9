"""Agency measures against a hand-built data set with a known answer, for both
partnerships: a reply received on its due date is on time and one the day after late
(by the London date, not UTC's), an unanswered request is overdue once its date has
passed, a withdrawn case never counts, and the other partnership's requests are never
in the figures or the cases behind them (§2.1.7, §4.3.4, §8.2)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import (
    AgencyKind,
    Case,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    SubmissionKind,
)
from cases.services import case_withdraw
from cases.tenancy import Scope
from reporting.rules.period import Period
from reporting.selectors.base import cases_behind, results
from tests.factories import AgencyFactory, open_case, staff_user

pytestmark = pytest.mark.django_db

YEAR = Period.financial_year(2025)  # 1 April 2025 to 31 March 2026
FIRST, LAST = YEAR.start, YEAR.end
BEFORE, AFTER = FIRST - timedelta(days=1), LAST + timedelta(days=1)
DUE = date(2025, 6, 30)  # in British Summer Time: London is an hour ahead of UTC
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def other(partnership, leicester, lr):
    return lr if partnership == leicester else leicester


@pytest.fixture
def police():
    return AgencyFactory(name="Beta Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health():
    return AgencyFactory(name="Alpha Health Trust", kind=AgencyKind.HEALTH_TRUST)


def _scope(partnership) -> Scope:
    office = staff_user(partnership)
    return Scope(user=office, membership=office.memberships.get())


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _request(
    partnership,
    agency,
    due,
    *,
    submitted_at=None,
    status=None,
    purpose=RequestPurpose.RAPID_REVIEW,
    case=None,
    **fields,
):
    """A request due on `due`; received at `submitted_at` (status submitted) if given."""
    case = case or open_case(partnership, opened_on=due - timedelta(days=20))
    if purpose == RequestPurpose.LCSPR:
        fields.setdefault("submission_kind", SubmissionKind.CHRONOLOGY)
    return InformationRequest.unscoped.create(
        case=case,
        agency=agency,
        purpose=purpose,
        reply_due_on=due,
        sent_at=_at(due - timedelta(days=10), 9),
        submitted_at=submitted_at,
        status=status or (RequestStatus.SUBMITTED if submitted_at else RequestStatus.NOT_STARTED),
        **fields,
    )


def _withdraw(case) -> None:
    case_withdraw(
        case=case, actor=None, reason="Opened twice", duplicate_of="", version=case.version
    )


def _line(lines, request):
    return next(line for line in lines if line.case_reference == request.case.reference)


# --- Information requests (§4.3.4) -----------------------------------------------------


def test_replies_on_the_due_date_are_on_time_and_the_day_after_late(
    partnership, other, police, health
):
    # 23:30 in London on the due date is 22:30 UTC; 00:30 the next day is 23:30 UTC on
    # the due date: the London date decides.
    on_time = _request(partnership, police, DUE, submitted_at=_at(DUE, 23, 30))
    late = _request(
        partnership,
        police,
        DUE,
        submitted_at=_at(DUE + timedelta(days=1), 0, 30),
        status=RequestStatus.ACCEPTED,
    )
    overdue = _request(partnership, health, FIRST)
    # Returned for more information by a new date that has passed: its earlier
    # submission does not count, the new reply is overdue.
    returned = _request(
        partnership,
        health,
        LAST,
        submitted_at=_at(LAST - timedelta(days=20), 10),
        status=RequestStatus.RETURNED,
    )
    _request(partnership, police, BEFORE, submitted_at=_at(BEFORE, 9))
    _request(partnership, police, AFTER)
    _request(partnership, police, DUE, purpose=RequestPurpose.LCSPR)  # a submission, not this
    _withdraw(_request(partnership, police, DUE, submitted_at=_at(DUE, 9)).case)
    _request(other, police, DUE, submitted_at=_at(DUE, 9))
    _request(other, health, DUE, submitted_at=_at(DUE, 9))

    (result,) = results("agency-requests", [partnership], YEAR)

    assert result.figures == {
        "total": 4,
        "on_time": 1,
        "late": 1,
        "overdue": 2,
        "awaited": 0,
        "rate": 0.25,
    }
    assert [(row.key, row.label, row.values) for row in result.rows] == [
        (str(health.pk), "Alpha Health Trust", {"on_time": 0, "late": 0, "overdue": 2, "rate": 0}),
        (str(police.pk), "Beta Police", {"on_time": 1, "late": 1, "overdue": 0, "rate": 0.5}),
    ]
    lines = cases_behind("agency-requests", scope=_scope(partnership), period=YEAR)
    assert len(lines) == 4
    assert _line(lines, on_time).values == {
        "agency": "Beta Police",
        "kind": "",
        "due": DUE,
        "replied": DUE,
        "on_time": True,
    }
    assert _line(lines, late).values["replied"] == DUE + timedelta(days=1)
    assert _line(lines, late).values["on_time"] is False
    assert (_line(lines, overdue).values["replied"], _line(lines, overdue).values["on_time"]) == (
        None,
        False,
    )
    assert _line(lines, returned).values["replied"] is None
    police_lines = cases_behind(
        "agency-requests", scope=_scope(partnership), period=YEAR, row=str(police.pk)
    )
    assert {line.case_reference for line in police_lines} == {
        on_time.case.reference,
        late.case.reference,
    }


def test_a_reply_not_yet_due_is_awaited_and_one_past_its_date_overdue(leicester, police):
    today = timezone.localdate()
    awaited = _request(leicester, police, today)  # due today: not late until tomorrow
    _request(leicester, police, today - timedelta(days=1))
    _request(leicester, police, today + timedelta(days=5), submitted_at=timezone.now())
    period = Period(today - timedelta(days=30), today + timedelta(days=30))

    (result,) = results("agency-requests", [leicester], period)

    assert result.figures == {
        "total": 3,
        "on_time": 1,
        "late": 0,
        "overdue": 1,
        "awaited": 1,
        "rate": 0.5,
    }
    lines = cases_behind("agency-requests", scope=_scope(leicester), period=period)
    assert _line(lines, awaited).values["on_time"] is None


def test_nothing_due_is_no_rate_not_a_rate_of_nothing(leicester):
    (result,) = results("agency-requests", [leicester], YEAR)
    assert result.figures["rate"] is None
    assert result.rows == []


# --- LCSPR submissions (§8.2) ----------------------------------------------------------


def test_submissions_to_a_review_on_time_and_late(partnership, other, police, health):
    on_time = _request(
        partnership,
        police,
        FIRST,
        submitted_at=_at(FIRST, 16),
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.INFORMATION_REPORT,
    )
    _request(partnership, health, LAST, submitted_at=_at(AFTER, 9), purpose=RequestPurpose.LCSPR)
    _request(partnership, health, DUE, submitted_at=_at(DUE, 9))  # a Rapid Review request
    _request(partnership, health, AFTER, purpose=RequestPurpose.LCSPR)
    _withdraw(_request(partnership, police, DUE, purpose=RequestPurpose.LCSPR).case)
    _request(other, police, DUE, purpose=RequestPurpose.LCSPR)

    (result,) = results("agency-submissions", [partnership], YEAR)

    assert result.figures == {
        "total": 2,
        "on_time": 1,
        "late": 1,
        "overdue": 0,
        "awaited": 0,
        "rate": 0.5,
    }
    assert [(row.label, row.values["on_time"], row.values["late"]) for row in result.rows] == [
        ("Alpha Health Trust", 0, 1),
        ("Beta Police", 1, 0),
    ]
    lines = cases_behind("agency-submissions", scope=_scope(partnership), period=YEAR)
    assert _line(lines, on_time).values == {
        "agency": "Beta Police",
        "kind": SubmissionKind.INFORMATION_REPORT.label,
        "due": FIRST,
        "replied": FIRST,
        "on_time": True,
    }


# --- Escalations (§2.1.7) --------------------------------------------------------------


def _escalate(request, step, on, cause=EscalationCause.SILENCE):
    return Escalation.unscoped.create(
        request=request, step=step, cause=cause, note="Chased twice", escalated_on=on
    )


def test_escalations_by_step_and_why(partnership, other, police, health):
    unanswered = _request(partnership, police, BEFORE)
    _escalate(unanswered, EscalationStep.CASE_REVIEW_GROUP, FIRST)
    _escalate(unanswered, EscalationStep.STRATEGIC_LEAD, AFTER)
    refused = _request(partnership, health, DUE)
    _escalate(refused, EscalationStep.CASE_REVIEW_GROUP, BEFORE, EscalationCause.REFUSAL)
    _escalate(refused, EscalationStep.STRATEGIC_LEAD, LAST, EscalationCause.REFUSAL)
    withdrawn = _request(partnership, police, DUE)
    _escalate(withdrawn, EscalationStep.CASE_REVIEW_GROUP, DUE)
    _withdraw(withdrawn.case)
    _escalate(_request(other, police, DUE), EscalationStep.SAFEGUARDING_PARTNERS, DUE)

    (result,) = results("escalations", [partnership], YEAR)

    assert result.figures == {"count": 2, "unanswered": 1, "refused": 1}
    assert [(row.key, row.values) for row in result.rows] == [
        ("1", {"count": 1, "unanswered": 1, "refused": 0}),
        ("2", {"count": 1, "unanswered": 0, "refused": 1}),
        ("3", {"count": 0, "unanswered": 0, "refused": 0}),
    ]
    assert result.rows[0].label == EscalationStep.CASE_REVIEW_GROUP.label
    lines = cases_behind("escalations", scope=_scope(partnership), period=YEAR, row="2")
    assert [(line.case_reference, line.values) for line in lines] == [
        (
            refused.case.reference,
            {
                "agency": "Alpha Health Trust",
                "step": EscalationStep.STRATEGIC_LEAD.label,
                "cause": EscalationCause.REFUSAL.label,
                "escalated_on": LAST,
            },
        )
    ]


# --- Every measure: one query, and the scope's own cases only --------------------------

AGENCY_MEASURES = ("agency-requests", "agency-submissions", "escalations")


def _one_of_each(partnership, police, health) -> set[str]:
    """A case behind every agency measure in the year; the references made."""
    case = open_case(partnership, opened_on=DUE - timedelta(days=20))
    request = _request(partnership, police, DUE, submitted_at=_at(DUE, 9), case=case)
    _request(partnership, health, DUE, case=case)
    _request(partnership, police, DUE, purpose=RequestPurpose.LCSPR, case=case)
    _escalate(request, EscalationStep.CASE_REVIEW_GROUP, DUE)
    return {case.reference}


@pytest.mark.parametrize("slug", AGENCY_MEASURES)
def test_the_cases_behind_each_agency_measure_are_the_scope_s_own(
    slug, leicester, lr, police, health
):
    mine = _one_of_each(leicester, police, health)
    theirs = _one_of_each(lr, police, health)
    own = set(Case.objects.for_partnership(leicester).values_list("reference", flat=True))

    lines = cases_behind(slug, scope=_scope(leicester), period=YEAR)

    assert lines, "the test would pass on no cases at all"
    assert {line.case_reference for line in lines} <= own
    assert not {line.case_reference for line in lines} & theirs
    assert {line.case_reference for line in lines} == mine


@pytest.mark.parametrize("slug", AGENCY_MEASURES)
def test_each_agency_measure_is_one_query_for_both_partnerships(
    slug, leicester, lr, police, health, django_assert_num_queries
):
    for _ in range(2):
        _one_of_each(leicester, police, health)
    _one_of_each(lr, police, health)

    with django_assert_num_queries(1):
        mine, theirs = results(slug, [leicester, lr], YEAR)

    total = "count" if slug == "escalations" else "total"
    assert mine.figures[total] == 2 * theirs.figures[total] > 0
