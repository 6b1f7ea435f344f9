"""The Rapid Review's printable documents, rendered to PDF with WeasyPrint.

Each document is a Django template under `templates/documents/` rendered to HTML
and then to A4 PDF bytes. Callers decide who may have a document; this module only
makes it. Two rules hold for every document:

* Children appear only by pseudonym. The templates never receive a `Child` row,
  only its pseudonym and role, so a template cannot print the restricted name or
  date of birth by mistake. The one exception is deliberate: the letter to an agency
  is given the identities its caller may see (`selectors.identifying_details`), so
  that the agency can find its records.
* Rendering never goes on the network: the URL fetcher reads local files inside
  the project and refuses everything else (§2.1.6, "share information securely").
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint.urls import URLFetcher

from cases.models import (
    RECEIVED_STATUSES,
    Case,
    Child,
    ChronologyEntry,
    CombinedSummary,
    InformationRequest,
    Involvement,
    Notification,
    Referral,
    ReplyKind,
)

# Printed in every page footer (the Government Security Classifications marking the
# partnerships use for case documents).
SECURITY_MARKING = "OFFICIAL-SENSITIVE: contains special category data"

DOCUMENT_ASSETS = Path(settings.BASE_DIR) / "templates" / "documents"

# Rows left for the agency to fill in when a chronology template has no entries yet.
BLANK_CHRONOLOGY_ROWS = 8


class RefusedURLError(ValueError):
    """A document tried to load something other than a local project file."""


class LocalFilesOnly(URLFetcher):
    """Fetch `file:` URLs inside the project directory; refuse everything else.

    WeasyPrint catches the refusal, logs a warning and renders without the resource,
    so a stray remote URL can neither leak that a case exists nor stop the document.
    """

    def __init__(self, root: Path, **kwargs):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, **kwargs)
        self.root = Path(root).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURLError(f"Documents load local files only, not {url!r}.")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            raise RefusedURLError(f"Documents load files inside {self.root} only.")
        return super().fetch(url, headers)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to HTML, then to PDF bytes, without network access."""
    return render_pdf_pages(template_name, context)[0]


def render_pdf_pages(template_name: str, context: dict) -> tuple[bytes, int]:
    """`render_pdf`, with the number of pages (shown before a long document's download)."""
    # Dates are written out in English ("Friday 11 December 2026") whatever
    # language the request or task that asked for the document was running in.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template_name, {"security_marking": SECURITY_MARKING, **context})
    # Only the document templates' own directory: never var/ (uploads, the database).
    document = weasyprint.HTML(
        string=html,
        base_url=str(DOCUMENT_ASSETS),
        url_fetcher=LocalFilesOnly(DOCUMENT_ASSETS),
    ).render()
    return document.write_pdf(), len(document.pages)


# --- Reads -------------------------------------------------------------------------------


def _intake(case: Case) -> tuple[Notification | None, Referral | None, list[Child]]:
    """The case's notification, referral and children, read through the tenant scope."""
    partnership = case.partnership
    notification = (
        Notification.objects.for_partnership(partnership)
        .filter(case=case)
        .select_related("notifying_authority")
        .first()
    )
    referral = (
        Referral.objects.for_partnership(partnership)
        .filter(case=case)
        .select_related("referring_agency")
        .first()
    )
    children = list(Child.objects.for_partnership(partnership).filter(case=case))
    return notification, referral, children


def _pseudonyms(children: list[Child]) -> list[dict]:
    """What documents may say about a child: never the name or date of birth."""
    return [
        {"pseudonym": c.pseudonym, "role": c.get_role_display(), "perpetrator": c.is_perpetrator}
        for c in children
    ]


def _portal_url(request: InformationRequest) -> str:
    return settings.SITE_URL + reverse("portal_request", kwargs={"pk": request.pk})


