"""Volumes (§1.3.5, §4.2, §4.4-§4.6, §4.9, §5-§10): how many notifications, referrals,
Rapid Reviews, decisions and reviews the partnership had in the period, each counted on
the date its own record keeps (received, held, decided, published).

One aggregate query per measure, grouped by partnership and month (or stage, decision,
status), whatever the number of cases; cases withdrawn as duplicates or opened in error
are left out (cases/services/correction.py), as in every other figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import (
    SAFEGUARDING_PARTNER_KINDS,
    CareStatus,
    Case,
    IncidentKind,
    Notification,
    Partnership,
    Referral,
    Stage,
)
from rapidreview.models import Attendance, Decision, Declaration, RapidReview
from rapidreview.quorum import MIN_PARTNER_AGENCIES, MIN_SAFEGUARDING_PARTNERS
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
from reviews.models import Lcspr

NOT_WITHDRAWN = Q(case__withdrawn_at__isnull=True)


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def _monthly(
    rows: QuerySet,
    *,
    on: str,
    partnership: str,
    counts: dict[str, Q],
    partnerships: Sequence[Partnership],
    period: Period,
    row_keys: tuple[str, ...] = ("count",),
) -> Reading[dict[int, Figures]]:
    """`rows` (already scoped and filtered to the period) counted in one grouped query by
    partnership and the month of `on`: "count", and each of `counts` by its condition.
    One breakdown row per month of the period, a month without any rows at 0."""
    by_month = yield from _by_month(rows, on=on, partnership=partnership, counts=counts)
    keys = {key: key for key in ("count", *counts)}
    return _month_figures(by_month, keys, partnerships, period, row_keys)


def _by_month(
    rows: QuerySet, *, on: str, partnership: str, counts: dict[str, Q]
) -> Reading[dict[int, dict[str, dict]]]:
    """{partnership id: {month key: {"count": n, and each of `counts`: n}}}, one query."""
    grouped = yield (
        rows.annotate(month=MonthOf(on))
        .values("month", pid=F(partnership))
        .annotate(count=Count("id"), **{key: Count("id", filter=q) for key, q in counts.items()})
        .order_by()
    )
    by_month: dict[int, dict[str, dict]] = defaultdict(dict)
    for line in grouped:
        by_month[line["pid"]][_month_key(line["month"])] = line
    return by_month


def _month_figures(
    by_month: dict[int, dict[str, dict]],
    keys: dict[str, str],
    partnerships: Sequence[Partnership],
    period: Period,
    row_keys: tuple[str, ...] = ("count",),
) -> dict[int, Figures]:
    """Figures from `_by_month`'s counts: each figure of `keys` (figure: count's name)
    summed over the months, and a row a month of `row_keys`' figures."""
    out = {}
    for p in partnerships:
        months = by_month.get(p.pk, {})
        out[p.pk] = Figures(
            figures={key: sum(m[name] for m in months.values()) for key, name in keys.items()},
            rows=[
                Row(
                    key=_month_key(month),
                    label=f"{month:%B %Y}",
                    values={
                        key: months.get(_month_key(month), {}).get(keys[key], 0) for key in row_keys
                    },
                )
                for month in period.months()
            ],
        )
    return out


def _by_key(
    rows: QuerySet,
    *,
    by: str,
    partnership: str,
    partnerships: Sequence[Partnership],
) -> Reading[dict[int, dict[str, int]]]:
    """How many of `rows` each partnership has for each value of `by`, in one query."""
    grouped = yield rows.values(by, pid=F(partnership)).annotate(count=Count("id")).order_by()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for line in grouped:
        counts[line["pid"]][str(line[by])] = line["count"]
    return counts


# --- Notifications (§4.2) and the deaths of looked-after children and care leavers (§1.3.5)


def _notifications(rows: QuerySet, period: Period) -> QuerySet:
    return rows.filter(_in("received_on", period), NOT_WITHDRAWN)


def notification_cases(scope, period: Period) -> list[CaseLine]:
    notifications = (
        _notifications(Notification.objects.visible_to(scope), period)
        .select_related("case")
        .order_by("received_on", "case__reference")
    )
    return [
        CaseLine(
            case_reference=n.case.reference,
            row=_month_key(n.received_on),
            values={"received_on": n.received_on},
        )
        for n in notifications
    ]


