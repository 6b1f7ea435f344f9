"""`make bench`: the combined chronology's PDF of a heavy case, rendered in the web request
as it was, beside what a web request does now that the worker renders it (issue 18).

A case with 12 agencies and 300 submitted entries (BENCH_AGENCIES, BENCH_ENTRIES) is made in
a transaction that is rolled back at the end, on the database DATABASE_URL names (migrated).
Printed: the render (what the request used to do, and the worker now does), and the web
side now: asking for it (`document_prepare`, the job's queueing left out) and the status
that the page and its polls read (`document_state`). Timings live here, never in the tests.
"""

import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from cases import documents, selectors, services  # noqa: E402
from cases.models import (  # noqa: E402
    Agency,
    AgencyKind,
    ChronologyEntry,
    DocumentKind,
    InformationRequest,
    Partnership,
    RequestStatus,
)
from cases.tasks import document_render  # noqa: E402

AGENCIES = int(os.environ.get("BENCH_AGENCIES", 12))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 300))
EVENT = (
    "Home visit by the health visitor; Child A seen asleep, mother reported the family was "
    "managing and declined the offer of an early help assessment. "
)


class Rollback(Exception):
    pass


def timed(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tempfile.mkdtemp(prefix="bench-documents-")},
        },
    }
    document_render.delay = lambda **kwargs: None  # the web side only: no worker here
    partnership = Partnership.objects.get(slug="leicester")
    try:
        with transaction.atomic():
            case = services.case_open(
                partnership=partnership,
                opened_on=date(2026, 11, 2),
                actor=None,
            )
            requests = []
            for n in range(AGENCIES):
                agency = Agency.objects.create(
                    name=f"Bench agency {n} {time.time_ns()}", kind=AgencyKind.POLICE
                )
                agency.partnerships.add(partnership)
                requests.append(
                    InformationRequest.objects.create(
                        case=case,
                        agency=agency,
                        reply_due_on=date(2026, 12, 11),
                        sent_at=timezone.now(),
                        status=RequestStatus.SUBMITTED,
                    )
                )
            bulk_create_with_history(
                [
                    ChronologyEntry(
                        request=requests[n % AGENCIES],
                        happened_on=date(2025, 1, 1) + timedelta(days=n),
                        source="Electronic records",
                        event=EVENT * 3,
                        agency_response=EVENT * 2,
                        analysis=EVENT * 2,
                    )
                    for n in range(ENTRIES)
                ],
                ChronologyEntry,
            )
            entries = selectors.combined_chronology(case=case)
            before = maxrss_mb()
            began = time.perf_counter()
            pdf, pages = documents.combined_chronology_pdf_pages(case=case, entries=entries)
            render = time.perf_counter() - began
            grown = maxrss_mb() - before
            kind = DocumentKind.COMBINED_CHRONOLOGY
            prepare, document = timed(
                lambda: services.document_prepare(case=case, kind=kind, actor=None)
            )
            state, _ = timed(lambda: selectors.document_state(case=case, kind=kind))
            began = time.perf_counter()
            services.document_render(partnership_id=partnership.pk, document_id=document.pk)
            worker = time.perf_counter() - began
            ready, shown = timed(lambda: selectors.document_state(case=case, kind=kind))
            assert shown.ready
            print(f"combined chronology: {AGENCIES} agencies, {ENTRIES} entries")
            print(f"  PDF: {pages} pages, {len(pdf) / 1e6:.2f} MB")
            print(
                f"  rendering (was in the web request, now the worker's): {render:.2f} s, "
                f"peak RSS +{grown:.0f} MB"
            )
            print(f"  the worker's job (render and store): {worker:.2f} s")
            print(f"  web request now, asking (document_prepare): {prepare * 1000:.1f} ms")
            print(f"  web request now, the status (document_state): {state * 1000:.1f} ms")
            print(f"  web request now, the status when ready: {ready * 1000:.1f} ms")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
