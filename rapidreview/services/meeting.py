"""State changes of the CRG calendar and of a case's Rapid Review meeting date (§4.4)."""

from __future__ import annotations

import logging
from datetime import date, time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Case, Partnership, Stage, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from rapidreview import selectors
from rapidreview.models import Attendance, CrgMeeting, Declaration, MeetingKind, RapidReview
from rapidreview.rules import DECIDING_STAGES

logger = logging.getLogger(__name__)

MEETING_IN_THE_PAST = "A meeting cannot be arranged for a date that has passed."
OUTSIDE_WINDOW = (
    "{day} is outside the 7 to 13 working-day window for this Rapid Review ({start} to "
    "{end}, §4.4.2): give the reason for holding it then."
)
REFERRAL_OUTSIDE_WINDOW = (
    "{day} is after the two-month deadline for deciding this referral ({end}, §4.9): give "
    "the reason for deciding it then."
)
NOT_A_RAPID_REVIEW = (
    "Only a case awaiting its Rapid Review, or a referral awaiting the CRG's decision, "
    "has a deciding meeting."
)
REFERRAL_AT_SCHEDULED_MEETING = (
    "A referral is decided at a scheduled monthly CRG meeting (§4.9): choose one."
)
# The stages at which the CRG decides whether to commission an LCSPR (§4.6, §4.9).
MEETING_CANCELLED = "That meeting has been cancelled: choose another."
NO_PARAMETERS_MEETING = (
    "This partnership does not hold a meeting to agree the request parameters (§4.4.3)."
)
NO_WINDOW = (
    "This case has no Rapid Review meeting window: it did not start with a Local "
    "Authority notification (§4.4.2). Give the reason for the meeting date."
)
ALREADY_CANCELLED = "This meeting is already cancelled."
DECIDED_AT_MEETING = "The decision is recorded at this meeting: its date can no longer change."
NOT_A_PARAMETERS_MEETING = "Choose a meeting to agree the request parameters (§4.4.3)."
RAPID_REVIEW_CONFLICT = (
    "Someone else changed this Rapid Review's meeting after you opened the page. Nothing "
    "has been saved: check the meeting now shown, then choose again."
)


@transaction.atomic
def crg_meeting_create(
    *,
    partnership: Partnership,
    kind: str,
    held_on: date,
    actor: User | None,
    starts_at: time | None = None,
    location: str = "",
) -> CrgMeeting:
    """Add a meeting to the partnership's CRG calendar (§4.4.1)."""
    require(
        actor,
        partnership,
        Action.MANAGE_MEETINGS,
        "Only the Business Office or a partnership admin keeps the CRG calendar.",
    )
    if held_on < timezone.localdate():
        raise ApplicationError(MEETING_IN_THE_PAST, field="held_on")
    if kind == MeetingKind.REQUEST_PARAMETERS and not partnership.holds_request_parameters_meeting:
        raise ApplicationError(NO_PARAMETERS_MEETING, field="kind")
    meeting = CrgMeeting(
        partnership=partnership,
        kind=kind,
        held_on=held_on,
        starts_at=starts_at,
        location=location.strip(),
        # Only a diarised slot waits for a Rapid Review to need it (§4.4.1).
        needed=kind != MeetingKind.DIARISED,
    )
    _save(meeting, actor, f"{MeetingKind(kind).label} added to the calendar (§4.4.1)")
    return meeting


@transaction.atomic
def crg_meeting_cancel(*, meeting: CrgMeeting, actor: User | None, reason: str) -> CrgMeeting:
    require(
        actor,
        meeting.partnership,
        Action.MANAGE_MEETINGS,
        "Only the Business Office or a partnership admin keeps the CRG calendar.",
    )
    if not reason.strip():
        raise ApplicationError("Give the reason for cancelling the meeting.", field="reason")
    meeting = (
        CrgMeeting.objects.for_partnership(meeting.partnership)
        .select_for_update()
        .get(pk=meeting.pk)
    )
    if meeting.is_cancelled:
        raise ApplicationError(ALREADY_CANCELLED)
    in_use = RapidReview.objects.for_partnership(meeting.partnership).filter(
        Q(meeting=meeting) | Q(parameters_meeting=meeting)
    )
    if in_use.exists():
        references = ", ".join(in_use.values_list("case__reference", flat=True))
        raise ApplicationError(
            f"Move the Rapid Reviews set for this meeting first: {references}.", field="reason"
        )
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason.strip()
    _save(meeting, actor, "Meeting cancelled")
    return meeting


def rapid_review_for(*, case: Case) -> RapidReview:
    """The case's Rapid Review record, made the first time it is needed."""
    review, _ = RapidReview.objects.for_partnership(case.partnership).get_or_create(case=case)
    return review


