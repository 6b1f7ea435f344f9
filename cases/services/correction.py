"""Corrections to a case: its received date, summary, children and lead officer, each with
a reason kept in history, and the withdrawal of a case opened twice (issue 12).

Every correction names the case's `version` the form was opened at: a correction saved
meanwhile by someone else makes the second one conflict instead of overwriting it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import (
    Case,
    Child,
    ChildRole,
    Deadline,
    DeadlineStatus,
    Membership,
    Notification,
    Referral,
    Role,
    User,
)
from cases.permissions import Action, require
from cases.services.common import validated_save
from cases.services.deadline import deadline_waive, deadlines_schedule
from cases.services.intake import ChildDetails, check_received, children_add
from cases.timescales import Event

logger = logging.getLogger(__name__)

ONLY_OFFICE = "Only the Business Office corrects a case."
REASON_NEEDED = "Say why this is corrected: the history keeps the reason."
CONFLICT = (
    "Someone else corrected this case after you opened this page. Nothing you typed has "
    "been saved yet: your version is below. Open the case in a new tab to see theirs, "
    "then save again."
)
WITHDRAWN = "This case was withdrawn as a duplicate: it can no longer be corrected."
NOTHING_CHANGED = "This is what the case already says: change something, or go back."
NO_INTAKE = "This case has no notification or referral to correct."
NOT_A_DUPLICATE_OF_ITSELF = "A case cannot duplicate itself: give the other case's reference."
NO_SUCH_CASE = "No case of this partnership has that reference."
DUPLICATE_WITHDRAWN = "That case is withdrawn too: give the reference of the case that stands."
NO_SUBJECT_CHILD = "At least one child must be the subject child."
NOT_THE_PARTNERSHIPS_OFFICER = "The lead officer must work for this partnership's Business Office."


class CaseConflict(ApplicationError):
    """Someone else corrected the case since the form was opened."""

    def __init__(self):
        super().__init__(CONFLICT)


def _locked(case: Case, *, actor: User | None, version: int, reason: str) -> Case:
    """The case's row, locked, if the actor may correct it and nobody has since."""
    require(actor, case.partnership, Action.OPEN_CASE, ONLY_OFFICE)
    if not reason.strip():
        raise ApplicationError(REASON_NEEDED, field="reason")
    current = (
        Case.objects.for_partnership(case.partnership)
        .select_for_update(of=("self",))
        .select_related("partnership")
        .get(pk=case.pk)
    )
    if current.is_withdrawn:
        raise ApplicationError(WITHDRAWN)
    if current.version != version:
        raise CaseConflict()
    return current


def _save_case(case: Case, actor: User | None, reason: str) -> Case:
    case.version += 1
    validated_save(case, actor, reason)
    return case


def _intake(case: Case) -> tuple[Notification | None, Referral | None]:
    partnership = case.partnership
    return (
        Notification.objects.for_partnership(partnership).filter(case=case).first(),
        Referral.objects.for_partnership(partnership).filter(case=case).first(),
    )


@transaction.atomic
def case_received_date_correct(
    *, case: Case, received_on: date, reason: str, version: int, actor: User | None
) -> Case:
    """Correct the date the notification (or, on the referral path, the referral) was
    received, and move the open deadlines that run from it (§4.2.2, §4.9). Each moved
    deadline keeps its move and why; deadlines already met, missed or waived keep the
    dates they were judged against."""
    case = _locked(case, actor=actor, version=version, reason=reason)
    notification, referral = _intake(case)
    record = notification or referral
    if record is None:
        raise ApplicationError(NO_INTAKE)
    check_received(received_on)
    if received_on == record.received_on:
        raise ApplicationError(NOTHING_CHANGED, field="received_on")
    if notification is not None and referral is not None and received_on < referral.received_on:
        raise ApplicationError(
            "The notification cannot be received before the referral.", field="received_on"
        )
    if (
        notification is None
        and referral.first_crg_meeting_on
        and (referral.first_crg_meeting_on <= received_on)
    ):
        raise ApplicationError(
            "The referral's first CRG meeting must be after it was received (§4.9).",
            field="received_on",
        )
    if (
        notification is None
        and referral.shared_with_local_authority_on
        and (referral.shared_with_local_authority_on < received_on)
    ):
        raise ApplicationError(
            "The referral cannot be received after it was shared with the Local Authority.",
            field="received_on",
        )
    why = (
        f"Received date corrected from {format_date(record.received_on)} to "
        f"{format_date(received_on)}: {reason.strip()}"
    )
    record.received_on = received_on
    validated_save(record, actor, why, exclude=("case",))
    if notification is None or referral is None:  # the record that opened the case
        case.opened_on = received_on
    if notification is not None and referral is not None:
        referral.converted_on = received_on
        validated_save(referral, actor, why, exclude=("case",))
    if notification is None or not notification.goes_to_crg_consideration:
        # A looked-after child's or care leaver's death has no timescale from its receipt;
        # a Rapid Review the CRG then starts runs from its decision (§1.3.5, §4.2.2).
        deadlines_schedule(
            case=case,
            event=Event.NOTIFICATION_RECEIVED if notification else Event.REFERRAL_RECEIVED,
            event_date=received_on,
            actor=actor,
            reason=why,
        )
    logger.info("case %s: received date corrected", case.reference)
    return _save_case(case, actor, why)


