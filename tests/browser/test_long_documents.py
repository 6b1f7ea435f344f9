"""A long document in Chromium, for both partnerships (issue 18): the combined chronology's
PDF is asked for, shown as being prepared while the worker has it, offered when ready
(the page follows without a reload), downloaded, and found by no one of the other
partnership. axe on every state."""

import io

import pypdf
import pytest
from playwright.sync_api import expect

from cases import services
from cases.models import (
    RECEIVED_STATUSES,
    ChronologyEntry,
    DocumentKind,
    Partnership,
    RenderedDocument,
    RequestPurpose,
)
from cases.tasks import document_render
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_presentation import rich_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICE = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
OTHER = {"leicester": "lr-office", "leicestershire-rutland": "leicester-office"}


def case_with_a_chronology(slug):
    """The partnership's demo case with the most submitted chronology entries, if any."""
    partnership = Partnership.objects.get(slug=slug)
    entry = (
        ChronologyEntry.objects.for_partnership(partnership)
        .filter(request__status__in=RECEIVED_STATUSES, request__purpose=RequestPurpose.RAPID_REVIEW)
        .select_related("request__case")
        .first()
    )
    return (entry.request.case, entry) if entry else (rich_case(slug), None)


def pdf_text(download) -> str:
    with open(download.path(), "rb") as pdf:
        reader = pypdf.PdfReader(io.BytesIO(pdf.read()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_combined_chronology_pdf_is_prepared_then_downloaded(
    page, browser, live_server, monkeypatch, settings, tmp_path, slug
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    case, entry = case_with_a_chronology(slug)
    status_url = f"/cases/{case.reference}/combined-chronology/pdf/"
    # The job waits in the queue until this test plays the worker.
    monkeypatch.setattr(document_render, "delay", lambda **kwargs: None)

    sign_in(page, OFFICE[slug])
    if case.partnership.uses_chronology_template:
        # Leicester's variant offers it on the combined chronology's page (§4.5.1).
        page.goto(f"/cases/{case.reference}/combined-chronology/")
    else:
        page.goto(status_url)
    expect(page.get_by_role("link", name="Download the PDF")).to_have_count(0)
    assert_accessible(page, f"{slug}-chronology-pdf-to-prepare")
    page.get_by_role("button", name="Prepare the PDF").click()
    expect(page.get_by_text("Preparing the PDF… (queued at")).to_be_visible()
    expect(page.get_by_role("link", name="Check again")).to_be_visible()
    assert_accessible(page, f"{slug}-chronology-pdf-preparing")

    # The worker renders it; the page, polling, offers the download without a reload.
    document = RenderedDocument.objects.for_partnership(case.partnership).get(
        case=case, kind=DocumentKind.COMBINED_CHRONOLOGY
    )
    assert (
        services.document_render(partnership_id=case.partnership_id, document_id=document.pk)
        == "rendered"
    )
    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=15_000)
    document.refresh_from_db()
    expect(page.locator("#document-status")).to_contain_text(
        f"{document.pages} page{'s' if document.pages != 1 else ''}"
    )
    assert_accessible(page, f"{slug}-chronology-pdf-ready")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == f"{case.reference}-combined-chronology.pdf"
    text = pdf_text(download.value)
    assert case.reference in text
    if entry is not None:
        assert " ".join(entry.event.split()[:3]) in text

    # Another partnership's office finds neither the status nor the file.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    other = context.new_page()
    sign_in(other, OTHER[slug])
    expect(other.get_by_role("heading", name="Dashboard")).to_be_visible()
    for url in (status_url, f"/cases/{case.reference}/combined-chronology.pdf"):
        response = other.goto(url)
        assert response.status == 404, url
    context.close()
