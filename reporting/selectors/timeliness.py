"""Timeliness (§1.6.3, §3.1.2, §4.3.3, §4.4.2, §4.9, §10.5.1): each measure reads the
statutory dates the deadline engine keeps (cases/timescales.py), so that its figures
agree with every other page and endpoint that shows those dates. A date counts in the
period its due date falls in; it is met, missed, open or waived as the deadline says,
and the rate is met / (met + missed).

One aggregate query per measure, grouped by partnership and month due.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth

from cases.models import Deadline, DeadlineStatus
from cases.timescales import TIMESCALES_BY_KIND
from reporting.rules.period import Period
from reporting.selectors.base import CaseLine, Figures, Row, computes, rate

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
    return Q(
        kind__in=duty.kinds,
        due_date__gte=period.start,
        due_date__lte=period.end,
        case__withdrawn_at__isnull=True,
    )


def _figures_of(duty: Duty):
    def figures(partnerships, period: Period) -> dict[int, Figures]:
        grouped = (
            Deadline.objects.for_partnerships(partnerships)
            .filter(_in_period(duty, period))
            .annotate(month=TruncMonth("due_date"))
            .values("case__partnership_id", "month")
            .annotate(
                total=Count("id"),
                met=Count("id", filter=duty.met),
                missed=Count("id", filter=duty.missed),
                open=Count("id", filter=Q(status=DeadlineStatus.OPEN)),
                waived=Count("id", filter=Q(status=DeadlineStatus.WAIVED)),
            )
            .order_by()
        )
        by_month: dict[int, dict] = defaultdict(dict)
        for line in grouped:
            by_month[line["case__partnership_id"]][_month_key(line["month"])] = line
        out = {}
        for partnership in partnerships:
            months = by_month.get(partnership.pk, {})
            totals = {
                key: sum(m[key] for m in months.values())
                for key in ("total", "met", "missed", "open", "waived")
            }
            totals["rate"] = rate(totals["met"], totals["met"] + totals["missed"])
            rows = [
                Row(
                    key=_month_key(month),
                    label=f"{month:%B %Y}",
                    values={
                        "met": months.get(_month_key(month), {}).get("met", 0),
                        "missed": months.get(_month_key(month), {}).get("missed", 0),
                        "open": months.get(_month_key(month), {}).get("open", 0),
                        "rate": _month_rate(months.get(_month_key(month))),
                    },
                )
                for month in period.months()
            ]
            out[partnership.pk] = Figures(figures=totals, rows=rows)
        return out

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
    computes(_slug, cases=_cases_of(_duty))(_figures_of(_duty))
