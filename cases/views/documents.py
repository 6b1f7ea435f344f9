"""A request's letter, reply and chronology as documents, and its attachments."""

from pathlib import Path

from django.http import FileResponse, Http404
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from cases import documents, selectors
from cases.web import log_download, pdf_response, scope_required

# --- Documents: the letter and templates (both sides), and agencies' attachments ----------

REQUEST_DOCUMENTS = {
    "letter": (documents.information_request_letter_pdf, "information-request-letter"),
    "reply": (documents.reply_template_pdf, "information-request-reply"),
    "chronology": (documents.chronology_template_pdf, "chronology"),
}


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
    if kind == "letter":
        # The addressed agency's letter says who the child and family are (issue 12).
        pdf = render_pdf(
            item, identities=selectors.identifying_details(scope=request.scope, request=item)
        )
    else:
        pdf = render_pdf(item)
    return pdf_response(
        request,
        pdf,
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
