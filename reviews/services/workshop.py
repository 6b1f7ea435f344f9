"""The reflective learning workshop (§8.9-8.12): whether it is held and when, who is
invited (§8.10.1-8.10.2), the invitations with their briefing (§8.10.3), each invitee's
answer through their personal link, attendance, the record of discussion (§8.11.3) and
conversations with key practitioners who could not attend (§8.12.1)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Agency, RequestPurpose, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from reviews.models import (
    InviteeResponse,
    Lcspr,
    Milestone,
    MilestoneKind,
    NamedPractitioner,
    PractitionerConversation,
    Workshop,
    WorkshopInvitee,
    WorkshopSession,
)
from reviews.rules import (
    SUBMISSION_READ_STATUSES,
    WORKSHOP_MAX_SESSIONS,
    partnership_people,
    workshop_session_problem,
)
from reviews.selectors import workshop as selectors
from reviews.services.timetable import milestone_add, milestone_change

logger = logging.getLogger(__name__)

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel run the learning workshop."
CONFLICT = "Someone else changed the workshop since you opened this page. Check it and save again."
RECORD_CONFLICT = (
    "Someone else saved the record of discussion since you opened it. Check what is saved "
    "now, then save again."
)
HELD_NEEDED = "Say whether a learning workshop is held."
REASON_NEEDED = (
    "Say why no learning workshop is held, for example that the practitioners have left "
    "their agencies (§8.9.2)."
)
TOO_MANY_SESSIONS = "A workshop is one half day, or two for a complex case (§8.11.1)."
SESSION_BEFORE_DECISION = "The date must be on or after {day}, when the review was decided."
SESSIONS_OVERLAP = "The second half day must start after the first one ends."
NOT_HELD = "The workshop is not held: decide that it is before inviting anyone."
NO_DIRECT_INVOLVEMENT = (
    "Only those who had some form of direct operational involvement with the child and "
    "family should attend (§8.10.2). Record why this person should attend, or choose "
    "someone else."
)
BY_HAND_NEEDS_REASON = (
    "This person is not on an agency's list of practitioners with direct involvement. "
    "Only those who had some form of direct operational involvement with the child and "
    "family should attend (§8.10.2): record why this person should attend."
)
NOT_THIS_REVIEW = "Choose a practitioner an agency named for this review."
ALREADY_INVITED = "Someone with this email address is already invited."
EMAIL_NEEDED = "Enter their email address: the invitation goes by email."
NAME_NEEDED = "Enter the name of the person to invite."
AGENCY_NOT_OURS = "Choose an agency that serves this partnership."
CANNOT_SEND = "The invitations cannot go yet: {missing}."
NOT_STARTED_YET = "Attendance is recorded once the workshop has started."
HELD_IN_FUTURE = "The date of the conversation cannot be in the future."
HELD_BY_NOT_OURS = "Choose the Reviewer, a Panel member or the Business Office."
LINK_CLOSED = "The workshop has started: answers can no longer be changed."
TIMETABLE_NOT_MOVED = "The timetable's learning event was not changed: {message}"
ALREADY_WITHDRAWN_EMAIL = (
    "Someone with this email address was invited and then withdrawn: invite them again "
    "from the list of invitees."
)
INVITEE_CHANGED = (
    "This invitation changed since the page was shown (someone sent, withdrew or renewed "
    "it): check it below and try again."
)
NOT_SENT_YET = "The invitation has not gone yet: it goes with the others from the send page."
ON_ITS_WAY = "The invitation is still on its way: it can be sent again once it has gone."
IS_WITHDRAWN = "The invitation is withdrawn: invite them again instead."
NOT_WITHDRAWN = "The invitation is not withdrawn."
STARTED_NO_RESEND = "The workshop has started: the invitation can no longer be sent again."


@dataclass(frozen=True)
class SessionTimes:
    day: date
    starts: time
    ends: time


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _locked(lcspr: Lcspr) -> Workshop | None:
    return (
        Workshop.objects.for_partnership(lcspr.case.partnership)
        .select_for_update(of=("self",))
        .filter(lcspr=lcspr)
        .select_related("lcspr__case__partnership")
        .first()
    )


def _locked_workshop(workshop: Workshop) -> Workshop:
    return (
        Workshop.objects.for_partnership(workshop.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=workshop.pk)
    )


def _check_sessions(lcspr: Lcspr, times: list[SessionTimes]) -> None:
    if len(times) > WORKSHOP_MAX_SESSIONS:
        raise ApplicationError(TOO_MANY_SESSIONS)
    for index, session in enumerate(times, start=1):
        prefix = "first" if index == 1 else "second"
        if session.day < lcspr.decided_on:
            from cases.dates import format_date

            raise ApplicationError(
                SESSION_BEFORE_DECISION.format(day=format_date(lcspr.decided_on)),
                field=f"{prefix}_day",
            )
        problem = workshop_session_problem(session.starts, session.ends)
        if problem:
            raise ApplicationError(problem, field=f"{prefix}_ends")
    if len(times) == 2 and _aware(times[1].day, times[1].starts) < _aware(
        times[0].day, times[0].ends
    ):
        raise ApplicationError(SESSIONS_OVERLAP, field="second_day")


@transaction.atomic
def workshop_plan(
    *,
    lcspr: Lcspr,
    version: int,
    is_held: bool | None,
    not_held_reason: str,
    place: str,
    sessions: list[SessionTimes],
    share_themes: bool,
    actor: User | None,
) -> tuple[Workshop, str | None]:
    """Whether the workshop is held (§8.9.2) and, if so, its half day or two (§8.11.1),
    place and whether the key themes go with the briefing (§8.8.2). `version` is the one
    the person saw (0 before anything was saved): another's save since is a conflict.
    The timetable's learning event follows the first half day's date (§5.8), when it can;
    the second value returned says why it could not."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    current = _locked(lcspr)
    if (current.version if current is not None else 0) != version:
        raise ApplicationError(CONFLICT, field="version")
    if is_held is None:
        raise ApplicationError(HELD_NEEDED, field="is_held")
    if not is_held and not not_held_reason.strip():
        raise ApplicationError(REASON_NEEDED, field="not_held_reason")
    sessions = sorted(sessions, key=lambda s: (s.day, s.starts)) if is_held else []
    _check_sessions(lcspr, sessions)
    workshop = current or Workshop(lcspr=lcspr, version=0)
    place_before = workshop.place
    workshop.is_held = is_held
    workshop.not_held_reason = "" if is_held else not_held_reason.strip()
    workshop.place = place.strip() if is_held else ""
    workshop.share_themes = bool(share_themes) and bool(is_held)
    workshop.version += 1
    workshop.updated_by = actor
    try:
        with transaction.atomic():
            _save(workshop, actor, "Learning workshop planned (§8.9-8.11)", exclude=("lcspr",))
    except IntegrityError:
        # Another first plan was committed between our read and our insert.
        raise ApplicationError(CONFLICT, field="version") from None
    existing = selectors.sessions(workshop=workshop)
    wanted = [(_aware(s.day, s.starts), _aware(s.day, s.ends)) for s in sessions]
    sessions_changed = [(s.starts_at, s.ends_at) for s in existing] != wanted
    if sessions_changed:
        for session in existing:
            session._history_user = actor
            session.delete()
        for starts_at, ends_at in wanted:
            _save(
                WorkshopSession(workshop=workshop, starts_at=starts_at, ends_at=ends_at),
                actor,
                "Workshop half day (§8.11.1)",
            )
    if wanted and (sessions_changed or workshop.place != place_before):
        _tell_of_change(workshop, starts_at=wanted[0][0], actor=actor)
    note = _timetable_follow(workshop, sessions[0].day if sessions else None, actor)
    logger.info("case %s: learning workshop planned", lcspr.case.reference)
    return workshop, note


