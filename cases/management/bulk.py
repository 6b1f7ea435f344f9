"""Case rows in bulk: one generator for the tests that prove query counts flat
(tests/reporting/bulk.py re-exports it), `make bench` (bench/reporting.py) and
`manage.py seed_scale` (issue 18: realistic volume for the load test).

Cases with what the pages and the reporting measures read (a notification or a referral,
statutory deadlines of every kind in every status, information requests, some escalated,
Rapid Review decisions and LCSPRs) spread over a period, written with bulk_create (a few
queries a thousand rows) instead of case by case through the services. seed_scale asks for
more of the same: each row's history (`history=True`, written in bulk with
simple-history's bulk_create_with_history), the agencies' replies with their chronology
entries, CRG meetings with their attendance, and the access log.

The rows are made up, not a story: each kind of value (stage, status, decision, incident
kind…) turns in a cycle over the cases, so that every breakdown row and every figure of a
measure has something to count. No row holds a name: the text is the same placeholder
sentence everywhere, the children are "Child A"."""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from simple_history.utils import bulk_create_with_history

from cases.models import (
    AccessAction,
    CareStatus,
    Case,
    ChronologyEntry,
    Deadline,
    DeadlineStatus,
    Escalation,
    IncidentKind,
    InformationRequest,
    Involvement,
    Notification,
    Referral,
    RequestPurpose,
    RequestStatus,
    Stage,
)
from cases.timescales import TIMESCALES
from rapidreview.models import Attendance, CrgMeeting, Decision, MeetingKind, RapidReview
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
REPLIED = {RequestStatus.SUBMITTED, RequestStatus.ACCEPTED}
DRAFTED = {RequestStatus.IN_PROGRESS, RequestStatus.RETURNED}
BATCH = 5000
# A reply's text is about the length of a real one (a few hundred words over its fields),
# so that a page that loads replies it does not show pays for them as it would in use.
TEXT = (
    "Bulk placeholder text for volume testing: the agency records contact with Child A "
    "and the family, the services offered and the outcome of each referral. "
)
# The access log rows seed_scale writes come from the documentation network (RFC 5737),
# which no real request does: that is how a second run finds the rows of the first.
SCALE_NETWORK = ipaddress.ip_network("192.0.2.0/24")
MEETING_SIZE = 5  # Rapid Reviews decided at one CRG meeting
SIGNED_OFF_BUT_ONE_IN = 100


def _cycle(values, n: int):
    return values[n % len(values)]


def _create(model, rows, *, history: bool, user=None) -> list:
    """Insert `rows` in batches; with `history`, their "created" history rows too."""
    if history:
        return bulk_create_with_history(list(rows), model, batch_size=BATCH, default_user=user)
    return model.objects.bulk_create(rows, batch_size=BATCH)


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
    mark: str = "B",
    history: bool = False,
    user=None,
    lead_officers: list | None = None,
    entries_per_reply: int = 0,
    rapid_reviews: int | None = None,
    attendees: list | None = None,
) -> list[Case]:
    """`count` cases of the partnership received from `start` over `days` days, numbered
    from `first_number` (a case reference is unique; `mark` tells one generator's
    references from another's), with their rows. `agencies` (at least
    `requests_per_case` of them, serving the partnership) receive the requests.

    seed_scale's extras: `history` writes each row's history as `user`; `lead_officers`
    lead the cases in turn (some have none); `entries_per_reply` gives each reply its text
    and that many chronology entries (a draft half as many); `rapid_reviews` caps the
    decided cases given a Rapid Review; `attendees` ((user, agency or None, capacity))
    makes a CRG meeting for every few Rapid Reviews, with those people present."""
    assert deadlines_per_case <= len(KINDS)
    assert requests_per_case <= len(agencies)
    officers = [None, *(lead_officers or [])]
    prefix = partnership.reference_prefix
    cases = _create(
        Case,
        (
            Case(
                partnership=partnership,
                reference=f"{prefix}-{mark}{start.year}-{first_number + n:06d}",
                reference_year=start.year,
                reference_number=100_000 + first_number + n,
                stage=_cycle(STAGES, n),
                opened_on=start + timedelta(days=n * 7 % days),
                lead_officer=_cycle(officers, n) if lead_officers else None,
            )
            for n in range(count)
        ),
        history=history,
        user=user,
    )
    _intake(cases, history, user)
    _deadlines(cases, deadlines_per_case, history, user)
    requests = _requests(cases, agencies, requests_per_case, entries_per_reply, history, user)
    if entries_per_reply:
        _chronologies(requests, entries_per_reply, history, user)
    _decisions(cases, rapid_reviews, attendees, history, user)
    return cases


def _intake(cases: list[Case], history: bool, user) -> None:
    _create(
        Notification,
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
        history=history,
        user=user,
    )
    _create(
        Referral,
        (
            Referral(case=case, received_on=case.opened_on, summary="Bulk", criteria=[])
            for n, case in enumerate(cases)
            if n % 2 == 1
        ),
        history=history,
        user=user,
    )


def _deadlines(cases: list[Case], per_case: int, history: bool, user) -> None:
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

    _create(
        Deadline,
        (deadline(n, case, k) for n, case in enumerate(cases) for k in range(per_case)),
        history=history,
        user=user,
    )


