"""Reading the review's findings and recommendations (§9.2), their SMART completeness
(§9.1.2 footnote 22, reviews/recommendations.py), the partnership's decision that a
separate group turns the findings into actions (§9.2.2-9.2.3), and the task "Findings and
recommendations" on the LCSPR page.

`recommendations_for_action_plans(lcspr)` is what the publication stage (issue 16) reads
to carry the agreed recommendations into the SMART action plans (§10.1.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from cases.dashboard import WorkItem, register_work
from cases.models import Agency
from cases.permissions import Action
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import (
    Finding,
    FindingsGroupDecision,
    KeyTheme,
    Lcspr,
    Recommendation,
    RecommendationStatus,
)
from reviews.recommendations import RECOMMENDATIONS_LIMIT, Smart, smart_missing, smart_of, too_many
from reviews.selectors.submissions import partnership_agencies
from reviews.selectors.terms import terms_in_force
from reviews.workspace import Task, TaskState, TaskStatus

TASK_URL = "lcspr_findings"


def kloes_in_force(lcspr: Lcspr) -> list[str]:
    """The key lines of enquiry of the terms of reference in force (§5.3.1), in their
    order (the first is KLOE 1); none before the CRG agrees the terms (§5.1.3)."""
    terms = terms_in_force(lcspr)
    return [line for line in (terms.key_lines_of_enquiry if terms else []) if line.strip()]


def review_key_themes(lcspr: Lcspr) -> list[KeyTheme]:
    return list(
        KeyTheme.objects.for_partnership(lcspr.case.partnership_id)
        .filter(lcspr=lcspr)
        .order_by("order", "id")
    )


def owner_agencies(lcspr: Lcspr) -> QuerySet[Agency]:
    """The agencies of the partnership a recommendation may name as its owner."""
    return partnership_agencies(partnership=lcspr.case.partnership)


@dataclass
class RecommendationRow:
    recommendation: Recommendation
    number: str  # "2.1": the finding's number, then its own
    missing: list[Smart]

    @property
    def is_smart(self) -> bool:
        return not self.missing

    @property
    def missing_labels(self) -> str:
        return ", ".join(m.label for m in self.missing)


@dataclass
class FindingRow:
    finding: Finding
    number: int
    themes: list[KeyTheme]
    # (KLOE number in the terms in force or None, its text)
    kloes: list[tuple[int | None, str]]
    recommendations: list[RecommendationRow] = field(default_factory=list)

    @property
    def stale_kloes(self) -> list[str]:
        return [text for number, text in self.kloes if number is None]

    @property
    def answers_nothing(self) -> bool:
        """Its key themes were removed since: it answers no theme and no KLOE."""
        return not self.themes and not self.kloes


def findings_of(lcspr: Lcspr) -> QuerySet[Finding]:
    return Finding.objects.for_partnership(lcspr.case.partnership_id).filter(lcspr=lcspr)


def recommendations_of(lcspr: Lcspr) -> QuerySet[Recommendation]:
    return (
        Recommendation.objects.for_partnership(lcspr.case.partnership_id)
        .filter(lcspr=lcspr)
        .select_related("owner_agency", "finding")
        .order_by("finding__order", "finding_id", "order", "id")
    )


def findings_with_recommendations(lcspr: Lcspr) -> list[FindingRow]:
    """The findings in order, numbered 1, 2 ..., each with its themes, its KLOEs numbered
    as in the terms in force (None where the terms no longer hold that line), and its
    recommendations numbered 1.1, 1.2 ... with the SMART elements each still misses."""
    in_force = kloes_in_force(lcspr)
    findings = list(findings_of(lcspr).prefetch_related("themes").order_by("order", "id"))
    by_finding: dict[int, list[Recommendation]] = {}
    for recommendation in recommendations_of(lcspr):
        by_finding.setdefault(recommendation.finding_id, []).append(recommendation)
    rows = []
    for number, finding in enumerate(findings, start=1):
        rows.append(
            FindingRow(
                finding=finding,
                number=number,
                themes=sorted(finding.themes.all(), key=lambda t: (t.order, t.pk)),
                kloes=[
                    (in_force.index(text) + 1 if text in in_force else None, text)
                    for text in finding.kloes
                ],
                recommendations=[
                    RecommendationRow(
                        recommendation=rec,
                        number=f"{number}.{sub}",
                        missing=smart_missing(smart_of(rec)),
                    )
                    for sub, rec in enumerate(by_finding.get(finding.pk, []), start=1)
                ],
            )
        )
    return rows


def finding_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> Finding:
    """One finding of this review; a finding of any other review is not found."""
    finding = (
        Finding.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .prefetch_related("themes")
        .first()
    )
    if finding is None:
        raise Http404("No such finding.")
    return finding


def recommendation_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> Recommendation:
    """One recommendation of this review; one of any other review is not found."""
    recommendation = (
        Recommendation.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("finding", "owner_agency")
        .first()
    )
    if recommendation is None:
        raise Http404("No such recommendation.")
    return recommendation


def findings_group(lcspr: Lcspr) -> FindingsGroupDecision | None:
    """The partnership's decision about a separate group (§9.2.2-9.2.3), if recorded."""
    return (
        FindingsGroupDecision.objects.for_partnership(lcspr.case.partnership_id)
        .filter(lcspr=lcspr)
        .select_related("sent_by", "recorded_by")
        .first()
    )


def group_turns_findings_into_actions(lcspr: Lcspr) -> bool:
    """§9.2.3: a separate group identifies the actions; recommendations are then optional."""
    decision = findings_group(lcspr)
    return decision is not None and decision.decided


