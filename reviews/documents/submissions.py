"""What goes with a request for an agency's submission to the LCSPR (§8.4.2, §8.5.2): the
accompanying letter, the template of the kind asked for and its guidance, as PDFs. By
case reference only: the templates are given no child and no family member."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.documents import render_pdf
from cases.models import InformationRequest, SubmissionKind
from reviews.models import SafeguardingLead
from reviews.selectors.terms import terms_in_force

# The documents that go with each request, by the name in their address.
DOCUMENTS = {
    "letter": ("documents/lcspr_submission_letter.html", "submission-letter"),
    "template": ("documents/lcspr_submission_template.html", "submission-template"),
    "guidance": ("documents/lcspr_submission_guidance.html", "submission-guidance"),
}
DOCUMENT_LABELS = {
    "letter": "Accompanying letter",
    "template": "Template",
    "guidance": "Guidance",
}


def submission_document_pdf(request: InformationRequest, document: str) -> bytes:
    """One of the request's documents (`DOCUMENTS`), for the kind it asks for."""
    template, _ = DOCUMENTS[document]
    case = request.case
    from reviews.models import Lcspr

    lcspr = Lcspr.objects.for_partnership(case.partnership).filter(case=case).first()
    terms = terms_in_force(lcspr) if lcspr else None
    lead = (
        SafeguardingLead.objects.for_partnership(case.partnership)
        .filter(agency_id=request.agency_id)
        .first()
    )
    return render_pdf(
        template,
        {
            "case": case,
            "partnership": case.partnership,
            "agency": request.agency,
            "request": request,
            "kind": request.submission_kind,
            "kinds": SubmissionKind,
            "lead": lead,
            "scoping_start": terms.scoping_start if terms else None,
            "scoping_end": terms.scoping_end if terms else None,
            "portal_url": settings.SITE_URL + reverse("portal_request", kwargs={"pk": request.pk}),
            "blank_rows": range(12),
            "generated_on": timezone.localdate(),
        },
    )


def document_filename(document: str) -> str:
    return DOCUMENTS[document][1]
