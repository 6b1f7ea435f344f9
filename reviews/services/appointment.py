"""Appointing the Reviewer and the Case Review Panel (§6), ending an appointment, and each
appointee's declaration of conflicts and confidentiality (§1.5.8).

An appointment is what lets a Reviewer or Panel member see a case at all (§2.1.6):
cases/tenancy.py opens to them only the cases of the reviews they hold a current one to,
and only once they have declared.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Agency, Membership, User
from cases.permissions import PERMISSIONS, Action, require
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from reviews.models import Appointment, AppointmentRole, Lcspr

logger = logging.getLogger(__name__)

ONLY_THE_OFFICE = "Only the Business Office or the CRG chair appoints and ends appointments."
NO_MEMBERSHIP = (
    "{person} has no {role} account in this partnership yet. Ask the partnership admin to "
    "add one: it opens nothing until they are appointed to a review."
)
ALREADY_APPOINTED = "{person} is already appointed to this review."
APPOINTED_IN_FUTURE = "The date of the appointment cannot be in the future."
APPOINTED_BEFORE_DECISION = (
    "The appointment cannot be dated before the CRG decided on the review ({decided})."
)


def _name(user: User) -> str:
    return user.get_full_name() or user.username


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
    need an active membership of the case's partnership in that role. They are emailed
    (by case reference only) and see "Make your declarations" on their dashboard: only
    their own `declaration_make` opens the case to them (§1.5.8)."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_REVIEW, ONLY_THE_OFFICE)
    role = AppointmentRole(role)
    if not Membership.objects.filter(
        user=user, partnership=partnership, role=role, is_active=True, user__is_active=True
    ).exists():
        raise ApplicationError(
            NO_MEMBERSHIP.format(person=_name(user), role=role.label), field="user"
        )
    if agency is not None and not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError("Choose an agency that serves this partnership.", field="agency")
    if appointed_on > timezone.localdate():
        raise ApplicationError(APPOINTED_IN_FUTURE, field="appointed_on")
    if appointed_on < lcspr.decided_on:
        raise ApplicationError(
            APPOINTED_BEFORE_DECISION.format(decided=format_date(lcspr.decided_on)),
            field="appointed_on",
        )
    if role == AppointmentRole.PANEL_MEMBER and agency is None and not expertise.strip():
        raise ApplicationError(
            "Choose the agency they represent, or give their subject-matter expertise (§6.2.1).",
            field="agency",
        )
    current = Appointment.objects.for_partnership(partnership).filter(
        lcspr=lcspr, user=user, ended_on=None
    )
    if current.exists():
        raise ApplicationError(ALREADY_APPOINTED.format(person=_name(user)), field="user")
    appointment = Appointment(
        lcspr=lcspr,
        user=user,
        role=role,
        agency=agency,
        expertise=expertise.strip(),
        is_external=is_external,
        appointed_on=appointed_on,
        appointed_by=actor,
    )
    _save(appointment, actor, f"Appointed as {role.label}")
    from reviews.tasks import appointment_email

    enqueue_on_commit(
        appointment_email, partnership_id=partnership.pk, appointment_id=appointment.pk
    )
    logger.info("case %s: %s appointed", lcspr.case.reference, role.value)
    return appointment


@transaction.atomic
def appointment_end(
    *, appointment: Appointment, ended_on, reason: str, actor: User | None
) -> Appointment:
    """End an appointment: from then on the review's case is closed to that person."""
    require(actor, appointment.lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_THE_OFFICE)
    if appointment.ended_on is not None:
        raise ApplicationError("This appointment has already ended.")
    if ended_on > timezone.localdate():
        raise ApplicationError("The date it ends cannot be in the future.", field="ended_on")
    if ended_on < appointment.appointed_on:
        raise ApplicationError("An appointment cannot end before it began.", field="ended_on")
    if not reason.strip():
        raise ApplicationError("Say why the appointment ends.", field="reason")
    appointment.ended_on = ended_on
    appointment.ended_reason = reason.strip()
    _save(appointment, actor, f"Appointment ended: {reason.strip()}")
    logger.info("case %s: %s appointment ended", appointment.lcspr.case.reference, appointment.role)
    return appointment


