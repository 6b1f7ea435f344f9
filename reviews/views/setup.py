"""Setting up the review: its basis (§1.4.5), each appointee's declarations (§1.5.8) and
the Police liaison (§6.2.3)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from reviews import services
from reviews.forms.setup import BasisForm, DeclarationForm, PoliceLiaisonForm
from reviews.models import ReviewBasis
from reviews.rules import ReviewConflict
from reviews.selectors import setup as selectors
from reviews.selectors.review import lcspr_get


@scope_required(Action.VIEW_CASES)
def lcspr_setup(request, reference):
    """The basis of the review (§1.4.5): recorded by the Business Office or the chair, read
    by everyone who may see the review."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    can_change = request.scope.can(Action.MANAGE_REVIEW)
    if request.method == "POST" and not can_change:
        raise PermissionDenied("Only the Business Office or the CRG chair sets up the review.")
    form = None
    if can_change:
        initial = {
            "basis": lcspr.basis,
            "learning_kind": lcspr.learning_kind,
            "basis_reason": lcspr.basis_reason,
            "version": lcspr.version,
        }
        form = BasisForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            try:
                services.lcspr_basis_record(
                    lcspr=lcspr,
                    basis=form.cleaned_data["basis"],
                    learning_kind=form.cleaned_data["learning_kind"],
                    reason=form.cleaned_data["basis_reason"],
                    version=form.cleaned_data["version"],
                    actor=request.user,
                )
            except ReviewConflict as conflict:
                lcspr.refresh_from_db()
                form = with_current_version(form, lcspr.version)
                form_error(form, conflict)
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, "The basis of the review is recorded.")
                return redirect("lcspr_overview", reference=case.reference)
    return render(
        request,
        "reviews/setup.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Set up the review",
            "form": form,
            "is_learning": lcspr.basis == ReviewBasis.LEARNING,
            "can_see_team_records": request.scope.can(Action.VIEW_REVIEW_TEAM_RECORDS),
        },
    )


@scope_required(Action.VIEW_CASES)
def lcspr_declaration(request, reference):
    """§1.5.8: the appointee's own declaration of conflicts and of confidentiality, which
    opens the case's papers to them. Reached before the case is open to them (through
    their own appointment); anyone else who may see the case is told it is not theirs."""
    if not request.scope.appointed_only:
        case = case_selectors.case_get(scope=request.scope, reference=reference)
        lcspr_get(scope=request.scope, case=case)
        return render(
            request,
            "reviews/declaration.html",
            {"reference": case.reference, "appointment": None, "form": None},
        )
    appointment = selectors.own_appointment(scope=request.scope, reference=reference)
    case = appointment.lcspr.case
    form = None
    if not appointment.is_declared:
        form = DeclarationForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.declaration_make(
                    appointment=appointment,
                    actor=request.user,
                    has_conflict=form.cleaned_data["has_conflict"] == "yes",
                    conflict_details=form.cleaned_data["conflict_details"],
                    confidentiality_agreed=bool(form.cleaned_data["confidentiality_agreed"]),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                told = (
                    " The Business Office is told of your conflict of interest and decides "
                    "whether you continue on the review (§1.5.8)."
                    if form.cleaned_data["has_conflict"] == "yes"
                    else ""
                )
                messages.success(
                    request,
                    f"Your declarations are recorded. Case {case.reference} is open to you." + told,
                )
                return redirect("lcspr_overview", reference=case.reference)
    elif request.method == "POST":
        return redirect("lcspr_overview", reference=case.reference)
    return render(
        request,
        # Only the reference: before they declare, the case is closed to them (§1.5.8).
        "reviews/declaration.html",
        {"reference": case.reference, "appointment": appointment, "form": form},
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_police_liaison(request, reference):
    """The Police representative's liaison (§6.2.3): the review team's own record."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    liaison = selectors.police_liaison(lcspr)
    can_write = selectors.police_liaison_writer(
        user=request.user, lcspr=lcspr, role=request.scope.role
    )
    if request.method == "POST" and not can_write:
        raise PermissionDenied(selectors.POLICE_LIAISON_WRITERS)
    initial = {
        "senior_investigating_officer": getattr(liaison, "senior_investigating_officer", ""),
        "crown_prosecution_service_contact": getattr(
            liaison, "crown_prosecution_service_contact", ""
        ),
        "family_liaison": getattr(liaison, "family_liaison", ""),
        "version": liaison.version if liaison else 0,
    }
    form = PoliceLiaisonForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.police_liaison_save(lcspr=lcspr, actor=request.user, **form.cleaned_data)
        except ReviewConflict as conflict:
            current = selectors.police_liaison(lcspr)
            form = with_current_version(form, current.version if current else 0)
            form_error(form, conflict)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The Police liaison is saved.")
            return redirect("lcspr_police_liaison", reference=case.reference)
    return render(
        request,
        "reviews/setup_police_liaison.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "Police liaison",
            "form": form if can_write else None,
            "liaison": liaison,
            "can_write": can_write,
        },
    )
