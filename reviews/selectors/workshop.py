"""Reading the reflective learning workshop (§8.9-8.12): its plan, invitees and their
answers, the record of discussion and the conversations with practitioners who could not
attend; its task on the LCSPR page and its work on the dashboard.

The personal invitation link is read here too (`invitation_by_token`): the one read of
the workshop with no signed-in scope. It finds the row by the SHA-256 of the token and
returns nothing for a link that is unknown, withdrawn or past its event."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.models import RequestPurpose, Role
from cases.selectors import working_calendar
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import (
    InviteeResponse,
    KeyTheme,
    Lcspr,
    NamedPractitioner,
    PractitionerConversation,
    Workshop,
    WorkshopInvitee,
    WorkshopSession,
)
from reviews.rules import SUBMISSION_READ_STATUSES, plural, workshop_short_notice
from reviews.workspace import Task, TaskState, TaskStatus

NOT_DECIDED = "Not yet decided whether a workshop is held"
NOT_HELD = "No workshop: {reason}"
NO_DATE = "No date set yet"
NO_INVITEES = "Nobody invited yet"
NOT_SENT = "{count} not sent yet"
REPLIED = "{replied} of {total} invitees have replied"
RECORD_NOT_WRITTEN = "Record of discussion not written"
ATTENDANCE_NOT_RECORDED = "Attendance not recorded"
RECORD_DUE = "Write the record of the learning workshop's discussion"

# The §8.11.3 headings of the record of discussion: (field, heading, hint).
RECORD_HEADINGS = [
    (
        "record_information",
        "The information compiled and its accuracy",
        "The incidents and professional interventions compiled about the family: what "
        "participants queried or added, and the corrections agreed.",
    ),
    (
        "record_lived_experience",
        "The lived experience of the child",
        "What happened, seen from the child's perspective.",
    ),
    (
        "record_reasons",
        "Why things happened as they did",
        "The reasons for events and practice, including organisational and systems factors "
        "(team aims or culture, supervision, the resources available).",
    ),
    (
        "record_themes",
        "The key themes and whether they transpose",
        "The key themes that emerged and whether they apply to working with families more "
        "generally.",
    ),
    (
        "record_learning",
        "Good practice, learning and actions",
        "Examples of good practice, the learning from the case and the actions that should "
        "be taken to better safeguard children.",
    ),
]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def workshop_of(*, lcspr: Lcspr) -> Workshop | None:
    return (
        Workshop.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("lcspr__case__partnership", "updated_by", "record_updated_by")
        .first()
    )


def sessions(*, workshop: Workshop | None) -> list[WorkshopSession]:
    if workshop is None or workshop.pk is None:
        return []
    return list(
        WorkshopSession.objects.for_partnership(workshop.lcspr.case.partnership)
        .filter(workshop=workshop)
        .order_by("starts_at")
    )


def invitees(*, workshop: Workshop | None) -> QuerySet[WorkshopInvitee]:
    if workshop is None or workshop.pk is None:
        return WorkshopInvitee.objects.visible_to(None)
    return (
        WorkshopInvitee.objects.for_partnership(workshop.lcspr.case.partnership)
        .filter(workshop=workshop)
        .select_related("agency", "practitioner")
        .order_by("agency__name", "name", "id")
    )


def invitee_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> WorkshopInvitee:
    """One invitee of this review's workshop, withdrawn or not; 404 for any other's."""
    invitee = (
        WorkshopInvitee.objects.visible_to(scope)
        .filter(workshop__lcspr=lcspr, pk=pk)
        .select_related("workshop__lcspr__case__partnership", "agency")
        .first()
    )
    if invitee is None:
        raise Http404("No such invitee.")
    return invitee


def candidates(*, lcspr: Lcspr, workshop: Workshop | None) -> list[NamedPractitioner]:
    """The agencies' named practitioners and line managers for this review (§8.10.1),
    not yet invited: those with direct involvement first."""
    invited = set()
    if workshop is not None and workshop.pk is not None:
        invited = set(
            invitees(workshop=workshop)
            .exclude(practitioner=None)
            .values_list("practitioner_id", flat=True)
        )
    rows = (
        NamedPractitioner.objects.for_partnership(lcspr.case.partnership)
        .filter(
            request__case=lcspr.case,
            request__purpose=RequestPurpose.LCSPR,
            request__status__in=SUBMISSION_READ_STATUSES,
        )
        .select_related("request__agency")
        .order_by("-direct_involvement", "request__agency__name", "name", "id")
    )
    return [row for row in rows if row.pk not in invited]


def conversations(*, workshop: Workshop | None) -> QuerySet[PractitionerConversation]:
    if workshop is None or workshop.pk is None:
        return PractitionerConversation.objects.visible_to(None)
    return (
        PractitionerConversation.objects.for_partnership(workshop.lcspr.case.partnership)
        .filter(workshop=workshop)
        .select_related("agency", "held_by")
        .order_by("held_on", "id")
    )


def shared_themes(*, workshop: Workshop) -> list[KeyTheme]:
    """The key themes that go with the briefing, if the workshop shares them (§8.8.2)."""
    if not workshop.share_themes:
        return []
    return list(
        KeyTheme.objects.for_partnership(workshop.lcspr.case.partnership)
        .filter(lcspr=workshop.lcspr)
        .order_by("order", "id")
    )


@dataclass(frozen=True)
class WorkshopStanding:
    """Where the workshop stands: the counts the page and the task list show."""

    workshop: Workshop | None
    sessions: list[WorkshopSession]
    # Those invited and not withdrawn: every count below is of them.
    invitees: list[WorkshopInvitee] = field(default_factory=list)
    withdrawn: list[WorkshopInvitee] = field(default_factory=list)

    @property
    def is_held(self) -> bool | None:
        return self.workshop.is_held if self.workshop else None

    @property
    def first_start(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def last_end(self) -> datetime | None:
        return self.sessions[-1].ends_at if self.sessions else None

    @property
    def has_started(self) -> bool:
        return self.first_start is not None and self.first_start <= timezone.now()

    @property
    def is_over(self) -> bool:
        return self.last_end is not None and self.last_end <= timezone.now()

    def count(self, response: str) -> int:
        return sum(1 for invitee in self.invitees if invitee.response == response)

    @property
    def accepted(self) -> int:
        return self.count(InviteeResponse.ACCEPTED)

    @property
    def declined(self) -> int:
        return self.count(InviteeResponse.DECLINED)

    @property
    def awaiting(self) -> int:
        return self.count(InviteeResponse.AWAITING)

    @property
    def replied(self) -> int:
        return self.accepted + self.declined

    @property
    def unsent(self) -> list[WorkshopInvitee]:
        return [invitee for invitee in self.invitees if invitee.invited_at is None]

    @property
    def sent(self) -> list[WorkshopInvitee]:
        return [invitee for invitee in self.invitees if invitee.email_sent_at is not None]

    @property
    def change_number(self) -> int:
        return self.workshop.plan_change_number if self.workshop else 0

    @property
    def told_of_change(self) -> int:
        """How many invitees already sent have been told of the latest change of date,
        times or place (by its notice, or by an invitation sent since)."""
        return sum(1 for i in self.sent if i.change_told_number >= self.change_number)

    @property
    def attendance_recorded(self) -> bool:
        return bool(self.invitees) and all(i.attended is not None for i in self.invitees)

    @property
    def record_written(self) -> bool:
        return self.workshop is not None and all(
            getattr(self.workshop, name).strip() for name, _, _ in RECORD_HEADINGS
        )

    @property
    def missing_to_send(self) -> list[str]:
        """What must be settled before the invitations can go out: who or what is missing."""
        missing = []
        if not self.is_held:
            missing.append("the decision that a workshop is held")
        if not self.sessions:
            missing.append("the date and times")
        if self.workshop is None or not self.workshop.place.strip():
            missing.append("the place")
        if self.sessions and self.has_started:
            missing.append("a date in the future (the workshop has started)")
        if not self.unsent:
            missing.append("someone invited whose invitation has not gone yet")
        return missing


def workshop_standing(*, lcspr: Lcspr) -> WorkshopStanding:
    workshop = workshop_of(lcspr=lcspr)
    everyone = list(invitees(workshop=workshop))
    return WorkshopStanding(
        workshop=workshop,
        sessions=sessions(workshop=workshop),
        invitees=[invitee for invitee in everyone if invitee.withdrawn_at is None],
        withdrawn=[invitee for invitee in everyone if invitee.withdrawn_at is not None],
    )


def notice_warning(*, lcspr: Lcspr, standing: WorkshopStanding) -> str | None:
    """The §8.10.3 warning if invitations sent today would give too little notice."""
    if standing.first_start is None:
        return None
    return workshop_short_notice(
        working_calendar(partnership=lcspr.case.partnership),
        sent_on=timezone.localdate(),
        event_on=timezone.localtime(standing.first_start).date(),
    )


def invitation_by_token(token: str) -> WorkshopInvitee | None:
    """The invitee whose personal link this is, while the link is live: sent, not
    withdrawn, not replaced by a link sent again, the workshop held and not yet over.
    None for anything else, alike (no clue to a guesser whether a token once existed)."""
    if not token or len(token) > 200:
        return None
    invitee = (
        WorkshopInvitee.objects.by_secret(token_hash=token_hash(token))
        .filter(
            email_sent_at__isnull=False,
            withdrawn_at__isnull=True,
            workshop__is_held=True,
        )
        .select_related("workshop__lcspr__case__partnership")
        .first()
    )
    if invitee is None:
        return None
    last = sessions(workshop=invitee.workshop)
    if not last or last[-1].ends_at <= timezone.now():
        return None
    return invitee


# --- The LCSPR page's task and the dashboard -------------------------------------------


def workshop_status(lcspr: Lcspr) -> TaskStatus:
    standing = workshop_standing(lcspr=lcspr)
    if standing.workshop is None or standing.is_held is None:
        return TaskStatus(TaskState.NOT_STARTED, NOT_DECIDED)
    if standing.is_held is False:
        return TaskStatus(
            TaskState.COMPLETED, NOT_HELD.format(reason=standing.workshop.not_held_reason)
        )
    if not standing.sessions:
        return TaskStatus(TaskState.IN_PROGRESS, NO_DATE)
    when = format_date(timezone.localtime(standing.first_start).date())
    if not standing.invitees:
        return TaskStatus(TaskState.IN_PROGRESS, f"{when}; {NO_INVITEES.lower()}")
    if standing.is_over:
        problems = []
        if not standing.attendance_recorded:
            problems.append(ATTENDANCE_NOT_RECORDED)
        if not standing.record_written:
            problems.append(RECORD_NOT_WRITTEN)
        if problems:
            return TaskStatus(TaskState.ATTENTION, "; ".join(problems))
        return TaskStatus(TaskState.COMPLETED, f"Held {when}; record written")
    parts = [when]
    if standing.unsent:
        parts.append(NOT_SENT.format(count=plural(len(standing.unsent), "invitation")))
    parts.append(REPLIED.format(replied=standing.replied, total=len(standing.invitees)))
    return TaskStatus(TaskState.IN_PROGRESS, "; ".join(parts))


workspace.register(
    Task(
        order=58,
        key="workshop",
        title="Hold the learning workshop",
        url_name="lcspr_workshop",
        status=workshop_status,
    )
)


@register_work
def workshop_work(scope: Scope) -> list[WorkItem]:
    """For the Business Office and the review's Reviewer: a workshop held (its last half
    day over) whose record of discussion is not yet written (§8.11.3)."""
    if scope.partnership is None or scope.role not in {Role.BUSINESS_OFFICE, Role.REVIEWER}:
        return []
    now = timezone.now()
    items = []
    # When its last half day (the one starting last) ends, read with the workshop: not a
    # join made DISTINCT over every column of the record, nor a read of each workshop's
    # sessions (issue 18).
    last_ends = (
        WorkshopSession.objects.visible_to(scope)
        .filter(workshop=OuterRef("pk"))
        .order_by("-starts_at")
        .values("ends_at")[:1]
    )
    for workshop in (
        Workshop.objects.visible_to(scope)
        .annotate(last_ends_at=Subquery(last_ends))
        .filter(is_held=True, last_ends_at__lte=now)
        .select_related("lcspr__case")
    ):
        if all(getattr(workshop, name).strip() for name, _, _ in RECORD_HEADINGS):
            continue
        reference = workshop.lcspr.case.reference
        items.append(
            WorkItem(
                case_reference=reference,
                text=RECORD_DUE,
                url=reverse("lcspr_workshop_record", kwargs={"reference": reference}),
                due_on=timezone.localtime(workshop.last_ends_at).date(),
            )
        )
    return items
