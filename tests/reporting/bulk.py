"""Reporting's rows in bulk, for tests/reporting/test_query_counts.py and `make bench`
(bench/reporting.py): cases with what the reporting measures read (a notification or a
referral, statutory deadlines of every kind in every status, information requests, some
escalated, Rapid Review decisions and LCSPRs) spread over a period, written with
bulk_create (a few queries a thousand rows) instead of case by case through the services.

The rows are made up, not a story: each kind of value (stage, status, decision, incident
kind…) turns in a cycle over the cases, so that every breakdown row and every figure of a
measure has something to count."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cases.models import (
    CareStatus,
    Case,
    Deadline,
    DeadlineStatus,
    Escalation,
    IncidentKind,
    InformationRequest,
    Notification,
    Referral,
    RequestPurpose,
    RequestStatus,
    Stage,
)
from cases.timescales import TIMESCALES
from rapidreview.models import Decision, RapidReview
from reviews.models import Lcspr

UK = ZoneInfo("Europe/London")
KINDS = [t.kind for t in TIMESCALES]
STAGES = list(Stage.values)
DECIDED = {Stage.LCSPR, Stage.PUBLICATION, Stage.LEARNING, Stage.LOCAL_LEARNING, Stage.CLOSED}
REVIEWED = {Stage.LCSPR, Stage.PUBLICATION, Stage.LEARNING}
STATUSES = [
    DeadlineStatus.MET,
    DeadlineStatus.MISSED,
    DeadlineStatus.OPEN,
    DeadlineStatus.MET,
    DeadlineStatus.WAIVED,
]
BATCH = 5000


def _cycle(values, n: int):
    return values[n % len(values)]


def bulk_cases(
    partnership,
    count: int,
    *,
    start: date,
    days: int,
    agencies: list,
    first_number: int = 1,
    deadlines_per_case: int = 6,
    requests_per_case: int = 2,
) -> list[Case]:
    """`count` cases of the partnership received from `start` over `days` days, numbered
    from `first_number` (a case reference is unique), with their rows. `agencies` (at
    least `requests_per_case` of them, serving the partnership) receive the requests."""
    assert deadlines_per_case <= len(KINDS)
    assert requests_per_case <= len(agencies)
    cases = Case.objects.bulk_create(
        (
            Case(
                partnership=partnership,
                reference=f"{partnership.reference_prefix}-B{start.year}-{first_number + n:06d}",
                reference_year=start.year,
                reference_number=100_000 + first_number + n,
                stage=_cycle(STAGES, n),
                opened_on=start + timedelta(days=n * 7 % days),
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )
    _intake(cases)
    _deadlines(cases, deadlines_per_case)
    _requests(cases, agencies, requests_per_case)
    _decisions(cases)
    return cases


def _intake(cases: list[Case]) -> None:
    Notification.objects.bulk_create(
        (
            Notification(
                case=case,
                received_on=case.opened_on,
                summary="Bulk",
                incident_kind=_cycle(IncidentKind.values, n // 2),
                care_status=_cycle(CareStatus.values, n // 2),
                notified_national_panel_on=case.opened_on + timedelta(days=n % 7),
            )
            for n, case in enumerate(cases)
            if n % 2 == 0
        ),
        batch_size=BATCH,
    )
    Referral.objects.bulk_create(
        (
            Referral(case=case, received_on=case.opened_on, summary="Bulk", criteria=[])
            for n, case in enumerate(cases)
            if n % 2 == 1
        ),
        batch_size=BATCH,
    )


def _deadlines(cases: list[Case], per_case: int) -> None:
    def deadline(n: int, case: Case, k: int) -> Deadline:
        kind = KINDS[(n + k) % len(KINDS)]
        due = case.opened_on + timedelta(days=10 + 3 * k)
        status = _cycle(STATUSES, n + k)
        done = {DeadlineStatus.MET: -1 - n % 3, DeadlineStatus.MISSED: 1 + n % 9}.get(status)
        return Deadline(
            case=case,
            kind=kind,
            event_date=case.opened_on,
            due_date=due,
            window_start=due - timedelta(days=10) if kind.endswith("_latest") else None,
            status=status,
            completed_on=due + timedelta(days=done) if done is not None else None,
            waived_reason="Bulk" if status == DeadlineStatus.WAIVED else "",
        )

    Deadline.objects.bulk_create(
        (deadline(n, case, k) for n, case in enumerate(cases) for k in range(per_case)),
        batch_size=BATCH,
    )


def _requests(cases: list[Case], agencies: list, per_case: int) -> None:
    def request(n: int, case: Case, k: int) -> InformationRequest:
        status = _cycle(RequestStatus.values, n + k)
        sent_at = datetime.combine(case.opened_on, time(10), tzinfo=UK)
        submitted = status in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED)
        return InformationRequest(
            case=case,
            agency=agencies[(n + k) % len(agencies)],
            # A Rapid Review's requests (§4.3.4) in two cases of three, an LCSPR's (§8.2)
            # in the third: a case asks each agency once for each.
            purpose=RequestPurpose.LCSPR if n % 3 == 2 else RequestPurpose.RAPID_REVIEW,
            status=status,
            sent_at=sent_at,
            reply_due_on=case.opened_on + timedelta(days=14),
            submitted_at=sent_at + timedelta(days=5 + n % 20) if submitted else None,
        )

    made = InformationRequest.objects.bulk_create(
        (request(n, case, k) for n, case in enumerate(cases) for k in range(per_case)),
        batch_size=BATCH,
    )
    Escalation.objects.bulk_create(
        (
            Escalation(
                request=item,
                step=1,
                cause="silence" if n % 2 else "refusal",
                escalated_on=item.reply_due_on + timedelta(days=3),
            )
            for n, item in enumerate(made)
            if n % 5 == 0
        ),
        batch_size=BATCH,
    )


def _decisions(cases: list[Case]) -> None:
    RapidReview.objects.bulk_create(
        (
            RapidReview(
                case=case,
                decision=Decision.PROCEED if case.stage in REVIEWED else Decision.NOT_PROCEED,
                decided_on=case.opened_on + timedelta(days=15),
                decision_notified_on=case.opened_on + timedelta(days=16 + n % 10),
                report_sent_on=case.opened_on + timedelta(days=20 + n % 10),
            )
            for n, case in enumerate(cases)
            if case.stage in DECIDED
        ),
        batch_size=BATCH,
    )
    Lcspr.objects.bulk_create(
        (
            Lcspr(case=case, decided_on=case.opened_on + timedelta(days=15))
            for case in cases
            if case.stage in REVIEWED
        ),
        batch_size=BATCH,
    )
