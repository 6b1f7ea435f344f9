"""Learning (§8.8, §9.2, §10.1.2, §11.4): the key themes the reviews coded, where their
recommendations stand, and how the partnership's action plans are being carried out.

Each measure's figures are one or two aggregate queries for all the partnerships asked
for, grouped by partnership and breakdown row; the cases behind them are read through
`visible_to(scope)`. Cases withdrawn as duplicates are left out, as everywhere in
reporting. A national review's action plan (§11.5) has no case: its actions count in the
figures, and are listed behind them with no case reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from cases.models import Partnership
from publication.models import ActionEvidence, ActionStatus, AuditRating, PlanAction, Response
from reporting.rules import learning as rules
from reporting.rules.period import Period
from reporting.selectors.base import CaseLine, Figures, Reading, Row, computed_together, computes
from reviews.models import KeyTheme, Recommendation, RecommendationStatus

# --- Key themes (§8.8) -------------------------------------------------------------------


def _themes_in(period: Period) -> Q:
    """Key themes coded in the period, of reviews whose case is not withdrawn."""
    return Q(
        created_at__date__gte=period.start,
        created_at__date__lte=period.end,
        lcspr__case__withdrawn_at__isnull=True,
    )


def themes_cases(scope, period: Period) -> list[CaseLine]:
    themes = (
        KeyTheme.objects.visible_to(scope)
        .filter(_themes_in(period))
        .annotate(answered_by=Count("findings", distinct=True))
        .select_related("lcspr__case", "code")
        .order_by("code__order", "code__label", "lcspr__case__reference", "order", "id")
    )
    return [
        CaseLine(
            case_reference=theme.lcspr.case.reference,
            row=theme.code.code,
            values={
                "theme": theme.code.label,
                "coded_on": timezone.localdate(theme.created_at),
                "findings": theme.answered_by,
            },
        )
        for theme in themes
    ]


@computes("themes", cases=themes_cases)
def themes_figures(
    partnerships: Sequence[Partnership], period: Period
) -> Reading[dict[int, Figures]]:
    partnership = "lcspr__case__partnership_id"
    coded = KeyTheme.objects.for_partnerships(partnerships).filter(_themes_in(period))
    by_code, by_partnership = yield (
        coded.values(partnership, "code__code", "code__label")
        .annotate(
            lcsprs=Count("lcspr", distinct=True),
            findings=Count("findings", distinct=True),
        )
        .order_by(),
        # A review counts once however many of the list's themes it coded.
        coded.values(partnership)
        .annotate(count=Count("id"), reviews=Count("lcspr", distinct=True))
        .order_by(),
    )
    totals = {line[partnership]: line for line in by_partnership}
    rows: dict[int, list[Row]] = defaultdict(list)
    for line in by_code:
        rows[line[partnership]].append(
            Row(
                key=line["code__code"],
                label=line["code__label"],
                values={"lcsprs": line["lcsprs"], "findings": line["findings"]},
            )
        )
    return {
        p.pk: Figures(
            figures={
                "count": totals.get(p.pk, {}).get("count", 0),
                "reviews": totals.get(p.pk, {}).get("reviews", 0),
            },
            # The themes most reviews named first.
            rows=sorted(rows[p.pk], key=lambda r: (-r.values["lcsprs"], r.label)),
        )
        for p in partnerships
    }


# --- Recommendations (§9.2, §10.1.2) -------------------------------------------------------


def _recommendations_in(period: Period) -> Q:
    """Recommendations of the reviews whose report was marked final in the period."""
    return Q(
        lcspr__report_final__marked_at__date__gte=period.start,
        lcspr__report_final__marked_at__date__lte=period.end,
        lcspr__case__withdrawn_at__isnull=True,
    )


RECOMMENDATION_STANDING = Case(
    When(
        plan_recommendation__response=Response.ACCEPTED,
        then=Value(rules.RECOMMENDATION_ACCEPTED),
    ),
    When(
        plan_recommendation__response=Response.NOT_ACCEPTED,
        then=Value(rules.RECOMMENDATION_NOT_ACCEPTED),
    ),
    When(status=RecommendationStatus.AGREED, then=Value(rules.RECOMMENDATION_AGREED)),
    default=Value(rules.RECOMMENDATION_DRAFT),
    output_field=CharField(),
)


def recommendations_cases(scope, period: Period) -> list[CaseLine]:
    recommendations = (
        Recommendation.objects.visible_to(scope)
        .filter(_recommendations_in(period))
        .annotate(standing=RECOMMENDATION_STANDING)
        .select_related("lcspr__case", "lcspr__report_final")
        .order_by("lcspr__case__reference", "finding__order", "order", "id")
    )
    return [
        CaseLine(
            case_reference=rec.lcspr.case.reference,
            row=rec.standing,
            values={
                "status": rules.RECOMMENDATION_STANDINGS[rec.standing],
                "final_on": timezone.localdate(rec.lcspr.report_final.marked_at),
            },
        )
        for rec in recommendations
    ]


@computes("recommendations", cases=recommendations_cases)
def recommendations_figures(
    partnerships: Sequence[Partnership], period: Period
) -> Reading[dict[int, Figures]]:
    partnership = "lcspr__case__partnership_id"
    grouped = yield (
        Recommendation.objects.for_partnerships(partnerships)
        .filter(_recommendations_in(period))
        .annotate(standing=RECOMMENDATION_STANDING)
        .values(partnership, "standing")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for line in grouped:
        counts[line[partnership]][line["standing"]] = line["count"]
    out = {}
    for p in partnerships:
        mine = counts[p.pk]
        out[p.pk] = Figures(
            figures={
                "count": sum(mine.values()),
                "accepted": mine.get(rules.RECOMMENDATION_ACCEPTED, 0),
                "not_accepted": mine.get(rules.RECOMMENDATION_NOT_ACCEPTED, 0),
            },
            rows=[
                Row(key=key, label=label, values={"count": mine.get(key, 0)})
                for key, label in rules.RECOMMENDATION_STANDINGS.items()
            ],
        )
    return out


# --- Actions (§11.4) -----------------------------------------------------------------------


def _not_withdrawn() -> Q:
    """Actions of plans whose case is not withdrawn; a national review's plan has none."""
    return Q(plan__case__isnull=True) | Q(plan__case__withdrawn_at__isnull=True)


