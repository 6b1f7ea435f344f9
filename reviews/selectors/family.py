"""Reading the family's part in the review (§7): its network, the first contact with each
member (§7.3), the conversations (§7.4.1) and who is not taking part, with why (§7.4.2);
the task on the LCSPR page and its summary row.

Restricted like the records themselves: callers show names on the family pages only.
What other parts may carry elsewhere (`family_non_involvement`, for the report) holds a
relationship or an anonymised label, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cases import selectors as case_selectors
from cases.dates import format_date
from cases.models import Child, FamilyMember
from cases.rules import PersonNames
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import (
    Appointment,
    AppointmentRole,
    FamilyConversation,
    FamilyCoordinator,
    Lcspr,
    NetworkMember,
    NetworkPartnership,
    NonParticipationReason,
    Participation,
    Workshop,
    WorkshopSession,
)
from reviews.rules import plural
from reviews.workspace import SummaryRow, Task, TaskState, TaskStatus

NO_NETWORK = "No family network recorded yet"
NOBODY_SPOKEN_TO = "No one has spoken to the family yet"
NOT_YET_ASKED = "{count} not yet asked"
NO_COORDINATOR = "no family co-ordinator named (§7.1.3)"
WORKSHOP_FIRST = "The workshop is scheduled before anyone has spoken to the family (§7.4.1)"
WORKSHOP_BEFORE_FAMILY = (
    "The learning workshop is scheduled for {day}, but no family member has been spoken to "
    "yet: conversations should ideally take place before it, so that the family's views are "
    "included alongside the analysis of practice (§7.4.1)."
)


def members(*, lcspr: Lcspr) -> QuerySet[NetworkMember]:
    """The family network, in its order, each with its first contact (§7.3)."""
    return (
        NetworkMember.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("mother", "father", "initial_contact")
        .order_by("order", "id")
    )


def member_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> NetworkMember:
    """One member of the review's family network; 404 for any other review's."""
    member = (
        NetworkMember.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("lcspr__case__partnership", "mother", "father", "initial_contact")
        .first()
    )
    if member is None:
        raise Http404("No such family member.")
    return member


def couples(*, lcspr: Lcspr) -> QuerySet[NetworkPartnership]:
    return (
        NetworkPartnership.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("first", "second")
    )


def couple_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> NetworkPartnership:
    couple = (
        NetworkPartnership.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("lcspr__case__partnership")
        .first()
    )
    if couple is None:
        raise Http404("No such couple.")
    return couple


def conversations(*, lcspr: Lcspr) -> QuerySet[FamilyConversation]:
    """The conversations with family members (§7.4.1), latest first."""
    partnership = lcspr.case.partnership
    return (
        FamilyConversation.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .select_related("held_by")
        .prefetch_related(
            Prefetch("members", queryset=NetworkMember.objects.for_partnership(partnership))
        )
        .order_by("-held_on", "-id")
    )


def conversation_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> FamilyConversation:
    conversation = (
        FamilyConversation.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("lcspr__case__partnership", "held_by")
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def spoken_to(*, lcspr: Lcspr) -> set[int]:
    """The ids of the members someone has had a conversation with (§7.4.1)."""
    return set(
        NetworkMember.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, conversations__isnull=False)
        .values_list("pk", flat=True)
    )


def not_yet_in_network(*, lcspr: Lcspr) -> tuple[list[Child], list[FamilyMember]]:
    """The case's children and family members the network does not hold yet: what
    "bring them in" would add, so that nothing is typed twice."""
    partnership = lcspr.case.partnership
    network = NetworkMember.objects.for_partnership(partnership).filter(lcspr=lcspr)
    children = (
        Child.objects.for_partnership(partnership)
        .filter(case=lcspr.case)
        .exclude(pk__in=network.filter(child__isnull=False).values("child_id"))
        .order_by("role", "pseudonym")
    )
    family = (
        FamilyMember.objects.for_partnership(partnership)
        .filter(case=lcspr.case)
        .exclude(pk__in=network.filter(family_member__isnull=False).values("family_member_id"))
        .order_by("id")
    )
    return list(children), list(family)


def reviewer(*, lcspr: Lcspr) -> Appointment | None:
    """The review's Reviewer now appointed: the leaflet introduces them (§7.3.2)."""
    return (
        Appointment.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, role=AppointmentRole.REVIEWER, ended_on=None)
        .select_related("user")
        .order_by("-appointed_on", "-id")
        .first()
    )


def coordinator(*, lcspr: Lcspr) -> FamilyCoordinator | None:
    """Who coordinates communication with the family (§7.1.3), named at the panel."""
    return (
        FamilyCoordinator.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("agency")
        .first()
    )


# --- What other parts of the review call --------------------------------------------------


def workshop_before_family_spoken(lcspr: Lcspr) -> str | None:
    """A warning when the learning workshop is held and its first session is scheduled
    with no conversation with any family member before that day (§7.4.1); else None."""
    partnership = lcspr.case.partnership
    workshop = Workshop.objects.for_partnership(partnership).filter(lcspr=lcspr).first()
    if workshop is None or not workshop.is_held:
        return None
    members = NetworkMember.objects.for_partnership(partnership).filter(lcspr=lcspr)
    if (
        members.exists()
        and not members.exclude(participation=Participation.NOT_TAKING_PART).exists()
    ):
        return None  # no one in the family takes part (§7.4.2): nobody to speak to first
    first = (
        WorkshopSession.objects.for_partnership(partnership)
        .filter(workshop=workshop)
        .order_by("starts_at")
        .first()
    )
    if first is None:
        return None
    day = timezone.localdate(first.starts_at)
    spoken_before = (
        FamilyConversation.objects.for_partnership(partnership)
        .filter(lcspr=lcspr, held_on__lt=day)
        .exists()
    )
    if spoken_before:
        return None
    return WORKSHOP_BEFORE_FAMILY.format(day=format_date(day))


