"""A request's letter, reply and chronology as documents, and its attachments."""

import zipfile
from io import BytesIO
from pathlib import Path

from django.http import FileResponse, Http404, HttpResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from cases import documents, selectors
from cases.permissions import Action
from cases.web import log_download, pdf_response, scope_required

# --- Documents: the letter and templates (both sides), and agencies' attachments ----------

REQUEST_DOCUMENTS = {
    "letter": (documents.information_request_letter_pdf, "information-request-letter"),
    "reply": (documents.reply_template_pdf, "information-request-reply"),
    "chronology": (documents.chronology_template_pdf, "chronology"),
}
# The templates as sent, before any reply: for the office to send an agency that has
# nobody on the portal (issue 12), and to anyone who may read the request.
BLANK_DOCUMENTS = {
    "reply": "information-request-reply-template",
    "chronology": "chronology-template",
}


def _letter_pdf(request, item) -> bytes:
    # The addressed agency's letter says who the child and family are (issue 12).
    return documents.information_request_letter_pdf(
        item, identities=selectors.identifying_details(scope=request.scope, request=item)
    )


def _request_document(request, pk, kind):
    item = selectors.request_get(scope=request.scope, pk=pk)
    if kind != "letter" and not selectors.reply_visible(scope=request.scope, request=item):
        raise Http404("The agency has not submitted its reply yet.")
    if kind == "chronology" and not (
        item.includes_chronology_template
        or selectors.request_parts(scope=request.scope, request=item)["entries"]
    ):
        raise Http404("No chronology was asked for.")
    render_pdf, name = REQUEST_DOCUMENTS[kind]
    pdf = _letter_pdf(request, item) if kind == "letter" else render_pdf(item)
    return pdf_response(
        request,
        pdf,
        case=item.case,
        name=f"{name}-{slugify(item.agency.name)}",
        what=name.replace("-", " "),
    )


def _blank_document(request, pk, kind):
    item = selectors.request_get(scope=request.scope, pk=pk)
    render_pdf, _ = REQUEST_DOCUMENTS[kind]
    name = BLANK_DOCUMENTS[kind]
    return pdf_response(
        request,
        render_pdf(item, blank=True),
        case=item.case,
        name=f"{name}-{slugify(item.agency.name)}",
        what=name.replace("-", " "),
    )


@require_GET
@scope_required()
def request_letter_pdf(request, pk):
    return _request_document(request, pk, "letter")


@require_GET
@scope_required()
def request_reply_pdf(request, pk):
    return _request_document(request, pk, "reply")


@require_GET
@scope_required()
def request_chronology_pdf(request, pk):
    return _request_document(request, pk, "chronology")


@require_GET
@scope_required()
def request_reply_blank_pdf(request, pk):
    return _blank_document(request, pk, "reply")


@require_GET
@scope_required()
def request_chronology_blank_pdf(request, pk):
    return _blank_document(request, pk, "chronology")


@require_GET
@scope_required(Action.MANAGE_REQUESTS)
def case_request_letters(request, reference):
    """Every agency's letter for the case in one zip, for the office to send those with
    nobody on the portal (issue 12). Each letter's download is logged, as one alone is."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    requests = list(selectors.case_requests(case=case))
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as letters:
        for item in requests:
            letters.writestr(
                f"{case.reference}-information-request-letter-{slugify(item.agency.name)}.pdf",
                _letter_pdf(request, item),
            )
            log_download(request, reference=case.reference, what="information request letter")
    response = HttpResponse(archive.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{case.reference}-information-request-letters.zip"'
    )
    return response


@require_GET
@scope_required()
def attachment_download(request, pk):
    """An agency's document, to its own agency or its partnership's staff, logged."""
    attachment = selectors.attachment_get(scope=request.scope, pk=pk)
    reference = attachment.request.case.reference
    log_download(request, reference=reference, what="attached document")
    # The name an agency gave a file may name the child: downloads are named by reference.
    extension = Path(attachment.original_name).suffix.lower()
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{reference}-document-{attachment.pk}{extension}",
        content_type=attachment.content_type,
    )
