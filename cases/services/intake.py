"""Intake: a Local Authority notification or an agency referral opens a case (§4.1)."""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.meetings import scheduled_after
from cases.models import (
    Agency,
    AgencyKind,
    CareStatus,
    Case,
    Child,
    ChildRole,
    Deadline,
    DeadlineStatus,
    InformationRequest,
    Notification,
    Partnership,
    Referral,
    RequestPurpose,
    Stage,
    User,
)
from cases.permissions import Action, require
from cases.services.case import case_open, case_stage_set
from cases.services.common import validated_save
from cases.services.deadline import deadline_complete, deadline_waive, deadlines_schedule
from cases.timescales import TIMESCALES, Event

logger = logging.getLogger(__name__)

RECEIVED_IN_FUTURE = "The date received cannot be in the future."
NOT_THE_PARTNERSHIPS_AGENCY = "Choose an agency that works with this partnership."
NOT_A_LOCAL_AUTHORITY = "The notifying authority must be a Local Authority (§4.1.2)."
REFERRAL_NOT_AWAITING = "This referral is no longer awaiting the Case Review Group's decision."
NOT_A_SCHEDULED_MEETING = (
    "Choose a scheduled CRG meeting after the referral was received: the referral is first "
    "discussed at the first one (§4.9)."
)
NO_LETTER_NEEDED = "The CRG decided not to ask agencies for information (§4.9)"
REFERRAL_CONFLICT = (
    "Someone else saved this referral's progress after you opened it. Nothing you typed "
    "has been saved yet: your version is below. Open the page again in a new tab to see "
    "theirs, then save what you need."
)
# §1.3.5: "The death of a care leaver does not require a rapid review or local child
# safeguarding practice review" (beyond the age of 18).
CARE_LEAVER_NO_RAPID_REVIEW = (
    "The death of a care leaver aged 18 or over does not require a Rapid Review (§1.3.5). "
    "Record it as a new notification: the CRG considers whether a local review would "
    "bring learning."
)
CARE_DEATH_NO_RAPID_REVIEW = (
    "The death of a looked-after child or care leaver without known or suspected abuse or "
    "neglect is notified to the Secretary of State and Ofsted, not the National Panel, and "
    "does not start a Rapid Review (§1.3.5, §4.1.2)."
)
NO_SUBJECT_CHILD = "Record at least the subject child, by the notifying authority's reference."


@dataclass(frozen=True)
class ChildDetails:
    """A child as the Business Office records it; the name stays in the restricted file."""

    role: str = ChildRole.SUBJECT
    local_authority_reference: str = ""
    name: str = ""
    date_of_birth: date | None = None
    is_perpetrator: bool = False


@dataclass(frozen=True)
class NotificationDetails:
    received_on: date
    summary: str
    notifying_authority: Agency | None = None
    notified_national_panel_on: date | None = None
    incident_kind: str = ""
    abuse_or_neglect: str = ""
    incident_on: date | None = None
    care_status: str = CareStatus.NEITHER
    care_leaver_age: int | None = None
    secretary_of_state_notified_on: date | None = None
    ofsted_notified_on: date | None = None


@dataclass(frozen=True)
class ReferralDetails:
    received_on: date
    summary: str
    referring_agency: Agency | None = None
    referrer_name: str = ""
    referrer_contact: str = ""
    criteria: tuple[str, ...] = ()
    reasons: str = ""


def _check_agency(partnership: Partnership, agency: Agency | None, field: str) -> None:
    """Write validation of a foreign key: the agency must serve this partnership."""
    if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(NOT_THE_PARTNERSHIPS_AGENCY, field=field)


EARLIEST_RECEIVED = date(2000, 1, 1)


def check_received(received_on: date) -> None:
    if received_on > timezone.localdate():
        raise ApplicationError(RECEIVED_IN_FUTURE, field="received_on")
    if received_on < EARLIEST_RECEIVED:
        raise ApplicationError("Give a date from 2000 onwards.", field="received_on")


def _full_clean(instance, actor, reason) -> None:
    # The case was just made or locked by the caller: its one-to-one needs no re-check.
    validated_save(instance, actor, reason, exclude=("case",))


