"""What every measure returns, and the registry that finds a measure's computation.

A computation is two functions, registered with `@computes(slug)`:

- `figures(partnerships, period) -> {partnership_id: Figures}`: the headline figures and
  the breakdown rows of each partnership, in a fixed number of aggregate queries (one is
  usual) whatever the number of cases; rows scoped with `for_partnerships(...)`. It is
  written as a generator (`Reads`) that yields each `values()` query it needs and is sent
  back that query's rows, so that a page showing every measure can send all their queries
  to PostgreSQL at once (`read_together`); `read` runs one alone.
- `cases(scope, period, row=None) -> list[CaseLine]`: the cases behind the figures, read
  through `visible_to(scope)` so that a role that may not see a case finds none; `row`
  narrows to one breakdown row's `key` (a month, an agency, a theme).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, QuerySet
from django.db.models.functions import TruncMonth
from django.db.models.query import ValuesIterable

from cases.models import Partnership
from cases.tenancy import Scope
from reporting.rules.measures import MEASURES_BY_SLUG, Measure
from reporting.rules.period import Period


@dataclass
class Row:
    """One line of a measure's breakdown: one bar group of its chart."""

    key: str  # a stable value for drilling down (`?row=`): "2025-04", an agency's id…
    label: str
    values: dict[str, Any]


@dataclass
class Figures:
    figures: dict[str, Any]
    rows: list[Row] = field(default_factory=list)


@dataclass
class CaseLine:
    case_reference: str
    values: dict[str, Any]
    row: str = ""  # the breakdown row's key this line belongs to


@dataclass
class Result:
    """A measure's figures for one partnership and period."""

    measure: Measure
    partnership: Partnership
    period: Period
    figures: dict[str, Any]
    rows: list[Row]

    @property
    def headline(self):
        return self.figures.get(self.measure.headline_column.key)


T = TypeVar("T")

# A computation's reads: a generator that yields a `values()` query (or a tuple of them)
# and is sent its rows (a list of dicts a query, as iterating it would give), and returns
# what it computed from them.
Reading = Generator[QuerySet | tuple[QuerySet, ...], Any, T]  # Reading[what it returns]
Reads = Reading[Any]
ReadsFn = Callable[[Sequence[Partnership], Period], Reads]
CasesFn = Callable[..., list[CaseLine]]


def read(reads: Reads):
    """Run the reads one query at a time; what they return."""
    try:
        asked = next(reads)
        while True:
            asked = reads.send(
                tuple(list(q) for q in asked) if isinstance(asked, tuple) else list(asked)
            )
    except StopIteration as done:
        return done.value


def read_together(all_reads: Sequence[Reads]) -> list:
    """Run several computations' reads, and return what each returned, in order.

    On PostgreSQL (psycopg 3) their queries go in one pipeline: each is sent as soon as it
    is built, so the server runs it while the next one is built in Python, and the rows are
    read back once all are sent. Elsewhere they run one at a time, as `read` would. The
    queries, their SQL and their rows are the same either way, so is every figure."""
    done: list = [None] * len(all_reads)
    pending = list(enumerate(all_reads))
    rows: dict[int, Any] = dict.fromkeys(range(len(all_reads)))
    first = True
    while pending:
        asked: list[tuple[int, Any, list]] = []  # (which, what it asked for, as sent)
        with _Pipeline(connections[DEFAULT_DB_ALIAS]) as pipeline:
            for i, reads in pending:
                try:
                    wanted = next(reads) if first else reads.send(rows[i])
                except StopIteration as stop:
                    done[i] = stop.value
                    continue
                queries = wanted if isinstance(wanted, tuple) else (wanted,)
                asked.append((i, wanted, [pipeline.send(q) for q in queries]))
            for i, wanted, sent in asked:
                got = [pipeline.rows(s) for s in sent]
                rows[i] = tuple(got) if isinstance(wanted, tuple) else got[0]
        pending = [(i, all_reads[i]) for i, _, _ in asked]
        first = False
    return done


class _Pipeline:
    """Sends `values()` queries to PostgreSQL in one psycopg pipeline, or, where there is
    none (SQLite, psycopg 2), runs each as it is sent."""

    def __init__(self, connection):
        self.connection = connection
        self.pipeline = None

    def __enter__(self):
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.connection.vendor == "postgresql" and hasattr(raw, "pipeline"):
            import psycopg

            if psycopg.Pipeline.is_supported():
                self.pipeline = raw.pipeline()
                self.pipeline.__enter__()
        return self

    def __exit__(self, *exc):
        if self.pipeline is not None:
            with self.connection.wrap_database_errors:
                return self.pipeline.__exit__(*exc)
        return False

    def send(self, queryset: QuerySet):
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("read_together() reads values() queries only.")
        if self.pipeline is None:
            return list(queryset)
        check = getattr(queryset, "_check_scoped", None)
        if check:  # as iterating it would (cases/tenancy.py)
            check()
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return []
        cursor = self.connection.cursor()  # logged and wrapped as Django's own are
        cursor.execute(sql, params)
        return queryset, compiler, cursor

    def rows(self, sent) -> list[dict]:
        if isinstance(sent, list):
            return sent
        queryset, compiler, cursor = sent
        with self.connection.wrap_database_errors, cursor:
            fetched = cursor.fetchall()
        if compiler.has_extra_select:
            fetched = [row[: compiler.col_count] for row in fetched]
        # As django.db.models.query.ValuesIterable names a row's values.
        query = queryset.query
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        indexes = range(len(names))
        return [
            {names[i]: row[i] for i in indexes} for row in compiler.results_iter(results=[fetched])
        ]