def _tell_of_change(workshop: Workshop, *, starts_at: datetime, actor: User | None) -> int:
    """The date, times or place changed after invitations went (§8.10.3: the invitees
    must have the event's details in good time). The change is numbered and every invitee
    already emailed and not withdrawn, those who declined included (a new date may suit
    them), is emailed the new details once, on commit; the mail sweep sends any notice
    never queued. Answers are kept, not reset: the notice says so and asks anyone whose
    answer changes to give it again through their link. An invitation still on its way
    carries the new details itself. Nothing is sent for a workshop already started."""
    if starts_at <= timezone.now():
        return 0
    invited = selectors.invitees(workshop=workshop).filter(
        invited_at__isnull=False, withdrawn_at__isnull=True
    )
    if not invited.exists():
        return 0
    from reviews.tasks import workshop_change_email

    workshop.plan_change_number += 1
    workshop.plan_changed_at = timezone.now()
    workshop._history_user, workshop._change_reason = actor, "Date, times or place changed"
    workshop.save(update_fields=["plan_change_number", "plan_changed_at"])
    told = 0
    for invitee in invited.filter(email_sent_at__isnull=False):
        enqueue_on_commit(
            workshop_change_email,
            partnership_id=workshop.lcspr.case.partnership_id,
            invitee_id=invitee.pk,
        )
        told += 1
    logger.info(
        "case %s: workshop change %d, %d invitees to tell",
        workshop.lcspr.case.reference,
        workshop.plan_change_number,
        told,
    )
    return told


