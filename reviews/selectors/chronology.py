"""Reading the multi-agency chronology (§8.4.3): every agency's LCSPR chronology entries
the office has received, for the scoping period, merged by date and time, with the
periods of no agency contact (gaps) and the days several agencies were in contact
(overlaps); and its task on the LCSPR page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, QuerySet

from cases.dates import format_date
from cases.models import (
    Agency,
    ChronologyEntry,
    InformationRequest,
    RequestPurpose,
)
from reviews import workspace
from reviews.models import Lcspr
from reviews.rules import SUBMISSION_READ_STATUSES, plural
from reviews.selectors.terms import terms_in_force, terms_latest
from reviews.workspace import Task, TaskState, TaskStatus


def lcspr_submissions(lcspr: Lcspr) -> QuerySet[InformationRequest]:
    """The review's agency submissions the office has received (§8.2-8.6): an agency's
    draft is its own until it submits it."""
    return (
        InformationRequest.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case, purpose=RequestPurpose.LCSPR, status__in=SUBMISSION_READ_STATUSES)
        .select_related("agency")
        .order_by("agency__name", "id")
    )


def _entries(lcspr: Lcspr) -> QuerySet[ChronologyEntry]:
    """Every received LCSPR chronology entry of the review, merged by date then time: an
    entry without a time comes first on its day (it may have happened at any hour), then
    by agency and the order the agency gave them."""
    return (
        ChronologyEntry.objects.for_partnership(lcspr.case.partnership)
        .filter(
            request__case=lcspr.case,
            request__purpose=RequestPurpose.LCSPR,
            request__status__in=SUBMISSION_READ_STATUSES,
        )
        .select_related("request__agency")
        .prefetch_related("key_themes")
        .order_by(
            "happened_on",
            F("happened_at").asc(nulls_first=True),
            "request__agency__name",
            "id",
        )
    )


def scoping_period(lcspr: Lcspr) -> tuple[date | None, date | None, bool]:
    """The terms of reference's scoping period (§5.4): of the version in force, else of
    the latest draft; and whether it is the agreed one."""
    terms = terms_in_force(lcspr)
    agreed = terms is not None
    if terms is None:
        terms = terms_latest(lcspr)
    if terms is None:
        return None, None, False
    return terms.scoping_start, terms.scoping_end, agreed


@dataclass(frozen=True)
class ChronologyFilters:
    """What the reader narrowed the chronology to (all optional)."""

    agency: Agency | None = None
    date_from: date | None = None
    date_to: date | None = None
    concerning: str = ""
    theme_id: int | None = None
    # "with" (every row), "without" (events only) or "only" (organisational changes).
    organisational: str = "with"


@dataclass
class ChronologyRow:
    """One line of the merged chronology: an entry, or a gap before the next entry."""

    entry: ChronologyEntry | None = None
    gap_days: int = 0
    gap_from: date | None = None
    gap_to: date | None = None
    # On an entry's row: how many agencies had contact with the family that day.
    agencies_that_day: int = 0

    @property
    def is_gap(self) -> bool:
        return self.entry is None

    @property
    def gap_text(self) -> str:
        return (
            f"No agency contact for {self.gap_days} days: "
            f"{format_date(self.gap_from)} – {format_date(self.gap_to)}"
        )

    @property
    def overlap_text(self) -> str:
        if self.agencies_that_day < 2:
            return ""
        return f"{self.agencies_that_day} agencies on this day"


@dataclass
class Chronology:
    rows: list[ChronologyRow]
    entries: list[ChronologyEntry]
    outside: list[ChronologyEntry]  # in the filters, but outside the scoping period
    organisational: list[ChronologyEntry]  # rows of the organisational changes (§8.4.1)
    scoping_start: date | None
    scoping_end: date | None
    scoping_agreed: bool
    gap_days: int
    agencies: list[Agency] = field(default_factory=list)
    concerning: list[str] = field(default_factory=list)

    @property
    def gaps(self) -> list[ChronologyRow]:
        return [row for row in self.rows if row.is_gap]

    @property
    def overlap_days(self) -> list[date]:
        return sorted({row.entry.happened_on for row in self.rows if row.agencies_that_day > 1})


def in_scoping_period(entry: ChronologyEntry, start: date | None, end: date | None) -> bool:
    return (start is None or entry.happened_on >= start) and (
        end is None or entry.happened_on <= end
    )


def gaps_between(days: list[date], threshold: int) -> list[tuple[date, date, int]]:
    """§8.4.3: each period with no agency contact longer than `threshold` days, as (the
    last day of contact before it, the next day of contact, the days between them).
    Contacts on 1 March and 29 March are 28 days apart: a gap when the threshold is 27,
    none when it is 28."""
    found = []
    ordered = sorted(set(days))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if (after - before).days > threshold:
            found.append((before, after, (after - before).days))
    return found


def _filtered(entries: list[ChronologyEntry], filters: ChronologyFilters):
    kept = []
    for entry in entries:
        if filters.agency is not None and entry.request.agency_id != filters.agency.pk:
            continue
        if filters.date_from is not None and entry.happened_on < filters.date_from:
            continue
        if filters.date_to is not None and entry.happened_on > filters.date_to:
            continue
        if filters.concerning and entry.concerning != filters.concerning:
            continue
        if filters.theme_id is not None and filters.theme_id not in {
            theme.pk for theme in entry.key_themes.all()
        }:
            continue
        kept.append(entry)
    return kept


def multi_agency_chronology(lcspr: Lcspr, filters: ChronologyFilters | None = None) -> Chronology:
    """The multi-agency chronology (§8.4.3) as the filters narrow it: the events of the
    scoping period merged by date and time, with the gaps of no contact longer than the
    review's threshold and, on each entry, how many agencies had contact that day. The
    organisational changes (§8.4.1) and the entries outside the scoping period are kept
    apart."""
    filters = filters or ChronologyFilters()
    everything = list(_entries(lcspr))
    start, end, agreed = scoping_period(lcspr)
    chosen = _filtered(everything, filters)
    organisational = [e for e in chosen if e.is_organisational_change]
    events = [e for e in chosen if not e.is_organisational_change]
    inside = [e for e in events if in_scoping_period(e, start, end)]
    outside = [e for e in events if not in_scoping_period(e, start, end)]
    if filters.organisational == "only":
        inside, outside = [], []
    elif filters.organisational == "without":
        organisational = []
    agencies_on = {}
    for entry in inside:
        agencies_on.setdefault(entry.happened_on, set()).add(entry.request.agency_id)
    gaps = {
        begins: (begins, ends, length)
        for begins, ends, length in gaps_between(
            [e.happened_on for e in inside], lcspr.chronology_gap_days
        )
    }
    rows: list[ChronologyRow] = []
    previous = None
    for entry in inside:
        if previous is not None and entry.happened_on != previous:
            gap = gaps.get(previous)
            if gap is not None:
                rows.append(ChronologyRow(gap_from=gap[0], gap_to=gap[1], gap_days=gap[2]))
        rows.append(
            ChronologyRow(entry=entry, agencies_that_day=len(agencies_on[entry.happened_on]))
        )
        previous = entry.happened_on
    agencies = sorted(
        {e.request.agency.pk: e.request.agency for e in everything}.values(),
        key=lambda agency: agency.name,
    )
    return Chronology(
        rows=rows,
        entries=inside,
        outside=outside,
        organisational=organisational,
        scoping_start=start,
        scoping_end=end,
        scoping_agreed=agreed,
        gap_days=lcspr.chronology_gap_days,
        agencies=agencies,
        concerning=sorted({e.concerning for e in everything if e.concerning}),
    )


def chronology_choices(lcspr: Lcspr) -> tuple[list[Agency], list[str]]:
    """The agencies and the people ("Child A", "Mother") the chronology can be narrowed to."""
    everything = list(_entries(lcspr))
    agencies = {e.request.agency.pk: e.request.agency for e in everything}
    return (
        sorted(agencies.values(), key=lambda agency: agency.name),
        sorted({e.concerning for e in everything if e.concerning}),
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def chronology_status(lcspr: Lcspr) -> TaskStatus:
    """The task "Merge the agencies' chronologies": how many entries from how many
    agencies, and how many gaps (§8.4.3)."""
    submissions = InformationRequest.objects.for_partnership(lcspr.case.partnership).filter(
        case=lcspr.case, purpose=RequestPurpose.LCSPR
    )
    if not submissions.exists():
        return TaskStatus(TaskState.CANNOT_START, "No agency has been asked for a submission yet")
    chronology = multi_agency_chronology(lcspr)
    if not chronology.entries:
        return TaskStatus(TaskState.NOT_STARTED, "No agency's chronology received yet")
    agencies = {e.request.agency_id for e in chronology.entries}
    hint = (
        f"{_count(len(chronology.entries), 'entry', 'entries')} from "
        f"{_count(len(agencies), 'agency', 'agencies')}; "
        f"{plural(len(chronology.gaps), 'gap')}"
    )
    waiting = submissions.exclude(status__in=SUBMISSION_READ_STATUSES).exists()
    return TaskStatus(TaskState.IN_PROGRESS if waiting else TaskState.COMPLETED, hint)


workspace.register(
    Task(
        order=56,
        key="chronology",
        title="Merge the agencies' chronologies",
        url_name="lcspr_chronology",
        status=chronology_status,
    )
)
