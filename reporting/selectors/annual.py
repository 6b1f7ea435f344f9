"""The annual report's figures: every registered measure's headline figures for the
partnerships asked for, grouped by part, in the order the measures are defined. Figures
only: no case reference, so the page and its PDF can go to the board and into the
partnership's published annual report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cases.models import Partnership
from reporting.rules.measures import MEASURES, Measure, Part
from reporting.rules.period import Period
from reporting.selectors.base import COMPUTATIONS, Result, results_of


@dataclass(frozen=True)
class AnnualMeasure:
    measure: Measure
    results: list[Result]  # one a partnership, in the order asked for


@dataclass(frozen=True)
class AnnualPart:
    part: Part
    measures: list[AnnualMeasure]


def annual_report(partnerships: Sequence[Partnership], period: Period) -> list[AnnualPart]:
    """Each part with its measures' results; a part with no measure computed is left out."""
    shown = [m for m in MEASURES if m.slug in COMPUTATIONS]
    found = results_of([m.slug for m in shown], partnerships, period)
    parts = []
    for part in Part:
        measures = [
            AnnualMeasure(measure=m, results=found[m.slug]) for m in shown if m.part == part
        ]
        if measures:
            parts.append(AnnualPart(part=part, measures=measures))
    return parts