def _closed_by(day) -> Q:
    return Q(status=ActionStatus.CLOSED, closed_on__lte=day)


def _overdue_on(day) -> Q:
    """Open on the day (not closed by then) and past its due date."""
    return ~_closed_by(day) & Q(due_on__lt=day)


def _standing(day) -> Case:
    return Case(
        When(_closed_by(day), then=Value(rules.ACTION_CLOSED)),
        When(due_on__lt=day, then=Value(rules.ACTION_OVERDUE)),
        default=Value(rules.ACTION_OPEN),
        output_field=CharField(),
    )


def _latest_rag(ratings, day) -> Subquery:
    """The rating the latest audit held by the day gave the action (§11.4.1)."""
    return Subquery(
        ratings.filter(action=OuterRef("pk"), audit__held_on__lte=day)
        .order_by("-audit__held_on", "-audit_id")
        .values("rag")[:1],
        output_field=CharField(),
    )


def _evidence_kept(evidence, day) -> Exists:
    """Evidence of the action uploaded by the day and not removed by then."""
    return Exists(
        evidence.filter(action=OuterRef("pk"), uploaded_at__date__lte=day).filter(
            Q(removed_at__isnull=True) | Q(removed_at__date__gt=day)
        )
    )


def _due_in(period: Period) -> Q:
    return Q(due_on__gte=period.start, due_on__lte=period.end)


def _actions(source: Callable, period: Period):
    """The actions due in the period, each with its standing, RAG and evidence on the day
    read (rules.as_at), from `source(Model)`: a scoped manager of each model."""
    day = rules.as_at(period, timezone.localdate())
    return (
        source(PlanAction)
        .filter(_not_withdrawn(), _due_in(period))
        .annotate(
            standing=_standing(day),
            rag=_latest_rag(source(AuditRating), day),
            with_evidence=_evidence_kept(source(ActionEvidence), day),
        )
    )


def _reference(action) -> str:
    """The action's case reference; none for a national review's plan."""
    return action.plan.case.reference if action.plan.case_id else ""


def _action_line(action, row: str) -> CaseLine:
    return CaseLine(
        case_reference=_reference(action),
        row=row,
        values={
            "agency": action.owner_agency.name,
            "due": action.due_on,
            "status": rules.ACTION_STANDINGS[action.standing],
            "rag": rules.RAG_LABELS[action.rag or rules.UNRATED],
        },
    )


def actions_cases(scope, period: Period) -> list[CaseLine]:
    actions = (
        _actions(lambda model: model.objects.visible_to(scope), period)
        .select_related("plan__case", "owner_agency")
        .order_by("due_on", "id")
    )
    return [_action_line(action, action.standing) for action in actions]


@computes("actions", cases=actions_cases)
def actions_figures(
    partnerships: Sequence[Partnership], period: Period
) -> Reading[dict[int, Figures]]:
    grouped = yield (
        _actions(lambda model: model.objects.for_partnerships(partnerships), period)
        .values("plan__partnership_id", "standing", "rag", "with_evidence")
        .annotate(count=Count("id"))
        .order_by()
    )
    return _actions_of(grouped, partnerships)