def _timetable_follow(workshop: Workshop, day: date | None, actor: User | None) -> str | None:
    """Keep the review's learning-event milestone (§5.8) on the workshop's first day."""
    if day is None:
        return None
    lcspr = workshop.lcspr
    milestone = None
    if workshop.milestone_id:
        milestone = (
            Milestone.objects.for_partnership(lcspr.case.partnership)
            .filter(pk=workshop.milestone_id, cancelled_on=None, done_on=None)
            .first()
        )
    if milestone is None:
        milestone = (
            Milestone.objects.for_partnership(lcspr.case.partnership)
            .filter(
                lcspr=lcspr,
                kind=MilestoneKind.LEARNING_EVENT,
                cancelled_on=None,
                done_on=None,
            )
            .order_by("due_on", "id")
            .first()
        )
    try:
        with transaction.atomic():
            if milestone is None:
                milestone = milestone_add(
                    lcspr=lcspr,
                    kind=MilestoneKind.LEARNING_EVENT,
                    due_on=day,
                    actor=actor,
                    notes="The learning workshop's first half day.",
                )
            elif milestone.due_on != day:
                milestone = milestone_change(
                    milestone=milestone,
                    version=None,
                    due_on=day,
                    reason="The learning workshop's date was set on its page",
                    actor=actor,
                    owner=milestone.owner,
                    notes=milestone.notes,
                    after_six_months_reason=milestone.after_six_months_reason,
                )
    except ApplicationError as error:
        return TIMETABLE_NOT_MOVED.format(message=error.message)
    if workshop.milestone_id != milestone.pk:
        workshop.milestone = milestone
        workshop.save(update_fields=["milestone"])
    return None


def _held_workshop(lcspr: Lcspr) -> Workshop:
    workshop = _locked(lcspr)
    if workshop is None or not workshop.is_held:
        raise ApplicationError(NOT_HELD)
    return workshop


def _practitioner(lcspr: Lcspr, practitioner_id: int) -> NamedPractitioner:
    practitioner = (
        NamedPractitioner.objects.for_partnership(lcspr.case.partnership)
        .filter(
            pk=practitioner_id,
            request__case=lcspr.case,
            request__purpose=RequestPurpose.LCSPR,
            request__status__in=SUBMISSION_READ_STATUSES,
        )
        .select_related("request__agency")
        .first()
    )
    if practitioner is None:
        raise ApplicationError(NOT_THIS_REVIEW, field="practitioner")
    return practitioner


def _add(workshop: Workshop, invitee: WorkshopInvitee, actor: User | None) -> WorkshopInvitee:
    invitee.email = invitee.email.strip().lower()
    same = (
        WorkshopInvitee.objects.for_partnership(workshop.lcspr.case.partnership)
        .filter(workshop=workshop, email=invitee.email)
        .first()
    )
    if same is not None:
        message = ALREADY_INVITED if same.withdrawn_at is None else ALREADY_WITHDRAWN_EMAIL
        raise ApplicationError(message, field="email")
    _save(invitee, actor, "Invited to the learning workshop (§8.10.1)")
    return invitee