@transaction.atomic
def declaration_make(
    *,
    appointment: Appointment,
    actor: User,
    has_conflict: bool,
    conflict_details: str,
    confidentiality_agreed: bool,
) -> Appointment:
    """§1.5.8: the appointee declares any conflict of interest (none, or its details) and
    agrees to confidentiality for this case; only then does the case open to them. Only
    the appointee declares, once."""
    if actor.pk != appointment.user_id:
        raise ApplicationError("Only the person appointed makes their declarations.")
    appointment = (
        Appointment.objects.for_partnership(appointment.lcspr.case.partnership)
        .select_for_update()
        .get(pk=appointment.pk)
    )
    if appointment.ended_on is not None:
        raise ApplicationError("This appointment has ended.")
    if appointment.declared_at is not None:
        return appointment  # a second click of the same form changes nothing
    if has_conflict and not conflict_details.strip():
        raise ApplicationError(
            "Describe the conflict of interest: your connection to the case, the child, the "
            "family or the agencies involved.",
            field="conflict_details",
        )
    if not confidentiality_agreed:
        raise ApplicationError(
            "Agree to keep the review confidential before you open its papers (§1.5.8).",
            field="confidentiality_agreed",
        )
    appointment.has_conflict = has_conflict
    appointment.conflict_details = conflict_details.strip() if has_conflict else ""
    appointment.confidentiality_agreed = True
    appointment.declared_at = timezone.now()
    _save(appointment, actor, "Declarations made (§1.5.8)")
    logger.info(
        "case %s: %s declared%s",
        appointment.lcspr.case.reference,
        appointment.role,
        " a conflict of interest" if has_conflict else "",
    )
    if has_conflict:
        # The Business Office decides whether they continue (§1.5.8): the office and the
        # chair are emailed and see it on their dashboard until it is decided.
        from reviews.tasks import appointment_conflict_email

        enqueue_on_commit(
            appointment_conflict_email,
            partnership_id=appointment.lcspr.case.partnership_id,
            appointment_id=appointment.pk,
        )
    return appointment


ONLY_THE_OFFICE_DECIDES = (
    "Only the Business Office or the CRG chair decides whether someone with a conflict of "
    "interest continues."
)


@transaction.atomic
def conflict_continue_record(*, appointment: Appointment, note: str, actor: User) -> Appointment:
    """The Business Office's decision on a declared conflict of interest (§1.5.8): the
    person continues on the review, and why. (The other decision is `appointment_end`.)"""
    partnership = appointment.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_REVIEW, ONLY_THE_OFFICE_DECIDES)
    appointment = (
        Appointment.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case")
        .get(pk=appointment.pk)
    )
    if appointment.ended_on is not None:
        raise ApplicationError("This appointment has ended.")
    if not appointment.has_conflict:
        raise ApplicationError("This person has declared no conflict of interest.")
    if appointment.conflict_decided_at is not None:
        raise ApplicationError(
            "The decision on this conflict of interest is already recorded, on "
            f"{format_date(timezone.localdate(appointment.conflict_decided_at))}."
        )
    if not note.strip():
        raise ApplicationError(
            "Say why they can continue despite the conflict of interest.", field="note"
        )
    appointment.conflict_decided_at = timezone.now()
    appointment.conflict_decided_by = actor
    appointment.conflict_decision_note = note.strip()
    _save(appointment, actor, "Conflict of interest: they continue (§1.5.8)")
    logger.info(
        "case %s: %s continues despite a conflict of interest",
        appointment.lcspr.case.reference,
        appointment.role,
    )
    return appointment


def conflict_recipients(partnership) -> list[User]:
    """Who decides on a declared conflict of interest: the partnership's Business Office
    and CRG chairs (Action.MANAGE_REVIEW), those with an email address."""
    users = User.objects.filter(
        is_active=True,
        memberships__partnership=partnership,
        memberships__role__in=PERMISSIONS[Action.MANAGE_REVIEW],
        memberships__is_active=True,
    ).exclude(email="")
    return list(users.distinct().order_by("pk"))