# §1.3.5: the death of a looked-after child, or of a care leaver up to and including 24.
CARE_DEATH = Q(
    incident_kind=IncidentKind.DEATH,
    care_status__in=[CareStatus.LOOKED_AFTER, CareStatus.CARE_LEAVER],
)


def care_death_cases(scope, period: Period) -> list[CaseLine]:
    notifications = (
        _notifications(Notification.objects.visible_to(scope), period)
        .filter(CARE_DEATH)
        .select_related("case")
        .order_by("received_on", "case__reference")
    )
    return [
        CaseLine(
            case_reference=n.case.reference,
            row=_month_key(n.received_on),
            values={"received_on": n.received_on, "care_status": n.get_care_status_display()},
        )
        for n in notifications
    ]


NOTIFIED = {
    "deaths": Q(incident_kind=IncidentKind.DEATH),
    "harm": Q(incident_kind=IncidentKind.SERIOUS_HARM),
}
CARE_DEATHS = {
    "care_deaths": CARE_DEATH,
    "looked_after": CARE_DEATH & Q(care_status=CareStatus.LOOKED_AFTER),
    "care_leavers": CARE_DEATH & Q(care_status=CareStatus.CARE_LEAVER),
}
# Each measure's figures, as the names of the counts `_notified` makes.
NOTIFICATION_KEYS = {
    "notifications": {"count": "count", "deaths": "deaths", "harm": "harm"},
    "care-deaths": {
        "count": "care_deaths",
        "looked_after": "looked_after",
        "care_leavers": "care_leavers",
    },
}


def _notified(slugs, partnerships, period: Period) -> Reading[dict[str, dict[int, Figures]]]:
    """The notifications (§4.2) and the care deaths among them (§1.3.5), in one query."""
    by_month = yield from _by_month(
        _notifications(Notification.objects.for_partnerships(partnerships), period),
        on="received_on",
        partnership="case__partnership_id",
        counts={**NOTIFIED, **CARE_DEATHS},
    )
    return {
        slug: _month_figures(by_month, NOTIFICATION_KEYS[slug], partnerships, period)
        for slug in slugs
    }


@computes("notifications", cases=notification_cases)
def notification_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    return (yield from _notified(["notifications"], partnerships, period))["notifications"]


@computes("care-deaths", cases=care_death_cases)
def care_death_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    return (yield from _notified(["care-deaths"], partnerships, period))["care-deaths"]


@computed_together(NOTIFICATION_KEYS)
def all_notified(partnerships, period: Period) -> Reading[dict[str, dict[int, Figures]]]:
    """Both measures of notifications at once, for the pages that show them all."""
    return (yield from _notified(NOTIFICATION_KEYS, partnerships, period))


# --- Referrals (§4.1.5, §4.9) -------------------------------------------------------------


def _referrals(rows: QuerySet, period: Period) -> QuerySet:
    return rows.filter(_in("received_on", period), NOT_WITHDRAWN)


def referral_cases(scope, period: Period) -> list[CaseLine]:
    referrals = (
        _referrals(Referral.objects.visible_to(scope), period)
        .select_related("case")
        .order_by("received_on", "case__reference")
    )
    return [
        CaseLine(
            case_reference=r.case.reference,
            row=_month_key(r.received_on),
            values={"received_on": r.received_on, "converted_on": r.converted_on},
        )
        for r in referrals
    ]


@computes("referrals", cases=referral_cases)
def referral_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    return (
        yield from _monthly(
            _referrals(Referral.objects.for_partnerships(partnerships), period),
            on="received_on",
            partnership="case__partnership_id",
            # §4.1.6: the Local Authority notified after the referral, at any date so far.
            counts={"converted": Q(converted_on__isnull=False)},
            partnerships=partnerships,
            period=period,
        )
    )


# --- Cases by stage -----------------------------------------------------------------------


def _opened(rows: QuerySet, period: Period) -> QuerySet:
    return rows.filter(_in("opened_on", period), withdrawn_at__isnull=True)


def case_stage_cases(scope, period: Period) -> list[CaseLine]:
    cases = _opened(Case.objects.visible_to(scope), period).order_by("opened_on", "reference")
    return [
        CaseLine(
            case_reference=c.reference,
            row=c.stage,
            values={"opened_on": c.opened_on, "stage": c.get_stage_display()},
        )
        for c in cases
    ]