@transaction.atomic
def invitee_add(
    *,
    lcspr: Lcspr,
    actor: User | None,
    practitioner_id: int | None = None,
    name: str = "",
    email: str = "",
    agency: Agency | None = None,
    role: str = "",
    invited_reason: str = "",
) -> WorkshopInvitee:
    """Invite one of the agencies' named practitioners or line managers (§8.10.1), or
    someone by hand. Only those with direct operational involvement with the child and
    family should attend (§8.10.2): a named practitioner without it, or anyone added by
    hand, is refused unless the reason they should attend is recorded."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _held_workshop(lcspr)
    reason = invited_reason.strip()
    if practitioner_id is not None:
        practitioner = _practitioner(lcspr, practitioner_id)
        if not practitioner.direct_involvement and not reason:
            raise ApplicationError(NO_DIRECT_INVOLVEMENT, field="invited_reason")
        invitee = WorkshopInvitee(
            workshop=workshop,
            practitioner=practitioner,
            name=practitioner.name,
            email=email.strip() or practitioner.email,
            agency=practitioner.request.agency,
            role=practitioner.job_title,
            is_line_manager=practitioner.is_line_manager,
            direct_involvement=practitioner.direct_involvement,
            invited_reason=reason,
            created_by=actor,
        )
    else:
        if not name.strip():
            raise ApplicationError(NAME_NEEDED, field="name")
        if not email.strip():
            raise ApplicationError(EMAIL_NEEDED, field="email")
        if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
            raise ApplicationError(AGENCY_NOT_OURS, field="agency")
        if not reason:
            raise ApplicationError(BY_HAND_NEEDS_REASON, field="invited_reason")
        invitee = WorkshopInvitee(
            workshop=workshop,
            name=name.strip(),
            email=email,
            agency=agency,
            role=role.strip(),
            direct_involvement=False,
            invited_reason=reason,
            created_by=actor,
        )
    if not invitee.email:
        raise ApplicationError(EMAIL_NEEDED, field="email")
    return _add(workshop, invitee, actor)


@transaction.atomic
def invitees_add_direct(*, lcspr: Lcspr, actor: User | None) -> int:
    """Invite at once every named practitioner and line manager with direct involvement
    who has not left their agency and is not yet invited. Safe to run twice."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _held_workshop(lcspr)
    taken = set(selectors.invitees(workshop=workshop).values_list("email", flat=True))
    added = 0
    for practitioner in selectors.candidates(lcspr=lcspr, workshop=workshop):
        email = practitioner.email.strip().lower()
        if not practitioner.direct_involvement or practitioner.has_left_agency:
            continue
        if not email or email in taken:
            continue
        invitee_add(lcspr=lcspr, actor=actor, practitioner_id=practitioner.pk)
        taken.add(email)
        added += 1
    return added


