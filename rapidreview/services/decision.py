"""The Rapid Review meeting's record and decision, and its sign-off (§4.6, §4.7, §1.4).

The same record serves a referral decided at a scheduled CRG meeting (§4.9).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import (
    STAGE_TRANSITIONS,
    Case,
    CombinedSummary,
    Deadline,
    DeadlineStatus,
    Stage,
    User,
)
from cases.permissions import Action, require
from cases.selectors import working_calendar
from cases.services.common import validated_save as _save
from cases.services.deadline import deadline_complete
from rapidreview import selectors
from rapidreview.models import (
    DECISION_CRITERIA,
    CriterionFinding,
    Decision,
    ImmediateAction,
    RapidReview,
    SignOff,
    SignOffRole,
)
from rapidreview.quorum import Quorum
from rapidreview.rules import DECIDING_STAGES, PARTNER_SIGN_OFF_WORKING_DAYS
from rapidreview.selectors import (
    represented_partners,
    sign_off_readiness,
    sign_off_roles_needed,
)
from rapidreview.services.sign_off import sign_off_requests_make
from rapidreview.signals import lcspr_commissioned

logger = logging.getLogger(__name__)

RECORD_CONFLICT = (
    "Someone else saved this Rapid Review's record after you opened it. Nothing you typed "
    "has been saved yet: your version is below. Check theirs in a new tab, then save again."
)
NO_MEETING = "Set the meeting first: the decision is made at it (§4.4.2)."
BEFORE_MEETING = "The meeting is on {day}: the decision can be recorded from that day."
SIGNED_OFF = "The decision is signed off: its record can no longer change."
NOT_QUORATE = "The decision cannot be recorded. {why}"
NOT_DECIDING = "This case is not awaiting the Case Review Group's decision."
FUTURE_DATE = "The date cannot be in the future."
ONLY_RECORDERS = "Only the Business Office or the CRG chair records the meeting."
WITHDRAWN = (
    "You declared a conflict of interest at the meeting and took no part in the decision, "
    "so you do not sign it (§1.5.8)."
)
SECTIONS_CONFLICT = (
    "Someone else saved the Combined Summary after you opened it. Nothing you typed has "
    "been saved yet: your version is below. Open the Combined Summary in a new tab to see "
    "theirs, then save again."
)


def review_locked(review: RapidReview) -> RapidReview:
    """The review's row, locked for this transaction: its state is judged as it is now."""
    return (
        RapidReview.objects.for_partnership(review.case.partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership", "meeting")
        .get(pk=review.pk)
    )


def _check_version(review: RapidReview, version: int) -> None:
    if review.version != version:
        raise ApplicationError(RECORD_CONFLICT)


def _refuse_if_signed_off(review: RapidReview) -> None:
    if review.is_signed_off:
        raise ApplicationError(SIGNED_OFF)


def _not_future(day: date | None, field_name: str) -> None:
    if day and day > timezone.localdate():
        raise ApplicationError(FUTURE_DATE, field=field_name)


def _signatures_void(review: RapidReview, actor: User | None, what: str) -> None:
    """Whoever has signed signed the record as it was: a change asks them to sign again.
    Once the record is ready, everyone who can sign is asked (§4.6.1)."""
    again = set()
    for sign_off in SignOff.objects.for_partnership(review.case.partnership).filter(review=review):
        again.add(sign_off.user_id)
        sign_off._history_user = actor
        sign_off._change_reason = f"{what} changed: it needs signing again"
        sign_off.delete()
    sign_off_requests_make(review=review, actor=actor, again=again)


def _quorum_of(review: RapidReview) -> Quorum:
    return selectors.meeting_quorum(attendances=selectors.attendance(meeting=review.meeting))


@transaction.atomic
def record_save(
    *,
    review: RapidReview,
    actor: User | None,
    version: int,
    facts_reviewed: str,
    immediate_learning: str,
    learning_sharing: str,
    improvement_potential: str,
) -> RapidReview:
    """The meeting's review of the facts, immediate learning and how it will be shared,
    and the potential to improve safeguarding (§4.6.2)."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    _check_version(review, version)
    _refuse_if_signed_off(review)
    if immediate_learning.strip() and not learning_sharing.strip():
        raise ApplicationError(
            "Say how the immediate learning will be shared (§4.6.2).", field="learning_sharing"
        )
    review.facts_reviewed = facts_reviewed.strip()
    review.immediate_learning = immediate_learning.strip()
    review.learning_sharing = learning_sharing.strip()
    review.improvement_potential = improvement_potential.strip()
    review.version += 1
    _save(review, actor, "Meeting record saved (§4.6.2)")
    _signatures_void(review, actor, "The meeting's record")
    return review


@dataclass
class DecisionDetails:
    decision: str
    rationale: str
    # {criterion value: {"finding": CriterionFinding value, "rationale": str}}
    criteria: dict[str, dict[str, str]] = field(default_factory=dict)
    key_lines_of_enquiry: str = ""
    dissemination: str = ""
    other_learning_processes: str = ""


def _criteria_checked(criteria: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every §1.4.1 and §1.4.2 criterion with a finding and the reason for it."""
    checked = {}
    for criterion in DECISION_CRITERIA:
        given = criteria.get(criterion.value) or {}
        finding = given.get("finding", "")
        rationale = (given.get("rationale") or "").strip()
        if finding not in CriterionFinding.values:
            raise ApplicationError(
                f"Say whether this applies: {criterion.label}.", field=f"finding_{criterion.value}"
            )
        if not rationale:
            raise ApplicationError(
                f"Give the rationale for: {criterion.label}.", field=f"rationale_{criterion.value}"
            )
        checked[criterion.value] = {"finding": finding, "rationale": rationale}
    return checked


@transaction.atomic
def decision_record(
    *, review: RapidReview, actor: User | None, version: int, details: DecisionDetails
) -> RapidReview:
    """The decision whether to proceed to an LCSPR, reasoned against every criterion it
    must take into account (§1.4.1) and have regard to (§1.4.2): with Key Lines of
    Enquiry when proceeding, the dissemination of the learning and any other learning
    processes when not (§4.6.2, §1.4.6). Only a quorate meeting decides (§4.6.1).

    Changing a decision that partners have begun to sign asks them all to sign again.
    """
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    _check_version(review, version)
    _refuse_if_signed_off(review)
    if review.case.stage not in DECIDING_STAGES:
        raise ApplicationError(NOT_DECIDING)
    meeting = review.meeting
    if meeting is None:
        raise ApplicationError(NO_MEETING)
    if meeting.held_on > timezone.localdate():
        raise ApplicationError(BEFORE_MEETING.format(day=format_date(meeting.held_on)))
    quorum = _quorum_of(review)
    if not quorum.quorate:
        raise ApplicationError(NOT_QUORATE.format(why=quorum.explanation))
    if details.decision not in Decision.values:
        raise ApplicationError("Choose whether to proceed to an LCSPR.", field="decision")
    if not details.rationale.strip():
        raise ApplicationError("Give the rationale for the decision.", field="decision_rationale")
    criteria = _criteria_checked(details.criteria)
    proceed = details.decision == Decision.PROCEED
    if proceed and not details.key_lines_of_enquiry.strip():
        raise ApplicationError(
            "Agree the Key Lines of Enquiry for the review (§4.6.2).",
            field="key_lines_of_enquiry",
        )
    if not proceed and not details.dissemination.strip():
        raise ApplicationError(
            "Say how the Rapid Review learning will be disseminated (§4.6.2).",
            field="dissemination",
        )
    if not proceed and not details.other_learning_processes.strip():
        raise ApplicationError(
            "Say whether other learning processes will bring improvements (§1.4.6).",
            field="other_learning_processes",
        )
    review.decision = details.decision
    review.decision_rationale = details.rationale.strip()
    review.criteria_assessment = criteria
    review.key_lines_of_enquiry = details.key_lines_of_enquiry.strip() if proceed else ""
    review.dissemination = "" if proceed else details.dissemination.strip()
    review.other_learning_processes = "" if proceed else details.other_learning_processes.strip()
    review.decided_on = meeting.held_on
    review.decision_recorded_by = actor
    review.version += 1
    _save(review, actor, f"Decision recorded: {Decision(details.decision).label} (§4.6.2)")
    # The meeting has been held: the 7-13 working-day window is met or missed (§4.4.2).
    window = (
        Deadline.objects.for_partnership(review.case.partnership)
        .filter(case=review.case, kind="rapid_review_meeting_latest", status=DeadlineStatus.OPEN)
        .first()
    )
    if window is not None:
        deadline_complete(deadline=window, on=meeting.held_on, actor=actor)
    _signatures_void(review, actor, "The decision")
    logger.info("case %s: decision recorded", review.case.reference)
    return review


@transaction.atomic
def immediate_action_add(
    *, review: RapidReview, actor: User | None, action: str, owner: str, due_on: date
) -> ImmediateAction:
    """An action for the child's or another vulnerable person's safety (§4.6.2)."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    _refuse_if_signed_off(review)
    if not action.strip():
        raise ApplicationError("Describe the action.", field="action")
    if not owner.strip():
        raise ApplicationError("Say who owns the action.", field="owner")
    item = ImmediateAction(
        review=review, action=action.strip(), owner=owner.strip(), due_on=due_on, recorded_by=actor
    )
    _save(item, actor, "Immediate safety action agreed (§4.6.2)")
    if review.no_immediate_action:
        review.no_immediate_action = False
        review.version += 1
        _save(review, actor, "An immediate action is needed after all (§4.6.2)")
    _signatures_void(review, actor, "The immediate actions")
    return item


@transaction.atomic
def no_immediate_action_record(*, review: RapidReview, actor: User | None) -> RapidReview:
    """§4.6.2: the meeting considered the safety of the child(ren) and any other
    vulnerable person and found no immediate action needed."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    _refuse_if_signed_off(review)
    if review.actions.exists():
        raise ApplicationError("Immediate actions are recorded for this Rapid Review.")
    if review.no_immediate_action:
        raise ApplicationError("That no immediate action is needed is already recorded.")
    review.no_immediate_action = True
    review.version += 1
    _save(review, actor, "No immediate safety action needed (§4.6.2)")
    _signatures_void(review, actor, "The immediate actions")
    return review


@transaction.atomic
def immediate_action_done(
    *, item: ImmediateAction, actor: User | None, done_on: date, note: str = ""
) -> ImmediateAction:
    require(
        actor, item.review.case.partnership, Action.RECORD_DECISION, "Only the Business Office."
    )
    item = (
        ImmediateAction.objects.for_partnership(item.review.case.partnership)
        .select_for_update(of=("self",))
        .get(pk=item.pk)
    )
    if item.done_on is not None:
        raise ApplicationError("This action is already recorded as done.")
    _not_future(done_on, "done_on")
    if done_on < timezone.localdate(item.created_at):
        raise ApplicationError("An action cannot be done before it was agreed.", field="done_on")
    item.done_on = done_on
    item.done_note = note.strip()
    _save(item, actor, f"Done on {format_date(done_on)}")
    return item


@transaction.atomic
def summary_sections_agree(
    *, case: Case, actor: User | None, version: int, section_2: str, section_3: str
) -> CombinedSummary:
    """§4.6.3: sections 2 and 3 of the Combined Summary completed and agreed at the
    meeting."""
    require(actor, case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = RapidReview.objects.for_partnership(case.partnership).filter(case=case).first()
    if review is None or review.meeting is None:
        raise ApplicationError(NO_MEETING)
    review = review_locked(review)  # a sign-off at the same moment waits for this
    _refuse_if_signed_off(review)
    if review.meeting.held_on > timezone.localdate():
        raise ApplicationError(
            "Sections 2 and 3 are agreed at the meeting on "
            f"{format_date(review.meeting.held_on)} (§4.6.3)."
        )
    if not section_2.strip():
        raise ApplicationError("Complete section 2.", field="section_2")
    if not section_3.strip():
        raise ApplicationError("Complete section 3.", field="section_3")
    summary = (
        CombinedSummary.objects.for_partnership(case.partnership)
        .select_for_update(of=("self",))
        .filter(case=case)
        .first()
    )
    if summary is None:
        summary = CombinedSummary(case=case)
        _save(summary, actor, "Combined Summary started at the meeting (§4.6.3)")
    if summary.version != version:
        raise ApplicationError(SECTIONS_CONFLICT)
    summary.section_2 = section_2.strip()
    summary.section_3 = section_3.strip()
    summary.sections_agreed_on = review.meeting.held_on
    summary.updated_by = actor
    summary.version += 1
    _save(summary, actor, "Sections 2 and 3 agreed at the meeting (§4.6.3)")
    _signatures_void(review, actor, "Sections 2 and 3 of the Combined Summary")
    return summary


@transaction.atomic
def decision_sign(*, review: RapidReview, actor: User, role: str) -> RapidReview:
    """The CRG chair approves the decision; each Safeguarding Partner's representative
    confirms it. Once all have signed, the decision takes effect: proceeding opens the
    LCSPR and starts its six-month deadline (§3.1.2); not proceeding closes the case once
    the decision is notified to the National Panel (§1.6.3)."""
    partnership = review.case.partnership
    if role == SignOffRole.CHAIR:
        require(actor, partnership, Action.APPROVE_DECISION, "Only the CRG chair approves.")
    else:
        require(
            actor,
            partnership,
            Action.CONFIRM_DECISION,
            "Only a Safeguarding Partner's representative on the CRG confirms.",
        )
    review = review_locked(review)
    needed = _signable(review, role)
    if actor.pk in selectors.withdrawn_from_decision(review=review):
        raise ApplicationError(WITHDRAWN)
    if role != SignOffRole.CHAIR and role not in represented_partners(actor, partnership):
        raise ApplicationError(
            f"You do not represent the {SignOffRole(role).label} on the Case Review Group.",
            field="role",
        )
    signed = SignOff.objects.for_partnership(partnership).filter(review=review)
    if signed.filter(user=actor, on_behalf_reason="").exists():
        raise ApplicationError("You have already signed this decision for another role.")
    _save(
        SignOff(review=review, role=role, user=actor),
        actor,
        f"Signed for the {SignOffRole(role).label}",
    )
    if set(needed) <= set(signed.values_list("role", flat=True)):
        _take_effect(review, actor)
    return review


def _signable(review: RapidReview, role: str) -> list[str]:
    """Refuse unless the locked review can take this role's signature now; the roles
    it needs."""
    _refuse_if_signed_off(review)
    readiness = sign_off_readiness(review)
    if not readiness.ready:
        raise ApplicationError("Before signing, record " + "; ".join(readiness.missing) + ".")
    quorum = _quorum_of(review)
    if not quorum.quorate:  # attendance is frozen once decided; this is the backstop
        raise ApplicationError(NOT_QUORATE.format(why=quorum.explanation))
    needed = sign_off_roles_needed(review)
    if role not in needed:
        raise ApplicationError(
            "That Safeguarding Partner was not represented at the meeting.", field="role"
        )
    if (
        SignOff.objects.for_partnership(review.case.partnership)
        .filter(review=review, role=role)
        .exists()
    ):
        raise ApplicationError(f"The {SignOffRole(role).label} has already signed.")
    return needed


def partner_sign_off_from(review: RapidReview) -> date:
    """The first day the chair may record a partner's sign-off: two working days after
    the meeting (issue 12; the decision is the meeting's, §4.6.2)."""
    calendar = working_calendar(partnership=review.case.partnership)
    return calendar.add(review.decided_on, PARTNER_SIGN_OFF_WORKING_DAYS)


@transaction.atomic
def decision_sign_for_partner(
    *, review: RapidReview, actor: User, role: str, reason: str
) -> RapidReview:
    """The chair records the sign-off of a Safeguarding Partner who could not sign within
    two working days of the meeting, with the reason; the partner is told (§4.6.2: the
    meeting's decision, not a signature, is the decision)."""
    partnership = review.case.partnership
    require(
        actor,
        partnership,
        Action.APPROVE_DECISION,
        "Only the CRG chair records a partner's sign-off.",
    )
    review = review_locked(review)
    if role == SignOffRole.CHAIR:
        raise ApplicationError("The chair signs for themselves.", field="role")
    if actor.pk in selectors.withdrawn_from_decision(review=review):
        raise ApplicationError(WITHDRAWN)
    needed = _signable(review, role)
    if not reason.strip():
        raise ApplicationError(
            "Say why the partner could not sign, and how they agreed the decision.",
            field="reason",
        )
    start = partner_sign_off_from(review)
    if timezone.localdate() < start:
        raise ApplicationError(
            f"The {SignOffRole(role).label} has until {format_date(start)} to sign: you can "
            "record their sign-off from that day."
        )
    sign_off = SignOff(review=review, role=role, user=actor, on_behalf_reason=reason.strip())
    _save(sign_off, actor, f"Sign-off recorded by the chair for the {SignOffRole(role).label}")
    from rapidreview.tasks import partner_told_email

    enqueue_on_commit(partner_told_email, partnership_id=partnership.pk, sign_off_id=sign_off.pk)
    signed = SignOff.objects.for_partnership(partnership).filter(review=review)
    if set(needed) <= set(signed.values_list("role", flat=True)):
        _take_effect(review, actor)
    return review


def _take_effect(review: RapidReview, actor: User) -> None:
    case = (
        Case.objects.for_partnership(review.case.partnership)
        .select_for_update(of=("self",))
        .get(pk=review.case_id)
    )
    review.signed_off_at = timezone.now()
    review.version += 1
    _save(review, actor, "Decision signed off by the chair and the Safeguarding Partners")
    if case.stage == Stage.REFERRAL_DECISION:
        # §4.9: the decision on a referral is due within two months of receiving it.
        decision_deadline = (
            Deadline.objects.for_partnership(case.partnership)
            .filter(case=case, kind="referral_decision", status=DeadlineStatus.OPEN)
            .first()
        )
        if decision_deadline:
            deadline_complete(deadline=decision_deadline, on=review.decided_on, actor=actor)
    proceed = review.decision == Decision.PROCEED
    if not proceed:
        # §1.6.3: the case closes once the decision is notified to the National Panel
        # (outcome.decision_notified_record), not before.
        logger.info("case %s: decision signed off, not proceeding", case.reference)
        return
    if Stage.LCSPR not in STAGE_TRANSITIONS[case.stage]:  # the table in cases.models rules
        raise ApplicationError(f"A case at {Stage(case.stage).label} cannot move on.")
    # The last to sign may be a partner's representative, who does not otherwise move
    # cases on: the move is the signed decision's, recorded under their name.
    case.stage = Stage.LCSPR
    _save(
        case, actor, f"The CRG decided on {format_date(review.decided_on)} to proceed to an LCSPR"
    )
    lcspr_commissioned.send(
        sender=RapidReview,
        case=case,
        decided_on=review.decided_on,
        key_lines_of_enquiry=review.key_lines_of_enquiry,
        actor=actor,
    )
    logger.info("case %s: decision signed off", case.reference)
