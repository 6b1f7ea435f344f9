"""The combined chronology's PDF is rendered by the worker, not in the web request (issue 18):
asked for, prepared once for what the case shows, offered when ready, prepared anew when
the case changes, and downloaded with the same check and access-log row as before."""

import html
import io
from datetime import date, timedelta

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    AccessAction,
    AccessEvent,
    ChronologyEntry,
    DocumentKind,
    DocumentStatus,
    InformationRequest,
    RenderedDocument,
    RequestStatus,
)
from cases.services.rendered_document import DOCUMENT_QUEUE_DOWN_NOTICE
from cases.tasks import document_render, documents_sweep
from tests.factories import AgencyFactory, open_case, sign_in, staff_user

KIND = DocumentKind.COMBINED_CHRONOLOGY


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Rendered files go to a temporary directory, through the storage API."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def case_with_entries(partnership, *events):
    case = open_case(partnership, opened_on=date(2026, 11, 30))
    agency = AgencyFactory(partnerships=[partnership])
    request = InformationRequest.objects.create(
        case=case,
        agency=agency,
        reply_due_on=date(2026, 12, 11),
        sent_at=timezone.now(),
        status=RequestStatus.SUBMITTED,
    )
    for day, event in enumerate(events, start=1):
        ChronologyEntry.objects.create(
            request=request, happened_on=date(2026, 10, day), source="Records", event=event
        )
    return case


def documents_of(case):
    return RenderedDocument.objects.for_partnership(case.partnership).filter(case=case)


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    reader = pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def prepare(client, case, capture):
    """Press "Prepare the PDF"; its job runs (eagerly) once the request's save commits."""
    url = reverse("combined_chronology_pdf_status", args=[case.reference])
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response.url == url
    return client.get(url)


@pytest.fixture
def office_case(client, leicester, leicester_office):
    sign_in(client, leicester_office)
    return case_with_entries(leicester, "Domestic incident reported", "Child A seen at school")


def test_the_page_offers_to_prepare_it_and_the_download_waits_for_it(client, office_case):
    page = client.get(reverse("combined_chronology", args=[office_case.reference]))
    assert "Prepare the PDF" in page.text
    assert "Download the PDF" not in page.text
    # Nothing is rendered by merely asking for the file: the page that prepares it.
    response = client.get(reverse("combined_chronology_pdf", args=[office_case.reference]))
    assert response.status_code == 302
    assert response.url == reverse("combined_chronology_pdf_status", args=[office_case.reference])
    assert not documents_of(office_case).exists()


def test_the_worker_renders_and_stores_it_and_the_download_streams_it_and_is_logged(
    client, office_case, django_capture_on_commit_callbacks
):
    status = prepare(client, office_case, django_capture_on_commit_callbacks)
    (document,) = documents_of(office_case)
    assert document.status == DocumentStatus.READY
    assert document.file.name.startswith(f"documents/{office_case.pk}/")
    assert office_case.reference not in document.file.name
    assert document.pages >= 1
    assert document.size == document.file.size
    assert "Download the PDF" in status.text
    assert f"{document.pages} page" in status.text

    before = AccessEvent.objects.for_partnership(office_case.partnership).count()
    response = client.get(reverse("combined_chronology_pdf", args=[office_case.reference]))
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{office_case.reference}-combined-chronology.pdf"'
    )
    text = pdf_text(response)
    assert office_case.reference in text
    assert "Domestic incident reported" in text
    logged = AccessEvent.objects.for_partnership(office_case.partnership).order_by("-id")
    assert logged.count() == before + 1
    row = logged.first()
    assert (row.action, row.object_type, row.object_reference) == (
        AccessAction.DOWNLOAD,
        "combined chronology",
        office_case.reference,
    )


