"""Agencies (§2.1.7, §4.3.4, §8.2): how each agency answered what the partnership asked of
it, from the requests themselves (cases.models.InformationRequest).

A reply counts in the period its due date (`reply_due_on`, the date in the letter) falls
in. It is on time if received (submitted, then perhaps accepted) on or before that date,
the local date of `submitted_at`; late if received after it; overdue if not received and
the date has passed; not yet due otherwise. A reply returned for more information is
judged by its new date and awaits its next submission. The rate is on time over every
reply due by now (on time, late and overdue).

One aggregate query per measure, grouped by partnership and agency (or step); one for both
measures of replies where a page shows them all.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from cases.models import (
    RECEIVED_STATUSES,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    RequestPurpose,
)
from reporting.rules.period import Period
from reporting.selectors.base import (
    CaseLine,
    Figures,
    Reading,
    Row,
    computed_together,
    computes,
    rate,
)

REPLY_STATES = ("on_time", "late", "overdue", "awaited")


RECEIVED = Q(status__in=RECEIVED_STATUSES, submitted_at__isnull=False)
IN_TIME = Q(replied_on__lte=F("reply_due_on"))


def _states(today) -> dict[str, Q]:
    """Each reply's state, as a condition on a request annotated with `replied_on`."""
    return {
        "on_time": RECEIVED & IN_TIME,
        "late": RECEIVED & Q(replied_on__gt=F("reply_due_on")),
        "overdue": ~RECEIVED & Q(reply_due_on__lt=today),
        "awaited": ~RECEIVED & Q(reply_due_on__gte=today),
    }


def _state(today) -> Case:
    """`_states` as one value a request, each condition tested once: received or not,
    then in time or not (a received reply has a date), or past its due date or not."""
    return Case(
        When(
            RECEIVED,
            then=Case(When(IN_TIME, then=Value("on_time")), default=Value("late")),
        ),
        When(reply_due_on__lt=today, then=Value("overdue")),
        default=Value("awaited"),
        output_field=CharField(),
    )


def _due(rows: QuerySet, purposes, period: Period) -> QuerySet:
    return rows.filter(
        purpose__in=purposes,
        reply_due_on__gte=period.start,
        reply_due_on__lte=period.end,
        case__withdrawn_at__isnull=True,
    ).annotate(replied_on=TruncDate("submitted_at"))


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _rate(counts: dict) -> float | None:
    return rate(counts["on_time"], counts["on_time"] + counts["late"] + counts["overdue"])


def _replies_of(purposes: dict[str, str], partnerships, period: Period):
    """Each purpose's replies by agency, {slug: {partnership id: Figures}}, in one query
    grouped by purpose, partnership, agency and state (a count a state, filtered, tested
    every state on every request). The agency's name is read once a group, not grouped by
    nor lowered on every request."""
    grouped = yield (
        _due(InformationRequest.objects.for_partnerships(partnerships), purposes.values(), period)
        .annotate(state=_state(timezone.localdate()))
        .values("purpose", "agency_id", "state", pid=F("case__partnership_id"))
        .annotate(count=Count("id"), agency_name=Min("agency__name"))
        .order_by(Lower("agency_name"), "agency_id")
    )
    by_agency: dict[tuple[str, int], list[dict]] = defaultdict(list)
    lines: dict[tuple[str, int, int], dict] = {}
    for row in grouped:
        key = (row["purpose"], row["pid"], row["agency_id"])
        if key not in lines:  # in the agencies' order
            lines[key] = {
                "agency_id": row["agency_id"],
                "agency_name": row["agency_name"],
                **dict.fromkeys(REPLY_STATES, 0),
            }
            by_agency[row["purpose"], row["pid"]].append(lines[key])
        lines[key][row["state"]] += row["count"]
    return {
        slug: {p.pk: _replies(by_agency.get((purpose, p.pk), [])) for p in partnerships}
        for slug, purpose in purposes.items()
    }


def _replies(agencies: list[dict]) -> Figures:
    totals = {key: sum(a[key] for a in agencies) for key in REPLY_STATES}
    return Figures(
        figures={"total": sum(totals.values()), **totals, "rate": _rate(totals)},
        rows=[
            Row(
                key=str(a["agency_id"]),
                label=a["agency_name"],
                values={
                    "on_time": a["on_time"],
                    "late": a["late"],
                    "overdue": a["overdue"],
                    "rate": _rate(a),
                },
            )
            for a in agencies
        ],
    )


