"""The CRG's decision on the death of a looked-after child or care leaver that needs no
Rapid Review (§1.3.5): whether the serious-incident criteria apply, or a local review
would bring learning."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Case, Notification, Stage, User
from cases.permissions import Action, require
from cases.services.case import case_stage_set
from cases.services.common import validated_save
from cases.services.deadline import deadlines_schedule
from cases.timescales import Event
from rapidreview.models import CareDeathDecision, CareDeathOutcome, CrgMeeting
from rapidreview.signals import lcspr_commissioned

logger = logging.getLogger(__name__)

NOT_AWAITING = "This case is not awaiting the CRG's consideration of a death (§1.3.5)."
ADULT_NOT_A_SERIOUS_INCIDENT = (
    "The serious-incident criteria are considered only for a care leaver under 18 "
    "(§1.3.5): choose whether a local review would bring learning."
)
MEETING_NOT_HELD = "Choose a CRG meeting held on or before the date of the decision."
MEETING_BEFORE_NOTIFICATION = "Choose a CRG meeting held after the notification was received."
DECIDED_IN_FUTURE = "The date of the decision cannot be in the future."
NO_RATIONALE = "Give the CRG's rationale for its decision."

# Where each decision takes the case.
NEXT_STAGE = {
    CareDeathOutcome.RAPID_REVIEW: Stage.RAPID_REVIEW,
    CareDeathOutcome.LOCAL_REVIEW: Stage.LCSPR,
    CareDeathOutcome.LEARNING_OUTSIDE_REVIEW: Stage.LOCAL_LEARNING,
    CareDeathOutcome.NO_FURTHER_ACTION: Stage.CLOSED,
}


@transaction.atomic
def care_death_decision_record(
    *,
    case: Case,
    meeting: CrgMeeting,
    decided_on: date,
    outcome: str,
    rationale: str,
    actor: User | None,
) -> CareDeathDecision:
    """Record the CRG's decision and move the case on: into a Rapid Review whose timescales
    run from the decision (§4.2.2), an LCSPR, learning outside an LCSPR (§1.4.6), or closed."""
    require(
        actor,
        case.partnership,
        Action.RECORD_DECISION,
        "Only the Business Office or the CRG chair records the CRG's decision.",
    )
    # Two people recording at once: the second waits, then is refused.
    case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
    if case.stage != Stage.CRG_CONSIDERATION:
        raise ApplicationError(NOT_AWAITING)
    notification = Notification.objects.for_partnership(case.partnership).get(case=case)
    if outcome == CareDeathOutcome.RAPID_REVIEW and (
        not notification.serious_incident_criteria_can_apply
    ):
        raise ApplicationError(ADULT_NOT_A_SERIOUS_INCIDENT, field="outcome")
    if meeting.partnership_id != case.partnership_id or not meeting.takes_place:
        raise ApplicationError(MEETING_NOT_HELD, field="meeting")
    if meeting.held_on < notification.received_on:
        raise ApplicationError(MEETING_BEFORE_NOTIFICATION, field="meeting")
    if decided_on > timezone.localdate():
        raise ApplicationError(DECIDED_IN_FUTURE, field="decided_on")
    if meeting.held_on > decided_on:
        raise ApplicationError(MEETING_NOT_HELD, field="meeting")
    if not rationale.strip():
        raise ApplicationError(NO_RATIONALE, field="rationale")
    decision = CareDeathDecision(
        case=case,
        meeting=meeting,
        decided_on=decided_on,
        outcome=outcome,
        rationale=rationale.strip(),
        recorded_by=actor,
    )
    label = CareDeathOutcome(outcome).label
    validated_save(decision, actor, f"The CRG decided: {label} (§1.3.5)", exclude=("case",))
    case_stage_set(
        case=case,
        stage=NEXT_STAGE[outcome],
        actor=actor,
        reason=f"The CRG's decision on the death: {label} (§1.3.5)",
    )
    if outcome == CareDeathOutcome.RAPID_REVIEW:
        deadlines_schedule(
            case=case,
            event=Event.NOTIFICATION_RECEIVED,
            event_date=decided_on,
            actor=actor,
            reason="The CRG found the serious-incident criteria apply (§1.3.5): the Rapid "
            "Review's timescales run from its decision (§4.2.2)",
        )
    if outcome == CareDeathOutcome.LOCAL_REVIEW:
        # §1.4.5: a local review for its learning is an LCSPR like any other (§3.1.2).
        lcspr_commissioned.send(
            sender=CareDeathDecision,
            case=case,
            decided_on=decided_on,
            key_lines_of_enquiry="",
            actor=actor,
        )
    logger.info("care death decision recorded: %s", case.reference)
    return decision