def children_add(
    *, case: Case, children: list[ChildDetails], actor: User | None, reason: str = ""
) -> list[Child]:
    """Give each child the case's next pseudonym (Child A, Child B…), subject children first."""
    taken = set(
        Child.objects.for_partnership(case.partnership)
        .filter(case=case)
        .values_list("pseudonym", flat=True)
    )
    letters = (
        f"Child {letter}" for letter in string.ascii_uppercase if f"Child {letter}" not in taken
    )
    made = []
    ordered = sorted(children, key=lambda c: c.role != ChildRole.SUBJECT)
    for details in ordered:
        try:
            pseudonym = next(letters)
        except StopIteration:
            raise ApplicationError("A case can hold at most 26 children.") from None
        child = Child(
            case=case,
            pseudonym=pseudonym,
            role=details.role,
            local_authority_reference=details.local_authority_reference.strip(),
            name=details.name.strip(),
            date_of_birth=details.date_of_birth,
            is_perpetrator=details.is_perpetrator,
        )
        _full_clean(child, actor, f"{pseudonym} recorded" + (f" ({reason})" if reason else ""))
        made.append(child)
    return made


def _notification_build(*, case: Case, details: NotificationDetails) -> Notification:
    return Notification(
        case=case,
        notifying_authority=details.notifying_authority,
        received_on=details.received_on,
        notified_national_panel_on=details.notified_national_panel_on,
        incident_kind=details.incident_kind,
        abuse_or_neglect=details.abuse_or_neglect,
        incident_on=details.incident_on,
        summary=details.summary.strip(),
        care_status=details.care_status,
        care_leaver_age=details.care_leaver_age,
        secretary_of_state_notified_on=details.secretary_of_state_notified_on,
        ofsted_notified_on=details.ofsted_notified_on,
    )


def _notification_create(
    *, case: Case, details: NotificationDetails, actor: User | None, reason: str
) -> Notification:
    authority = details.notifying_authority
    _check_agency(case.partnership, authority, "notifying_authority")
    if authority is not None and authority.kind != AgencyKind.LOCAL_AUTHORITY:
        raise ApplicationError(NOT_A_LOCAL_AUTHORITY, field="notifying_authority")
    notification = _notification_build(case=case, details=details)
    _full_clean(notification, actor, reason)
    if not notification.goes_to_crg_consideration:
        deadlines_schedule(
            case=case,
            event=Event.NOTIFICATION_RECEIVED,
            event_date=details.received_on,
            actor=actor,
            reason=reason,
        )
    return notification


def _require_children(children: list[ChildDetails]) -> None:
    if not any(c.role == ChildRole.SUBJECT for c in children):
        raise ApplicationError(NO_SUBJECT_CHILD, field="children")


@transaction.atomic
def notification_record(
    *,
    partnership: Partnership,
    details: NotificationDetails,
    children: list[ChildDetails],
    actor: User | None,
    lead_officer: User | None = None,
) -> Case:
    """A Local Authority notification opens a case at the Rapid Review stage (§4.1.4) and
    starts its timescales from the date received (§4.2.2, §4.4.2, §4.3.3)."""
    require(
        actor, partnership, Action.OPEN_CASE, "Only the Business Office can record a notification."
    )
    check_received(details.received_on)
    _require_children(children)
    to_crg = _notification_build(case=Case(), details=details).goes_to_crg_consideration
    case = case_open(
        partnership=partnership,
        opened_on=details.received_on,
        actor=actor,
        lead_officer=lead_officer,
        reason="Local Authority notification received (§4.1.3)",
    )
    if to_crg:
        case_stage_set(
            case=case,
            stage=Stage.CRG_CONSIDERATION,
            actor=actor,
            reason="A looked-after child's or care leaver's death needs no Rapid Review: "
            "the CRG considers it (§1.3.5)",
        )
    else:
        case_stage_set(
            case=case,
            stage=Stage.RAPID_REVIEW,
            actor=actor,
            reason="A notification results in a Rapid Review (§4.1.4)",
        )
    children_add(case=case, children=children, actor=actor)
    _notification_create(
        case=case,
        details=details,
        actor=actor,
        reason="Notified to the Secretary of State and Ofsted (§1.3.5, §4.1.2)"
        if to_crg
        else "Notification received (§4.1.3)",
    )
    logger.info("notification recorded: %s", case.reference)
    return case


