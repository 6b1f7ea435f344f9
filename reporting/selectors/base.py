"""What every measure returns, and the registry that finds a measure's computation.

A computation is two functions, registered with `@computes(slug)`:

- `figures(partnerships, period) -> {partnership_id: Figures}`: the headline figures and
  the breakdown rows of each partnership, in a fixed number of aggregate queries (one is
  usual) whatever the number of cases; rows scoped with `for_partnerships(...)`.
- `cases(scope, period, row=None) -> list[CaseLine]`: the cases behind the figures, read
  through `visible_to(scope)` so that a role that may not see a case finds none; `row`
  narrows to one breakdown row's `key` (a month, an agency, a theme).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


FiguresFn = Callable[[Sequence[Partnership], Period], dict[int, Figures]]
CasesFn = Callable[..., list[CaseLine]]


@dataclass(frozen=True)
class Computation:
    measure: Measure
    figures: FiguresFn
    cases: CasesFn


COMPUTATIONS: dict[str, Computation] = {}


def computes(slug: str, *, cases: CasesFn):
    """Register `figures` (the decorated function) and `cases` as the measure's computation."""
    measure = MEASURES_BY_SLUG[slug]

    def register(figures: FiguresFn) -> FiguresFn:
        COMPUTATIONS[slug] = Computation(measure=measure, figures=figures, cases=cases)
        return figures

    return register


# Figures of several measures computed at once, for the pages that show every measure:
# slug -> fn(partnerships, period) -> {slug: {partnership_id: Figures}}.
BatchFn = Callable[[Sequence[Partnership], Period], dict[str, dict[int, Figures]]]
TOGETHER: dict[str, BatchFn] = {}


def computed_together(slugs):
    """Register the decorated function as computing the figures of all `slugs` at once;
    each keeps its own `@computes` registration for a page that shows it alone."""

    def register(batch: BatchFn) -> BatchFn:
        for slug in slugs:
            TOGETHER[slug] = batch
        return batch

    return register


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
    """`results` of each measure, the measures computed together (TOGETHER) at once."""
    figures: dict[str, dict[int, Figures]] = {}
    for slug in slugs:
        if slug in figures:
            continue
        if not partnerships:
            figures[slug] = {}
        elif slug in TOGETHER:
            figures.update(TOGETHER[slug](partnerships, period))
        else:
            figures[slug] = COMPUTATIONS[slug].figures(partnerships, period)
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
