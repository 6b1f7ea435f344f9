"""The Case Review Panel's meetings (§6.2): their agenda with its standing items (§1.5.8,
§7.1.3, §11.2.1), minutes, actions, swift learning (§11.2.1) and the family's coordinator
(§7.1.3)."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Agency, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.deadline import dated_item_close, dated_item_set
from cases.services.mail import claim, sending, unsent_send
from reviews.models import (
    AgendaItem,
    Appointment,
    FamilyCoordinator,
    Lcspr,
    LearningAudience,
    MilestoneKind,
    PanelAction,
    PanelAttendance,
    PanelMeeting,
    SwiftLearning,
)
from reviews.rules import partnership_people
from reviews.services.timetable import milestone_add

logger = logging.getLogger(__name__)

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel run the panel's meetings."
CONFLICT = "Someone else saved these minutes since you opened them. Check them and save again."
STANDING_UNANSWERED = "Record what the panel said on {item}."
NOT_HELD_YET = "The meeting is on {day}: its minutes can be recorded from that day."
NOT_APPOINTED = (
    "Attendance is recorded for the review's Reviewer and Panel members now appointed only."
)
OWNER_NOT_OURS = "Choose the Reviewer, a Panel member or the Business Office."
DUE_BEFORE_MEETING = "The action's due date must be on or after the meeting, {day}."
ALREADY_DONE = "This action is already recorded as done."
DONE_IN_FUTURE = "The date it was done cannot be in the future."
DONE_NEEDS_NOTE = "Say what was done."
AGENCIES_NEEDED = "Choose the agencies whose workforce the message goes to."
CONSIDERATION_NEEDED = (
    "Record the panel's consideration of whether sharing it could affect the family or a "
    "parallel investigation (§11.2.1)."
)
COORDINATOR_CONFLICT = "Someone else named the coordinator since you opened this page. Check it."
ACTION_SEED = "§6.2"


class StandingItemsUnanswered(ApplicationError):
    """Minutes without an answer to each standing item: `items` are the ones missing."""

    def __init__(self, items: list[AgendaItem]):
        self.items = items
        names = "; ".join(item.title for item in items)
        super().__init__(f"Record what the panel said on each standing item: {names}.")


@transaction.atomic
def panel_meeting_schedule(
    *,
    lcspr: Lcspr,
    held_on: date,
    actor: User | None,
    owner: User | None = None,
    notes: str = "",
    after_six_months_reason: str = "",
) -> PanelMeeting:
    """A panel meeting scheduled directly: its timetable milestone is added with it, and
    a meeting before the review was decided is refused (§5.8)."""
    try:
        milestone = milestone_add(
            lcspr=lcspr,
            kind=MilestoneKind.PANEL_MEETING,
            due_on=held_on,
            actor=actor,
            owner=owner,
            notes=notes,
            after_six_months_reason=after_six_months_reason,
        )
    except ApplicationError as error:
        # The meeting's own form names its date `held_on`.
        field = "held_on" if error.field == "due_on" else error.field
        raise ApplicationError(error.message, field=field) from None
    return milestone.meeting


def _locked(meeting: PanelMeeting, version: int | None) -> PanelMeeting:
    current = (
        PanelMeeting.objects.for_partnership(meeting.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("milestone", "lcspr__case__partnership")
        .get(pk=meeting.pk)
    )
    if version is not None and current.version != version:
        raise ApplicationError(CONFLICT, field="version")
    if current.milestone.cancelled_on is not None:
        raise ApplicationError("This meeting was cancelled.")
    return current


@transaction.atomic
def agenda_item_add(*, meeting: PanelMeeting, title: str, actor: User | None) -> AgendaItem:
    require(actor, meeting.lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    meeting = _locked(meeting, None)
    if not title.strip():
        raise ApplicationError("Give the agenda item a title.", field="title")
    last = max((item.order for item in meeting.agenda.all()), default=0)
    item = AgendaItem(meeting=meeting, title=title.strip(), order=last + 1)
    _save(item, actor, "Agenda item added")
    return item


@transaction.atomic
def minutes_save(
    *,
    meeting: PanelMeeting,
    version: int,
    answers: dict[int, str],
    attendance: dict[int, str],
    decisions: str,
    minutes: str,
    record: bool,
    actor: User | None,
) -> PanelMeeting:
    """Save the minutes as a draft, or record them (`record`): recording needs an answer
    to every standing item, so none is skipped (§1.5.8, §7.1.3, §11.2.1). Every save
    takes the version the person opened; another's save in between is a conflict."""
    partnership = meeting.lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    meeting = _locked(meeting, version)
    items = list(meeting.agenda.all())
    for item in items:
        if item.pk in answers and answers[item.pk] != item.answer:
            item.answer = answers[item.pk]
            _save(item, actor, "Minuted")
    if record:
        today = timezone.localdate()
        if meeting.held_on > today:
            raise ApplicationError(NOT_HELD_YET.format(day=format_date(meeting.held_on)))
        missing = [item for item in items if item.standing and not item.answer.strip()]
        if missing:
            raise StandingItemsUnanswered(missing)
    # The people the minutes form offers: those appointed now, not whose appointment ended.
    appointed = set(
        Appointment.objects.for_partnership(partnership)
        .filter(lcspr=meeting.lcspr, ended_on__isnull=True)
        .values_list("user_id", flat=True)
    )
    for user_id, status in attendance.items():
        if user_id not in appointed:
            raise ApplicationError(NOT_APPOINTED)
        row = (
            PanelAttendance.objects.for_partnership(partnership)
            .filter(meeting=meeting, user_id=user_id)
            .first()
        )
        if not status:
            if row is not None:
                row._history_user = actor
                row.delete()
            continue
        if row is None:
            row = PanelAttendance(meeting=meeting, user_id=user_id)
        if row.status != status:
            row.status = status
            _save(row, actor, "Attendance")
    meeting.decisions, meeting.minutes = decisions, minutes
    meeting.version += 1
    first_record = record and meeting.minutes_recorded_at is None
    if first_record:
        meeting.minutes_recorded_at, meeting.minutes_recorded_by = timezone.now(), actor
        # The meeting was held: its milestone (§5.8) is done on its day, not chased as due.
        dated_item_close(
            case=meeting.lcspr.case,
            kind=meeting.milestone.deadline_kind,
            actor=actor,
            done_on=meeting.held_on,
        )
    _save(meeting, actor, "Minutes recorded" if record else "Minutes draft saved")
    logger.info("case %s: panel minutes saved", meeting.lcspr.case.reference)
    return meeting