@transaction.atomic
def referral_record(
    *,
    partnership: Partnership,
    details: ReferralDetails,
    children: list[ChildDetails],
    actor: User | None,
    lead_officer: User | None = None,
) -> Case:
    """An agency's Referral Form opens a case on the referral path (§4.1.5, §4.9)."""
    require(actor, partnership, Action.OPEN_CASE, "Only the Business Office can record a referral.")
    check_received(details.received_on)
    _require_children(children)
    _check_agency(partnership, details.referring_agency, "referring_agency")
    case = case_open(
        partnership=partnership,
        opened_on=details.received_on,
        actor=actor,
        lead_officer=lead_officer,
        reason="Referral received (§4.1.1)",
    )
    case_stage_set(
        case=case,
        stage=Stage.REFERRAL_DECISION,
        actor=actor,
        reason="A referral without a notification goes to the CRG (§4.1.5, §4.9)",
    )
    children_add(case=case, children=children, actor=actor)
    referral = Referral(
        case=case,
        referring_agency=details.referring_agency,
        referrer_name=details.referrer_name.strip(),
        referrer_contact=details.referrer_contact.strip(),
        received_on=details.received_on,
        summary=details.summary.strip(),
        criteria=list(details.criteria),
        reasons=details.reasons.strip(),
    )
    _full_clean(referral, actor, "Referral received (§4.1.1)")
    deadlines_schedule(
        case=case,
        event=Event.REFERRAL_RECEIVED,
        event_date=details.received_on,
        actor=actor,
        reason="Referral received (§4.9)",
    )
    logger.info("referral recorded: %s", case.reference)
    return case


