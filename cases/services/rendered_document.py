"""Long documents rendered in the background worker, not in a web request (issue 18).

A heavy case's combined chronology (12 agencies, 300 entries, 146 pages) took 10-13 s and
209 MB to render: one of gunicorn's three workers, near its 30 s timeout. So the page asks
for the document (`document_prepare`), the worker renders it (`document_render`, the
`cases.tasks.document_render` job) into Django's storage, and the page offers the download
when it is ready. A rendering is kept under the digest of what it shows
(`selectors.DOCUMENT_KEYS`): any change to the case's rows makes a new key, so a new
rendering, and the old file is no longer offered.

Safe to run twice: asking again for the same content re-uses its row (one per key, a unique
constraint); a second run of the job finds the row ready, or being rendered, and does
nothing; two runs that both render keep the first file stored and delete the other.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import documents, selectors
from cases.mail_queue import enqueue, enqueue_on_commit
from cases.models import Case, DocumentKind, DocumentStatus, Partnership, RenderedDocument, User

logger = logging.getLogger(__name__)

# Shown on the next page when the job could not be queued (the broker is down).
DOCUMENT_QUEUE_DOWN_NOTICE = (
    "The queue of background work is not reachable just now. The PDF will be prepared "
    "when the queue is back: you do not need to ask again."
)
# A run that has not finished this long after it started was lost (its worker killed): the
# sweep queues it again. Above the job's hard time limit (cases/tasks.py).
RENDERING_LOST_AFTER = timedelta(seconds=settings.DOCUMENT_RENDER_TIME_LIMIT + 60)
# After this many starts the sweep stops trying and says the rendering failed.
MAX_ATTEMPTS = 3


def _render(document: RenderedDocument) -> tuple[bytes, int, str]:
    """(PDF bytes, pages, the content key of what was rendered)."""
    case = document.case
    if document.kind == DocumentKind.COMBINED_CHRONOLOGY:
        entries = selectors.combined_chronology(case=case)
        key = selectors.combined_chronology_key(case=case, entries=entries)
        pdf, pages = documents.combined_chronology_pdf_pages(case=case, entries=entries)
        return pdf, pages, key
    raise ValueError(f"No renderer for {document.kind!r}.")


def _queue(document: RenderedDocument) -> None:
    enqueue_on_commit(
        _task(),
        notice=DOCUMENT_QUEUE_DOWN_NOTICE,
        partnership_id=document.case.partnership_id,
        document_id=document.pk,
    )


def _task():
    from cases.tasks import document_render

    return document_render


def document_prepare(*, case: Case, kind: str, actor: User | None) -> RenderedDocument:
    """Ask for the document as the case shows it now: the existing rendering of this
    content if there is one (ready, or on its way), else a new one, queued once the
    transaction commits. A failed rendering is queued again. Safe to repeat."""
    key = selectors.DOCUMENT_KEYS[kind](case=case)
    rows = selectors.rendered_documents(case=case, kind=kind)
    with transaction.atomic():
        document = rows.select_for_update(of=("self",)).filter(content_key=key).first()
        if document is None:
            try:
                with transaction.atomic():
                    document = RenderedDocument(
                        case=case,
                        kind=kind,
                        content_key=key,
                        requested_by=actor,
                        queued_at=timezone.now(),
                    )
                    document._change_reason = "Asked for"
                    document.save()
            except IntegrityError:
                # Another request asked for the same content at the same moment: theirs.
                return rows.get(content_key=key)
            _queue(document)
        elif document.status == DocumentStatus.FAILED:
            document.status = DocumentStatus.QUEUED
            document.requested_by = actor
            document.queued_at = timezone.now()
            document.started_at = document.finished_at = None
            document.error = ""
            document.attempts = 0
            document._change_reason = "Asked for again after a failure"
            document.save()
            _queue(document)
    return document


def _claim(partnership: Partnership, document_id: int) -> RenderedDocument | None:
    """Mark the row as being rendered by this run; None if there is nothing to do (ready,
    gone, or another run started it recently)."""
    now = timezone.now()
    with transaction.atomic():
        document = (
            RenderedDocument.objects.for_partnership(partnership)
            .select_for_update(of=("self",))
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.status in (DocumentStatus.READY, DocumentStatus.FAILED):
            return None
        if (
            document.status == DocumentStatus.RENDERING
            and document.started_at
            and document.started_at > now - RENDERING_LOST_AFTER
        ):
            return None
        document.status = DocumentStatus.RENDERING
        document.started_at = now
        document.attempts += 1
        document._change_reason = "Rendering"
        document.save(update_fields=["status", "started_at", "attempts"])
    return document


def _fail(document: RenderedDocument, error: str) -> None:
    with transaction.atomic():
        row = (
            RenderedDocument.objects.for_partnership(document.case.partnership)
            .select_for_update(of=("self",))
            .get(pk=document.pk)
        )
        if row.status == DocumentStatus.READY:
            return
        row.status = DocumentStatus.FAILED
        row.error = error
        row.finished_at = timezone.now()
        row._change_reason = "Rendering failed"
        row.save(update_fields=["status", "error", "finished_at"])


def _store(document: RenderedDocument, *, key: str, pdf: bytes, pages: int) -> RenderedDocument:
    """Keep the file under the key of what was rendered: the row asked for, or, if the case
    changed while it waited, the row of the newer content (made ready at once)."""
    partnership = document.case.partnership
    rows = RenderedDocument.objects.for_partnership(partnership)
    with transaction.atomic():
        row = (
            rows.select_for_update(of=("self",))
            .filter(case=document.case, kind=document.kind, content_key=key)
            .first()
        )
        if row is None:
            row = RenderedDocument(
                case=document.case,
                kind=document.kind,
                content_key=key,
                requested_by=document.requested_by,
                queued_at=document.queued_at,
                started_at=document.started_at,
                attempts=1,
            )
        if row.status == DocumentStatus.READY:
            return row  # another run got there first: its file stands
        # Through the storage API (a local folder or an object store, by configuration).
        row.file.save("document.pdf", ContentFile(pdf), save=False)
        row.status = DocumentStatus.READY
        row.pages = pages
        row.size = len(pdf)
        row.error = ""
        row.finished_at = timezone.now()
        row._change_reason = "Rendered"
        row.save()
        if row.pk != document.pk:
            _superseded(document)
        _forget_older_files(row)
    return row


def _superseded(document: RenderedDocument) -> None:
    row = RenderedDocument.objects.for_partnership(document.case.partnership).get(pk=document.pk)
    if row.status == DocumentStatus.READY:
        return
    row.status = DocumentStatus.FAILED
    row.error = "The case changed while it was being prepared."
    row.finished_at = timezone.now()
    row._change_reason = "Superseded"
    row.save(update_fields=["status", "error", "finished_at"])


def _forget_older_files(current: RenderedDocument) -> None:
    """The renderings of earlier content are no longer offered: their files go (after the
    commit, so a rollback keeps them), their rows stay as the history of what was made."""
    older = list(
        selectors.rendered_documents(case=current.case, kind=current.kind)
        .exclude(pk=current.pk)
        .exclude(file="")
        .filter(requested_at__lte=current.requested_at)
    )
    for row in older:
        name = row.file.name
        storage = row.file.storage
        row.file = ""
        row._change_reason = "Superseded by a newer rendering: file removed"
        row.save(update_fields=["file"])
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))


def document_render(*, partnership_id: int, document_id: int) -> str:
    """The worker's side: render the document and store it. Returns what it did."""
    partnership = Partnership.objects.get(pk=partnership_id)
    document = _claim(partnership, document_id)
    if document is None:
        return "nothing to do"
    try:
        pdf, pages, key = _render(document)
    except SoftTimeLimitExceeded:
        minutes = max(1, settings.DOCUMENT_RENDER_SOFT_TIME_LIMIT // 60)
        _fail(document, f"It took longer than the {minutes} minutes a document may take.")
        return "timed out"
    except Exception as error:  # noqa: BLE001 - said on the page, logged by ids only
        # The class only, no traceback: an exception's message may quote the document.
        logger.error(  # noqa: TRY400
            "rendering failed: document %s of case %s (%s)",
            document.pk,
            document.case_id,
            type(error).__name__,
        )
        _fail(document, f"The PDF could not be made ({type(error).__name__}).")
        return "failed"
    stored = _store(document, key=key, pdf=pdf, pages=pages)
    return "rendered" if stored.pk == document.pk else "rendered newer content"


def documents_sweep(*, partnership: Partnership) -> int:
    """Queue again what a broker outage or a lost worker left waiting: rows queued before
    the grace period, and renderings that never finished. Gives up (failed) after
    MAX_ATTEMPTS starts. The next run of the sweep is its retry."""
    now = timezone.now()
    grace = now - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES)
    rows = RenderedDocument.objects.for_partnership(partnership)
    waiting = list(
        rows.filter(status=DocumentStatus.QUEUED, queued_at__lt=grace).select_related(
            "case__partnership"
        )
    ) + list(
        rows.filter(
            status=DocumentStatus.RENDERING, started_at__lt=now - RENDERING_LOST_AFTER
        ).select_related("case__partnership")
    )
    queued = 0
    for document in waiting:
        if document.attempts >= MAX_ATTEMPTS:
            _fail(document, f"It could not be made in {MAX_ATTEMPTS} attempts.")
            continue
        if enqueue(_task(), partnership_id=document.case.partnership_id, document_id=document.pk):
            queued += 1
    return queued