@transaction.atomic
def invitations_send(*, lcspr: Lcspr, actor: User | None) -> int:
    """Send the invitations not yet sent, each by email with the briefing (§8.10.3), on
    commit. Refused, naming what is missing, until the workshop is held, dated, placed
    and in the future. Safe to run twice: an invitee is queued once (`invited_at`) and
    emailed once (`email_sent_at`)."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    _locked(lcspr)
    standing = selectors.workshop_standing(lcspr=lcspr)
    if standing.missing_to_send:
        raise ApplicationError(CANNOT_SEND.format(missing="; ".join(standing.missing_to_send)))
    from reviews.tasks import workshop_invitation_email

    now = timezone.now()
    unsent = list(standing.unsent)  # read once: sending empties it
    for invitee in unsent:
        invitee.invited_at = now
        invitee._history_user, invitee._change_reason = actor, "Invitation sent (§8.10.3)"
        invitee.save(update_fields=["invited_at"])
        enqueue_on_commit(
            workshop_invitation_email,
            partnership_id=lcspr.case.partnership_id,
            invitee_id=invitee.pk,
        )
    logger.info("case %s: %d workshop invitations queued", lcspr.case.reference, len(unsent))
    return len(unsent)


def workshop_invitation_email_send(*, partnership_id: int, invitee_id: int) -> int:
    """The invitation, with the briefing as a PDF (§8.10.3) and the invitee's personal
    link. The link's token is made here, at the send, and only its hash kept; the case
    is named by its reference only. Claimed and committed before the send, so it goes
    once."""
    from reviews.documents.workshop import workshop_briefing_pdf

    rows = (
        WorkshopInvitee.objects.for_partnership(partnership_id)
        .filter(withdrawn_at__isnull=True, invited_at__isnull=False)
        .select_related("workshop__lcspr__case__partnership")
    )
    if not rows.filter(pk=invitee_id, email_sent_at__isnull=True).exists():
        return 0
    invitee = claim(rows, pk=invitee_id, stamp="email_sent_at", reason="Invitation emailed")
    if invitee is None:
        return 0
    workshop = invitee.workshop
    reference = workshop.lcspr.case.reference
    with sending(invitee, stamp="email_sent_at"):
        token = secrets.token_urlsafe(32)
        invitee.token_hash = selectors.token_hash(token)
        # The details below are read after this: any change since is told on its own.
        invitee.change_told_number = workshop.plan_change_number
        invitee.save(update_fields=["token_hash", "change_told_number"])
        held = selectors.sessions(workshop=workshop)
        context = {
            "reference": reference,
            "sessions": held,
            "place": workshop.place,
            "url": settings.SITE_URL + reverse("workshop_invitation", kwargs={"token": token}),
            "product_name": settings.PRODUCT_NAME,
            "partnership": workshop.lcspr.case.partnership,
            "is_again": invitee.resent_at is not None,
        }
        message = EmailMessage(
            subject=f"Case review {reference}: invitation to a reflective learning workshop",
            body=render_to_string("emails/workshop_invitation.txt", context),
            to=[invitee.email],
        )
        message.attach(
            f"{reference}-learning-workshop-briefing.pdf",
            workshop_briefing_pdf(workshop=workshop),
            "application/pdf",
        )
        message.send()
    logger.info("case %s: workshop invitation %s emailed", reference, invitee.pk)
    return 1


def unsent_workshop_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: invitations queued (or sent again) and still unsent,
    withdrawals not yet told, and changes of the plan not yet told. Safe twice."""
    rows = WorkshopInvitee.objects.for_partnership(partnership).order_by("pk")
    invitations = rows.filter(
        email_sent_at__isnull=True, invited_at__lt=before, withdrawn_at__isnull=True
    ).values_list("pk", flat=True)
    withdrawals = rows.filter(
        withdrawn_at__lt=before,
        withdrawal_email_sent_at__isnull=True,
        email_sent_at__isnull=False,
    ).values_list("pk", flat=True)
    changes = rows.filter(
        withdrawn_at__isnull=True,
        email_sent_at__isnull=False,
        workshop__plan_changed_at__lt=before,
        change_told_number__lt=F("workshop__plan_change_number"),
    ).values_list("pk", flat=True)
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: workshop_invitation_email_send(partnership_id=p, invitee_id=pk)
            for pk in invitations
        ]
        + [
            lambda pk=pk: workshop_withdrawal_email_send(partnership_id=p, invitee_id=pk)
            for pk in withdrawals
        ]
        + [
            lambda pk=pk: workshop_change_email_send(partnership_id=p, invitee_id=pk)
            for pk in changes
        ]
    )


def _locked_invitee(invitee: WorkshopInvitee) -> WorkshopInvitee | None:
    return (
        WorkshopInvitee.objects.for_partnership(invitee.workshop.lcspr.case.partnership_id)
        .select_for_update(of=("self",))
        .filter(pk=invitee.pk)
        .select_related("workshop__lcspr__case__partnership")
        .first()
    )


class Withdrawal(StrEnum):
    REMOVED = "removed"  # not sent yet: taken off the list (its history is kept)
    WITHDRAWN = "withdrawn"  # sent: the link stops at once and they are emailed
    ALREADY = "already"  # a second click, or someone else did it first: nothing more


