"""The Independent Scrutineer's part (§4.7): attendance, advice, reopening."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import selectors, services
from rapidreview.forms.decision import (
    AdviceForm,
    DecisionSentForm,
    ReopenForm,
    ScrutineerAttendingForm,
)
from rapidreview.models import (
    ScrutineerAdvice,
)
from rapidreview.services.decision import (
    NO_MEETING,
    ONLY_RECORDERS,
)
from rapidreview.views.shared import case_and_review, decision_context, refuse_post_without, refused

ADVICE_SAVED = "The Independent Scrutineer's advice is recorded."
SENT_SAVED = "The date the decision was sent to the Independent Scrutineer is recorded."
ATTENDING_SAVED = "Recorded whether the Independent Scrutineer will attend."
REOPENED = (
    "The discussion is reopened with the Safeguarding Partners. The representatives who "
    "signed the decision are told by email."
)


@scope_required(Action.VIEW_CASES)
def rapid_review_scrutineer(request, reference):
    """§4.7: the Independent Scrutineer's advice, in the meeting or in writing before it,
    and their reply once an absent Scrutineer was sent the decision (§4.7.5)."""
    case, review = case_and_review(request, reference)
    refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    can_record = request.scope.can(Action.RECORD_DECISION)
    meeting_set = review is not None and review.meeting is not None
    # §4.7.5 follows the decision, so these stay open once it is signed off.
    can_advise = can_record and meeting_set
    can_send = can_advise and bool(review.decision)
    can_ask = can_advise and not review.decision
    can_reopen = request.scope.can(Action.APPROVE_DECISION)
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form") if posted is not None else None
    allowed = {
        "advice": can_advise,
        "sent": can_send,
        "attending": can_ask,
        "reopen": can_reopen and meeting_set,
    }
    if posted is not None and not allowed.get(which, False):
        if which == "reopen" and not can_reopen:
            raise PermissionDenied("Only the CRG chair reopens the discussion.")
        return refused(
            request,
            case,
            NO_MEETING if not meeting_set else "Record the decision first.",
            "rapid_review_scrutineer",
        )
    if which == "attending":
        attending_form = ScrutineerAttendingForm(posted)
        if attending_form.is_valid():
            try:
                services.scrutineer_attendance_record(
                    review=review,
                    actor=request.user,
                    attending=attending_form.cleaned_data["attending"] == "yes",
                )
            except ApplicationError as error:
                form_error(attending_form, error)
            else:
                messages.success(request, ATTENDING_SAVED)
                return redirect("rapid_review_scrutineer", reference=case.reference)
    elif can_ask:
        attending_form = ScrutineerAttendingForm(
            initial={"attending": {True: "yes", False: "no"}.get(review.scrutineer_attending)}
        )
    else:
        attending_form = None
    reopen_form = ReopenForm(posted if which == "reopen" else None)
    if which == "reopen" and reopen_form.is_valid():
        advice_pk = posted.get("advice", "")
        if not advice_pk.isdigit():
            raise Http404("No such advice.")
        advice_item = get_object_or_404(
            ScrutineerAdvice.objects.for_partnership(case.partnership),
            review=review,
            pk=int(advice_pk),
        )
        try:
            services.discussion_reopen(
                advice=advice_item, actor=request.user, note=reopen_form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form_error(reopen_form, error)
        else:
            messages.success(request, REOPENED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    advice_form = AdviceForm(posted if which == "advice" else None) if can_advise else None
    sent_form = None
    if can_send:
        sent_form = DecisionSentForm(
            posted if which == "sent" else None, initial={"sent_on": review.scrutineer_sent_on}
        )
    if advice_form is not None and advice_form.is_bound and advice_form.is_valid():
        try:
            services.scrutineer_advice_record(
                review=review, actor=request.user, **advice_form.advice_details()
            )
        except ApplicationError as error:
            form_error(advice_form, error)
        else:
            messages.success(request, ADVICE_SAVED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    if sent_form is not None and sent_form.is_bound and sent_form.is_valid():
        try:
            services.scrutineer_decision_sent(
                review=review, actor=request.user, sent_on=sent_form.cleaned_data["sent_on"]
            )
        except ApplicationError as error:
            form_error(sent_form, error)
        else:
            messages.success(request, SENT_SAVED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    other_forms = [
        f for f in (sent_form, attending_form, reopen_form) if f is not None and f.errors
    ]
    advice = (
        list(ScrutineerAdvice.objects.for_partnership(case.partnership).filter(review=review))
        if review is not None
        else []
    )
    return render(
        request,
        "rapidreview/scrutineer.html",
        decision_context(
            case,
            review,
            "Independent Scrutineer's advice",
            form=advice_form,
            sent_form=sent_form,
            attending_form=attending_form,
            reopen_form=reopen_form if can_reopen else None,
            other_forms=other_forms,
            other_non_field_errors=[e for f in other_forms for e in f.non_field_errors()],
            advice=advice,
            awaited=selectors.scrutineer_advice_awaited(review),
            scrutineers=selectors.scrutineers(case.partnership),
            has_errors=bool(
                (advice_form is not None and advice_form.errors)
                or any(f is not None and f.errors for f in (sent_form, attending_form))
                or (which == "reopen" and reopen_form.errors)
            ),
        ),
    )