@transaction.atomic
def referral_progress_record(
    *,
    referral: Referral,
    actor: User | None,
    shared_with_local_authority_on: date | None,
    local_authority_representative: str,
    first_crg_meeting_on: date | None,
    request_information: bool | None,
    request_information_reason: str,
    version: int,
    learning_outside_review_on: date | None = None,
    learning_outside_review_rationale: str = "",
    learning_outside_review_notified_on: date | None = None,
) -> Referral:
    """§4.1.6 and §4.9: shared with the Local Authority's CRG representative, put on the
    first scheduled CRG meeting from the calendar, and whether to ask agencies for
    information; each step meets or misses its one-month deadline, and the letter's is
    waived if the CRG asks for nothing. The version the form was opened at must still be
    current.

    §1.4.5: with `learning_outside_review_on`, the CRG found the case is not a serious
    child safeguarding case but raises learning, so the case ends in learning outside an
    LCSPR rather than a Rapid Review."""
    require(
        actor,
        referral.case.partnership,
        Action.MANAGE_REQUESTS,
        "Only the Business Office records what happens to a referral.",
    )
    case = (
        Case.objects.for_partnership(referral.case.partnership)
        .select_for_update()
        .get(pk=referral.case_id)
    )
    if case.stage != Stage.REFERRAL_DECISION:
        raise ApplicationError(REFERRAL_NOT_AWAITING)
    referral = Referral.objects.for_partnership(case.partnership).get(pk=referral.pk)
    if referral.version != version:
        raise ApplicationError(REFERRAL_CONFLICT)
    today = timezone.localdate()
    if shared_with_local_authority_on and shared_with_local_authority_on > today:
        raise ApplicationError(
            "The date shared cannot be in the future.", field="shared_with_local_authority_on"
        )
    if shared_with_local_authority_on and shared_with_local_authority_on < referral.received_on:
        raise ApplicationError(
            "The referral cannot be shared before it was received.",
            field="shared_with_local_authority_on",
        )
    if shared_with_local_authority_on and not local_authority_representative.strip():
        raise ApplicationError(
            "Name the Local Authority representative it was shared with.",
            field="local_authority_representative",
        )
    moved = first_crg_meeting_on != referral.first_crg_meeting_on
    if (
        moved
        and first_crg_meeting_on
        and first_crg_meeting_on
        not in {
            meeting.held_on for meeting in scheduled_after(case.partnership, referral.received_on)
        }
    ):
        raise ApplicationError(NOT_A_SCHEDULED_MEETING, field="first_crg_meeting_on")
    if request_information is not None and not request_information_reason.strip():
        raise ApplicationError(
            "Give the reason for the decision about requesting information.",
            field="request_information_reason",
        )
    if learning_outside_review_on:
        if learning_outside_review_on > today:
            raise ApplicationError(
                "The date of the CRG's finding cannot be in the future.",
                field="learning_outside_review_on",
            )
        if learning_outside_review_on < referral.received_on:
            raise ApplicationError(
                "The CRG cannot decide before the referral was received.",
                field="learning_outside_review_on",
            )
        if not learning_outside_review_rationale.strip():
            raise ApplicationError(
                "Give the CRG's rationale: why it is not a serious case, and what learning "
                "it raises (§1.4.5).",
                field="learning_outside_review_rationale",
            )
        notified_on = learning_outside_review_notified_on
        if notified_on is None or notified_on > today or notified_on < learning_outside_review_on:
            raise ApplicationError(
                "Enter the date the finding was notified to the National Panel (§1.6.3): on or "
                "after the finding, and not in the future.",
                field="learning_outside_review_notified_on",
            )
    referral.shared_with_local_authority_on = shared_with_local_authority_on
    referral.local_authority_representative = local_authority_representative.strip()
    referral.first_crg_meeting_on = first_crg_meeting_on
    referral.request_information = request_information
    referral.request_information_reason = request_information_reason.strip()
    referral.learning_outside_review_on = learning_outside_review_on
    referral.learning_outside_review_rationale = (
        learning_outside_review_rationale.strip() if learning_outside_review_on else ""
    )
    referral.version += 1
    _full_clean(referral, actor, "Referral progress recorded (§4.1.6, §4.9)")
    if learning_outside_review_on:
        _referral_learning_outside_review(
            case=case,
            referral=referral,
            on=learning_outside_review_on,
            notified_on=learning_outside_review_notified_on,
            actor=actor,
        )
        return referral
    if request_information is not None and first_crg_meeting_on and first_crg_meeting_on <= today:
        # §4.9: the CRG's first discussion, which decides whether to ask for information,
        # is due within one month of receiving the referral.
        discussed = (
            Deadline.objects.for_partnership(case.partnership)
            .filter(case=case, kind="referral_first_discussion", status=DeadlineStatus.OPEN)
            .first()
        )
        if discussed is not None:
            deadline_complete(deadline=discussed, on=first_crg_meeting_on, actor=actor)
    steps = Deadline.objects.for_partnership(case.partnership).filter(
        case=case, status=DeadlineStatus.OPEN
    )
    shared = steps.filter(kind="referral_shared_with_local_authority").first()
    if shared is not None and shared_with_local_authority_on:
        deadline_complete(deadline=shared, on=shared_with_local_authority_on, actor=actor)
    letter = steps.filter(kind="referral_information_request_sent").first()
    if letter is not None and request_information is False:
        # §4.9: the letter goes only if the CRG thinks the criteria might be met.
        deadline_waive(deadline=letter, actor=actor, reason=NO_LETTER_NEEDED)
    return referral