def _requests(
    cases: list[Case], agencies: list, per_case: int, entries: int, history: bool, user
) -> list[InformationRequest]:
    def request(n: int, case: Case, k: int) -> InformationRequest:
        status = _cycle(RequestStatus.values, n + k)
        sent_at = datetime.combine(case.opened_on, time(10), tzinfo=UK)
        submitted = status in REPLIED
        item = InformationRequest(
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
        if entries and (submitted or status in DRAFTED):  # the agency's reply, or its draft
            item.involvement = Involvement.YES
            item.involvement_summary = TEXT * 3
            item.dates_and_contacts = TEXT * 2
            item.actions_taken = TEXT * 2
            item.concerns = TEXT
            item.completed_by = "Bulk author"
        return item

    made = _create(
        InformationRequest,
        (request(n, case, k) for n, case in enumerate(cases) for k in range(per_case)),
        history=history,
        user=user,
    )
    _create(
        Escalation,
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
        history=history,
        user=user,
    )
    return made


def _chronologies(requests: list[InformationRequest], per_reply: int, history, user) -> None:
    def count(item):
        return (
            per_reply if item.status in REPLIED else per_reply // 2 if item.status in DRAFTED else 0
        )

    _create(
        ChronologyEntry,
        (
            ChronologyEntry(
                request=item,
                happened_on=item.sent_at.date() - timedelta(days=30 * (k + 1)),
                concerning="Child A",
                source="Bulk case record",
                event=TEXT,
                agency_response=TEXT if k % 2 else "",
            )
            for item in requests
            for k in range(count(item))
        ),
        history=history,
        user=user,
    )


def _decisions(cases: list[Case], cap: int | None, attendees, history: bool, user) -> None:
    decided = [case for case in cases if case.stage in DECIDED][:cap]
    meetings = []
    if attendees and decided:
        partnership = decided[0].partnership
        meetings = _create(
            CrgMeeting,
            (
                CrgMeeting(
                    partnership=partnership,
                    kind=MeetingKind.MONTHLY,
                    held_on=case.opened_on + timedelta(days=15),
                    starts_at=time(10),
                    location="Bulk meeting room",
                )
                for case in decided[::MEETING_SIZE]
            ),
            history=history,
            user=user,
        )
        _create(
            Attendance,
            (
                Attendance(
                    meeting=meeting,
                    user=person,
                    name=person.get_full_name() or person.username,
                    capacity=capacity,
                    agency=agency,
                    confidentiality_agreed=True,
                )
                for meeting in meetings
                for person, agency, capacity in attendees
            ),
            history=history,
            user=user,
        )

    def review(n: int, case: Case) -> RapidReview:
        meeting = meetings[n // MEETING_SIZE] if meetings else None
        decided_on = meeting.held_on if meeting else case.opened_on + timedelta(days=15)
        # With a meeting, a decision is signed off a few days later, but for one in a
        # hundred still waiting for its signatures (what the chairs' dashboards list).
        signed = meeting and n % SIGNED_OFF_BUT_ONE_IN != SIGNED_OFF_BUT_ONE_IN - 1
        return RapidReview(
            case=case,
            meeting=meeting,
            signed_off_at=datetime.combine(decided_on + timedelta(days=3), time(12), tzinfo=UK)
            if signed
            else None,
            facts_reviewed=TEXT if meeting else "",
            decision=Decision.PROCEED if case.stage in REVIEWED else Decision.NOT_PROCEED,
            decision_rationale=TEXT if meeting else "",
            decided_on=decided_on,
            decision_notified_on=case.opened_on + timedelta(days=16 + n % 10),
            report_sent_on=case.opened_on + timedelta(days=20 + n % 10),
        )

    _create(
        RapidReview,
        (review(n, case) for n, case in enumerate(decided)),
        history=history,
        user=user,
    )
    _create(
        Lcspr,
        (
            Lcspr(case=case, decided_on=case.opened_on + timedelta(days=15))
            for case in cases
            if case.stage in REVIEWED
        ),
        history=history,
        user=user,
    )


ACCESS_COLUMNS = (
    "at",
    "user_id",
    "username",
    "role",
    "partnership_id",
    "agency_id",
    "case_partnership_id",
    "action",
    "object_type",
    "object_reference",
    "route",
    "status_code",
    "ip_address",
    "purpose",
)
ACCESS_ROUTES = [
    (AccessAction.VIEW, "case", "case_detail"),
    (AccessAction.VIEW, "case", "case_deadlines"),
    (AccessAction.VIEW, "case", "case_requests"),
    (AccessAction.VIEW, "information_request", "request_detail"),
    (AccessAction.API_READ, "case", "api:case-detail"),
    (AccessAction.DOWNLOAD, "case", "combined_chronology_pdf"),
    (AccessAction.VIEW, "case", "case_detail"),
    (AccessAction.VIEW, "case", "case_timeline"),
]


def bulk_access_events(partnership, count: int, *, cases: list, users: list, until) -> int:
    """`count` rows of the access log: the partnership's `users` ((user, role)) opening its
    `cases` (references or Case rows), spread back from `until` over three years. The log
    is append-only and its own history (it has no simple-history table), and a million
    rows through the ORM take minutes, so it is written with PostgreSQL's COPY."""
    if count <= 0:
        return 0
    references = [getattr(case, "reference", case) for case in cases]
    step = timedelta(days=3 * 365) / count
    with connection.cursor() as cursor:
        table = "cases_accessevent"
        columns = ", ".join(ACCESS_COLUMNS)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for n in range(count):
                person, role = users[n % len(users)]
                at = until - step * n
                ip = str(SCALE_NETWORK[1 + n % 250])
                action, kind, route = _cycle(ACCESS_ROUTES, n)
                reference = references[(n * 7919) % len(references)]
                copy.write_row(
                    (at, person.pk, person.username, role, partnership.pk, None,
                     partnership.pk, action, kind, reference, route, 200, ip, "")
                )  # fmt: skip
    return count