@dataclass(frozen=True)
class Computation:
    measure: Measure
    reads: ReadsFn
    cases: CasesFn

    def figures(self, partnerships, period) -> dict[int, Figures]:
        return read(self.reads(partnerships, period))


COMPUTATIONS: dict[str, Computation] = {}


def computes(slug: str, *, cases: CasesFn, heavy: bool = False):
    """Register `reads` (the decorated generator function, which returns the measure's
    figures) and `cases` as the measure's computation; `heavy` as `computed_together`'s."""
    measure = MEASURES_BY_SLUG[slug]

    def register(reads: ReadsFn) -> ReadsFn:
        COMPUTATIONS[slug] = Computation(measure=measure, reads=reads, cases=cases)
        if heavy:
            HEAVY.add(reads)
        return reads

    return register


# Figures of several measures computed at once, for the pages that show every measure:
# slug -> reads(partnerships, period) returning {slug: {partnership_id: Figures}}.
TOGETHER: dict[str, ReadsFn] = {}
# The computations whose queries cost the server most: sent first where all are sent
# together, so that it runs them while the others are still being built.
HEAVY: set[ReadsFn] = set()


def computed_together(slugs, *, heavy: bool = False):
    """Register the decorated generator function as computing the figures of all `slugs`
    at once; each keeps its own `@computes` registration for a page that shows it alone.
    `heavy`: its queries read the most rows of any page's, and are sent first."""

    def register(batch: ReadsFn) -> ReadsFn:
        for slug in slugs:
            TOGETHER[slug] = batch
        if heavy:
            HEAVY.add(batch)
        return batch

    return register


class MonthOf(TruncMonth):
    """The first day of a date's month. On PostgreSQL the date is truncated as a timestamp
    without a time zone: DATE_TRUNC on the date itself would first make it a timestamp in
    the session's time zone, a conversion on every row that cannot change a date's month.
    A moment (a datetime) keeps TruncMonth's conversion: its month is the local one."""

    def as_postgresql(self, compiler, connection, **extra_context):
        if isinstance(self.lhs.output_field, DateTimeField):
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC('month', ({sql})::timestamp)::date", params


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to share (never a 0% of nothing)."""
    return part / whole if whole else None


def results(slug: str, partnerships: Sequence[Partnership], period: Period) -> list[Result]:
    """The measure's result for each partnership, in the order given."""
    computation = COMPUTATIONS[slug]
    by_partnership = computation.figures(partnerships, period) if partnerships else {}
    return _results(computation.measure, by_partnership, partnerships, period)


def results_of(
    slugs: Sequence[str], partnerships: Sequence[Partnership], period: Period
) -> dict[str, list[Result]]:
    """`results` of each measure, the measures computed together (TOGETHER) at once, and
    every computation's queries sent together (`read_together`)."""
    figures: dict[str, dict[int, Figures]] = {}
    batches: dict[ReadsFn, list[str]] = {}  # each computation run, once, and what it gives
    for slug in sorted(
        slugs, key=lambda s: (TOGETHER.get(s) or COMPUTATIONS[s].reads) not in HEAVY
    ):
        if not partnerships:
            figures[slug] = {}
        else:
            batches.setdefault(TOGETHER.get(slug) or COMPUTATIONS[slug].reads, []).append(slug)
    computed = read_together([reads(partnerships, period) for reads in batches])
    for (reads, wanted), found in zip(batches.items(), computed, strict=True):
        if reads in TOGETHER.values():
            figures.update(found)
        else:
            (slug,) = set(wanted)
            figures[slug] = found
    return {
        slug: _results(COMPUTATIONS[slug].measure, figures[slug], partnerships, period)
        for slug in slugs
    }


def _results(measure, by_partnership, partnerships, period) -> list[Result]:
    empty = Figures(figures={c.key: (None if c.kind == "rate" else 0) for c in measure.figures})
    return [
        Result(
            measure=measure,
            partnership=p,
            period=period,
            figures=by_partnership.get(p.pk, empty).figures,
            rows=by_partnership.get(p.pk, empty).rows,
        )
        for p in partnerships
    ]


def cases_behind(slug: str, *, scope: Scope, period: Period, row: str = "") -> list[CaseLine]:
    """The cases behind the measure that the scope may see, narrowed to one row's key."""
    lines = COMPUTATIONS[slug].cases(scope, period)
    return [line for line in lines if not row or line.row == row]
