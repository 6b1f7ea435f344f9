"""After the decision: the report to the National Panel and outcomes to agencies (§4.8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, pdf_response, scope_required
from rapidreview import documents, selectors, services
from rapidreview.forms.papers import DecisionNotifiedForm, OutcomesForm, ReportSentForm
from rapidreview.models import Decision
from rapidreview.views.shared import ONLY_THE_OFFICE

# --- After the signed-off decision (§4.8, §1.6.3, §4.9) ----------------------------------


@scope_required(Action.VIEW_CASES)
def rapid_review_after(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    can_manage = request.scope.can(Action.SEND_RAPID_REVIEW_PAPERS)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(ONLY_THE_OFFICE)
    review = selectors.rapid_review(case=case)
    signed_off = bool(review and review.is_signed_off)
    deadline = selectors.report_deadline(case)
    # §4.9: a referral without a notification has no 15-working-day deadline; the
    # completed Combined Summary goes to the National Panel instead of the report.
    referral_path = deadline is None
    proceed = bool(review and review.decision == Decision.PROCEED)
    # §4.9: a referral the CRG does not take further is not sent to the National Panel.
    report_applies = deadline is not None or proceed
    report_label = (
        "Date the completed Combined Summary was sent to the National Panel"
        if referral_path
        else "Date the Rapid Review Report was sent to the National Panel"
    )

    posted = request.POST if request.method == "POST" and can_manage and signed_off else None
    which = posted.get("form") if posted is not None else None
    report_form = ReportSentForm(posted if which == "report" else None, label=report_label)
    notified_form = DecisionNotifiedForm(posted if which == "notified" else None)
    outcomes_form = OutcomesForm(posted if which == "outcomes" else None)

    if report_form.is_bound and report_form.is_valid():
        try:
            services.report_sent_record(
                review=review, actor=request.user, sent_on=report_form.cleaned_data["sent_on"]
            )
        except ApplicationError as error:
            form_error(report_form, error)
        else:
            messages.success(request, "Sending to the National Panel is recorded.")
            return redirect("rapid_review_after", reference=case.reference)
    if notified_form.is_bound and notified_form.is_valid():
        try:
            services.decision_notified_record(
                review=review,
                actor=request.user,
                notified_on=notified_form.cleaned_data["notified_on"],
            )
        except ApplicationError as error:
            form_error(notified_form, error)
        else:
            messages.success(
                request, "The decision's notification to the National Panel is recorded."
            )
            return redirect("rapid_review_after", reference=case.reference)
    if outcomes_form.is_bound and outcomes_form.is_valid():
        try:
            made = services.outcomes_send(review=review, actor=request.user)
        except ApplicationError as error:
            form_error(outcomes_form, error)
        else:
            messages.success(
                request,
                f"The outcome is sent to {len(made)} agenc{'y' if len(made) == 1 else 'ies'}."
                if made
                else "Every agency involved already has the outcome.",
            )
            return redirect("rapid_review_after", reference=case.reference)

    notices, involved, unreachable = [], [], set()
    if signed_off:
        notices = selectors.outcome_notices(review=review)
        unreachable = selectors.unreachable(notices)
        sent = {n.agency_id: "nobody" if n.pk in unreachable else "sent" for n in notices}
        involved = [
            (agency, is_referrer, sent.get(agency.pk))
            for agency, is_referrer in services.agencies_involved(review)
        ]
    bound = next((f for f in (report_form, notified_form, outcomes_form) if f.is_bound), None)
    today = timezone.localdate()
    notified_deadline = selectors.decision_notified_deadline(case)
    return render(
        request,
        "rapidreview/after.html",
        {
            "case": case,
            "tab": "rapid_review",
            "heading": "After the decision",
            "form": bound,
            "review": review,
            "signed_off": signed_off,
            "can_manage": can_manage,
            "report_form": report_form,
            "notified_form": notified_form,
            "outcomes_form": outcomes_form,
            "deadline": case_selectors.deadline_views(deadlines=[deadline], today=today)[0]
            if deadline
            else None,
            "notified_deadline": case_selectors.deadline_views(
                deadlines=[notified_deadline], today=today
            )[0]
            if notified_deadline
            else None,
            "referral_path": referral_path,
            "report_applies": report_applies,
            "proceed": proceed,
            "notices": notices,
            "unreachable": unreachable,
            "involved": involved,
            "to_send": [a for a, _, done in involved if not done],
        },
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def rapid_review_report_pdf(request, reference):
    """The Rapid Review Report (§4.8.1); a draft until the decision is signed off, and
    once sent, the exact file sent to the National Panel."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    review = selectors.rapid_review(case=case)
    if review is not None and review.report_file:
        with review.report_file.open("rb") as sent:
            pdf = sent.read()
    else:
        pdf = documents.rapid_review_report_pdf(case=case, review=review)
    return pdf_response(
        request, pdf, case=case, name="rapid-review-report", what="rapid review report"
    )