def _conflict_waiting(rows):
    return rows.filter(
        conflict_email_sent_at__isnull=True,
        has_conflict=True,
        declared_at__isnull=False,
        conflict_decided_at__isnull=True,
        ended_on=None,
    )


def appointment_conflict_email_send(*, partnership_id: int, appointment_id: int) -> int:
    """Tell the Business Office and the CRG chairs that an appointee declared a conflict of
    interest, for them to decide whether they continue: by case reference and role only
    (never the conflict's details), with the link to the appointments page. Checked
    before the claim, so a row with nobody to email stays unsent for the sweep."""
    rows = Appointment.objects.for_partnership(partnership_id).select_related(
        "lcspr__case__partnership"
    )
    waiting = _conflict_waiting(rows).filter(pk=appointment_id).first()
    if waiting is None:
        return 0
    if not conflict_recipients(waiting.lcspr.case.partnership):
        logger.info("appointment %s: nobody to email of its conflict", appointment_id)
        return 0
    appointment = claim(
        _conflict_waiting(rows),
        pk=appointment_id,
        stamp="conflict_email_sent_at",
        reason="Conflict of interest emailed to the Business Office",
    )
    if appointment is None:
        return 0
    reference = appointment.lcspr.case.reference
    recipients = conflict_recipients(appointment.lcspr.case.partnership)
    with sending(appointment, stamp="conflict_email_sent_at"):
        send_mail(
            subject=f"Case {reference}: a conflict of interest declared on the LCSPR",
            message=render_to_string(
                "emails/lcspr_conflict.txt",
                {
                    "reference": reference,
                    "role": appointment.get_role_display(),
                    "url": settings.SITE_URL
                    + reverse("lcspr_appointments", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=sorted({user.email for user in recipients}),
        )
    logger.info("case %s: conflict of appointment %s emailed", reference, appointment_id)
    return len(recipients)


def unsent_conflict_emails_send(*, partnership, before) -> int:
    """The mail sweep's part for declared conflicts whose email is still unsent."""
    ids = (
        _conflict_waiting(Appointment.objects.for_partnership(partnership))
        .filter(declared_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: appointment_conflict_email_send(partnership_id=p, appointment_id=pk)
            for pk in ids
        ]
    )


def _appointment_waiting(rows):
    """Appointments whose appointee is still to be told to declare (§1.5.8)."""
    return rows.filter(email_sent_at__isnull=True, ended_on=None, declared_at=None)


def appointment_email_send(*, partnership_id: int, appointment_id: int) -> int:
    """Tell the appointee they are appointed and must make their declarations: by case
    reference only, with the link to the LCSPR page. Checked first, then claimed before
    the send (cases/services/mail.py), so it goes once: an appointment that has ended, or
    whose appointee has already declared, or has no email address, is left unclaimed and
    unsent (the sweep skips the first two; a later address gets it)."""
    rows = Appointment.objects.for_partnership(partnership_id).select_related("lcspr__case", "user")
    waiting = _appointment_waiting(rows).filter(pk=appointment_id).first()
    if waiting is None or not waiting.user.email:
        return 0
    appointment = claim(
        _appointment_waiting(rows), pk=appointment_id, stamp="email_sent_at", reason="Emailed"
    )
    if appointment is None:
        return 0
    reference = appointment.lcspr.case.reference
    with sending(appointment, stamp="email_sent_at"):
        send_mail(
            subject=f"Case {reference}: you are appointed to the LCSPR",
            message=render_to_string(
                "emails/lcspr_appointment.txt",
                {
                    "reference": reference,
                    "role": appointment.get_role_display(),
                    "url": settings.SITE_URL
                    + reverse("lcspr_overview", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=[appointment.user.email],
        )
    logger.info("case %s: appointment %s emailed", reference, appointment_id)
    return 1


def unsent_appointment_emails_send(*, partnership, before) -> int:
    """The mail sweep's part for appointments still unsent from before `before`."""
    ids = (
        _appointment_waiting(Appointment.objects.for_partnership(partnership))
        .filter(created_at__lt=before, user__email__gt="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: appointment_email_send(partnership_id=p, appointment_id=pk) for pk in ids]
    )