def _actions_of(grouped, partnerships) -> dict[int, Figures]:
    """The figures of actions from counts by partnership, standing, RAG and evidence."""
    # {partnership: {standing: {rag: count}}}, and closed actions with evidence kept.
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    with_evidence: dict[int, int] = defaultdict(int)
    for line in grouped:
        p = line["plan__partnership_id"]
        counts[p][line["standing"]][line["rag"] or rules.UNRATED] += line["count"]
        if line["standing"] == rules.ACTION_CLOSED and line["with_evidence"]:
            with_evidence[p] += line["count"]
    out = {}
    for p in partnerships:
        mine = counts[p.pk]
        out[p.pk] = Figures(
            figures={
                "count": sum(sum(by_rag.values()) for by_rag in mine.values()),
                "closed": sum(mine[rules.ACTION_CLOSED].values()),
                "closed_with_evidence": with_evidence[p.pk],
                "overdue": sum(mine[rules.ACTION_OVERDUE].values()),
            },
            rows=[
                Row(
                    key=key,
                    label=label,
                    values={rag: mine[key].get(rag, 0) for rag in rules.RAG_LABELS},
                )
                for key, label in rules.ACTION_STANDINGS.items()
            ],
        )
    return out


def _overdue(source: Callable, period: Period):
    """Actions open and past their due date on the day read, whenever they fell due."""
    day = rules.as_at(period, timezone.localdate())
    return source(PlanAction).filter(_not_withdrawn(), _overdue_on(day))


def overdue_actions_cases(scope, period: Period) -> list[CaseLine]:
    actions = (
        _overdue(lambda model: model.objects.visible_to(scope), period)
        .select_related("plan__case", "owner_agency")
        .order_by("owner_agency__name", "due_on", "id")
    )
    return [
        CaseLine(
            case_reference=_reference(action),
            row=str(action.owner_agency_id),
            values={"agency": action.owner_agency.name, "due": action.due_on},
        )
        for action in actions
    ]


@computes("overdue-actions", cases=overdue_actions_cases)
def overdue_actions_figures(
    partnerships: Sequence[Partnership], period: Period
) -> Reading[dict[int, Figures]]:
    grouped = yield (
        _overdue(lambda model: model.objects.for_partnerships(partnerships), period)
        .values("plan__partnership_id", "owner_agency_id", "owner_agency__name")
        .annotate(count=Count("id"))
        .order_by()
    )
    return _overdue_of(grouped, partnerships)


def _overdue_of(grouped, partnerships) -> dict[int, Figures]:
    """The figures of overdue actions from counts by partnership and owning agency."""
    rows: dict[int, list[Row]] = defaultdict(list)
    for line in grouped:
        rows[line["plan__partnership_id"]].append(
            Row(
                key=str(line["owner_agency_id"]),
                label=line["owner_agency__name"],
                values={"count": line["count"]},
            )
        )
    return {
        p.pk: Figures(
            figures={"count": sum(row.values["count"] for row in rows[p.pk])},
            # The agencies with most overdue first.
            rows=sorted(rows[p.pk], key=lambda r: (-r.values["count"], r.label)),
        )
        for p in partnerships
    }


@computed_together(("actions", "overdue-actions"))
def all_actions(partnerships: Sequence[Partnership], period: Period) -> Reading[dict[str, dict]]:
    """Both measures of actions at once, for the pages that show them all: one query over
    the actions either counts (due in the period, or overdue on the day read), grouped by
    partnership and owning agency and, for an action due in the period, its standing, RAG
    and evidence (worked out for those only)."""
    day = rules.as_at(period, timezone.localdate())
    due, overdue = _due_in(period), _overdue_on(day)
    scoped = lambda model: model.objects.for_partnerships(partnerships)  # noqa: E731
    grouped = yield (
        scoped(PlanAction)
        .filter(_not_withdrawn(), due | overdue)
        .annotate(
            standing=Case(When(due, then=_standing(day))),
            rag=Case(When(due, then=_latest_rag(scoped(AuditRating), day))),
            with_evidence=Case(When(due, then=_evidence_kept(scoped(ActionEvidence), day))),
        )
        .values(
            "plan__partnership_id",
            "owner_agency_id",
            "owner_agency__name",
            "standing",
            "rag",
            "with_evidence",
        )
        .annotate(due=Count("id", filter=due), overdue=Count("id", filter=overdue))
        .order_by()
    )
    in_period: dict[tuple, int] = defaultdict(int)
    by_agency: dict[tuple, int] = defaultdict(int)
    for line in grouped:
        pid = line["plan__partnership_id"]
        if line["due"]:
            in_period[pid, line["standing"], line["rag"], line["with_evidence"]] += line["due"]
        if line["overdue"]:
            by_agency[pid, line["owner_agency_id"], line["owner_agency__name"]] += line["overdue"]
    return {
        "actions": _actions_of(
            [
                {"plan__partnership_id": p, "standing": s, "rag": r, "with_evidence": e, "count": n}
                for (p, s, r, e), n in in_period.items()
            ],
            partnerships,
        ),
        "overdue-actions": _overdue_of(
            [
                {
                    "plan__partnership_id": p,
                    "owner_agency_id": a,
                    "owner_agency__name": name,
                    "count": n,
                }
                for (p, a, name), n in by_agency.items()
            ],
            partnerships,
        ),
    }
