"""The Business Office's intake pages: notifications, referrals and the restricted file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms import (
    ChildFormSet,
    ChildIdentityForm,
    FamilyMemberForm,
    NotificationForm,
    ReferralForm,
    ReferralProgressForm,
)
from cases.models import Stage
from cases.once import Once
from cases.permissions import Action
from cases.services.identity import ONLY_OFFICE
from cases.views import scope_required

CHILD_PREFIX = "child"


def form_error(form, error: ApplicationError) -> None:
    """Show a service's refusal beside its field, or at the top of the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@scope_required(Action.OPEN_CASE)
def notification_new(request):
    partnership = request.scope.partnership
    data = request.POST if request.method == "POST" else None
    form = NotificationForm(data, partnership=partnership)
    children = ChildFormSet(data, prefix=CHILD_PREFIX)
    once = Once(request, "notification")
    matches = []
    if data is not None and form.is_valid() & children.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                matches = _possible_duplicates(partnership, form, children)
                if matches and not form.cleaned_data["confirm_duplicate"]:
                    raise ApplicationError(
                        f"This may be a case already open: {', '.join(matches)}. Check it, "
                        "then tick the box to record a new case anyway.",
                        field="confirm_duplicate",
                    )
                case = services.notification_record(
                    partnership=partnership,
                    details=form.details(),
                    children=children.children(),
                    actor=request.user,
                    lead_officer=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(case.get_absolute_url())
                messages.success(
                    request,
                    f"Notification recorded. Case {case.reference} is at the Rapid Review "
                    "stage and its deadlines are set.",
                )
                return redirect(case)
    return render(
        request,
        "cases/intake_notification.html",
        {"form": form, "children": children, "once": once, "matches": matches},
    )


def _possible_duplicates(partnership, form, children) -> list[str]:
    """Open cases with a subject child of the same Local Authority reference and the same
    date received or incident date."""
    details = form.details()
    return sorted(
        {
            reference
            for child in children.children()
            for reference in selectors.matching_open_cases(
                partnership=partnership,
                child_reference=child.local_authority_reference,
                received_on=details.received_on,
                incident_on=details.incident_on,
            )
        }
    )


@scope_required(Action.OPEN_CASE)
def referral_new(request):
    partnership = request.scope.partnership
    data = request.POST if request.method == "POST" else None
    form = ReferralForm(data, partnership=partnership)
    children = ChildFormSet(data, prefix=CHILD_PREFIX)
    once = Once(request, "referral")
    if data is not None and form.is_valid() & children.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                case = services.referral_record(
                    partnership=partnership,
                    details=form.details(),
                    children=children.children(),
                    actor=request.user,
                    lead_officer=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(case.get_absolute_url())
                messages.success(
                    request,
                    f"Referral recorded. Case {case.reference} goes to the Case Review Group "
                    "within a month (§4.9).",
                )
                return redirect(case)
    return render(
        request,
        "cases/intake_referral.html",
        {"form": form, "children": children, "once": once},
    )


@scope_required(Action.VIEW_CASES)
def referral_progress(request, reference):
    """§4.1.6 and §4.9: sharing with the Local Authority, the first CRG meeting, and
    whether to ask agencies for information."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    referral = selectors.case_intake(case=case)["referral"]
    can_change = (
        request.scope.can(Action.MANAGE_REQUESTS)
        and referral is not None
        and case.stage == Stage.REFERRAL_DECISION
    )
    initial = {}
    if referral is not None:
        initial = {
            "shared_with_local_authority_on": referral.shared_with_local_authority_on,
            "local_authority_representative": referral.local_authority_representative,
            "first_crg_meeting_on": referral.first_crg_meeting_on,
            "request_information": {True: "yes", False: "no"}.get(referral.request_information, ""),
            "request_information_reason": referral.request_information_reason,
            "version": referral.version,
        }
    data = request.POST if request.method == "POST" and can_change else None
    form = ReferralProgressForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            services.referral_progress_record(
                referral=referral,
                actor=request.user,
                shared_with_local_authority_on=form.cleaned_data["shared_with_local_authority_on"],
                local_authority_representative=form.cleaned_data["local_authority_representative"],
                first_crg_meeting_on=form.cleaned_data["first_crg_meeting_on"],
                request_information=form.cleaned_request_information(),
                request_information_reason=form.cleaned_data["request_information_reason"],
                version=form.cleaned_data["version"],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The referral's progress is saved.")
            return redirect("referral_progress", reference=case.reference)
    return render(
        request,
        "cases/referral_progress.html",
        {
            "case": case,
            "tab": "overview",
            "referral": referral,
            "form": form,
            "can_change": can_change,
        },
    )


@scope_required(Action.VIEW_CASES)
def referral_convert(request, reference):
    """The Local Authority notified after a referral (§4.1.6)."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    intake = selectors.case_intake(case=case)
    can_convert = (
        request.scope.can(Action.OPEN_CASE)
        and intake["referral"] is not None
        and intake["notification"] is None
        and case.stage == Stage.REFERRAL_DECISION
    )
    data = request.POST if request.method == "POST" and can_convert else None
    form = NotificationForm(data, partnership=case.partnership)
    if data is not None and form.is_valid():
        try:
            services.referral_convert(case=case, details=form.details(), actor=request.user)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"Notification recorded. Case {case.reference} is now a Rapid Review; its "
                "deadlines run from the notification.",
            )
            return redirect(case)
    return render(
        request,
        "cases/referral_convert.html",
        {"case": case, "tab": "overview", "form": form, "can_convert": can_convert, **intake},
    )


@scope_required(Action.VIEW_RESTRICTED_FILE)
def restricted_file(request, reference):
    """Who the children and family are: every view is in the access log. The Business
    Office completes and corrects the details, with a reason kept in history."""
    case = selectors.case_get(scope=request.scope, reference=reference)
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
