"""The review's timetable (§5.8): its panel meetings, learning events and family engagement
as dated milestones, each a dated item on the case that the deadline engine reminds."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.deadline import dated_item_close, dated_item_set
from reviews.models import AgendaItem, Lcspr, Milestone, MilestoneKind, PanelMeeting
from reviews.rules import STANDING_AGENDA, partnership_people, six_month_date

logger = logging.getLogger(__name__)

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel plan the review's timetable."
BEFORE_DECISION = "The date must be on or after {decided}, when the review was decided."
AFTER_SIX_MONTHS = (
    "The date is after the review's six-month date, {due} (§3.1.2): say why it cannot be sooner."
)
OTHER_NEEDS_TITLE = "Give the milestone a title."
OWNER_NOT_OURS = "Choose the Reviewer, a Panel member or the Business Office."
NO_REASON = "Say why the milestone changes."
ALREADY_CANCELLED = "This milestone is already cancelled."
MINUTES_KEEP_MEETING = "The meeting's minutes are recorded: it cannot be moved or cancelled."
CONFLICT = "Someone else changed this milestone since you opened it. Check it and save again."
ALREADY_DONE = "This milestone is already recorded as done."
MEETING_DONE_BY_MINUTES = (
    "A panel meeting is done when its minutes are recorded: record them on the meeting's page."
)
DONE_IN_FUTURE = "The date it was done cannot be in the future."
DONE_BEFORE_DECISION = (
    "The date it was done must be on or after {decided}, when the review was decided."
)

SEED = "§5.8"


def _check(
    lcspr: Lcspr, *, due_on: date, owner: User | None, reason_after: str, kind: str, title: str
) -> None:
    if due_on < lcspr.decided_on:
        # §5.8: the timetable plans the review, which starts at the decision (§3.1.2).
        raise ApplicationError(
            BEFORE_DECISION.format(decided=format_date(lcspr.decided_on)), field="due_on"
        )
    limit = six_month_date(lcspr)
    if limit is not None and due_on > limit and not reason_after.strip():
        raise ApplicationError(
            AFTER_SIX_MONTHS.format(due=format_date(limit)), field="after_six_months_reason"
        )
    if kind == MilestoneKind.OTHER and not title.strip():
        raise ApplicationError(OTHER_NEEDS_TITLE, field="title")
    if owner is not None and not partnership_people(lcspr).filter(pk=owner.pk).exists():
        raise ApplicationError(OWNER_NOT_OURS, field="owner")


def _dated_item(milestone: Milestone, *, actor: User | None, reason: str) -> None:
    """The milestone as a dated item on the case, reminded to its owner (or the lead)."""
    dated_item_set(
        case=milestone.lcspr.case,
        kind=milestone.deadline_kind,
        title=milestone.label if milestone.kind != MilestoneKind.OTHER else "Review milestone",
        seed=SEED,
        due_date=milestone.due_on,
        responsible=milestone.owner,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def milestone_add(
    *,
    lcspr: Lcspr,
    kind: str,
    due_on: date,
    actor: User | None,
    title: str = "",
    owner: User | None = None,
    notes: str = "",
    after_six_months_reason: str = "",
) -> Milestone:
    """Plan a milestone (§5.8). A panel meeting's milestone makes the meeting with its
    standing agenda items."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    kind = MilestoneKind(kind)
    _check(
        lcspr,
        due_on=due_on,
        owner=owner,
        reason_after=after_six_months_reason,
        kind=kind,
        title=title,
    )
    milestone = Milestone(
        lcspr=lcspr,
        kind=kind,
        title=title.strip() if kind == MilestoneKind.OTHER else "",
        due_on=due_on,
        owner=owner,
        notes=notes,
        after_six_months_reason=after_six_months_reason,
        created_by=actor,
    )
    _save(milestone, actor, f"{kind.label} planned (§5.8)")
    _dated_item(milestone, actor=actor, reason="Planned on the review's timetable (§5.8)")
    if kind == MilestoneKind.PANEL_MEETING:
        meeting = PanelMeeting(lcspr=lcspr, milestone=milestone)
        _save(meeting, actor, "Panel meeting scheduled")
        for order, standing in enumerate(STANDING_AGENDA, start=1):
            item = AgendaItem(meeting=meeting, standing=standing, title=standing.label, order=order)
            _save(item, actor, "Standing agenda item")
    logger.info("case %s: %s milestone planned", lcspr.case.reference, kind.value)
    return milestone


