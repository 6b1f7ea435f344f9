"""Deadlines on a case: made from the timescales table, recomputed, met, missed or waived."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Case, Deadline, DeadlineMove, DeadlineStatus, Partnership, User
from cases.permissions import Action, require
from cases.selectors import working_calendar
from cases.timescales import TIMESCALES_BY_KIND, WINDOW_STARTS, Event, timescales_for, work_out

logger = logging.getLogger(__name__)


@transaction.atomic
def deadlines_schedule(
    *, case: Case, event: Event, event_date: date, actor: User | None, reason: str
) -> list[Deadline]:
    """Create the case's deadlines for an event, or move its open ones if the date changed."""
    require(
        actor, case.partnership, Action.CHANGE_STAGE, "Only the Business Office records events."
    )
    cal = working_calendar(partnership=case.partnership)
    workings = {
        w.timescale.kind: w for w in timescales_for(case.partnership, event, event_date, cal)
    }
    existing = {
        d.kind: d
        for d in Deadline.objects.for_partnership(case.partnership).filter(
            case=case, kind__in=workings
        )
    }
    deadlines = []
    for kind, working in workings.items():
        window_start = workings[WINDOW_STARTS[kind]].due if kind in WINDOW_STARTS else None
        deadline = existing.get(kind) or Deadline(
            case=case, kind=kind, responsible=case.lead_officer
        )
        if deadline.pk and deadline.status != DeadlineStatus.OPEN:
            deadlines.append(deadline)
            continue  # a closed deadline keeps the dates it was judged against
        if deadline.pk and (deadline.due_date, deadline.event_date) != (working.due, event_date):
            change = f"{reason}: due {format_date(deadline.due_date)} → {format_date(working.due)}"
            _record_move(deadline, working.due, actor=actor, reason=reason)
        elif deadline.pk:
            deadlines.append(deadline)
            continue
        else:
            change = reason
        deadline.event_date, deadline.due_date = event_date, working.due
        deadline.window_start = window_start
        deadline._history_user = actor
        deadline._change_reason = change
        deadline.full_clean()
        deadline.save()
        deadlines.append(deadline)
    logger.info("case %s: %d deadlines for %s", case.reference, len(deadlines), event)
    return deadlines


def _record_move(deadline: Deadline, due: date, *, actor: User | None, reason: str) -> None:
    """Keep the move for the deadlines tab, when the date itself changes."""
    if due != deadline.due_date:
        move = DeadlineMove(
            deadline=deadline,
            from_date=deadline.due_date,
            to_date=due,
            reason=reason,
            moved_by=actor,
        )
        move._history_user = actor
        move._change_reason = reason
        move.save()


@transaction.atomic
def deadlines_recompute(*, partnership: Partnership, actor: User | None, reason: str) -> int:
    """Move every open deadline of the partnership whose date the calendar now changes."""
    cal = working_calendar(partnership=partnership)
    moved = 0
    for deadline in Deadline.objects.for_partnership(partnership).filter(
        status=DeadlineStatus.OPEN
    ):
        timescale = TIMESCALES_BY_KIND.get(deadline.kind)
        if timescale is None:
            continue  # an own item (a review's milestone): its date was set, not worked out
        if not timescale.applies_to(partnership):
            continue  # the partnership turned this timescale off: the date stands
        due = work_out(timescale, partnership, deadline.event_date, cal).due
        window_start = (
            work_out(
                TIMESCALES_BY_KIND[WINDOW_STARTS[deadline.kind]],
                partnership,
                deadline.event_date,
                cal,
            ).due
            if deadline.kind in WINDOW_STARTS
            else None
        )
        if (due, window_start) != (deadline.due_date, deadline.window_start):
            deadline._change_reason = (
                f"{reason}: due {format_date(deadline.due_date)} → {format_date(due)}"
            )
            _record_move(deadline, due, actor=actor, reason=reason)
            deadline._history_user = actor
            deadline.due_date, deadline.window_start = due, window_start
            deadline.save(update_fields=["due_date", "window_start", "updated_at"])
            moved += 1
    logger.info("partnership %s: %d open deadlines moved (%s)", partnership.slug, moved, reason)
    return moved


