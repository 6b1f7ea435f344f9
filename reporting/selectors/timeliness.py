"""Timeliness (§1.6.3, §3.1.2, §4.3.3, §4.4.2, §4.9, §10.5.1): each measure reads the
statutory dates the deadline engine keeps (cases/timescales.py), so that its figures
agree with every other page and endpoint that shows those dates. A date counts in the
period its due date falls in; it is met, missed, open or waived as the deadline says,
and the rate is met / (met + missed).

One aggregate query per measure, grouped by partnership and month due; one for them all
where a page shows them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q

from cases.models import Deadline, DeadlineStatus
from cases.timescales import TIMESCALES_BY_KIND
from reporting.rules.period import Period
from reporting.selectors.base import (
    CaseLine,
    Figures,
    MonthOf,
    Reading,
    Row,
    computed_together,
    computes,
    rate,
)

MET = Q(status=DeadlineStatus.MET)
MISSED = Q(status=DeadlineStatus.MISSED)
# §4.4.2: a meeting held before the window opened is outside it too, though its
# "latest date" deadline is met.
TOO_EARLY = Q(window_start__isnull=False, completed_on__lt=F("window_start"))


@dataclass(frozen=True)
class Duty:
    kinds: tuple[str, ...]
    met: Q = MET
    missed: Q = MISSED


DUTIES = {
    "rapid-review-timeliness": Duty(("rapid_review_complete",)),
    "information-request-timeliness": Duty(("information_request_sent",)),
    "rapid-review-meeting-window": Duty(
        ("rapid_review_meeting_latest",), met=MET & ~TOO_EARLY, missed=MISSED | (MET & TOO_EARLY)
    ),
    "referral-decision-timeliness": Duty(("referral_decision",)),
    "publication-timeliness": Duty(("lcspr_complete",)),
    "panel-notice-timeliness": Duty(("report_sent_to_national_panel",)),
    "decisions-notified": Duty(("decision_notified", "referral_decision_notified")),
}


def _in_period(duty: Duty, period: Period) -> Q:
    """The duty's dates due in the period, of cases not withdrawn (a duplicate, or opened in
    error: cases/services/correction.py)."""
    return _due_in(duty.kinds, period)


def _due_in(kinds, period: Period) -> Q:
    return Q(
        kind__in=kinds,
        due_date__gte=period.start,
        due_date__lte=period.end,
        case__withdrawn_at__isnull=True,
    )


COUNTED = ("total", "met", "missed", "open", "waived")


def _figures_of_duties(duties: dict[str, Duty], partnerships, period: Period):
    """Each duty's figures, {slug: {partnership id: Figures}}, from one aggregate query
    over all their dates: grouped by partnership, month and kind, with each duty's met and
    missed counted by its own rule (§4.4.2's window differs). A rule that several duties
    share is counted once."""
    conditions: dict[Q, str] = {}  # each distinct met or missed rule -> its count's name

    def name_of(rule: Q) -> str:
        return conditions.setdefault(rule, f"rule_{len(conditions)}")

    by_rule = {slug: (name_of(duty.met), name_of(duty.missed)) for slug, duty in duties.items()}
    grouped = yield (
        Deadline.objects.for_partnerships(partnerships)
        .filter(_due_in({kind for duty in duties.values() for kind in duty.kinds}, period))
        .annotate(month=MonthOf("due_date"))
        .values("case__partnership_id", "month", "kind")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status=DeadlineStatus.OPEN)),
            waived=Count("id", filter=Q(status=DeadlineStatus.WAIVED)),
            **{name: Count("id", filter=condition) for condition, name in conditions.items()},
        )
        .order_by()
    )
    # slug -> partnership id -> month key -> counts
    months: dict[str, dict[int, dict[str, dict[str, int]]]] = {
        slug: defaultdict(dict) for slug in duties
    }
    for line in grouped:
        for slug, duty in duties.items():
            if line["kind"] not in duty.kinds:
                continue
            met, missed = by_rule[slug]
            counts = months[slug][line["case__partnership_id"]].setdefault(
                _month_key(line["month"]), dict.fromkeys(COUNTED, 0)
            )
            for key, value in zip(
                COUNTED,
                (line["total"], line[met], line[missed], line["open"], line["waived"]),
                strict=True,
            ):
                counts[key] += value
    return {
        slug: {p.pk: _figures(months[slug].get(p.pk, {}), period) for p in partnerships}
        for slug in duties
    }


def _figures(months: dict[str, dict[str, int]], period: Period) -> Figures:
    totals = {key: sum(m[key] for m in months.values()) for key in COUNTED}
    totals["rate"] = rate(totals["met"], totals["met"] + totals["missed"])
    rows = []
    for month in period.months():
        line = months.get(_month_key(month))
        rows.append(
            Row(
                key=_month_key(month),
                label=f"{month:%B %Y}",
                values={
                    "met": line["met"] if line else 0,
                    "missed": line["missed"] if line else 0,
                    "open": line["open"] if line else 0,
                    "rate": _month_rate(line),
                },
            )
        )
    return Figures(figures=totals, rows=rows)


def _figures_of(slug: str, duty: Duty):
    def figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
        return (yield from _figures_of_duties({slug: duty}, partnerships, period))[slug]

    return figures


def _month_key(month) -> str:
    return f"{month:%Y-%m}"


def _month_rate(line) -> float | None:
    return rate(line["met"], line["met"] + line["missed"]) if line else None


def _cases_of(duty: Duty):
    def cases(scope, period: Period) -> list[CaseLine]:
        """The dates behind the figures, as plain values (a reference, a kind, two dates
        and two flags a row): no model instance, no grouping, so that the page stays
        cheap with thousands of dates in a year."""
        rows = (
            Deadline.objects.visible_to(scope)
            .filter(_in_period(duty, period))
            .annotate(
                is_met=ExpressionWrapper(duty.met, output_field=BooleanField()),
                is_missed=ExpressionWrapper(duty.missed, output_field=BooleanField()),
            )
            .order_by("due_date", "case__reference", "kind")
            .values_list(
                "case__reference", "kind", "due_date", "completed_on", "is_met", "is_missed"
            )
        )
        return [
            CaseLine(
                case_reference=reference,
                row=f"{due:%Y-%m}",
                values={
                    "kind": TIMESCALES_BY_KIND[kind].title,
                    "due_date": due,
                    "completed_on": completed,
                    "met": True if met else False if missed else None,
                },
            )
            for reference, kind, due, completed, met, missed in rows
        ]

    return cases


for _slug, _duty in DUTIES.items():
    computes(_slug, cases=_cases_of(_duty))(_figures_of(_slug, _duty))


@computed_together(DUTIES, heavy=True)
def all_timeliness(partnerships, period: Period) -> Reading[dict[str, dict[int, Figures]]]:
    """Every timeliness measure at once, for the pages that show them all (the figures,
    the annual report): one query rather than one a measure."""
    return (yield from _figures_of_duties(DUTIES, partnerships, period))
