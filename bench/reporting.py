"""`make bench`, part three: the reporting pages at scale, beside the Django admin.

On a database of its own (a new name each run, on the server DATABASE_URL names, dropped
at the end), 10,000 cases and 100,000 deadlines across both partnerships, with their
notifications or referrals, information requests, decisions and LCSPRs
(tests/reporting/bulk.py), over three financial years; then ANALYZE, as PostgreSQL's
autovacuum would before anyone read them.

It then times, in interleaved rounds (each round asks every page once, in turn, so that
whatever else the machine is doing falls on all of them alike), each reporting dashboard
page as the Business Office opens it, and the admin changelist of the same cases, which
is the yardstick: the product registers no admin for cases (case data changes through the
services only), so the bench registers Django's plain one, in this process only. The
time is the server's: the whole Django stack, in-process through the test client, with
no network. It prints p50 and p95 of each and the ratio page / admin; the issue's target
is a ratio of at most 1 for each dashboard page.

BENCH_ROUNDS (default 30) sets the rounds; BENCH_CASES (default 10000) the cases, with
ten deadlines each; BENCH_KEEP=1 keeps the database, to look into a page (EXPLAIN ANALYZE),
and BENCH_REUSE=<its name> times the pages on it again without loading anything.
"""

import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    print("reporting benchmark skipped: set DATABASE_URL to a PostgreSQL server (CI does)")
    sys.exit(0)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 30))
CASES = int(os.environ.get("BENCH_CASES", 10_000))
DEADLINES_PER_CASE = 10
# Two runs never share one; BENCH_REUSE names a database an earlier run kept (BENCH_KEEP),
# to time a change without loading the rows again.
REUSE = os.environ.get("BENCH_REUSE", "")
NAME = REUSE or f"lcspr_bench_reporting_{uuid.uuid4().hex[:12]}"

parsed = urlparse(url)
os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{NAME}"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["EMAIL_URL"] = "memorymail://"
os.environ["HTTPS"] = "0"  # the test client speaks plain HTTP
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["LOG_LEVEL"] = "WARNING"

import psycopg  # noqa: E402

admin_url = urlunparse(parsed._replace(path="/postgres"))
if not REUSE:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{NAME}"')


def drop_database():
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


try:
    import django

    django.setup()

    import warnings

    from django.conf import settings
    from django.contrib import admin
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cases.admin_scoping import PartnershipScopedAdmin
    from cases.models import AgencyKind, Case, Partnership, Role, User

    class CaseChangelist(PartnershipScopedAdmin, admin.ModelAdmin):
        """Django's plain changelist of cases (100 a page, counted, filters by stage and
        partnership), as an admin site would offer it: the yardstick."""

        list_display = ["reference", "partnership", "stage", "opened_on", "lead_officer"]
        list_filter = ["stage", "partnership"]
        search_fields = ["reference"]

        def scope_queryset(self, request, queryset, partnership_ids):
            return queryset.filter(partnership_id__in=partnership_ids)

    admin.site.register(Case, CaseChangelist)  # before the first request reads the URLs
    # Static files from the source tree, unhashed, as the tests serve them (no collectstatic).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    def step(text):
        print(f"  {text}", file=sys.stderr, flush=True)

    from tests.factories import AgencyFactory, sign_in, staff_user
    from tests.reporting.bulk import bulk_cases

    def load():
        """Migrate, load the rows and ANALYZE; the seconds each took, and the office user."""
        step(f"migrating {NAME}")
        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter() - began
        step(f"loading {CASES:,} cases")
        partnerships = list(Partnership.objects.order_by("slug"))
        agencies = [
            AgencyFactory(name=f"Bench agency {n}", kind=kind, partnerships=partnerships)
            for n, kind in enumerate(
                (AgencyKind.POLICE, AgencyKind.HEALTH_TRUST, AgencyKind.SCHOOL)
            )
        ]
        began = time.perf_counter()
        for partnership in partnerships:
            bulk_cases(
                partnership,
                CASES // len(partnerships),
                start=date(2023, 4, 1),
                days=3 * 365,
                agencies=agencies,
                deadlines_per_case=DEADLINES_PER_CASE,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        loaded = time.perf_counter() - began
        # Either partnership's office will do: each holds half the cases. The first by slug,
        # as the load was made.
        office = staff_user(partnerships[0], role=Role.BUSINESS_OFFICE, username="bench-office")
        office.is_staff = office.is_superuser = True  # the same user opens the admin
        office.save()
        return migrated, loaded, office

    if REUSE:
        step(f"reusing {NAME}")
        migrated, loaded, office = 0.0, 0.0, User.objects.get(username="bench-office")
    else:
        migrated, loaded, office = load()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        (cases,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM cases_deadline")
        (deadlines,) = cursor.fetchone()
    client = sign_in(Client(), office)

    YEAR = "?year=2025"  # the financial year 2025-26: a third of the rows
    MEASURE = "rapid-review-timeliness"
    PAGES = {
        "/reports/": f"/reports/{YEAR}",
        "measure page": f"/reports/{MEASURE}/{YEAR}",
        "cases page": f"/reports/{MEASURE}/cases/{YEAR}",
        "API report": f"/api/v1/reports/{MEASURE}/{YEAR}",
    }
    ADMIN = "/admin/cases/case/"
    ALL = {**PAGES, "admin changelist": ADMIN}

    step(f"timing {ROUNDS} rounds")
    for name, path in ALL.items():  # warm: templates, the session, the URLs
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)

    times: dict[str, list[float]] = {name: [] for name in ALL}
    began = time.perf_counter()
    for _ in range(ROUNDS):
        for name, path in ALL.items():
            start = time.perf_counter()
            response = client.get(path)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, (name, response.status_code)
    measured = time.perf_counter() - began

    def p(values, q):
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    admin_p50, admin_p95 = p(times["admin changelist"], 50), p(times["admin changelist"], 95)
    print(
        f"reporting at scale on PostgreSQL: {cases:,} cases and {deadlines:,} deadlines in "
        f"both partnerships; {ROUNDS} interleaved rounds\n"
        f"(migrate {migrated:.0f} s, load and ANALYZE {loaded:.0f} s, timing {measured:.0f} s)\n"
    )
    print(f"{'page':<20}{'p50 ms':>9}{'p95 ms':>9}{'p50 / admin':>13}{'p95 / admin':>13}")
    missed = []
    for name in ALL:
        p50, p95 = p(times[name], 50), p(times[name], 95)
        print(f"{name:<20}{p50:>9.1f}{p95:>9.1f}{p50 / admin_p50:>13.2f}{p95 / admin_p95:>13.2f}")
        if name in PAGES and p50 > admin_p50:
            missed.append(name)
    print("\ntarget: each dashboard page's server time (p50) at most the admin changelist's")
    for name in PAGES:
        print(f"  [{'MISSED' if name in missed else 'met'}] {name} ({PAGES[name]})")
finally:
    if os.environ.get("BENCH_KEEP") or REUSE:  # to look into a page with EXPLAIN ANALYZE
        print(f"\nkept the database {NAME}: drop it when done", file=sys.stderr)
    else:
        drop_database()

sys.exit(1 if missed else 0)
