"""The referral path (§4.9): its progress and its conversion to a notification."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.intake import FOLLOW_UPS, NotificationForm
from cases.forms.referral import ReferralProgressForm
from cases.meetings import ScheduledMeeting, scheduled_after
from cases.models import Stage
from cases.permissions import Action
from cases.web import form_error, scope_required

# The scheduled meetings offered for the first discussion: enough to reach past the
# two-month decision date of a monthly calendar (§4.9).
MEETINGS_OFFERED = 4
# The referral path's steps shown on its page, in the order they happen (§4.9).
REFERRAL_STEPS = [
    "referral_shared_with_local_authority",
    "referral_first_discussion",
    "referral_information_request_sent",
    "referral_decision",
    "referral_decision_notified",
]


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
    initial, meetings = {}, []
    if referral is not None:
        initial = {
            "shared_with_local_authority_on": referral.shared_with_local_authority_on,
            "local_authority_representative": referral.local_authority_representative,
            "request_information": {True: "yes", False: "no"}.get(referral.request_information, ""),
            "request_information_reason": referral.request_information_reason,
            "version": referral.version,
        }
        meetings = scheduled_after(case.partnership, referral.received_on)
    data = request.POST if request.method == "POST" and can_change else None
    form = ReferralProgressForm(
        data,
        initial=initial,
        meetings=meetings[:MEETINGS_OFFERED],
        chosen=referral.first_crg_meeting_on if referral else None,
    )
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
                learning_outside_review_notified_on=form.cleaned_data[
                    "learning_outside_review_notified_on"
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
            "meetings": meetings,
            "decision_meeting": _decision_meeting(referral, meetings),
            "steps": selectors.deadline_views(
                deadlines=selectors.case_deadlines(case=case).filter(kind__in=REFERRAL_STEPS),
                today=timezone.localdate(),
            ),
            "can_add_meetings": request.scope.can(Action.MANAGE_MEETINGS),
        },
    )


def _decision_meeting(referral, meetings: list[ScheduledMeeting]) -> ScheduledMeeting | None:
    """§4.9: the referral is decided at the next scheduled CRG meeting after its first
    discussion."""
    if referral is None:
        return None
    first = referral.first_crg_meeting_on or (meetings[0].held_on if meetings else None)
    return next((m for m in meetings if first and m.held_on > first), None)


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