@computes("cases-by-stage", cases=case_stage_cases)
def case_stage_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    counts = yield from _by_key(
        _opened(Case.objects.for_partnerships(partnerships), period),
        by="stage",
        partnership="partnership_id",
        partnerships=partnerships,
    )
    out = {}
    for p in partnerships:
        stages = counts.get(p.pk, {})
        out[p.pk] = Figures(
            figures={
                "count": sum(stages.values()),
                "open": sum(n for stage, n in stages.items() if stage != Stage.CLOSED),
            },
            rows=[
                Row(key=stage.value, label=stage.label, values={"count": stages.get(stage, 0)})
                for stage in Stage
            ],
        )
    return out


# --- Rapid Review meetings (§4.4-§4.6) ----------------------------------------------------


def _held(rows: QuerySet, period: Period) -> QuerySet:
    """The Rapid Reviews (and §4.9 referral decisions, which the CRG takes the same way)
    whose meeting fell in the period, took place (not cancelled) and is not still ahead."""
    return rows.filter(
        _in("meeting__held_on", period),
        NOT_WITHDRAWN,
        meeting__cancelled_at__isnull=True,
        meeting__held_on__lte=timezone.localdate(),
    )


def _with_quorum(reviews: QuerySet, attendances: QuerySet) -> QuerySet:
    """Each review annotated `quorate` (§4.6.1) from its meeting's attendance, in the same
    query: partner agencies represented by someone present who takes part in the decision
    (one who declared a conflict and took no part is left out, §1.5.8), and how many of
    them are Safeguarding Partners (rapidreview/quorum.py counts the same way)."""
    present = (
        attendances.filter(meeting=OuterRef("meeting"), present=True, agency__isnull=False)
        .filter(
            ~Q(declaration=Declaration.DECLARED)
            | Q(takes_part_in_decision__isnull=True)
            | Q(takes_part_in_decision=True)
        )
        .order_by()
    )

    def distinct(rows: QuerySet, field: str) -> Coalesce:
        counted = rows.values("meeting").annotate(n=Count(field, distinct=True)).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return reviews.annotate(
        quorum_agencies=distinct(present, "agency"),
        quorum_partners=distinct(
            present.filter(agency__kind__in=SAFEGUARDING_PARTNER_KINDS), "agency__kind"
        ),
    )


QUORATE = Q(
    quorum_agencies__gte=MIN_PARTNER_AGENCIES, quorum_partners__gte=MIN_SAFEGUARDING_PARTNERS
)


def held_cases(scope, period: Period) -> list[CaseLine]:
    reviews = (
        _with_quorum(
            _held(RapidReview.objects.visible_to(scope), period),
            Attendance.objects.visible_to(scope),
        )
        .select_related("case", "meeting")
        .order_by("meeting__held_on", "case__reference")
    )
    return [
        CaseLine(
            case_reference=r.case.reference,
            row=_month_key(r.meeting.held_on),
            values={
                "held_on": r.meeting.held_on,
                "quorate": "Quorate"
                if r.quorum_agencies >= MIN_PARTNER_AGENCIES
                and r.quorum_partners >= MIN_SAFEGUARDING_PARTNERS
                else "Not quorate",
            },
        )
        for r in reviews
    ]


@computes("rapid-reviews-held", cases=held_cases)
def held_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    return (
        yield from _monthly(
            _with_quorum(
                _held(RapidReview.objects.for_partnerships(partnerships), period),
                Attendance.objects.for_partnerships(partnerships),
            ),
            on="meeting__held_on",
            partnership="case__partnership_id",
            counts={"quorate": QUORATE},
            partnerships=partnerships,
            period=period,
            row_keys=("count", "quorate"),
        )
    )


# --- The decision whether to commission an LCSPR (§4.6.2) ---------------------------------

DECISION_LABELS = {
    Decision.PROCEED: "To commission an LCSPR",
    Decision.NOT_PROCEED: "Not to commission an LCSPR",
}


def _decided(rows: QuerySet, period: Period) -> QuerySet:
    return rows.filter(_in("decided_on", period), NOT_WITHDRAWN, decision__in=Decision.values)