@transaction.atomic
def rapid_review_meeting_set(
    *,
    case: Case,
    meeting: CrgMeeting,
    actor: User | None,
    version: int,
    reason: str = "",
) -> RapidReview:
    """Set the Rapid Review meeting (§4.4.2): inside the 7-13 working-day window, or
    outside it only with a reason recorded. A diarised slot then takes place (§4.4.1)."""
    require(
        actor,
        case.partnership,
        Action.MANAGE_MEETINGS,
        "Only the Business Office sets the Rapid Review meeting.",
    )
    case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
    if case.stage not in DECIDING_STAGES:
        raise ApplicationError(NOT_A_RAPID_REVIEW)
    if meeting.partnership_id != case.partnership_id:  # write validation of the foreign key
        raise ApplicationError("Choose one of this partnership's meetings.", field="meeting")
    meeting = (
        CrgMeeting.objects.for_partnership(case.partnership).select_for_update().get(pk=meeting.pk)
    )
    if meeting.is_cancelled:
        raise ApplicationError(MEETING_CANCELLED, field="meeting")
    if meeting.held_on < timezone.localdate():
        raise ApplicationError(MEETING_IN_THE_PAST, field="meeting")
    if case.stage == Stage.REFERRAL_DECISION and meeting.kind != MeetingKind.MONTHLY:
        raise ApplicationError(REFERRAL_AT_SCHEDULED_MEETING, field="meeting")
    rapid_review_for(case=case)
    review = (
        RapidReview.objects.for_partnership(case.partnership).select_for_update().get(case=case)
    )
    if review.version != version:
        raise ApplicationError(RAPID_REVIEW_CONFLICT)
    if review.decision:
        raise ApplicationError(DECIDED_AT_MEETING, field="meeting")
    window = selectors.meeting_window(case=case)
    inside = window is not None and window[0] <= meeting.held_on <= window[1]
    if not inside and not reason.strip():
        if window is None:
            raise ApplicationError(NO_WINDOW, field="reason")
        message = OUTSIDE_WINDOW if case.stage == Stage.RAPID_REVIEW else REFERRAL_OUTSIDE_WINDOW
        raise ApplicationError(
            message.format(
                day=format_date(meeting.held_on),
                start=format_date(window[0]),
                end=format_date(window[1]),
            ),
            field="reason",
        )
    previous = review.meeting
    moved = previous is not None and previous.pk != meeting.pk
    review.meeting = meeting
    review.outside_window_reason = "" if inside else reason.strip()
    review.meeting_set_by = actor
    review.version += 1
    _save(
        review,
        actor,
        f"Rapid Review meeting set for {format_date(meeting.held_on)}"
        + ("" if inside else " (outside the §4.4.2 window)"),
    )
    if moved:
        _invitations_resend(review, actor)
    if meeting.kind == MeetingKind.DIARISED and not meeting.needed:
        meeting.needed = True
        _save(meeting, actor, f"Needed for the Rapid Review of {case.reference} (§4.4.1)")
    if (
        previous is not None
        and previous.pk != meeting.pk
        and previous.kind == MeetingKind.DIARISED
        and not RapidReview.objects.for_partnership(case.partnership)
        .filter(meeting=previous)
        .exists()
    ):
        # A diarised slot nobody needs any more is not held (§4.4.1).
        previous = (
            CrgMeeting.objects.for_partnership(case.partnership)
            .select_for_update()
            .get(pk=previous.pk)
        )
        previous.needed = False
        _save(previous, actor, "No longer needed by a Rapid Review (§4.4.1)")
    logger.info("case %s: Rapid Review meeting set", case.reference)
    return review


def _invitations_resend(review: RapidReview, actor: User | None) -> None:
    """Those already invited are emailed the new date (§4.5.2)."""
    from rapidreview.models import Invitation
    from rapidreview.tasks import invitation_email

    partnership = review.case.partnership
    for invitation in Invitation.objects.for_partnership(partnership).filter(review=review):
        invitation.email_sent_at = None
        invitation._history_user = actor
        invitation._change_reason = "The meeting moved: invitation sent again"
        invitation.save(update_fields=["email_sent_at"])
        enqueue_on_commit(
            invitation_email, partnership_id=partnership.pk, invitation_id=invitation.pk
        )


@transaction.atomic
def parameters_meeting_set(
    *, case: Case, meeting: CrgMeeting, actor: User | None, version: int
) -> RapidReview:
    """§4.4.3 (where the partnership's variant says so): the meeting on notification that
    agrees the request parameters and the Rapid Review meeting date."""
    require(actor, case.partnership, Action.MANAGE_MEETINGS, "Only the Business Office.")
    if not case.partnership.holds_request_parameters_meeting:
        raise ApplicationError(NO_PARAMETERS_MEETING)
    case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
    if case.stage != Stage.RAPID_REVIEW:
        raise ApplicationError(NOT_A_RAPID_REVIEW)
    if meeting.partnership_id != case.partnership_id:  # write validation of the foreign key
        raise ApplicationError("Choose one of this partnership's meetings.", field="meeting")
    meeting = (
        CrgMeeting.objects.for_partnership(case.partnership).select_for_update().get(pk=meeting.pk)
    )
    if meeting.kind != MeetingKind.REQUEST_PARAMETERS:
        raise ApplicationError(NOT_A_PARAMETERS_MEETING, field="meeting")
    if meeting.is_cancelled:
        raise ApplicationError(MEETING_CANCELLED, field="meeting")
    if meeting.held_on < timezone.localdate():
        raise ApplicationError(MEETING_IN_THE_PAST, field="meeting")
    rapid_review_for(case=case)
    review = (
        RapidReview.objects.for_partnership(case.partnership).select_for_update().get(case=case)
    )
    if review.version != version:
        raise ApplicationError(RAPID_REVIEW_CONFLICT)
    review.parameters_meeting = meeting
    review.version += 1
    _save(review, actor, "Request parameters meeting set (§4.4.3)")
    return review