@transaction.atomic
def invitee_withdraw(*, invitee: WorkshopInvitee, version: int, actor: User | None) -> Withdrawal:
    """Take someone off the workshop's list. Before their invitation is sent, the row is
    removed (its history is kept). Once sent, the invitation is withdrawn: their personal
    link stops working at once (its hash is cleared, and `invitation_by_token` refuses a
    withdrawn row) and they are emailed that it is withdrawn, naming the case by its
    reference only (§8.10.3). At the version the page showed; a second click changes
    and sends nothing."""
    lcspr = invitee.workshop.lcspr
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    _locked(lcspr)  # in step with invitations_send
    row = _locked_invitee(invitee)
    if row is None or row.withdrawn_at is not None:
        return Withdrawal.ALREADY
    if row.version != version:
        raise ApplicationError(INVITEE_CHANGED, field="version")
    reference = lcspr.case.reference
    if row.invited_at is None:
        row._history_user, row._change_reason = actor, "Taken off the list before it was sent"
        row.delete()
        logger.info("case %s: workshop invitee %s removed", reference, invitee.pk)
        return Withdrawal.REMOVED
    row.withdrawn_at, row.withdrawn_by = timezone.now(), actor
    row.token_hash = None
    row.withdrawal_email_sent_at = None
    row.version += 1
    row._history_user, row._change_reason = actor, "Invitation withdrawn"
    row.save(
        update_fields=[
            "withdrawn_at",
            "withdrawn_by",
            "token_hash",
            "withdrawal_email_sent_at",
            "version",
        ]
    )
    if row.email_sent_at is not None:
        from reviews.tasks import workshop_withdrawal_email

        enqueue_on_commit(
            workshop_withdrawal_email,
            partnership_id=lcspr.case.partnership_id,
            invitee_id=row.pk,
        )
    logger.info("case %s: workshop invitation %s withdrawn", reference, invitee.pk)
    return Withdrawal.WITHDRAWN


@transaction.atomic
def invitee_invite_again(*, invitee: WorkshopInvitee, version: int, actor: User | None) -> bool:
    """A withdrawn invitee back on the list, as not yet sent: their answer and attendance
    start afresh, and the invitation, sent from the send page with the others, carries a
    new personal link (the old one stays dead). False if they are already back."""
    lcspr = invitee.workshop.lcspr
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    _held_workshop(lcspr)
    row = _locked_invitee(invitee)
    if row is None or row.withdrawn_at is None:
        return False
    if row.version != version:
        raise ApplicationError(INVITEE_CHANGED, field="version")
    for name in (
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_email_sent_at",
        "invited_at",
        "email_sent_at",
        "token_hash",
        "resent_at",
        "responded_at",
        "attended",
        "change_told_at",
    ):
        setattr(row, name, None)
    row.response = InviteeResponse.AWAITING
    row.change_told_number = 0
    row.version += 1
    row._history_user, row._change_reason = actor, "Invited again after a withdrawal"
    row.save()
    logger.info("case %s: workshop invitee %s invited again", lcspr.case.reference, row.pk)
    return True


@transaction.atomic
def invitation_resend(*, invitee: WorkshopInvitee, version: int, actor: User | None) -> bool:
    """Send the invitation again, for an email that was lost: a new personal link (the
    old one stops at once: its hash is cleared, and the new token is made at the send),
    with the briefing (§8.10.3). One click sends one email: the page's `version` is
    spent by the first, so a second click of the same page sends nothing and returns
    False. Their answer so far is kept."""
    lcspr = invitee.workshop.lcspr
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _held_workshop(lcspr)
    held = selectors.sessions(workshop=workshop)
    if held and held[0].starts_at <= timezone.now():
        raise ApplicationError(STARTED_NO_RESEND)
    row = _locked_invitee(invitee)
    if row is None:
        return False
    if row.withdrawn_at is not None:
        raise ApplicationError(IS_WITHDRAWN)
    if row.invited_at is None:
        raise ApplicationError(NOT_SENT_YET)
    if row.version != version:
        return False
    if row.email_sent_at is None:
        raise ApplicationError(ON_ITS_WAY)
    from reviews.tasks import workshop_invitation_email

    now = timezone.now()
    row.token_hash, row.email_sent_at = None, None
    row.invited_at, row.resent_at = now, now
    row.version += 1
    row._history_user, row._change_reason = actor, "Invitation sent again with a new link"
    row.save(update_fields=["token_hash", "email_sent_at", "invited_at", "resent_at", "version"])
    enqueue_on_commit(
        workshop_invitation_email,
        partnership_id=lcspr.case.partnership_id,
        invitee_id=row.pk,
    )
    logger.info("case %s: workshop invitation %s sent again", lcspr.case.reference, row.pk)
    return True