def test_asking_again_for_an_unchanged_case_reuses_the_file(
    client, office_case, django_capture_on_commit_callbacks, monkeypatch
):
    prepare(client, office_case, django_capture_on_commit_callbacks)
    (document,) = documents_of(office_case)

    def must_not_render(**kwargs):
        raise AssertionError("an unchanged case is not rendered again")

    monkeypatch.setattr("cases.documents.combined_chronology_pdf_pages", must_not_render)
    status = prepare(client, office_case, django_capture_on_commit_callbacks)
    assert "Download the PDF" in status.text
    assert list(documents_of(office_case)) == [document]
    # The job itself, run again (a redelivery), leaves the file as it is.
    assert (
        document_render(partnership_id=office_case.partnership_id, document_id=document.pk)
        == "nothing to do"
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY


def test_a_changed_case_is_prepared_anew_and_the_old_file_is_no_longer_offered(
    client, office_case, django_capture_on_commit_callbacks
):
    prepare(client, office_case, django_capture_on_commit_callbacks)
    (first,) = documents_of(office_case)
    old_name = first.file.name
    # An entry corrected (its text only: a history-aware save, whatever its version says).
    entry = ChronologyEntry.objects.for_partnership(office_case.partnership).get(
        event="Child A seen at school"
    )
    entry.event = "Child A seen at school by the nurse"
    entry.save()

    page = client.get(reverse("combined_chronology_pdf_status", args=[office_case.reference]))
    assert "The case has changed since the PDF was prepared" in page.text
    assert "Prepare the PDF again" in page.text
    assert "Download the PDF" not in page.text
    response = client.get(reverse("combined_chronology_pdf", args=[office_case.reference]))
    assert response.status_code == 302  # the old file is not served

    status = prepare(client, office_case, django_capture_on_commit_callbacks)
    assert "Download the PDF" in status.text
    newest, older = documents_of(office_case)
    assert newest.pk != first.pk
    assert newest.status == DocumentStatus.READY
    text = pdf_text(client.get(reverse("combined_chronology_pdf", args=[office_case.reference])))
    assert "seen at school by the nurse" in text
    # The superseded file is gone from storage; its row stays as history.
    assert older.pk == first.pk
    assert older.file.name == ""
    assert not newest.file.storage.exists(old_name)


def test_a_new_agencys_reply_changes_the_key(office_case):
    before = services.document_prepare(case=office_case, kind=KIND, actor=None)
    agency = AgencyFactory(partnerships=[office_case.partnership])
    request = InformationRequest.objects.create(
        case=office_case,
        agency=agency,
        reply_due_on=date(2026, 12, 11),
        sent_at=timezone.now(),
        status=RequestStatus.IN_PROGRESS,
    )
    ChronologyEntry.objects.create(
        request=request, happened_on=date(2026, 10, 9), source="GP", event="Seen by GP"
    )
    # A draft is not in the combined chronology: the same content, the same rendering.
    assert services.document_prepare(case=office_case, kind=KIND, actor=None) == before
    request.status = RequestStatus.SUBMITTED
    request.save()
    assert services.document_prepare(case=office_case, kind=KIND, actor=None) != before


def test_while_it_is_being_prepared_the_page_says_so_and_offers_to_check_again(
    client, office_case, monkeypatch
):
    # The job is queued but no worker has taken it yet.
    monkeypatch.setattr(document_render, "delay", lambda **kwargs: None)
    url = reverse("combined_chronology_pdf_status", args=[office_case.reference])
    client.post(url)
    page = client.get(url)
    (document,) = documents_of(office_case)
    assert document.status == DocumentStatus.QUEUED
    assert "Preparing the PDF… (queued at" in page.text
    assert f'data-poll-url="{url}"' in page.text
    assert f'<a class="govuk-link" href="{url}">Check again</a>' in page.text
    assert "Prepare the PDF" not in page.text  # one press is enough

    # A worker starts it, and the page follows.
    document.status = DocumentStatus.RENDERING
    document.started_at = timezone.now()
    document.save()
    assert "Preparing the PDF… (rendering, started at" in client.get(url).text


def test_a_failure_says_what_failed_without_case_content_and_offers_to_try_again(
    client, office_case, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def out_of_memory(**kwargs):
        raise MemoryError("Domestic incident reported")

    monkeypatch.setattr("cases.documents.combined_chronology_pdf_pages", out_of_memory)
    page = prepare(client, office_case, django_capture_on_commit_callbacks)
    (document,) = documents_of(office_case)
    assert document.status == DocumentStatus.FAILED
    assert document.error == "The PDF could not be made (MemoryError)."
    assert "The PDF could not be prepared" in page.text
    assert html.escape(document.error) in page.text
    assert "Domestic incident reported" not in page.text
    assert "Prepare the PDF again" in page.text
    assert "rendering failed" in caplog.text
    assert "Domestic incident reported" not in caplog.text

    monkeypatch.undo()
    page = prepare(client, office_case, django_capture_on_commit_callbacks)
    assert "Download the PDF" in page.text
    assert list(documents_of(office_case)) == [document]


@pytest.mark.parametrize("route", ["combined_chronology_pdf_status", "combined_chronology_pdf"])
def test_another_partnerships_user_finds_neither_the_status_nor_the_download(
    client, office_case, lr, django_capture_on_commit_callbacks, route
):
    prepare(client, office_case, django_capture_on_commit_callbacks)
    sign_in(client, staff_user(lr))
    url = reverse(route, args=[office_case.reference])
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (404, 405)
        assert office_case.reference not in response.content.decode()
    assert client.get(url).status_code == 404
    assert documents_of(office_case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_page_says_it_will_follow_and_the_sweep_queues_it(
    client, leicester, settings
):
    from tests.test_mail_outages import broker_at_a_closed_port

    sign_in(client, staff_user(leicester))
    case = case_with_entries(leicester, "Domestic incident reported")
    url = reverse("combined_chronology_pdf_status", args=[case.reference])
    with broker_at_a_closed_port():
        response = client.post(url, follow=True)
        assert response.status_code == 200
        assert html.escape(DOCUMENT_QUEUE_DOWN_NOTICE) in response.text
        assert "Preparing the PDF… (queued at" in response.text
    (document,) = documents_of(case)
    assert document.status == DocumentStatus.QUEUED

    # Queued longer than a job waits: the page says the queue may be down.
    RenderedDocument.objects.for_partnership(leicester).filter(pk=document.pk).update(
        queued_at=timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES + 1)
    )
    assert "The queue of background work may be down" in client.get(url).text

    # The queue is back: the sweep queues it (run here in-process), once.
    assert documents_sweep() == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert documents_sweep() == 0
    assert "Download the PDF" in client.get(url).text


@pytest.mark.django_db(transaction=True)
def test_a_rendering_lost_with_its_worker_is_taken_up_again_by_the_sweep(leicester, monkeypatch):
    from cases.services import rendered_document

    case = case_with_entries(leicester, "Domestic incident reported")
    monkeypatch.setattr(document_render, "delay", lambda **kwargs: None)
    document = services.document_prepare(case=case, kind=KIND, actor=None)
    # A worker took it and was killed mid-render: the row says "rendering".
    started = timezone.now() - rendered_document.RENDERING_LOST_AFTER - timedelta(seconds=1)
    RenderedDocument.objects.for_partnership(leicester).filter(pk=document.pk).update(
        status=DocumentStatus.RENDERING, started_at=started, attempts=1
    )
    monkeypatch.undo()
    assert documents_sweep() == 1
    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.READY, 2)

    # One that keeps killing its worker is given up after MAX_ATTEMPTS, saying so.
    other = case_with_entries(leicester, "Child A seen at school")
    monkeypatch.setattr(document_render, "delay", lambda **kwargs: None)
    stuck = services.document_prepare(case=other, kind=KIND, actor=None)
    RenderedDocument.objects.for_partnership(leicester).filter(pk=stuck.pk).update(
        status=DocumentStatus.RENDERING,
        started_at=started,
        attempts=rendered_document.MAX_ATTEMPTS,
    )
    assert documents_sweep() == 0
    stuck.refresh_from_db()
    assert stuck.status == DocumentStatus.FAILED
    assert "attempts" in stuck.error
