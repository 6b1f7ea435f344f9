"""The family's part in the review (§7): its network (§7.1.2, §7.2.1), the first contact
with each member (§7.3), whether they take part and why not (§7.3.1, §7.4.2), and the
conversations with them (§7.4.1).

Only the Business Office, the Reviewer and the Panel change these records
(Action.ENGAGE_FAMILY). Logs name the case by reference; never a member's name.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import ChildRole, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from reviews.models import (
    CoupleKind,
    Delivery,
    FamilyConversation,
    InitialContact,
    Lcspr,
    NetworkMember,
    NetworkPartnership,
    NonParticipationReason,
    Participation,
    Sex,
)
from reviews.rules import ReviewConflict, partnership_people
from reviews.selectors import family as selectors

logger = logging.getLogger(__name__)

ONLY_TEAM = "Only the Business Office, the Reviewer and the Panel engage the family (§7)."
NAME_NEEDED = "Enter the family member's name."
RELATIONSHIP_NEEDED = "Enter their relationship to the child, for example: mother."
BORN_IN_FUTURE = "The date of birth cannot be in the future."
PARENT_NOT_IN_NETWORK = "Choose a parent from this family network."
OWN_PARENT = "A person cannot be their own parent."
MEMBER_IN_CONVERSATION = (
    "This family member is in a recorded conversation, so they stay in the network. "
    "Record that they are not taking part instead, if that is why."
)
REASON_NEEDED = (
    "Choose why they are not taking part: the reason is documented in the final report (§7.4.2)."
)
OTHER_REASON_DETAIL = "Describe the other reason they are not taking part (§7.4.2)."
CONTACT_IN_FUTURE = "The date of the contact cannot be in the future."
CONTACT_DATE_NEEDED = "Enter when personal contact was made."
CONTACT_BY_NEEDED = "Enter who made personal contact (§7.3.2)."
COUPLE_SAME = "Choose two different people."
COUPLE_NOT_IN_NETWORK = "Choose both people from this family network."
COUPLE_EXISTS = "These two people are already recorded as a couple."
CONVERSATION_MEMBERS = "Choose who the conversation was with."
CONVERSATION_IN_FUTURE = "The date of the conversation cannot be in the future."
CONVERSATION_BY = (
    "Choose who held the conversation, or enter their name if they do not use the product."
)
CONVERSATION_BY_NOT_OURS = "Choose the Reviewer, a Panel member or the Business Office."
NOTE_NEEDED = "Write a note of the conversation."

# A first guess at the genogram's shape from what the case file calls the person; the
# form corrects it.
_SEX_OF_RELATIONSHIP = {
    "mother": Sex.FEMALE,
    "father": Sex.MALE,
    "stepmother": Sex.FEMALE,
    "stepfather": Sex.MALE,
    "grandmother": Sex.FEMALE,
    "grandfather": Sex.MALE,
    "maternal grandmother": Sex.FEMALE,
    "maternal grandfather": Sex.MALE,
    "paternal grandmother": Sex.FEMALE,
    "paternal grandfather": Sex.MALE,
    "sister": Sex.FEMALE,
    "brother": Sex.MALE,
    "half-sister": Sex.FEMALE,
    "half-brother": Sex.MALE,
    "aunt": Sex.FEMALE,
    "uncle": Sex.MALE,
}

MEMBER_FIELDS = (
    "name",
    "relationship",
    "is_subject_child",
    "is_surviving_child",
    "sex",
    "date_of_birth",
    "age",
    "is_deceased",
    "mother",
    "father",
    "household",
    "language",
    "needs_interpreter",
    "needs_disability_support",
    "needs_domestic_abuse_specialist",
    "needs_child_participation_support",
    "support_notes",
    "address",
    "phone",
    "email",
)


def _lcspr_locked(lcspr: Lcspr) -> Lcspr:
    """The review's row, locked: one change of its network's membership at a time."""
    return (
        Lcspr.objects.for_partnership(lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership")
        .get(pk=lcspr.pk)
    )


def _next_order(lcspr: Lcspr) -> int:
    last = selectors.members(lcspr=lcspr).order_by("-order").values_list("order", flat=True)
    return (last.first() or 0) + 1


@transaction.atomic
def network_bring_in(*, lcspr: Lcspr, actor: User | None) -> list[NetworkMember]:
    """Add the case's children and family members the network does not hold yet, from
    the case's own records, so that nothing is typed twice. Safe to run twice: the
    second run finds nobody left to add."""
    require(actor, lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    lcspr = _lcspr_locked(lcspr)
    children, family = selectors.not_yet_in_network(lcspr=lcspr)
    order = _next_order(lcspr)
    added = []
    for child in children:
        is_subject = child.role == ChildRole.SUBJECT
        member = NetworkMember(
            lcspr=lcspr,
            child=child,
            name=child.name or child.pseudonym,
            relationship="Subject child" if is_subject else "Sibling",
            is_subject_child=is_subject,
            is_surviving_child=not is_subject,
            date_of_birth=child.date_of_birth,
            address=child.address,
            order=order,
            updated_by=actor,
        )
        _save(member, actor, "Brought in from the case's children")
        added.append(member)
        order += 1
    for person in family:
        member = NetworkMember(
            lcspr=lcspr,
            family_member=person,
            name=person.name,
            relationship=person.relationship,
            sex=_SEX_OF_RELATIONSHIP.get(person.relationship.strip().lower(), Sex.UNKNOWN),
            date_of_birth=person.date_of_birth,
            address=person.address,
            order=order,
            updated_by=actor,
        )
        _save(member, actor, "Brought in from the case's family members")
        added.append(member)
        order += 1
    logger.info("case %s: %s brought into the family network", lcspr.case.reference, len(added))
    return added


def _check_member(lcspr: Lcspr, member: NetworkMember) -> None:
    if not member.name.strip():
        raise ApplicationError(NAME_NEEDED, field="name")
    if not member.relationship.strip():
        raise ApplicationError(RELATIONSHIP_NEEDED, field="relationship")
    if member.date_of_birth and member.date_of_birth > timezone.localdate():
        raise ApplicationError(BORN_IN_FUTURE, field="date_of_birth")
    for field in ("mother", "father"):
        parent = getattr(member, field)
        if parent is None:
            continue
        if parent.lcspr_id != lcspr.pk:
            raise ApplicationError(PARENT_NOT_IN_NETWORK, field=field)
        if member.pk is not None and parent.pk == member.pk:
            raise ApplicationError(OWN_PARENT, field=field)


@transaction.atomic
def network_member_add(*, lcspr: Lcspr, actor: User | None, **fields) -> NetworkMember:
    """A family member the case's records do not hold (§7.2.1)."""
    require(actor, lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    lcspr = _lcspr_locked(lcspr)
    member = NetworkMember(lcspr=lcspr, order=_next_order(lcspr), updated_by=actor)
    for name in MEMBER_FIELDS:
        if name in fields:
            setattr(member, name, fields[name])
    _check_member(lcspr, member)
    _save(member, actor, "Added to the family network")
    logger.info("case %s: family network member %s added", lcspr.case.reference, member.pk)
    return member


def _member_locked(member: NetworkMember, version: int | None) -> NetworkMember:
    current = (
        NetworkMember.objects.for_partnership(member.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=member.pk)
    )
    if version is not None and current.version != version:
        raise ReviewConflict()
    return current


@transaction.atomic
def network_member_update(
    *, member: NetworkMember, actor: User | None, version: int, **fields
) -> NetworkMember:
    """A member's details, at the version the person opened: another's save in between
    is a conflict, never overwritten."""
    require(actor, member.lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    member = _member_locked(member, version)
    for name in MEMBER_FIELDS:
        if name in fields:
            setattr(member, name, fields[name])
    _check_member(member.lcspr, member)
    member.version += 1
    member.updated_by = actor
    _save(member, actor, "Family member's details changed")
    logger.info("case %s: family network member %s changed", member.lcspr.case.reference, member.pk)
    return member


@transaction.atomic
def network_member_remove(*, member: NetworkMember, actor: User | None) -> None:
    """Someone added by mistake; its history keeps what it was. A member who was in a
    conversation stays: the note of the conversation names them."""
    require(actor, member.lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    member = _member_locked(member, None)
    if member.conversations.exists():
        raise ApplicationError(MEMBER_IN_CONVERSATION)
    reference = member.lcspr.case.reference
    member._history_user = actor
    member._change_reason = "Removed from the family network"
    member.delete()
    logger.info("case %s: a family network member removed", reference)


@transaction.atomic
def participation_record(
    *,
    member: NetworkMember,
    actor: User | None,
    version: int,
    participation: str,
    non_participation_reason: str = "",
    non_participation_detail: str = "",
) -> NetworkMember:
    """Whether the member takes part; when not, why (§7.3.1, §7.4.2): the reason is
    required, for the final report documents every reason for non-involvement."""
    require(actor, member.lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    member = _member_locked(member, version)
    participation = Participation(participation)
    detail = non_participation_detail.strip()
    if participation == Participation.NOT_TAKING_PART:
        if not non_participation_reason:
            raise ApplicationError(REASON_NEEDED, field="non_participation_reason")
        reason = NonParticipationReason(non_participation_reason)
        if reason == NonParticipationReason.OTHER and not detail:
            raise ApplicationError(OTHER_REASON_DETAIL, field="non_participation_detail")
        member.non_participation_reason, member.non_participation_detail = reason, detail
    else:
        member.non_participation_reason, member.non_participation_detail = "", ""
    member.participation = participation
    member.version += 1
    member.updated_by = actor
    _save(member, actor, f"Taking part: {participation.label}")
    logger.info(
        "case %s: family member %s participation recorded",
        member.lcspr.case.reference,
        member.pk,
    )
    return member


@transaction.atomic
def initial_contact_record(
    *,
    member: NetworkMember,
    actor: User | None,
    version: int,
    made_by: str,
    made_on: date | None,
    letter_delivery: str,
    leaflet_delivery: str,
    response: str = "",
) -> InitialContact:
    """The first contact with a member (§7.3): personal contact by the most appropriate
    practitioner, and how the letter and leaflet reached them (§7.3.2). `version` is the
    one the person opened (0 when nothing was recorded yet)."""
    partnership = member.lcspr.case.partnership
    require(actor, partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    member = _member_locked(member, None)
    contact = (
        InitialContact.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .filter(member=member)
        .first()
    )
    if (contact.version if contact else 0) != version:
        raise ReviewConflict()
    if made_on is not None and made_on > timezone.localdate():
        raise ApplicationError(CONTACT_IN_FUTURE, field="made_on")
    if made_on is not None and not made_by.strip():
        raise ApplicationError(CONTACT_BY_NEEDED, field="made_by")
    if made_by.strip() and made_on is None:
        raise ApplicationError(CONTACT_DATE_NEEDED, field="made_on")
    if contact is None:
        contact = InitialContact(member=member, version=0)
    contact.made_by, contact.made_on = made_by.strip(), made_on
    contact.letter_delivery = Delivery(letter_delivery)
    contact.leaflet_delivery = Delivery(leaflet_delivery)
    contact.response = response.strip()
    contact.version += 1
    contact.updated_by = actor
    _save(contact, actor, "First contact recorded")
    logger.info(
        "case %s: first contact with family member %s recorded",
        member.lcspr.case.reference,
        member.pk,
    )
    return contact


@transaction.atomic
def couple_add(
    *,
    lcspr: Lcspr,
    actor: User | None,
    first: NetworkMember,
    second: NetworkMember,
    kind: str,
) -> NetworkPartnership:
    """Two members as a couple: the genogram joins them with a line."""
    require(actor, lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    lcspr = _lcspr_locked(lcspr)
    if first.pk == second.pk:
        raise ApplicationError(COUPLE_SAME, field="second")
    if first.lcspr_id != lcspr.pk or second.lcspr_id != lcspr.pk:
        raise ApplicationError(COUPLE_NOT_IN_NETWORK, field="first")
    pair = {first.pk, second.pk}
    for existing in selectors.couples(lcspr=lcspr):
        if {existing.first_id, existing.second_id} == pair:
            raise ApplicationError(COUPLE_EXISTS, field="second")
    couple = NetworkPartnership(lcspr=lcspr, first=first, second=second, kind=CoupleKind(kind))
    _save(couple, actor, "Couple recorded")
    logger.info(
        "case %s: couple %s recorded in the family network", lcspr.case.reference, couple.pk
    )
    return couple


@transaction.atomic
def couple_remove(*, couple: NetworkPartnership, actor: User | None) -> None:
    require(actor, couple.lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    reference = couple.lcspr.case.reference
    couple._history_user = actor
    couple._change_reason = "Couple removed"
    couple.delete()
    logger.info("case %s: a couple removed from the family network", reference)


def _check_conversation(
    lcspr: Lcspr,
    *,
    held_on: date,
    members: list[NetworkMember],
    note: str,
    held_by: User | None,
    held_by_name: str,
    keep_held_by: int | None = None,
) -> None:
    """What a recorded conversation must hold, added or changed (§7.4.1). `keep_held_by`:
    the user a changed conversation already names, kept even if no longer on the review."""
    if not members:
        raise ApplicationError(CONVERSATION_MEMBERS, field="members")
    if any(m.lcspr_id != lcspr.pk for m in members):
        raise ApplicationError(CONVERSATION_MEMBERS, field="members")
    if held_on > timezone.localdate():
        raise ApplicationError(CONVERSATION_IN_FUTURE, field="held_on")
    if held_by is None and not held_by_name.strip():
        raise ApplicationError(CONVERSATION_BY, field="held_by")
    people = partnership_people(lcspr, also=keep_held_by)
    if held_by is not None and not people.filter(pk=held_by.pk).exists():
        raise ApplicationError(CONVERSATION_BY_NOT_OURS, field="held_by")
    if not note.strip():
        raise ApplicationError(NOTE_NEEDED, field="note")


@transaction.atomic
def conversation_record(
    *,
    lcspr: Lcspr,
    actor: User | None,
    held_on: date,
    members: list[NetworkMember],
    note: str,
    held_by: User | None = None,
    held_by_name: str = "",
) -> FamilyConversation:
    """A conversation with family members (§7.4.1): normally held by the Reviewer, a
    user of the review; or by someone else, named."""
    require(actor, lcspr.case.partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    lcspr = _lcspr_locked(lcspr)
    _check_conversation(
        lcspr,
        held_on=held_on,
        members=members,
        note=note,
        held_by=held_by,
        held_by_name=held_by_name,
    )
    conversation = FamilyConversation(
        lcspr=lcspr,
        held_on=held_on,
        held_by=held_by,
        held_by_name="" if held_by else held_by_name.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    _save(conversation, actor, "Conversation with the family recorded")
    conversation.members.set(members)
    logger.info("case %s: family conversation %s recorded", lcspr.case.reference, conversation.pk)
    return conversation


@transaction.atomic
def conversation_update(
    *,
    conversation: FamilyConversation,
    actor: User | None,
    version: int,
    held_on: date,
    members: list[NetworkMember],
    note: str,
    held_by: User | None = None,
    held_by_name: str = "",
) -> FamilyConversation:
    """Correct a recorded conversation (§7.4.1), at the version the person opened:
    another's save in between is a conflict, never overwritten. Checked as when it was
    recorded; its history keeps what it said before."""
    partnership = conversation.lcspr.case.partnership
    require(actor, partnership, Action.ENGAGE_FAMILY, ONLY_TEAM)
    current = (
        FamilyConversation.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=conversation.pk)
    )
    if current.version != version:
        raise ReviewConflict()
    _check_conversation(
        current.lcspr,
        held_on=held_on,
        members=members,
        note=note,
        held_by=held_by,
        held_by_name=held_by_name,
        keep_held_by=current.held_by_id,
    )
    current.held_on, current.held_by = held_on, held_by
    current.held_by_name = "" if held_by else held_by_name.strip()
    current.note = note.strip()
    current.version += 1
    _save(current, actor, "Conversation with the family changed")
    current.members.set(members)
    logger.info("case %s: family conversation %s changed", current.lcspr.case.reference, current.pk)
    return current