def findings_changed_since_sent(lcspr: Lcspr, decision: FindingsGroupDecision | None) -> bool:
    """Whether a finding was added or changed after the findings were sent to the group."""
    if decision is None or decision.sent_at is None:
        return False
    return findings_of(lcspr).filter(updated_at__gt=decision.sent_at).exists()


@dataclass(frozen=True)
class ActionPlanItem:
    """An agreed recommendation as the action plans take it (§10.1.2)."""

    recommendation_id: int
    number: str
    finding_title: str
    action: str
    owner: str
    owner_agency_id: int | None
    measure: str
    due_on: date


def recommendations_for_action_plans(lcspr: Lcspr) -> list[ActionPlanItem]:
    """The review's agreed recommendations, in the findings' order, each with its owner
    (an agency's name or the named group), measure of success and due date.

    For the publication stage (issue 16): it carries these into the SMART multi-agency
    action plans published alongside the report (§10.1.2). Only agreed recommendations are
    here, and a recommendation is agreed only when SMART (reviews/services/findings.py),
    so each has an owner, a measure and a due date."""
    items = []
    for row in findings_with_recommendations(lcspr):
        for rec_row in row.recommendations:
            rec = rec_row.recommendation
            if rec.status != RecommendationStatus.AGREED:
                continue
            items.append(
                ActionPlanItem(
                    recommendation_id=rec.pk,
                    number=rec_row.number,
                    finding_title=row.finding.title,
                    action=rec.action,
                    owner=rec.owner,
                    owner_agency_id=rec.owner_agency_id,
                    measure=rec.measure,
                    due_on=rec.due_on,
                )
            )
    return items


@dataclass(frozen=True)
class FindingsSummary:
    findings: int
    recommendations: int
    not_smart: int
    agreed: int
    group_decided: bool
    answering_nothing: int = 0

    @property
    def too_many(self) -> bool:
        return too_many(self.recommendations)


def findings_summary(lcspr: Lcspr, rows: list[FindingRow] | None = None) -> FindingsSummary:
    rows = findings_with_recommendations(lcspr) if rows is None else rows
    recs = [r for row in rows for r in row.recommendations]
    return FindingsSummary(
        findings=len(rows),
        recommendations=len(recs),
        not_smart=sum(1 for r in recs if not r.is_smart),
        agreed=sum(1 for r in recs if r.recommendation.status == RecommendationStatus.AGREED),
        group_decided=group_turns_findings_into_actions(lcspr),
        answering_nothing=sum(1 for row in rows if row.answers_nothing),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def findings_status(lcspr: Lcspr) -> TaskStatus:
    """The task "Findings and recommendations": "N findings, M recommendations, K not yet
    SMART", and what is missing, so that nothing stalls silently."""
    summary = findings_summary(lcspr)
    if not summary.findings:
        return TaskStatus(TaskState.NOT_STARTED, "No findings recorded yet (§9.2.1)")
    hint = (
        f"{_plural(summary.findings, 'finding')}, "
        f"{_plural(summary.recommendations, 'recommendation')}, "
        f"{summary.not_smart} not yet SMART"
    )
    if summary.answering_nothing:
        return TaskStatus(
            TaskState.ATTENTION,
            f"{hint}; {_plural(summary.answering_nothing, 'finding')} answering no key theme "
            "or KLOE",
        )
    if summary.group_decided:
        return TaskStatus(
            TaskState.IN_PROGRESS if summary.not_smart else TaskState.COMPLETED,
            f"{hint}; a separate group turns the findings into actions (§9.2.3)",
        )
    if summary.not_smart:
        return TaskStatus(TaskState.ATTENTION, hint)
    if summary.too_many:
        return TaskStatus(
            TaskState.ATTENTION, f"{hint}; more than {RECOMMENDATIONS_LIMIT} (§9.1.2)"
        )
    if not summary.recommendations:
        return TaskStatus(TaskState.IN_PROGRESS, f"{hint}; no recommendation yet")
    if summary.agreed < summary.recommendations:
        return TaskStatus(TaskState.IN_PROGRESS, f"{hint}; {summary.agreed} of them agreed")
    return TaskStatus(TaskState.COMPLETED, hint)


workspace.register(
    Task(
        order=75,
        key="findings",
        title="Findings and recommendations",
        url_name=TASK_URL,
        status=findings_status,
    )
)


SEND_TO_GROUP = "Send the findings to {group} (§9.2.3)"


@register_work
def findings_group_work(scope: Scope) -> list[WorkItem]:
    """The Business Office and the chair: send the findings to the separate group the
    partnership decided on (§9.2.2-9.2.3), once there are findings and until they are sent
    (again, when a finding changed after they were). The group's name only, no content."""
    if scope.partnership is None or not scope.can(Action.MANAGE_REVIEW):
        return []
    findings = Finding.objects.visible_to(scope).filter(lcspr=OuterRef("lcspr"))
    changed = findings.filter(updated_at__gt=OuterRef("sent_at"))
    rows = (
        FindingsGroupDecision.objects.visible_to(scope)
        .filter(decided=True, lcspr__case__withdrawn_at__isnull=True)
        .filter(Exists(findings))
        .filter(Q(sent_at__isnull=True) | Q(Exists(changed)))
        .select_related("lcspr__case")
        .only("id", "group_name", "lcspr__case__reference")
        .order_by("lcspr__case__reference")
    )
    return [
        WorkItem(
            case_reference=row.lcspr.case.reference,
            text=SEND_TO_GROUP.format(group=row.group_name),
            url=reverse("lcspr_findings_group", kwargs={"reference": row.lcspr.case.reference}),
        )
        for row in rows
    ]