def _replies_figures(slug: str, purpose: str):
    def figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
        return (yield from _replies_of({slug: purpose}, partnerships, period))[slug]

    return figures


def _on_time(request) -> bool | None:
    """On time; late or overdue (False); or not yet due (None)."""
    if request.answered_on_time:
        return True
    return False if request.answered or request.answer_overdue else None


def _replies_cases(purpose: str):
    def cases(scope, period: Period) -> list[CaseLine]:
        states = _states(timezone.localdate())
        requests = (
            _due(InformationRequest.objects.visible_to(scope), [purpose], period)
            .annotate(
                answered_on_time=_flag(states["on_time"]),
                answered=_flag(states["on_time"] | states["late"]),
                answer_overdue=_flag(states["overdue"]),
            )
            .select_related("case", "agency")
            .order_by("reply_due_on", "case__reference", Lower("agency__name"))
        )
        return [
            CaseLine(
                case_reference=r.case.reference,
                row=str(r.agency_id),
                values={
                    "agency": r.agency.name,
                    "kind": r.get_submission_kind_display(),
                    "due": r.reply_due_on,
                    "replied": r.replied_on if r.answered else None,
                    "on_time": _on_time(r),
                },
            )
            for r in requests
        ]

    return cases


# §4.3.4: the Rapid Review's information requests; §8.2: the agencies' LCSPR submissions.
PURPOSES = {
    "agency-requests": RequestPurpose.RAPID_REVIEW,
    "agency-submissions": RequestPurpose.LCSPR,
}
for _slug, _purpose in PURPOSES.items():
    computes(_slug, cases=_replies_cases(_purpose))(_replies_figures(_slug, _purpose))


@computed_together(PURPOSES, heavy=True)
def all_replies(partnerships, period: Period) -> Reading[dict[str, dict[int, Figures]]]:
    """Both measures of agencies' replies at once, for the pages that show them all."""
    return (yield from _replies_of(PURPOSES, partnerships, period))


# --- Escalations (§2.1.7) -----------------------------------------------------------------

CAUSES = {"unanswered": EscalationCause.SILENCE, "refused": EscalationCause.REFUSAL}


def _escalated(rows: QuerySet, period: Period) -> QuerySet:
    return rows.filter(
        escalated_on__gte=period.start,
        escalated_on__lte=period.end,
        request__case__withdrawn_at__isnull=True,
    )


def escalation_cases(scope, period: Period) -> list[CaseLine]:
    escalations = (
        _escalated(Escalation.objects.visible_to(scope), period)
        .select_related("request__case", "request__agency")
        .order_by("escalated_on", "request__case__reference", "step")
    )
    return [
        CaseLine(
            case_reference=e.request.case.reference,
            row=str(e.step),
            values={
                "agency": e.request.agency.name,
                "step": e.get_step_display(),
                "cause": e.get_cause_display(),
                "escalated_on": e.escalated_on,
            },
        )
        for e in escalations
    ]


@computes("escalations", cases=escalation_cases, heavy=True)
def escalation_figures(partnerships, period: Period) -> Reading[dict[int, Figures]]:
    grouped = yield (
        _escalated(Escalation.objects.for_partnerships(partnerships), period)
        .values("step", pid=F("request__case__partnership_id"))
        .annotate(
            count=Count("id"),
            **{key: Count("id", filter=Q(cause=cause)) for key, cause in CAUSES.items()},
        )
        .order_by()
    )
    by_step: dict[int, dict[int, dict]] = defaultdict(dict)
    for line in grouped:
        by_step[line["pid"]][line["step"]] = line
    keys = ("count", *CAUSES)
    out = {}
    for p in partnerships:
        steps = by_step.get(p.pk, {})
        out[p.pk] = Figures(
            figures={key: sum(s[key] for s in steps.values()) for key in keys},
            rows=[
                Row(
                    key=str(step.value),
                    label=step.label,
                    values={key: steps.get(step.value, {}).get(key, 0) for key in keys},
                )
                for step in EscalationStep
            ],
        )
    return out