def _locked(milestone: Milestone, version: int | None) -> Milestone:
    current = (
        Milestone.objects.for_partnership(milestone.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=milestone.pk)
    )
    if current.cancelled_on is not None:
        raise ApplicationError(ALREADY_CANCELLED)
    if current.done_on is not None:
        raise ApplicationError(ALREADY_DONE)
    if version is not None and current.version != version:
        raise ApplicationError(CONFLICT, field="version")
    meeting = (
        PanelMeeting.objects.for_partnership(current.lcspr.case.partnership)
        .filter(milestone=current)
        .first()
    )
    if meeting is not None and meeting.minutes_recorded_at is not None:
        raise ApplicationError(MINUTES_KEEP_MEETING)
    return current


@transaction.atomic
def milestone_change(
    *,
    milestone: Milestone,
    version: int | None,
    due_on: date,
    reason: str,
    actor: User | None,
    title: str = "",
    owner: User | None = None,
    notes: str = "",
    after_six_months_reason: str = "",
) -> Milestone:
    """Move a milestone or change its owner: its dated item moves with it (the move is
    kept on the case's deadlines tab); the statutory dates stay where they are."""
    require(actor, milestone.lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    milestone = _locked(milestone, version)
    _check(
        milestone.lcspr,
        due_on=due_on,
        owner=owner,
        reason_after=after_six_months_reason,
        kind=milestone.kind,
        title=title,
    )
    if not reason.strip():
        raise ApplicationError(NO_REASON, field="reason")
    if milestone.kind == MilestoneKind.OTHER:
        milestone.title = title.strip()
    milestone.due_on, milestone.owner, milestone.notes = due_on, owner, notes
    milestone.after_six_months_reason = after_six_months_reason
    milestone.version += 1
    _save(milestone, actor, f"Changed: {reason}")
    _dated_item(milestone, actor=actor, reason=reason)
    logger.info("case %s: milestone %s changed", milestone.lcspr.case.reference, milestone.pk)
    return milestone


@transaction.atomic
def milestone_cancel(
    *, milestone: Milestone, reason: str, actor: User | None, on: date
) -> Milestone:
    """Cancel a milestone: its dated item is waived with the reason, so nobody is chased."""
    require(actor, milestone.lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    if not reason.strip():
        raise ApplicationError("Say why the milestone is cancelled.", field="reason")
    milestone = _locked(milestone, None)
    milestone.cancelled_on, milestone.cancelled_reason = on, reason
    milestone.version += 1
    _save(milestone, actor, f"Cancelled: {reason}")
    dated_item_close(
        case=milestone.lcspr.case,
        kind=milestone.deadline_kind,
        actor=actor,
        reason=f"Milestone cancelled: {reason}",
    )
    logger.info("case %s: milestone %s cancelled", milestone.lcspr.case.reference, milestone.pk)
    return milestone


@transaction.atomic
def milestone_done(
    *, milestone: Milestone, done_on: date, actor: User | None, version: int
) -> Milestone:
    """A learning event, family engagement or other milestone took place (§5.8): it is
    done on `done_on`, and its dated item is met, so nobody is chased for it any more. A
    panel meeting is done by recording its minutes (services/panel.py minutes_save)."""
    require(actor, milestone.lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    if milestone.kind == MilestoneKind.PANEL_MEETING:
        raise ApplicationError(MEETING_DONE_BY_MINUTES)
    milestone = _locked(milestone, version)
    if done_on > timezone.localdate():
        raise ApplicationError(DONE_IN_FUTURE, field="done_on")
    if done_on < milestone.lcspr.decided_on:
        raise ApplicationError(
            DONE_BEFORE_DECISION.format(decided=format_date(milestone.lcspr.decided_on)),
            field="done_on",
        )
    milestone.done_on = done_on
    milestone.version += 1
    _save(milestone, actor, "Done (§5.8)")
    dated_item_close(
        case=milestone.lcspr.case, kind=milestone.deadline_kind, actor=actor, done_on=done_on
    )
    logger.info("case %s: milestone %s done", milestone.lcspr.case.reference, milestone.pk)
    return milestone