def deadline_complete(*, deadline: Deadline, on: date, actor: User | None) -> Deadline:
    """Record when the duty was done: met if on or before the due date, missed if after."""
    if deadline.status != DeadlineStatus.OPEN:
        raise ApplicationError("This deadline is already closed.")
    if on > timezone.localdate():
        raise ApplicationError("A duty cannot be recorded as done on a future date.", field="on")
    deadline.completed_on = on
    deadline.status = DeadlineStatus.MET if on <= deadline.due_date else DeadlineStatus.MISSED
    deadline._history_user = actor
    deadline._change_reason = f"Done on {format_date(on)}"
    deadline.save(update_fields=["completed_on", "status", "updated_at"])
    return deadline


def deadline_waive(*, deadline: Deadline, actor: User | None, reason: str) -> Deadline:
    if not reason.strip():
        raise ApplicationError("Give the reason for waiving this deadline.", field="reason")
    if deadline.status != DeadlineStatus.OPEN:
        raise ApplicationError("This deadline is already closed.")
    deadline.status = DeadlineStatus.WAIVED
    deadline.waived_reason = reason
    deadline._history_user = actor
    deadline._change_reason = f"Waived: {reason}"
    deadline.save(update_fields=["status", "waived_reason", "updated_at"])
    return deadline


@transaction.atomic
def dated_item_set(
    *,
    case: Case,
    kind: str,
    title: str,
    seed: str,
    due_date: date,
    responsible: User | None,
    actor: User | None,
    reason: str,
) -> Deadline:
    """Make or move an own dated item of the case (a review's milestone or action): a
    Deadline outside the timescales table, reminded and escalated like the others.

    The callers check who may plan it. A statutory kind is refused, so no own item can
    move a statutory date (`lcspr_complete` never moves, §3.1.2). A waived item set again
    (a cancelled milestone restored) is opened again.
    """
    if kind in TIMESCALES_BY_KIND:
        raise ValueError(f"{kind} is a statutory deadline: it is worked out, never set.")
    deadline = (
        Deadline.objects.for_partnership(case.partnership)
        .select_for_update()
        .filter(case=case, kind=kind)
        .first()
    )
    if deadline is None:
        deadline = Deadline(case=case, kind=kind, event_date=timezone.localdate())
        change = reason
    elif deadline.due_date != due_date:
        change = f"{reason}: due {format_date(deadline.due_date)} → {format_date(due_date)}"
        if deadline.status == DeadlineStatus.OPEN:
            _record_move(deadline, due_date, actor=actor, reason=reason)
    else:
        change = reason
    if deadline.status == DeadlineStatus.WAIVED:
        deadline.status, deadline.waived_reason = DeadlineStatus.OPEN, ""
    deadline.own_title, deadline.own_seed = title, seed
    deadline.due_date, deadline.responsible = due_date, responsible
    deadline._history_user = actor
    deadline._change_reason = change
    deadline.full_clean()
    deadline.save()
    return deadline


def dated_item_close(
    *, case: Case, kind: str, actor: User | None, done_on: date | None = None, reason: str = ""
) -> Deadline | None:
    """Close an own dated item: done on `done_on` (met or missed), or waived with
    `reason` (a cancelled milestone). Nothing if it is already closed or was never made."""
    deadline = (
        Deadline.objects.for_partnership(case.partnership).filter(case=case, kind=kind).first()
    )
    if deadline is None or deadline.status != DeadlineStatus.OPEN:
        return deadline
    if done_on is not None:
        return deadline_complete(deadline=deadline, on=done_on, actor=actor)
    return deadline_waive(deadline=deadline, actor=actor, reason=reason)
