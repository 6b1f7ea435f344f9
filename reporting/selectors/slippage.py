"""The slippage view's reads: the scope's open cases, sorted by risk in the database so
that a page is one query whatever the number of cases, and the page's deadlines in one more.

A case is open when it is neither withdrawn (a duplicate, or opened in error) nor closed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Min, Q, QuerySet

from cases.models import Case, Deadline, DeadlineStatus, Stage
from cases.tenancy import Scope
from cases.timescales import Timescale
from cases.workdays import WorkingCalendar
from reporting.rules import slippage as rules

ORDERINGS = {
    # Most missed first, then most at risk, then the soonest open date.
    rules.SORT_RISK: (
        F("missed").desc(),
        F("at_risk").desc(),
        F("next_due").asc(nulls_last=True),
        "reference_year",
        "reference_number",
    ),
    rules.SORT_REFERENCE: ("reference_year", "reference_number"),
    f"-{rules.SORT_REFERENCE}": ("-reference_year", "-reference_number"),
    rules.SORT_OPENED: ("opened_on", "reference_year", "reference_number"),
    f"-{rules.SORT_OPENED}": ("-opened_on", "-reference_year", "-reference_number"),
}


def open_cases(
    scope: Scope, *, kinds: list[str], today: date, risk_until: date, sort: str
) -> QuerySet[Case]:
    """The scope's open cases, each with how many of its milestones (`kinds`) are missed
    and at risk today, counted as rules.level_of reads one deadline."""
    milestone = Q(deadlines__kind__in=kinds)
    still_open = Q(deadlines__status=DeadlineStatus.OPEN)
    return (
        Case.objects.visible_to(scope)
        .filter(withdrawn_at__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .annotate(
            missed=Count(
                "deadlines",
                filter=milestone
                & (
                    Q(deadlines__status=DeadlineStatus.MISSED)
                    | (still_open & Q(deadlines__due_date__lt=today))
                ),
            ),
            at_risk=Count(
                "deadlines",
                filter=milestone
                & still_open
                & Q(deadlines__due_date__gte=today, deadlines__due_date__lte=risk_until),
            ),
            next_due=Min(
                "deadlines__due_date",
                filter=milestone & still_open & Q(deadlines__due_date__gte=today),
            ),
        )
        .order_by(*ORDERINGS[sort])
    )


@dataclass(frozen=True)
class SlippageRow:
    case: Case  # annotated with `missed` and `at_risk` (open_cases)
    cells: list[rules.Cell]  # one a milestone, in the milestones' order


def slippage_rows(
    scope: Scope,
    cases,
    *,
    milestones: list[Timescale],
    today: date,
    risk_until: date,
    cal: WorkingCalendar,
) -> list[SlippageRow]:
    """Each of the page's cases with a cell for each milestone: its deadlines in one query."""
    cases = list(cases)
    kinds = [t.kind for t in milestones]
    by_case: dict[int, dict[str, Deadline]] = defaultdict(dict)
    for deadline in (
        Deadline.objects.visible_to(scope)
        .filter(case__in=[case.pk for case in cases], kind__in=kinds)
        .only("case_id", "kind", "status", "due_date", "completed_on")
    ):
        by_case[deadline.case_id][deadline.kind] = deadline
    return [
        SlippageRow(
            case=case,
            cells=[
                rules.cell_of(
                    by_case[case.pk].get(kind), today=today, risk_until=risk_until, cal=cal
                )
                for kind in kinds
            ],
        )
        for case in cases
    ]
