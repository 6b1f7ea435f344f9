"""The referral path (§4.9): its progress and its conversion to a notification."""

from django.contrib import messages
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.intake import FOLLOW_UPS, NotificationForm
from cases.forms.referral import ReferralProgressForm
from cases.models import Stage
from cases.permissions import Action
from cases.web import form_error, scope_required


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
                learning_outside_review_on=form.cleaned_data["learning_outside_review_on"]
                if form.cleaned_data["learning_outside_review"]
                else None,
                learning_outside_review_rationale=form.cleaned_data[
                    "learning_outside_review_rationale"
                ],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            if form.cleaned_data["learning_outside_review"]:
                messages.success(
                    request,
                    f"The referral's progress is saved. Case {case.reference} ends in learning "
                    "outside an LCSPR (§1.4.5, §1.4.6).",
                )
                return redirect(case)
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
        {
            "case": case,
            "tab": "overview",
            "form": form,
            "care_fields": [form[name] for name in FOLLOW_UPS],
            "can_convert": can_convert,
            **intake,
        },
    )
