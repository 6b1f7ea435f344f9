"""Who the child and family are: kept in the restricted case file, and shown to the
agencies a request is addressed to so that they can find their records (issue 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Case, Child, FamilyMember, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save

ONLY_OFFICE = "Only the Business Office records who the child and family are."
REASON_NEEDED = "Say why the details change: the history keeps the reason."


@dataclass
class IdentityDetails:
    name: str = ""
    date_of_birth: date | None = None
    address: str = ""
    local_authority_reference: str = ""
    nhs_number: str = ""


def _check(details: IdentityDetails) -> None:
    if details.date_of_birth and details.date_of_birth > timezone.localdate():
        raise ApplicationError("The date of birth must be in the past.", field="date_of_birth")
    digits = details.nhs_number.replace(" ", "")
    if digits and not (digits.isdigit() and len(digits) == 10):
        raise ApplicationError("An NHS number is 10 digits, like 485 777 3456.", field="nhs_number")


@transaction.atomic
def child_identity_correct(
    *, child: Child, actor: User | None, details: IdentityDetails, reason: str
) -> Child:
    """Correct or complete a child's identifying details, with the reason, in history."""
    require(actor, child.case.partnership, Action.OPEN_CASE, ONLY_OFFICE)
    if not reason.strip():
        raise ApplicationError(REASON_NEEDED, field="reason")
    _check(details)
    child = (
        Child.objects.for_partnership(child.case.partnership)
        .select_for_update(of=("self",))
        .get(pk=child.pk)
    )
    child.name = details.name.strip()
    child.date_of_birth = details.date_of_birth
    child.address = details.address.strip()
    child.local_authority_reference = details.local_authority_reference.strip()
    child.nhs_number = details.nhs_number.replace(" ", "")
    _save(child, actor, f"{child.pseudonym}'s identifying details: {reason.strip()}")
    return child


@transaction.atomic
def family_member_add(
    *, case: Case, actor: User | None, relationship: str, details: IdentityDetails
) -> FamilyMember:
    """A member of the child's family, so that agencies can find their records."""
    require(actor, case.partnership, Action.OPEN_CASE, ONLY_OFFICE)
    if not relationship.strip():
        raise ApplicationError("Say who they are to the child.", field="relationship")
    if not details.name.strip():
        raise ApplicationError("Enter their name.", field="name")
    _check(details)
    member = FamilyMember(
        case=case,
        relationship=relationship.strip(),
        name=details.name.strip(),
        date_of_birth=details.date_of_birth,
        address=details.address.strip(),
        local_authority_reference=details.local_authority_reference.strip(),
        nhs_number=details.nhs_number.replace(" ", ""),
    )
    _save(member, actor, f"Family member added: {member.relationship}")
    return member