@dataclass(frozen=True)
class NonInvolvement:
    """One family member not taking part, as the report may say it (§7.4.2, §9.1.2): a
    relationship (or "Family member 3" where the relationship would name someone) or a
    child's pseudonym, never a name."""

    label: str
    reason: str  # NonParticipationReason's value
    reason_label: str
    detail: str


def _names(lcspr: Lcspr) -> PersonNames:
    """Every name the review knows for its family: the case's and the network's own."""
    partnership = lcspr.case.partnership
    known = case_selectors.person_names(partnership=partnership, case=lcspr.case)
    typed = NetworkMember.objects.for_partnership(partnership).filter(lcspr=lcspr)
    return PersonNames(
        names=(*known.names, *(n for n in typed.values_list("name", flat=True) if n.strip())),
        pseudonyms=known.pseudonyms,
    )


def anonymised_label(member: NetworkMember, position: int, names: PersonNames) -> str:
    """How a member may be named outside the family pages: the child's pseudonym, else
    the relationship, unless the relationship itself holds a name."""
    if member.child_id is not None and member.child is not None:
        return member.child.pseudonym
    relationship = member.relationship.strip()
    if relationship and not names.found_in(relationship):
        return relationship[:1].upper() + relationship[1:]
    return f"Family member {position}"


def family_non_involvement(lcspr: Lcspr) -> list[NonInvolvement]:
    """Everyone in the family network not taking part in the review, with the reason and
    its detail (§7.3.1, §7.4.2): for the report's account of the family's views (§9.1.2).
    A detail that names someone is left out, not shown."""
    names = _names(lcspr)
    rows = []
    network = members(lcspr=lcspr).select_related("child")
    for position, member in enumerate(network, start=1):
        if member.participation != Participation.NOT_TAKING_PART:
            continue
        detail = member.non_participation_detail.strip()
        reason = member.non_participation_reason
        rows.append(
            NonInvolvement(
                label=anonymised_label(member, position, names),
                reason=reason,
                reason_label=NonParticipationReason(reason).label if reason else "",
                detail="" if names.found_in(detail) else detail,
            )
        )
    return rows


# --- The task on the LCSPR page -----------------------------------------------------------


@dataclass(frozen=True)
class FamilyStanding:
    members: int
    not_asked: int
    taking_part: int
    not_taking_part: int
    spoken_to: int
    conversations: int
    coordinator: FamilyCoordinator | None
    warning: str | None


def family_standing(lcspr: Lcspr) -> FamilyStanding:
    by = list(
        NetworkMember.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .values_list("participation", flat=True)
    )
    return FamilyStanding(
        members=len(by),
        not_asked=by.count(Participation.NOT_ASKED),
        taking_part=by.count(Participation.TAKING_PART),
        not_taking_part=by.count(Participation.NOT_TAKING_PART),
        spoken_to=len(spoken_to(lcspr=lcspr)),
        conversations=conversations(lcspr=lcspr).count(),
        coordinator=coordinator(lcspr=lcspr),
        warning=workshop_before_family_spoken(lcspr),
    )


def family_status(lcspr: Lcspr) -> TaskStatus:
    """Who or what is missing: the network, the members not yet asked, a conversation."""
    standing = family_standing(lcspr)
    if not standing.members:
        return TaskStatus(TaskState.NOT_STARTED, NO_NETWORK)
    missing = []
    if standing.not_asked:
        missing.append(NOT_YET_ASKED.format(count=plural(standing.not_asked, "member")))
    if not standing.conversations:
        missing.append(NOBODY_SPOKEN_TO)
    if standing.coordinator is None:
        missing.append(NO_COORDINATOR)
    if standing.warning:
        text = "; ".join([WORKSHOP_FIRST, *missing])
        return TaskStatus(TaskState.ATTENTION, text)
    if missing:
        text = "; ".join(missing)
        return TaskStatus(TaskState.IN_PROGRESS, text[:1].upper() + text[1:])
    return TaskStatus(
        TaskState.COMPLETED,
        f"{plural(standing.spoken_to, 'member')} spoken to; "
        f"{standing.not_taking_part} not taking part",
    )


workspace.register(
    Task(
        order=52,
        key="family",
        title="Engage the family",
        url_name="lcspr_family",
        status=family_status,
    )
)


@workspace.register_summary
def family_summary(lcspr: Lcspr) -> list[SummaryRow]:
    standing = family_standing(lcspr)
    if not standing.members:
        return [SummaryRow(order=47, label="Family", value="No network recorded yet")]
    return [
        SummaryRow(
            order=47,
            label="Family",
            value=f"{standing.taking_part} taking part, {standing.not_taking_part} not, "
            f"{standing.not_asked} not yet asked",
            hint=f"{plural(standing.conversations, 'conversation')} recorded (§7.4)",
        )
    ]