@transaction.atomic
def case_summary_correct(
    *, case: Case, summary: str, reason: str, version: int, actor: User | None
) -> Case:
    """Correct the summary of the notification (or referral) the agencies are sent."""
    case = _locked(case, actor=actor, version=version, reason=reason)
    notification, referral = _intake(case)
    record = notification or referral
    if record is None:
        raise ApplicationError(NO_INTAKE)
    if not summary.strip():
        raise ApplicationError("Enter the summary of the incident.", field="summary")
    if summary.strip() == record.summary:
        raise ApplicationError(NOTHING_CHANGED, field="summary")
    why = f"Summary corrected: {reason.strip()}"
    record.summary = summary.strip()
    validated_save(record, actor, why, exclude=("case",))
    logger.info("case %s: summary corrected", case.reference)
    return _save_case(case, actor, why)


@dataclass(frozen=True)
class ChildCorrection:
    """What anyone who reads the case sees of a child: never who the child is, which the
    restricted file corrects (cases/services/identity.py)."""

    child_id: int
    role: str
    local_authority_reference: str


@transaction.atomic
def case_children_correct(
    *,
    case: Case,
    children: list[ChildCorrection],
    reason: str,
    version: int,
    actor: User | None,
    added: ChildDetails | None = None,
) -> Case:
    """Correct each child's role and Local Authority reference, and add a child missed at
    intake; the case keeps at least one subject child."""
    case = _locked(case, actor=actor, version=version, reason=reason)
    current = {
        c.pk: c
        for c in Child.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_for_update()
    }
    if {c.child_id for c in children} != set(current):
        raise CaseConflict()
    roles = [c.role for c in children] + ([added.role] if added else [])
    if ChildRole.SUBJECT not in roles:
        raise ApplicationError(NO_SUBJECT_CHILD, field="children")
    why = f"Children corrected: {reason.strip()}"
    changed = False
    for correction in children:
        child = current[correction.child_id]
        new = (correction.role, correction.local_authority_reference.strip())
        if new != (child.role, child.local_authority_reference):
            child.role, child.local_authority_reference = new
            validated_save(child, actor, why, exclude=("case",))
            changed = True
    if added is not None:
        children_add(case=case, children=[added], actor=actor, reason=why)
        changed = True
    if not changed:
        raise ApplicationError(NOTHING_CHANGED)
    logger.info("case %s: children corrected", case.reference)
    return _save_case(case, actor, why)


@transaction.atomic
def case_lead_officer_correct(
    *, case: Case, lead_officer: User, reason: str, version: int, actor: User | None
) -> Case:
    """Hand the case to another officer of the partnership's Business Office; its open
    deadlines follow, so their reminders reach the new officer."""
    case = _locked(case, actor=actor, version=version, reason=reason)
    if not Membership.objects.filter(
        user=lead_officer,
        partnership=case.partnership,
        role=Role.BUSINESS_OFFICE,
        is_active=True,
        user__is_active=True,
    ).exists():
        raise ApplicationError(NOT_THE_PARTNERSHIPS_OFFICER, field="lead_officer")
    if lead_officer == case.lead_officer:
        raise ApplicationError(NOTHING_CHANGED, field="lead_officer")
    why = f"Lead officer changed: {reason.strip()}"
    for deadline in Deadline.objects.for_partnership(case.partnership).filter(
        case=case, status=DeadlineStatus.OPEN, responsible=case.lead_officer
    ):
        deadline.responsible = lead_officer
        validated_save(deadline, actor, why, exclude=("case",))
    case.lead_officer = lead_officer
    logger.info("case %s: lead officer changed", case.reference)
    return _save_case(case, actor, why)


@transaction.atomic
def case_withdraw(
    *, case: Case, reason: str, duplicate_of: str, version: int, actor: User | None
) -> Case:
    """Withdraw a case opened twice for one incident: it leaves the lists, figures,
    reminders and the agencies' to-do lists, its open deadlines are waived and its
    requests no longer chased, but it stays reachable by its reference, with its
    history. `duplicate_of` is the reference of the case that stands, if known."""
    case = _locked(case, actor=actor, version=version, reason=reason)
    original = None
    if duplicate_of.strip():
        original = (
            Case.objects.for_partnership(case.partnership)
            .filter(reference__iexact=duplicate_of.strip())
            .first()
        )
        if original is None:
            raise ApplicationError(NO_SUCH_CASE, field="duplicate_of")
        if original.pk == case.pk:
            raise ApplicationError(NOT_A_DUPLICATE_OF_ITSELF, field="duplicate_of")
        if original.is_withdrawn:
            raise ApplicationError(DUPLICATE_WITHDRAWN, field="duplicate_of")
    of = f" of {original.reference}" if original else ""
    why = f"Withdrawn as a duplicate{of}: {reason.strip()}"
    for deadline in Deadline.objects.for_partnership(case.partnership).filter(
        case=case, status=DeadlineStatus.OPEN
    ):
        deadline_waive(deadline=deadline, actor=actor, reason=why)
    case.withdrawn_at = timezone.now()
    case.withdrawn_by = actor
    case.withdrawn_reason = reason.strip()
    case.duplicate_of = original
    logger.info("case %s withdrawn as a duplicate", case.reference)
    return _save_case(case, actor, why)
