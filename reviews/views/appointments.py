"""Appointing the Reviewer (§6.1.1) and the Case Review Panel (§6.2.1), and ending an
appointment: the Business Office's and the chair's pages."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, scope_required
from reviews import services
from reviews.forms.setup import AppointmentEndForm, AppointmentForm, ConflictContinueForm
from reviews.models import Appointment, AppointmentRole
from reviews.selectors import setup as selectors
from reviews.selectors.review import lcspr_get


@scope_required(Action.VIEW_CASES)
def lcspr_appointments(request, reference):
    """The review's Reviewer and Panel, who has declared (§1.5.8), and what is missing."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    return render(
        request,
        "reviews/appointments.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Appoint the reviewer and panel",
            "team": selectors.team(lcspr),
            "ended": selectors.ended_appointments(lcspr),
            "can_manage": request.scope.can(Action.MANAGE_REVIEW),
        },
    )


def _appoint(request, reference, role):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    people = list(selectors.candidates(lcspr=lcspr, role=role))
    agencies = case.partnership.agencies.order_by("name")
    form = AppointmentForm(
        request.POST if request.method == "POST" else None,
        initial={"appointed_on": timezone.localdate(), "is_external": "no"},
        role=role,
        people=people,
        agencies=agencies,
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            agency = None
            if data.get("agency"):
                agency = agencies.filter(pk=data["agency"]).first()
                if agency is None:
                    raise ApplicationError(
                        "Choose an agency that serves this partnership.", field="agency"
                    )
            services.appointment_make(
                lcspr=lcspr,
                user=next(person for person in people if person.pk == data["user"]),
                role=role,
                appointed_on=data["appointed_on"],
                actor=request.user,
                agency=agency,
                expertise=data.get("expertise", ""),
                is_external=data.get("is_external") == "yes",
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"{AppointmentRole(role).label} appointed. They are emailed and asked to make "
                "their declarations before they open the papers (§1.5.8).",
            )
            return redirect("lcspr_appointments", reference=case.reference)
    return render(
        request,
        "reviews/appointments_add.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Appoint the Reviewer"
            if role == AppointmentRole.REVIEWER
            else "Add a Case Review Panel member",
            "form": form,
            "role": AppointmentRole(role),
            "people": people,
            "admins": selectors.partnership_admins(lcspr=lcspr),
        },
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_appoint_reviewer(request, reference):
    """§6.1.1: the Reviewer, from the partnership's members with the Reviewer role."""
    return _appoint(request, reference, AppointmentRole.REVIEWER)


@scope_required(Action.MANAGE_REVIEW)
def lcspr_appoint_panel_member(request, reference):
    """§6.2.1: a Panel member, for an agency or for their expertise."""
    return _appoint(request, reference, AppointmentRole.PANEL_MEMBER)


@scope_required(Action.MANAGE_REVIEW)
def lcspr_appointment_end(request, reference, pk):
    """End an appointment with its reason: the case closes to that person."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    appointment = (
        Appointment.objects.visible_to(request.scope)
        .filter(pk=pk, lcspr=lcspr, ended_on=None)
        .select_related("user", "lcspr__case")
        .first()
    )
    if appointment is None:
        raise Http404("No such current appointment.")
    form = AppointmentEndForm(
        request.POST if request.method == "POST" else None,
        initial={"ended_on": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        try:
            services.appointment_end(
                appointment=appointment,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The appointment has ended.")
            return redirect("lcspr_appointments", reference=case.reference)
    return render(
        request,
        "reviews/appointments_end.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "End an appointment",
            "form": form,
            "appointment": appointment,
        },
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_appointment_conflict(request, reference, pk):
    """§1.5.8: the Business Office's decision on a conflict of interest an appointee
    declared: they continue (with why). The other decision is to end the appointment."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    appointment = (
        Appointment.objects.visible_to(request.scope)
        .filter(pk=pk, lcspr=lcspr, ended_on=None, has_conflict=True)
        .select_related("user", "lcspr__case")
        .first()
    )
    if appointment is None:
        raise Http404("No such current appointment with a declared conflict of interest.")
    form = None
    if appointment.conflict_decided_at is None:
        form = ConflictContinueForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.conflict_continue_record(
                    appointment=appointment, note=form.cleaned_data["note"], actor=request.user
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, "Recorded: they continue on the review.")
                return redirect("lcspr_appointments", reference=case.reference)
    elif request.method == "POST":
        messages.info(request, "The decision on this conflict of interest is already recorded.")
        return redirect("lcspr_appointments", reference=case.reference)
    return render(
        request,
        "reviews/appointments_conflict.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "Decide on a conflict of interest",
            "form": form,
            "appointment": appointment,
        },
    )