ATTENDEE_AGENCY_NOT_PARTNERSHIPS = "Choose an agency that works with this partnership."
DECIDED_AT_THIS_MEETING = (
    "A decision is recorded at this meeting ({references}): its attendance, on which the "
    "quorum rests (§4.6.1), can no longer change."
)


def _refuse_if_decided_at(meeting: CrgMeeting) -> None:
    """The attendance a decision was quorate on is part of its record."""
    CrgMeeting.objects.for_partnership(meeting.partnership).select_for_update().get(pk=meeting.pk)
    decided = (
        RapidReview.objects.for_partnership(meeting.partnership)
        .filter(meeting=meeting)
        .exclude(decision="")
        .values_list("case__reference", flat=True)
    )
    if decided:
        raise ApplicationError(DECIDED_AT_THIS_MEETING.format(references=", ".join(decided)))


DECLARATION_DETAILS_NEEDED = "Say what the conflict of interest is (§1.5.8)."
DECLARATION_NEEDED = (
    "Record whether the attendee declared a conflict of interest: it is asked at every "
    "case-specific meeting (§1.5.8)."
)
TAKES_PART_NEEDED = (
    "Say whether the attendee takes part in the decision despite the conflict (§1.5.8)."
)
NAME_NEEDED = "Enter the attendee's name, or choose them from the people with an account."
NOT_AN_ATTENDEE = "Choose someone from the list: a CRG member, or an invited agency's user."
ALREADY_ATTENDING = "{name} is already recorded at this meeting."


@transaction.atomic
def attendance_record(
    *,
    meeting: CrgMeeting,
    actor: User | None,
    name: str,
    capacity: str = "",
    agency=None,
    user: User | None = None,
    present: bool = True,
    declaration: str = "",
    declaration_details: str = "",
    takes_part_in_decision: bool | None = None,
    confidentiality_agreed: bool = False,
) -> Attendance:
    """Who attended, for which agency, with their declaration (§1.5.8, §4.6.1).

    Someone with an account is recorded as that person (a CRG member, or a user of an
    agency invited to the meeting), so that a conflict they declare keeps them out of
    the quorum and the sign-off; free text is for people without an account."""
    require(actor, meeting.partnership, Action.MANAGE_MEETINGS, "Only the Business Office.")
    _refuse_if_decided_at(meeting)
    if user is not None:
        people = selectors.attendee_people(meeting=meeting)
        if user.pk not in people:
            raise ApplicationError(NOT_AN_ATTENDEE, field="person")
        name = name.strip() or people[user.pk].name
        agency = agency or people[user.pk].agency
        taken = Attendance.objects.for_partnership(meeting.partnership).filter(
            meeting=meeting, user=user
        )
        if taken.exists():
            raise ApplicationError(ALREADY_ATTENDING.format(name=name), field="person")
    if not name.strip():
        raise ApplicationError(NAME_NEEDED, field="name")
    if agency is not None and not agency.partnerships.filter(pk=meeting.partnership_id).exists():
        raise ApplicationError(ATTENDEE_AGENCY_NOT_PARTNERSHIPS, field="agency")
    if present and declaration not in Declaration.values:
        raise ApplicationError(DECLARATION_NEEDED, field="declaration")
    if declaration == Declaration.DECLARED:
        if not declaration_details.strip():
            raise ApplicationError(DECLARATION_DETAILS_NEEDED, field="declaration_details")
        if takes_part_in_decision is None:
            raise ApplicationError(TAKES_PART_NEEDED, field="takes_part_in_decision")
    else:
        takes_part_in_decision = None
    attendance = Attendance(
        meeting=meeting,
        user=user,
        name=name.strip(),
        capacity=capacity.strip(),
        agency=agency,
        present=present,
        declaration=declaration,
        declaration_details=declaration_details.strip(),
        takes_part_in_decision=takes_part_in_decision,
        confidentiality_agreed=confidentiality_agreed,
        recorded_by=actor,
    )
    _save(attendance, actor, "Attendance recorded (§4.6.1)")
    return attendance


@transaction.atomic
def attendance_remove(*, attendance: Attendance, actor: User | None) -> None:
    require(
        actor, attendance.meeting.partnership, Action.MANAGE_MEETINGS, "Only the Business Office."
    )
    _refuse_if_decided_at(attendance.meeting)
    attendance._history_user = actor
    attendance._change_reason = "Attendance removed"
    attendance.delete()
