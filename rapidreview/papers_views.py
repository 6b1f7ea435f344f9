"""The meeting's papers and invitations (§4.5, §4.7.1), and what follows the decision (§4.8),
for the Business Office and in the agency portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases import documents as case_documents
from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.intake_views import form_error
from cases.models import AccessAction, Agency, User
from cases.permissions import Action
from cases.request_views import pdf_response, summary_context
from cases.services import access_record
from cases.views import scope_required
from rapidreview import documents, selectors, services
from rapidreview.models import Decision, Invitation
from rapidreview.papers_forms import (
    DecisionNotifiedForm,
    InviteForm,
    OutcomesForm,
    ReportSentForm,
)

ONLY_THE_OFFICE = "Only the Business Office sends the papers and records what follows the decision."


# --- The papers and who is invited to them (§4.5.1, §4.5.2, §4.7.1) ----------------------


@scope_required(Action.VIEW_CASES)
def rapid_review_papers(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    partnership = case.partnership
    can_manage = request.scope.can(Action.SEND_RAPID_REVIEW_PAPERS)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(ONLY_THE_OFFICE)
    review = selectors.rapid_review(case=case)
    invitations = selectors.invitations(review)
    can_invite = bool(can_manage and review and review.meeting_id and not review.is_signed_off)
    invited_agencies = {i.agency_id for i in invitations if i.agency_id}
    invited_users = {i.user_id for i in invitations if i.user_id}
    form = InviteForm(
        request.POST if request.method == "POST" and can_invite else None,
        agencies=Agency.objects.filter(partnerships=partnership)
        .exclude(pk__in=invited_agencies)
        .values_list("pk", "name"),
        people=selectors.invitable_people(partnership, invited_users),
    )
    if form.is_bound and form.is_valid():
        try:
            made = services.invitations_send(
                review=review,
                actor=request.user,
                agencies=list(Agency.objects.filter(pk__in=form.cleaned_data["agencies"])),
                users=list(User.objects.filter(pk__in=form.cleaned_data["users"])),
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"{len(made)} invitation{'' if len(made) == 1 else 's'} sent. Each is emailed "
                "a link to the papers, by case reference only.",
            )
            return redirect("rapid_review_papers", reference=case.reference)
    roles = selectors.invitee_roles(partnership, invited_users)
    return render(
        request,
        "rapidreview/papers.html",
        {
            "case": case,
            "tab": "rapid_review",
            "heading": "Meeting papers and invitations",
            "form": form,
            "review": review,
            "can_manage": can_manage,
            "can_invite": can_invite,
            "with_chronology": partnership.uses_chronology_template,
            "rows": [(i, roles.get(i.user_id, [])) for i in invitations],
        },
    )


def _papers_page(request, invitation: Invitation):
    review = invitation.review
    return render(
        request,
        "rapidreview/invitation_papers.html",
        {
            "invitation": invitation,
            "review": review,
            "case": review.case,
            "with_chronology": review.case.partnership.uses_chronology_template,
            "portal": request.scope.agency is not None,
        },
    )


@require_GET
@scope_required()
def invitation_papers(request, pk):
    """The invitee's own page of the papers: an agency's, or one person's."""
    return _papers_page(request, selectors.invitation_get(scope=request.scope, pk=pk))


def _papers_open(invitation: Invitation) -> None:
    """The papers are for the meeting: once its decision is signed off, they close."""
    if invitation.review.is_signed_off:
        raise Http404("The meeting's papers closed when its decision was signed off.")


def _papers_pdf(request, invitation: Invitation, pdf: bytes, *, name: str, document: str):
    """A paper of the meeting, counted on the invitation and logged (§4.5.2)."""
    services.papers_opened(invitation=invitation, request=request, document=document)
    request.access_logged = True  # papers_opened wrote the access log's row
    response = HttpResponse(pdf, content_type="application/pdf")
    reference = invitation.review.case.reference
    response["Content-Disposition"] = f'attachment; filename="{reference}-{name}.pdf"'
    return response


@require_GET
@scope_required()
def invitation_summary_pdf(request, pk):
    invitation = selectors.invitation_get(scope=request.scope, pk=pk)
    _papers_open(invitation)
    case = invitation.review.case
    pdf = case_documents.combined_summary_pdf(case=case, **summary_context(case))
    return _papers_pdf(
        request, invitation, pdf, name="combined-summary", document="Combined Summary Report"
    )


@require_GET
@scope_required()
def invitation_chronology_pdf(request, pk):
    """§4.5.1: the combined chronology, where the partnership's variant shares one."""
    invitation = selectors.invitation_get(scope=request.scope, pk=pk)
    _papers_open(invitation)
    case = invitation.review.case
    if not case.partnership.uses_chronology_template:
        raise Http404("This partnership does not share a combined chronology.")
    pdf = case_documents.combined_chronology_pdf(
        case=case, entries=case_selectors.combined_chronology(case=case)
    )
    return _papers_pdf(
        request, invitation, pdf, name="combined-chronology", document="combined chronology"
    )


# --- The agency portal: papers and outcomes ----------------------------------------------


@require_GET
@scope_required(Action.REPLY_TO_REQUESTS)
def portal_papers(request):
    """The agency's invitations to Rapid Review meetings, and the outcomes sent to it."""
    return render(
        request,
        "portal/papers.html",
        {
            "invitations": selectors.portal_invitations(scope=request.scope),
            "notices": selectors.portal_outcomes(scope=request.scope),
        },
    )


@require_GET
@scope_required(Action.REPLY_TO_REQUESTS)
def portal_outcome(request, pk):
    """The outcome letter to one agency (§4.8.2, §4.8.3); its first reading is recorded."""
    notice = selectors.outcome_get(scope=request.scope, pk=pk)
    try:
        notice = services.outcome_read(notice=notice, scope=request.scope)
    except ApplicationError:
        raise Http404("No such outcome.") from None
    case = notice.review.case
    access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type="rapid review outcome",
        object_reference=case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    request.access_logged = True
    return render(
        request,
        "portal/outcome.html",
        {
            "notice": notice,
            "review": notice.review,
            "case": case,
            "proceed": notice.review.decision == Decision.PROCEED,
        },
    )


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

    notices, involved = [], []
    if signed_off:
        notices = selectors.outcome_notices(review=review)
        sent = {n.agency_id for n in notices}
        involved = [
            (agency, is_referrer, agency.pk in sent)
            for agency, is_referrer in services.agencies_involved(review)
        ]
    bound = next((f for f in (report_form, notified_form, outcomes_form) if f.is_bound), None)
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
            "deadline": case_selectors.deadline_views(
                deadlines=[deadline], today=timezone.localdate()
            )[0]
            if deadline
            else None,
            "referral_path": referral_path,
            "report_applies": report_applies,
            "proceed": proceed,
            "notices": notices,
            "involved": involved,
            "to_send": [a for a, _, done in involved if not done],
        },
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def rapid_review_report_pdf(request, reference):
    """The Rapid Review Report (§4.8.1); a draft until the decision is signed off."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    review = selectors.rapid_review(case=case)
    pdf = documents.rapid_review_report_pdf(case=case, review=review)
    return pdf_response(
        request, pdf, case=case, name="rapid-review-report", what="rapid review report"
    )