def workshop_withdrawal_email_send(*, partnership_id: int, invitee_id: int) -> int:
    """The invitee told their invitation is withdrawn and their link no longer works; the
    case by its reference only. Claimed (`withdrawal_email_sent_at`) before the send."""
    rows = (
        WorkshopInvitee.objects.for_partnership(partnership_id)
        .filter(withdrawn_at__isnull=False, email_sent_at__isnull=False)
        .select_related("workshop__lcspr__case__partnership")
    )
    if not rows.filter(pk=invitee_id, withdrawal_email_sent_at__isnull=True).exists():
        return 0
    invitee = claim(
        rows, pk=invitee_id, stamp="withdrawal_email_sent_at", reason="Withdrawal emailed"
    )
    if invitee is None:
        return 0
    workshop = invitee.workshop
    reference = workshop.lcspr.case.reference
    with sending(invitee, stamp="withdrawal_email_sent_at"):
        EmailMessage(
            subject=f"Case review {reference}: your workshop invitation is withdrawn",
            body=render_to_string(
                "emails/workshop_withdrawal.txt",
                {"reference": reference, "partnership": workshop.lcspr.case.partnership},
            ),
            to=[invitee.email],
        ).send()
    logger.info("case %s: workshop withdrawal %s emailed", reference, invitee.pk)
    return 1


def workshop_change_email_send(*, partnership_id: int, invitee_id: int) -> int:
    """An invitee already sent told the workshop's new date, times and place (§8.10.3),
    the case by its reference only. Claimed by raising the invitee's
    `change_told_number` to the workshop's latest change, committed before the send: a
    second run, or the notice of an earlier change run late, finds it told and sends
    nothing; a failed send puts the number back for the retry or the sweep."""
    rows = (
        WorkshopInvitee.objects.for_partnership(partnership_id)
        .filter(withdrawn_at__isnull=True, email_sent_at__isnull=False)
        .select_related("workshop__lcspr__case__partnership")
    )
    with transaction.atomic():
        invitee = rows.select_for_update(of=("self",)).filter(pk=invitee_id).first()
        if invitee is None:
            return 0
        workshop = invitee.workshop
        if invitee.change_told_number >= workshop.plan_change_number:
            return 0
        before = (invitee.change_told_number, invitee.change_told_at)
        invitee.change_told_number = workshop.plan_change_number
        invitee.change_told_at = timezone.now()
        invitee._change_reason = "Told of the workshop's change"
        invitee.save(update_fields=["change_told_number", "change_told_at"])
    reference = workshop.lcspr.case.reference
    try:
        context = {
            "reference": reference,
            "sessions": selectors.sessions(workshop=workshop),
            "place": workshop.place,
            "partnership": workshop.lcspr.case.partnership,
            "answer": InviteeResponse(invitee.response),
        }
        EmailMessage(
            subject=f"Case review {reference}: the learning workshop's date or place has changed",
            body=render_to_string("emails/workshop_change.txt", context),
            to=[invitee.email],
        ).send()
    except BaseException:
        invitee.change_told_number, invitee.change_told_at = before
        invitee._change_reason = "Change email failed: left to be sent again"
        with transaction.atomic():
            invitee.save(update_fields=["change_told_number", "change_told_at"])
        raise
    logger.info("case %s: workshop change told to invitee %s", reference, invitee.pk)
    return 1