def _base_context(case: Case) -> dict:
    return {
        "case": case,
        "partnership": case.partnership,
        "generated_on": timezone.localdate(),
        # A Rapid Review, or a referral before the CRG (§4.1.5): the titles say which.
        "notification": Notification.objects.for_partnership(case.partnership)
        .filter(case=case)
        .exists(),
    }


def _request_context(request: InformationRequest) -> dict:
    case = request.case
    return {
        **_base_context(case),
        "request": request,
        "agency": request.agency,
        "sent_on": timezone.localdate(request.sent_at) if request.sent_at else None,
    }


# --- Documents ---------------------------------------------------------------------------


def information_request_letter_pdf(request: InformationRequest, identities=None) -> bytes:
    """The Information Request Letter to one agency (§4.1.7, §4.3.3-4.3.5). `identities`
    (from `selectors.identifying_details`) are printed only when the caller may see them:
    the addressed agency, so that it can find its records, or the Business Office."""
    notification, referral, children = _intake(request.case)
    return render_pdf(
        "documents/information_request_letter.html",
        {
            **_request_context(request),
            "notification": notification,
            "referral": referral,
            "children": _pseudonyms(children),
            "identities": identities,
            "portal_url": _portal_url(request),
            "signed_by": request.sent_by.get_full_name() if request.sent_by else "",
        },
    )


def reply_template_pdf(request: InformationRequest, *, blank: bool = False) -> bytes:
    """The Information Request Reply Template (§4.3.1), with the agency's answers so far,
    or `blank`, to send to an agency with nobody on the portal before any reply exists."""
    return render_pdf(
        "documents/reply_template.html",
        {
            **_request_context(request),
            "blank": blank,
            "answers": {} if blank else request,
            "reply_kinds": ReplyKind.choices,
            "involvements": Involvement.choices,
        },
    )


def chronology_template_pdf(request: InformationRequest, *, blank: bool = False) -> bytes:
    """The agency's chronology template (§8.4.1), filled with its entries so far, or
    `blank` (rows to write in)."""
    entries = (
        []
        if blank
        else list(
            ChronologyEntry.objects.for_partnership(request.case.partnership).filter(
                request=request
            )
        )
    )
    return render_pdf(
        "documents/chronology_template.html",
        {
            **_request_context(request),
            "entries": entries,
            "blank_rows": range(0 if entries else BLANK_CHRONOLOGY_ROWS),
        },
    )


def combined_summary_pdf(
    *,
    case: Case,
    summary: CombinedSummary | None,
    requests: list[InformationRequest],
    notification,
    referral,
    children: list[Child],
) -> bytes:
    """Section 1 of the Combined Summary Report (§4.5.1), as far as it is collated.

    Replies are shown only once submitted; other requests are listed with their
    deadline, so that the meeting sees which agencies it is still waiting for.
    """
    return render_pdf(
        "documents/combined_summary.html",
        {
            **_base_context(case),
            "summary": summary,
            "notification": notification,
            "referral": referral,
            "children": _pseudonyms(children),
            "requests": [
                {"request": r, "received": r.status in RECEIVED_STATUSES} for r in requests
            ],
        },
    )


def _chronological(entry: ChronologyEntry) -> tuple:
    # Untimed events come first on their day; agencies in name order on a tie.
    return (
        entry.happened_on,
        entry.happened_at or time.min,
        entry.happened_at is not None,
        entry.request.agency.name,
        entry.pk or 0,
    )


def combined_chronology_pdf(*, case: Case, entries: list[ChronologyEntry]) -> bytes:
    """Every agency's chronology entries merged into one, in date and time order (§4.5.1)."""
    return combined_chronology_pdf_pages(case=case, entries=entries)[0]


def combined_chronology_pdf_pages(*, case: Case, entries: list[ChronologyEntry]):
    """`combined_chronology_pdf` and its number of pages. A long document: rendered in the
    background worker (cases/services/rendered_document.py), never in a web request."""
    return render_pdf_pages(
        "documents/combined_chronology.html",
        {**_base_context(case), "entries": sorted(entries, key=_chronological)},
    )