def _referral_learning_outside_review(
    *, case: Case, referral: Referral, on: date, notified_on: date, actor: User | None
) -> None:
    """§1.4.5: the CRG's finding is its first discussion and its decision on the referral
    (§4.9), notified to the National Panel (§1.6.3). The letter is no longer needed, and a
    referral not shared with the Local Authority (§4.1.6) before it is waived, with why."""
    steps = {
        d.kind: d
        for d in Deadline.objects.for_partnership(case.partnership).filter(
            case=case, status=DeadlineStatus.OPEN
        )
    }
    for kind, when in (
        ("referral_first_discussion", on),
        ("referral_decision", on),
        ("referral_decision_notified", notified_on),
        ("referral_shared_with_local_authority", referral.shared_with_local_authority_on),
    ):
        if kind in steps and when is not None:
            deadline_complete(deadline=steps[kind], on=when, actor=actor)
    for kind, reason in (
        ("referral_information_request_sent", "No letter"),
        ("referral_shared_with_local_authority", "Not shared before the decision"),
    ):
        if steps.get(kind) is not None and steps[kind].status == DeadlineStatus.OPEN:
            deadline_waive(
                deadline=steps[kind],
                actor=actor,
                reason=f"{reason}: the CRG found the case is not a serious child safeguarding "
                "case (§1.4.5)",
            )
    case_stage_set(
        case=case,
        stage=Stage.LOCAL_LEARNING,
        actor=actor,
        reason="Not a serious child safeguarding case, but it raises learning: learning "
        "outside an LCSPR (§1.4.5, §1.4.6)",
    )


@transaction.atomic
def referral_convert(
    *, case: Case, details: NotificationDetails, actor: User | None
) -> Notification:
    """The Local Authority notified after a referral (§4.1.6): the same case, with its
    history, becomes a Rapid Review whose deadlines run from the notification."""
    require(
        actor,
        case.partnership,
        Action.OPEN_CASE,
        "Only the Business Office records a notification.",
    )
    # Two people converting the same referral at once: the second waits, then is refused.
    case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
    referral = Referral.objects.for_partnership(case.partnership).filter(case=case).first()
    if referral is None or case.stage != Stage.REFERRAL_DECISION:
        raise ApplicationError("Only a referral awaiting its decision can become a Rapid Review.")
    if Notification.objects.for_partnership(case.partnership).filter(case=case).exists():
        raise ApplicationError("This case already has a notification.")
    check_received(details.received_on)
    probe = _notification_build(case=case, details=details)
    if probe.is_adult_care_leaver:
        raise ApplicationError(CARE_LEAVER_NO_RAPID_REVIEW, field="care_leaver_age")
    if probe.goes_to_crg_consideration:
        raise ApplicationError(CARE_DEATH_NO_RAPID_REVIEW, field="abuse_or_neglect")
    if details.received_on < referral.received_on:
        raise ApplicationError(
            "The notification cannot be received before the referral.", field="received_on"
        )
    notification = _notification_create(
        case=case,
        details=details,
        actor=actor,
        reason="The Local Authority notified after the referral (§4.1.6)",
    )
    referral.converted_on = details.received_on
    _full_clean(referral, actor, "Converted to a Rapid Review (§4.1.6)")
    referral_kinds = [t.kind for t in TIMESCALES if t.event == Event.REFERRAL_RECEIVED]
    open_referral_deadlines = Deadline.objects.for_partnership(case.partnership).filter(
        case=case, kind__in=referral_kinds, status=DeadlineStatus.OPEN
    )
    for deadline in open_referral_deadlines:
        deadline_waive(
            deadline=deadline,
            actor=actor,
            reason="The Local Authority notified: the Rapid Review's timescales apply (§4.1.6)",
        )
    case_stage_set(
        case=case,
        stage=Stage.RAPID_REVIEW,
        actor=actor,
        reason="The Local Authority notified the National Panel (§4.1.6)",
    )
    # Requests sent on the referral path already went out (§4.3.3 is met by them).
    first_sent = (
        InformationRequest.objects.for_partnership(case.partnership)
        .filter(case=case, purpose=RequestPurpose.RAPID_REVIEW)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if first_sent is not None:
        sent_deadline = (
            Deadline.objects.for_partnership(case.partnership)
            .filter(case=case, kind="information_request_sent", status=DeadlineStatus.OPEN)
            .first()
        )
        if sent_deadline is not None:
            deadline_complete(
                deadline=sent_deadline,
                on=max(timezone.localdate(first_sent), details.received_on),
                actor=actor,
            )
    logger.info("referral converted to a Rapid Review: %s", case.reference)
    return notification
