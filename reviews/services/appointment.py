"""Appointing the Reviewer and the Case Review Panel (§6), and ending an appointment.

An appointment is what lets a Reviewer or Panel member see a case at all (§2.1.6):
cases/tenancy.py opens to them only the cases of the reviews they hold a current one to.
"""

from __future__ import annotations

import logging

from django.db import transaction

from cases.errors import ApplicationError
from cases.models import Agency, Membership, User
from cases.services.common import validated_save as _save
from reviews.models import Appointment, AppointmentRole, Lcspr

logger = logging.getLogger(__name__)

NO_MEMBERSHIP = (
    "{person} has no {role} account in this partnership yet. Ask the partnership admin to "
    "add one: it opens nothing until they are appointed to a review."
)
ALREADY_APPOINTED = "{person} is already appointed to this review."


@transaction.atomic
def appointment_make(
    *,
    lcspr: Lcspr,
    user: User,
    role: str,
    appointed_on,
    actor: User | None,
    agency: Agency | None = None,
    expertise: str = "",
    is_external: bool = False,
) -> Appointment:
    """Appoint `user` as the review's Reviewer (§6.1.1) or a Panel member (§6.2.1). They
    need an active membership of the case's partnership in that role."""
    partnership = lcspr.case.partnership
    role = AppointmentRole(role)
    if not Membership.objects.filter(
        user=user, partnership=partnership, role=role, is_active=True, user__is_active=True
    ).exists():
        raise ApplicationError(
            NO_MEMBERSHIP.format(person=user.get_full_name() or user.username, role=role.label),
            field="user",
        )
    if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError("Choose an agency that serves this partnership.", field="agency")
    current = Appointment.objects.for_partnership(partnership).filter(
        lcspr=lcspr, user=user, ended_on=None
    )
    if current.exists():
        raise ApplicationError(
            ALREADY_APPOINTED.format(person=user.get_full_name() or user.username), field="user"
        )
    appointment = Appointment(
        lcspr=lcspr,
        user=user,
        role=role,
        agency=agency,
        expertise=expertise,
        is_external=is_external,
        appointed_on=appointed_on,
        appointed_by=actor,
    )
    _save(appointment, actor, f"Appointed as {role.label}")
    logger.info("case %s: %s appointed", lcspr.case.reference, role.value)
    return appointment


@transaction.atomic
def appointment_end(
    *, appointment: Appointment, ended_on, reason: str, actor: User | None
) -> Appointment:
    """End an appointment: from then on the review's case is closed to that person."""
    if appointment.ended_on is not None:
        raise ApplicationError("This appointment has already ended.")
    if ended_on < appointment.appointed_on:
        raise ApplicationError("An appointment cannot end before it began.", field="ended_on")
    if not reason.strip():
        raise ApplicationError("Say why the appointment ends.", field="reason")
    appointment.ended_on = ended_on
    appointment.ended_reason = reason
    _save(appointment, actor, f"Appointment ended: {reason}")
    logger.info("case %s: %s appointment ended", appointment.lcspr.case.reference, appointment.role)
    return appointment