@transaction.atomic
def invitation_answer(*, invitee: WorkshopInvitee, response: str) -> WorkshopInvitee:
    """The invitee's answer through their personal link: accepted or declined, changed as
    often as they like until the workshop starts. The same answer twice changes nothing."""
    response = InviteeResponse(response)
    if response == InviteeResponse.AWAITING:
        raise ApplicationError("Choose whether you will attend.", field="response")
    invitee = (
        WorkshopInvitee.objects.for_partnership(invitee.workshop.lcspr.case.partnership_id)
        .select_for_update(of=("self",))
        .select_related("workshop__lcspr__case")
        .get(pk=invitee.pk)
    )
    held = selectors.sessions(workshop=invitee.workshop)
    if held and held[0].starts_at <= timezone.now():
        raise ApplicationError(LINK_CLOSED)
    if invitee.response != response:
        invitee.response, invitee.responded_at = response, timezone.now()
        invitee._history_user = None
        invitee._change_reason = f"Answered through the personal link: {response.label}"
        invitee.save(update_fields=["response", "responded_at"])
        logger.info(
            "case %s: workshop invitee %s answered",
            invitee.workshop.lcspr.case.reference,
            invitee.pk,
        )
    return invitee


@transaction.atomic
def attendance_record(*, lcspr: Lcspr, attended: dict[int, bool | None], actor: User | None) -> int:
    """Who attended, once the workshop has started. Returns how many rows changed."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _held_workshop(lcspr)
    standing = selectors.workshop_standing(lcspr=lcspr)
    if not standing.has_started:
        raise ApplicationError(NOT_STARTED_YET)
    changed = 0
    for invitee in selectors.invitees(workshop=workshop).select_for_update(of=("self",)):
        if invitee.pk in attended and invitee.attended != attended[invitee.pk]:
            invitee.attended = attended[invitee.pk]
            invitee._history_user, invitee._change_reason = actor, "Attendance recorded"
            invitee.save(update_fields=["attended"])
            changed += 1
    return changed


@transaction.atomic
def workshop_record_save(
    *, lcspr: Lcspr, version: int, texts: dict[str, str], actor: User | None
) -> Workshop:
    """The record of discussion under the §8.11.3 headings, at the version the person
    opened: another's save in between is a conflict, never overwritten."""
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _held_workshop(lcspr)
    if workshop.record_version != version:
        raise ApplicationError(RECORD_CONFLICT, field="version")
    for name, _, _ in selectors.RECORD_HEADINGS:
        setattr(workshop, name, texts.get(name, ""))
    workshop.record_version += 1
    workshop.record_updated_at, workshop.record_updated_by = timezone.now(), actor
    _save(workshop, actor, "Record of discussion saved (§8.11.3)")
    logger.info("case %s: workshop record saved", lcspr.case.reference)
    return workshop


@transaction.atomic
def practitioner_conversation_add(
    *,
    lcspr: Lcspr,
    name: str,
    agency: Agency | None,
    role: str,
    held_on: date,
    held_by: User | None,
    note: str,
    actor: User | None,
) -> PractitionerConversation:
    """A conversation with a key practitioner who could not attend, normally with the
    Reviewer (§8.12.1). Recorded whether or not a workshop is held."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    workshop = _locked(lcspr)
    if workshop is None:
        workshop = Workshop(lcspr=lcspr)
        _save(workshop, actor, "Learning workshop opened for a conversation", exclude=("lcspr",))
    if held_on > timezone.localdate():
        raise ApplicationError(HELD_IN_FUTURE, field="held_on")
    if held_by is not None and not partnership_people(lcspr).filter(pk=held_by.pk).exists():
        raise ApplicationError(HELD_BY_NOT_OURS, field="held_by")
    if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(AGENCY_NOT_OURS, field="agency")
    conversation = PractitionerConversation(
        workshop=workshop,
        name=name.strip(),
        agency=agency,
        role=role.strip(),
        held_on=held_on,
        held_by=held_by,
        note=note,
        created_by=actor,
    )
    _save(conversation, actor, "Conversation with a key practitioner (§8.12.1)")
    logger.info("case %s: practitioner conversation recorded", lcspr.case.reference)
    return conversation
