"""An invitee's side: the papers, and the outcome sent to agencies."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cases import documents as case_documents
from cases import selectors as case_selectors
from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AccessAction, DocumentKind
from cases.permissions import Action
from cases.services import access_record
from cases.web import paged, scope_required, summary_context
from rapidreview import selectors, services
from rapidreview.models import Decision, Invitation


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


def _invitation_chronology(request, pk) -> tuple[Invitation, object]:
    """§4.5.1: the combined chronology, where the partnership's variant shares one."""
    invitation = selectors.invitation_get(scope=request.scope, pk=pk)
    _papers_open(invitation)
    case = invitation.review.case
    if not case.partnership.uses_chronology_template:
        raise Http404("This partnership does not share a combined chronology.")
    return invitation, case


@require_http_methods(["GET", "POST"])
@scope_required()
def invitation_chronology_pdf_status(request, pk):
    """The combined chronology's PDF, rendered by the worker (issue 18): GET says how it
    stands, POST asks for it, idempotently (cases/services/rendered_document.py)."""
    invitation, case = _invitation_chronology(request, pk)
    kind = DocumentKind.COMBINED_CHRONOLOGY
    if request.method == "POST":
        case_services.document_prepare(case=case, kind=kind, actor=request.user)
        return redirect("invitation_chronology_pdf_status", pk=invitation.pk)
    return render(
        request,
        "rapidreview/invitation_chronology_pdf.html",
        {
            "invitation": invitation,
            "case": case,
            "portal": request.scope.agency is not None,
            "state": case_selectors.document_state(case=case, kind=kind),
            "prepare_url": reverse("invitation_chronology_pdf_status", args=[invitation.pk]),
            "download_url": reverse("invitation_chronology_pdf", args=[invitation.pk]),
        },
    )


@require_GET
@scope_required()
def invitation_chronology_pdf(request, pk):
    """The prepared PDF, streamed from storage and counted as an opening of the papers;
    until it is ready, the page that prepares it."""
    invitation, case = _invitation_chronology(request, pk)
    state = case_selectors.document_state(case=case, kind=DocumentKind.COMBINED_CHRONOLOGY)
    if not state.ready:
        return redirect("invitation_chronology_pdf_status", pk=invitation.pk)
    services.papers_opened(invitation=invitation, request=request, document="combined chronology")
    request.access_logged = True  # papers_opened wrote the access log's row
    return FileResponse(
        state.current.file.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-combined-chronology.pdf",
        content_type="application/pdf",
    )


# --- The agency portal: papers and outcomes ----------------------------------------------


PAPERS_PER_PAGE = 25


@require_GET
@scope_required(Action.REPLY_TO_REQUESTS)
def portal_papers(request):
    """The agency's invitations to Rapid Review meetings, and the outcomes sent to it: each
    list a page at a time (issue 18)."""
    today = timezone.localdate()
    invitations = paged(
        request, selectors.portal_invitations(scope=request.scope, today=today), PAPERS_PER_PAGE
    )
    invitations["page"].object_list = selectors.with_meeting_states(
        invitations["page"].object_list, today=today
    )
    return render(
        request,
        "portal/papers.html",
        {
            "invitations": invitations,
            "notices": paged(
                request,
                selectors.portal_outcomes(scope=request.scope),
                PAPERS_PER_PAGE,
                parameter="outcomes_page",
            ),
            "due_soon_days": case_selectors.DUE_SOON_WORKING_DAYS,
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
