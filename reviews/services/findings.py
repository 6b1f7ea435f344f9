"""The review's findings and recommendations (§9.2), written by the Reviewer and the
Business Office (Action.WRITE_FINDINGS), and the partnership's decision that a separate
group turns the findings into actions (§9.2.2-9.2.3), recorded by the Business Office or
the chair (Action.MANAGE_REVIEW).

Every change is made from the version the form was opened at: another's change in between
is refused (STALE), never overwritten. Adding twice from one form adds once (the views'
FormToken, cases/once.py)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Agency, User
from cases.permissions import Action, require
from reviews.models import (
    Finding,
    FindingsGroupDecision,
    KeyTheme,
    Lcspr,
    Recommendation,
    RecommendationStatus,
)
from reviews.recommendations import SmartInput, smart_missing
from reviews.selectors import findings as selectors

ONLY_WRITERS = "Only the Reviewer and the Business Office write the findings and recommendations."
ONLY_DECIDERS = (
    "Only the Business Office and the CRG chair record the partnership's decision about a "
    "separate group."
)
STALE = "Someone else changed this while you were editing it. Check what is shown and save again."
NOTHING_ANSWERED = (
    "Choose the key themes or the key lines of enquiry this finding answers: at least one."
)
THEME_NOT_OF_REVIEW = "Choose key themes of this review."
KLOE_NOT_IN_FORCE = (
    "Choose key lines of enquiry from the terms of reference in force: the ones offered on "
    "this page."
)
HAS_RECOMMENDATIONS = (
    "This finding has recommendations. Remove them, or move them to another finding, first."
)
FINDING_NOT_OF_REVIEW = "Choose a finding of this review."
OWNER_BOTH = "Give either an agency or a group as the owner, not both."
OWNER_NOT_OF_PARTNERSHIP = "Choose an agency of the partnership."
DUE_PAST = "The date it is due by must be today or later."
NOT_SMART = "It cannot be agreed until it is SMART (§9.1.2): {missing}."
GROUP_NAME_NEEDED = "Name the group that will turn the findings into actions."
GROUP_DATE_NEEDED = "Enter the date the partnership decided."
GROUP_DATE_FUTURE = "The date the partnership decided must be today or earlier."
NO_GROUP = "Record the partnership's decision about a separate group first."


def _next_order(queryset) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 10


def _move(siblings, row, direction: str) -> None:
    """Swap a row with its neighbour above ("up") or below ("down")."""
    with transaction.atomic():
        rows = list(siblings.select_for_update().order_by("order", "id"))
        before = {sibling.pk: sibling.order for sibling in rows}
        for number, sibling in enumerate(rows, start=1):
            sibling.order = number * 10
        index = next((i for i, sibling in enumerate(rows) if sibling.pk == row.pk), None)
        if index is None:
            return
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index].order, rows[other].order = rows[other].order, rows[index].order
        for sibling in rows:
            if sibling.order != before[sibling.pk]:
                sibling.save(update_fields=["order"])


def _lcspr_locked(lcspr: Lcspr) -> Lcspr:
    return (
        Lcspr.objects.for_partnership(lcspr.case.partnership_id)
        .select_for_update()
        .select_related("case")
        .get(pk=lcspr.pk)
    )


# --- Findings (§9.2.1) ---------------------------------------------------------------------


def _check_answers(
    lcspr: Lcspr, themes: list[KeyTheme], kloes: list[str], keep: list[str] = ()
) -> list[str]:
    """A finding answers at least one key theme or KLOE; the themes are the review's and
    the KLOEs lines of the terms of reference in force (a line it already answered is kept
    though the terms have changed since). Returns the KLOEs, each once, in their order."""
    if any(theme.lcspr_id != lcspr.pk for theme in themes):
        raise ApplicationError(THEME_NOT_OF_REVIEW, field="themes")
    in_force = selectors.kloes_in_force(lcspr)
    allowed = set(in_force) | set(keep)
    kloes = list(dict.fromkeys(k for k in kloes if k))
    if any(k not in allowed for k in kloes):
        raise ApplicationError(KLOE_NOT_IN_FORCE, field="kloes")
    if not themes and not kloes:
        raise ApplicationError(NOTHING_ANSWERED)
    rank = {text: i for i, text in enumerate(in_force)}
    return sorted(kloes, key=lambda k: rank.get(k, len(rank)))


def finding_add(
    *,
    lcspr: Lcspr,
    title: str,
    text: str,
    themes: list[KeyTheme],
    kloes: list[str],
    actor: User | None,
) -> Finding:
    """Record a finding at the end of the list (§9.2.1)."""
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        lcspr = _lcspr_locked(lcspr)
        kloes = _check_answers(lcspr, themes, kloes)
        siblings = selectors.findings_of(lcspr)
        finding = Finding(
            lcspr=lcspr,
            title=title.strip(),
            text=text.strip(),
            kloes=kloes,
            order=_next_order(siblings),
            created_by=actor,
        )
        finding.full_clean()
        finding._history_user, finding._change_reason = actor, "Finding recorded (§9.2.1)"
        finding.save()
        finding.themes.set(themes)
        return finding


def finding_update(
    *,
    finding: Finding,
    title: str,
    text: str,
    themes: list[KeyTheme],
    kloes: list[str],
    version: int,
    actor: User | None,
) -> Finding:
    """Change a finding from the version the form was opened at."""
    lcspr = finding.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        current = selectors.findings_of(lcspr).select_for_update().get(pk=finding.pk)
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        current.kloes = _check_answers(lcspr, themes, kloes, keep=current.kloes)
        current.title, current.text = title.strip(), text.strip()
        current.version += 1
        current.full_clean()
        current._history_user, current._change_reason = actor, "Finding changed"
        current.save()
        current.themes.set(themes)
        return current


def finding_move(*, finding: Finding, direction: str, actor: User | None) -> None:
    require(actor, finding.lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    _move(selectors.findings_of(finding.lcspr), finding, direction)


def finding_remove(*, finding: Finding, version: int, actor: User | None) -> None:
    """Remove a finding with no recommendation (its history stays). Removing twice is
    removing once."""
    lcspr = finding.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        current = selectors.findings_of(lcspr).select_for_update().filter(pk=finding.pk).first()
        if current is None:
            return
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        if selectors.recommendations_of(lcspr).filter(finding=current).exists():
            raise ApplicationError(HAS_RECOMMENDATIONS)
        current._history_user, current._change_reason = actor, "Finding removed"
        current.delete()


# --- Recommendations (§9.2.2, SMART: §9.1.2 footnote 22) -----------------------------------


def _check_recommendation(
    lcspr: Lcspr,
    *,
    finding: Finding | None,
    owner_agency: Agency | None,
    owner_group: str,
    due_on: date | None,
    due_before: date | None = None,
) -> None:
    if finding is None or finding.lcspr_id != lcspr.pk:
        raise ApplicationError(FINDING_NOT_OF_REVIEW, field="finding")
    if owner_agency is not None and owner_group.strip():
        raise ApplicationError(OWNER_BOTH, field="owner_group")
    if (
        owner_agency is not None
        and not selectors.owner_agencies(lcspr).filter(pk=owner_agency.pk).exists()
    ):
        raise ApplicationError(OWNER_NOT_OF_PARTNERSHIP, field="owner_agency")
    # A new recommendation is due today or later; an existing one keeps its date though
    # it has passed, but is not moved to another date in the past.
    if due_on is not None and due_on != due_before and due_on < timezone.localdate():
        raise ApplicationError(DUE_PAST, field="due_on")


def recommendation_add(
    *,
    finding: Finding,
    action: str,
    owner_agency: Agency | None,
    owner_group: str,
    measure: str,
    due_on: date | None,
    actor: User | None,
) -> Recommendation:
    """Add a draft recommendation answering the finding, however incomplete: the page
    then asks for each SMART element it misses (reviews/recommendations.py)."""
    lcspr = finding.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        lcspr = _lcspr_locked(lcspr)
        _check_recommendation(
            lcspr,
            finding=finding,
            owner_agency=owner_agency,
            owner_group=owner_group,
            due_on=due_on,
        )
        siblings = selectors.recommendations_of(lcspr).filter(finding=finding)
        recommendation = Recommendation(
            lcspr=lcspr,
            finding=finding,
            order=_next_order(siblings),
            action=action.strip(),
            owner_agency=owner_agency,
            owner_group=owner_group.strip(),
            measure=measure.strip(),
            due_on=due_on,
            status=RecommendationStatus.DRAFT,
            created_by=actor,
        )
        recommendation.full_clean()
        recommendation._history_user = actor
        recommendation._change_reason = "Recommendation drafted (§9.2.2)"
        recommendation.save()
        return recommendation


def recommendation_update(
    *,
    recommendation: Recommendation,
    finding: Finding,
    action: str,
    owner_agency: Agency | None,
    owner_group: str,
    measure: str,
    due_on: date | None,
    agreed: bool,
    version: int,
    actor: User | None,
) -> Recommendation:
    """Change a recommendation from the version the form was opened at, and agree it or
    put it back to draft. Agreed only when SMART: the refusal names what is missing."""
    lcspr = recommendation.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        current = (
            selectors.recommendations_of(lcspr)
            .select_for_update(of=("self",))
            .get(pk=recommendation.pk)
        )
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        _check_recommendation(
            lcspr,
            finding=finding,
            owner_agency=owner_agency,
            owner_group=owner_group,
            due_on=due_on,
            due_before=current.due_on,
        )
        missing = smart_missing(
            SmartInput(
                action=action,
                owner_agency_id=owner_agency.pk if owner_agency else None,
                owner_group=owner_group,
                measure=measure,
                due_on=due_on,
                finding_id=finding.pk,
            )
        )
        if agreed and missing:
            raise ApplicationError(
                NOT_SMART.format(missing="; ".join(m.ask for m in missing)), field="agreed"
            )
        if finding.pk != current.finding_id:
            siblings = selectors.recommendations_of(lcspr).filter(finding=finding)
            current.order = _next_order(siblings)
        current.finding = finding
        current.action, current.measure = action.strip(), measure.strip()
        current.owner_agency, current.owner_group = owner_agency, owner_group.strip()
        current.due_on = due_on
        current.status = RecommendationStatus.AGREED if agreed else RecommendationStatus.DRAFT
        current.version += 1
        current.full_clean()
        current._history_user = actor
        current._change_reason = "Recommendation agreed" if agreed else "Recommendation changed"
        current.save()
        return current


def recommendation_move(
    *, recommendation: Recommendation, direction: str, actor: User | None
) -> None:
    """Move a recommendation up or down among those of its finding."""
    lcspr = recommendation.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    siblings = selectors.recommendations_of(lcspr).filter(finding=recommendation.finding_id)
    _move(siblings.select_related(None), recommendation, direction)


def recommendation_remove(
    *, recommendation: Recommendation, version: int, actor: User | None
) -> None:
    lcspr = recommendation.lcspr
    require(actor, lcspr.case.partnership, Action.WRITE_FINDINGS, ONLY_WRITERS)
    with transaction.atomic():
        current = (
            selectors.recommendations_of(lcspr)
            .select_for_update(of=("self",))
            .filter(pk=recommendation.pk)
            .first()
        )
        if current is None:
            return
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        current._history_user, current._change_reason = actor, "Recommendation removed"
        current.delete()


# --- The separate group (§9.2.2-9.2.3) -----------------------------------------------------


def findings_group_record(
    *,
    lcspr: Lcspr,
    decided: bool,
    at_outset: bool,
    group_name: str,
    contact_email: str,
    decided_on: date | None,
    note: str,
    version: int,
    actor: User | None,
) -> FindingsGroupDecision:
    """Record (or change) the partnership's decision that a separate group will consider
    the findings and identify the actions (§9.2.2), at the outset (§9.2.3) or later.
    `version` is the decision's as the form was opened (0: none recorded then)."""
    require(actor, lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_DECIDERS)
    with transaction.atomic():
        lcspr = _lcspr_locked(lcspr)
        decision = selectors.findings_group(lcspr)
        if (decision.version if decision else 0) != version:
            raise ApplicationError(STALE, field="version")
        if decided and not group_name.strip():
            raise ApplicationError(GROUP_NAME_NEEDED, field="group_name")
        if decided and decided_on is None:
            raise ApplicationError(GROUP_DATE_NEEDED, field="decided_on")
        if decided_on is not None and decided_on > timezone.localdate():
            raise ApplicationError(GROUP_DATE_FUTURE, field="decided_on")
        if decision is None:
            decision = FindingsGroupDecision(lcspr=lcspr, version=0)
        decision.decided = decided
        decision.at_outset = decided and at_outset
        decision.group_name = group_name.strip() if decided else ""
        decision.contact_email = contact_email.strip() if decided else ""
        decision.decided_on = decided_on
        decision.note = note.strip()
        decision.recorded_by = actor
        decision.version += 1
        decision.full_clean()
        decision._history_user = actor
        decision._change_reason = (
            "A separate group turns the findings into actions (§9.2.2-9.2.3)"
            if decided
            else "No separate group"
        )
        decision.save()
        return decision


def findings_group_sent(*, lcspr: Lcspr, actor: User | None) -> FindingsGroupDecision:
    """Record that the Business Office sent the findings' PDF to the group (the group works
    outside the product, so the findings are not emailed from it: an email never carries
    case content). Sending again records the later time."""
    require(actor, lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_DECIDERS)
    with transaction.atomic():
        lcspr = _lcspr_locked(lcspr)
        decision = selectors.findings_group(lcspr)
        if decision is None or not decision.decided:
            raise ApplicationError(NO_GROUP)
        decision.sent_at, decision.sent_by = timezone.now(), actor
        decision._history_user = actor
        decision._change_reason = "Findings sent to the group"
        decision.save(update_fields=["sent_at", "sent_by"])
        return decision