def decision_cases(scope, period: Period) -> list[CaseLine]:
    reviews = (
        _decided(RapidReview.objects.visible_to(scope), period)
        .select_related("case")
        .order_by("decided_on", "case__reference")
    )
    return [
        CaseLine(
            case_reference=r.case.reference,
            row=r.decision,
            values={"decided_on": r.decided_on, "decision": r.get_decision_display()},
        )
        for r in reviews
    ]


@computes("rapid-review-decisions", cases=decision_cases)
def decision_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    counts = yield from _by_key(
        _decided(RapidReview.objects.for_partnerships(partnerships), period),
        by="decision",
        partnership="case__partnership_id",
        partnerships=partnerships,
    )
    out = {}
    for p in partnerships:
        decisions = counts.get(p.pk, {})
        proceed = decisions.get(Decision.PROCEED, 0)
        total = sum(decisions.values())
        out[p.pk] = Figures(
            figures={
                "count": total,
                "proceed": proceed,
                "not_proceed": decisions.get(Decision.NOT_PROCEED, 0),
                "rate": rate(proceed, total),
            },
            rows=[
                Row(key=decision.value, label=label, values={"count": decisions.get(decision, 0)})
                for decision, label in DECISION_LABELS.items()
            ],
        )
    return out


# --- LCSPRs (§5-§10) ----------------------------------------------------------------------

LCSPR_STATUSES = {
    "commissioned": "Commissioned in the period",
    "open": "Open at the end of the period",
    "completed": "Report final in the period",
    "published": "Published in the period",
}


def _lcspr_statuses(period: Period) -> dict[str, Q]:
    """Each status as a condition on an LCSPR annotated with `final_on`, the local date
    its report was marked final (§9.1.5). A review is open from the CRG's decision until it
    is published (§3.1.3); one whose case closed without publication is not open, though
    when it closed is not recorded here."""
    end = period.end
    unpublished = Q(publication__published_on__isnull=True)
    return {
        "commissioned": _in("decided_on", period),
        "open": Q(decided_on__lte=end)
        & (Q(publication__published_on__gt=end) | (unpublished & ~Q(case__stage=Stage.CLOSED))),
        "completed": _in("final_on", period),
        "published": _in("publication__published_on", period),
    }


def _lcsprs(rows: QuerySet) -> QuerySet:
    return rows.filter(NOT_WITHDRAWN).annotate(final_on=TruncDate("report_final__marked_at"))


def lcspr_cases(scope, period: Period) -> list[CaseLine]:
    statuses = _lcspr_statuses(period)
    reviews = list(
        _lcsprs(Lcspr.objects.visible_to(scope))
        .filter(reduce(or_, statuses.values()))
        .annotate(
            published_on=F("publication__published_on"),
            **{
                f"is_{key}": ExpressionWrapper(q, output_field=BooleanField())
                for key, q in statuses.items()
            },
        )
        .values(
            "case__reference",
            "decided_on",
            "final_on",
            "published_on",
            *[f"is_{key}" for key in statuses],
        )
        .order_by("decided_on", "case__reference")
    )
    on = {
        "commissioned": "decided_on",
        "open": "decided_on",
        "completed": "final_on",
        "published": "published_on",
    }
    return [
        CaseLine(
            case_reference=review["case__reference"],
            row=key,
            values={"status": LCSPR_STATUSES[key], "on": review[on[key]]},
        )
        for key in LCSPR_STATUSES
        for review in reviews
        if review[f"is_{key}"]
    ]


@computes("lcsprs", cases=lcspr_cases)
def lcspr_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    statuses = _lcspr_statuses(period)
    grouped = yield (
        _lcsprs(Lcspr.objects.for_partnerships(partnerships))
        .values(pid=F("case__partnership_id"))
        .annotate(**{key: Count("id", filter=q) for key, q in statuses.items()})
        .order_by()
    )
    counts = {line["pid"]: line for line in grouped}
    out = {}
    for p in partnerships:
        mine = counts.get(p.pk, {})
        out[p.pk] = Figures(
            figures={key: mine.get(key, 0) for key in statuses},
            rows=[
                Row(key=key, label=label, values={"count": mine.get(key, 0)})
                for key, label in LCSPR_STATUSES.items()
            ],
        )
    return out
