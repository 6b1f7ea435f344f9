"""The restricted file: who the child and family are, seen only by those who must act."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.identity import ChildIdentityForm, FamilyMemberForm
from cases.once import Once
from cases.permissions import Action
from cases.services.identity import ONLY_OFFICE
from cases.web import form_error, scope_required

CONFLICTED = (
    "You declared a conflict of interest on the review of case {reference}, so its "
    "restricted file (who the child and family are) is closed to you. The Business Office "
    "decides whether you continue on the review (§1.5.8); ask them if you need to know."
)


@scope_required(Action.VIEW_RESTRICTED_FILE)
def restricted_file(request, reference):
    """Who the children and family are: every view is in the access log. The Business
    Office completes and corrects the details, with a reason kept in history."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    if request.scope.appointed_only and selectors.appointment_conflicted(
        scope=request.scope, reference=case.reference
    ):
        raise PermissionDenied(CONFLICTED.format(reference=case.reference))
    intake = selectors.case_intake(case=case)
    can_edit = request.scope.can(Action.OPEN_CASE)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(ONLY_OFFICE)
    which = request.POST.get("form") if request.method == "POST" else None
    children = intake["children"]
    child_form = ChildIdentityForm(
        request.POST if which == "child" else None, children=children, prefix="child"
    )
    family_form = FamilyMemberForm(request.POST if which == "family" else None, prefix="family")
    if which == "child" and child_form.is_valid():
        child = next(c for c in children if c.pk == child_form.cleaned_data["child"])
        try:
            services.child_identity_correct(
                child=child,
                actor=request.user,
                details=child_form.details(),
                reason=child_form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form_error(child_form, error)
        else:
            messages.success(request, f"{child.pseudonym}'s details are saved.")
            return redirect("restricted_file", reference=case.reference)
    once = Once(request, f"family-member-{case.pk}")
    if which == "family" and family_form.is_valid():
        here = reverse("restricted_file", kwargs={"reference": case.reference})
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.family_member_add(
                    case=case,
                    actor=request.user,
                    relationship=family_form.cleaned_data["relationship"],
                    details=family_form.details(),
                )
            except ApplicationError as error:
                form_error(family_form, error)
            else:
                once.spend(here)
                messages.success(request, "The family member is added.")
                return redirect(here)
    return render(
        request,
        "cases/restricted_file.html",
        {
            "case": case,
            "tab": "restricted",
            **intake,
            "family_members": selectors.family_members(case=case),
            "can_edit": can_edit,
            "child_form": child_form if children else None,
            "family_form": family_form,
            "once": once,
            "forms_with_errors": [f for f in (child_form, family_form) if f.errors],
        },
    )