@transaction.atomic
def panel_action_add(
    *, meeting: PanelMeeting, description: str, owner: User, due_on: date, actor: User | None
) -> PanelAction:
    """An action the meeting agreed: its owner is told (email and dashboard) and the
    deadline engine chases it until it is done."""
    lcspr = meeting.lcspr
    require(actor, lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    meeting = _locked(meeting, None)
    if not partnership_people(lcspr).filter(pk=owner.pk).exists():
        raise ApplicationError(OWNER_NOT_OURS, field="owner")
    if due_on < meeting.held_on:
        raise ApplicationError(
            DUE_BEFORE_MEETING.format(day=format_date(meeting.held_on)), field="due_on"
        )
    action = PanelAction(
        meeting=meeting, description=description, owner=owner, due_on=due_on, created_by=actor
    )
    _save(action, actor, "Action agreed at the panel meeting")
    dated_item_set(
        case=lcspr.case,
        kind=action.deadline_kind,
        title="Case Review Panel action",
        seed=ACTION_SEED,
        due_date=due_on,
        responsible=owner,
        actor=actor,
        reason="Action agreed at a panel meeting",
    )
    from reviews.tasks import panel_action_email

    enqueue_on_commit(
        panel_action_email, partnership_id=lcspr.case.partnership_id, action_id=action.pk
    )
    logger.info("case %s: panel action %s agreed", lcspr.case.reference, action.pk)
    return action


@transaction.atomic
def panel_action_done(
    *, action: PanelAction, done_on: date, note: str, actor: User | None
) -> PanelAction:
    case = action.meeting.lcspr.case
    require(actor, case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    action = (
        PanelAction.objects.for_partnership(case.partnership)
        .select_for_update(of=("self",))
        .get(pk=action.pk)
    )
    if action.done_on is not None:
        raise ApplicationError(ALREADY_DONE)
    if done_on > timezone.localdate():
        raise ApplicationError(DONE_IN_FUTURE, field="done_on")
    if not note.strip():
        raise ApplicationError(DONE_NEEDS_NOTE, field="note")
    action.done_on, action.done_note = done_on, note
    _save(action, actor, "Action done")
    dated_item_close(case=case, kind=action.deadline_kind, actor=actor, done_on=done_on)
    logger.info("case %s: panel action %s done", case.reference, action.pk)
    return action


def panel_action_email_send(*, partnership_id: int, action_id: int) -> int:
    """Tell the owner the action is theirs: the case reference, the due date and a link,
    never the action's text. Claimed and committed before the send, so it goes once."""
    rows = PanelAction.objects.for_partnership(partnership_id).select_related(
        "meeting__lcspr__case", "owner"
    )
    waiting = rows.filter(pk=action_id, email_sent_at__isnull=True).first()
    if waiting is None or not waiting.owner.email:
        return 0
    action = claim(rows, pk=action_id, stamp="email_sent_at", reason="Owner emailed")
    if action is None:
        return 0
    reference = action.meeting.lcspr.case.reference
    context = {
        "reference": reference,
        "due": action.due_on,
        "url": settings.SITE_URL + reverse("lcspr_panel", kwargs={"reference": reference}),
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(action, stamp="email_sent_at"):
        send_mail(
            subject=f"Case {reference}: a Case Review Panel action is yours",
            message=render_to_string("emails/panel_action.txt", context),
            from_email=None,
            recipient_list=[action.owner.email],
        )
    logger.info("case %s: panel action %s emailed to its owner", reference, action.pk)
    return 1


def unsent_panel_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: actions whose owner's email is still unsent. Safe twice."""
    ids = (
        PanelAction.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, created_at__lt=before, owner__email__gt="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: panel_action_email_send(partnership_id=p, action_id=pk) for pk in ids]
    )


@transaction.atomic
def swift_learning_record(
    *,
    meeting: PanelMeeting,
    message: str,
    audience: str,
    agencies: list[Agency],
    could_affect_family_or_investigation: bool | None,
    consideration: str,
    actor: User | None,
    sent_on: date | None = None,
) -> SwiftLearning:
    """A swift learning message the panel agreed (§11.2.1): to whom it goes, and the
    panel's answer on whether sharing it could affect the family or a parallel
    investigation, which nobody may leave out."""
    partnership = meeting.lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    meeting = _locked(meeting, None)
    audience = LearningAudience(audience)
    if audience == LearningAudience.AGENCIES and not agencies:
        raise ApplicationError(AGENCIES_NEEDED, field="agencies")
    if any(not agency.partnerships.filter(pk=partnership.pk).exists() for agency in agencies):
        raise ApplicationError("Choose agencies that serve this partnership.", field="agencies")
    if could_affect_family_or_investigation is None:
        raise ApplicationError(CONSIDERATION_NEEDED, field="could_affect_family_or_investigation")
    if not consideration.strip():
        raise ApplicationError(CONSIDERATION_NEEDED, field="consideration")
    if sent_on is not None and sent_on > timezone.localdate():
        raise ApplicationError("The date it was sent cannot be in the future.", field="sent_on")
    item = SwiftLearning(
        meeting=meeting,
        message=message,
        audience=audience,
        could_affect_family_or_investigation=could_affect_family_or_investigation,
        consideration=consideration,
        sent_on=sent_on,
        created_by=actor,
    )
    _save(item, actor, "Swift learning agreed (§11.2.1)")
    if audience == LearningAudience.AGENCIES:
        item.agencies.set(agencies)
    logger.info("case %s: swift learning recorded", meeting.lcspr.case.reference)
    return item


@transaction.atomic
def swift_learning_sent(*, item: SwiftLearning, sent_on: date, actor: User | None) -> SwiftLearning:
    require(actor, item.meeting.lcspr.case.partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    if item.sent_on is not None:
        raise ApplicationError("It is already recorded as sent.")
    if sent_on > timezone.localdate():
        raise ApplicationError("The date it was sent cannot be in the future.", field="sent_on")
    item.sent_on = sent_on
    _save(item, actor, "Swift learning sent")
    return item


def _coordinator_locked(partnership, lcspr: Lcspr) -> FamilyCoordinator | None:
    return (
        FamilyCoordinator.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .filter(lcspr=lcspr)
        .first()
    )


@transaction.atomic
def family_coordinator_name(
    *,
    lcspr: Lcspr,
    name: str,
    role: str,
    agency: Agency | None,
    version: int,
    actor: User | None,
) -> FamilyCoordinator:
    """The person who coordinates communication with the family (§7.1.3), named by the
    panel; naming another replaces them (the history keeps who it was). `version` is the
    one the person saw, 0 when nobody was named yet: a coordinator named by someone else
    since is a conflict, never overwritten, and so is a first naming sent at the same
    moment as another (the one-to-one row)."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError("Choose an agency that serves this partnership.", field="agency")
    current = _coordinator_locked(partnership, lcspr)
    if (current.version if current is not None else 0) != version:
        raise ApplicationError(COORDINATOR_CONFLICT, field="version")
    coordinator = current or FamilyCoordinator(lcspr=lcspr, version=0)
    coordinator.name, coordinator.role, coordinator.agency = name.strip(), role.strip(), agency
    coordinator.named_on, coordinator.named_by = timezone.localdate(), actor
    coordinator.version += 1
    try:
        with transaction.atomic():
            # The review's one coordinator row is the database's to guard (one-to-one):
            # a check here could not see a first naming not yet committed.
            _save(coordinator, actor, "Family coordinator named (§7.1.3)", exclude=("lcspr",))
    except IntegrityError:
        # Another first naming was committed between our read and our insert.
        raise ApplicationError(COORDINATOR_CONFLICT, field="version") from None
    logger.info("case %s: family coordinator named", lcspr.case.reference)
    return coordinator
