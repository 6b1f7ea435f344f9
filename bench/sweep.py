"""`make bench`, part two: the daily deadline sweep over 100,000 open deadlines on PostgreSQL.

On a database of its own (a new name each run, on the server DATABASE_URL names, dropped
at the end unless BENCH_KEEP=1), one partnership gets four deadlines a case, due from 10
working days ago to 60 ahead, and half as many information requests as deadlines, to a
dozen agencies with portal users, due over the same span; then ANALYZE, as PostgreSQL's
autovacuum would before the sweep ran. The sweep is then what Celery beat's
`partnership_reminders` job does, phase by phase: make the reminders, make the chases,
send the reminders, send the chases (emails to an in-memory outbox). It prints each
phase's time, statements and emails.

BENCH_DEADLINES (default "10000,100000") sets the sizes. The issue's target: the sweep
at 100,000 deadlines makes and sends everything due in under a minute.
"""

import os
import signal
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    print("sweep benchmark skipped: set DATABASE_URL to a PostgreSQL server (CI does)")
    sys.exit(0)

SIZES = [int(n) for n in os.environ.get("BENCH_DEADLINES", "10000,100000").split(",")]
KEEP = os.environ.get("BENCH_KEEP") == "1"
# Two runs never share one (two at once, or one left by a run that was killed).
NAME = f"lcspr_bench_sweep_{os.getpid()}_{uuid.uuid4().hex[:8]}"

parsed = urlparse(url)
os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{NAME}"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["EMAIL_URL"] = "memorymail://"
os.environ["LOG_LEVEL"] = "WARNING"

import psycopg  # noqa: E402

admin_url = urlunparse(parsed._replace(path="/postgres"))
with psycopg.connect(admin_url, autocommit=True) as conn:
    conn.execute(f'CREATE DATABASE "{NAME}"')


def drop_database():
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


KINDS = [
    "rapid_review_meeting_latest",
    "rapid_review_complete",
    "referral_decision",
    "lcspr_complete",
]
PHASES = ["reminders_make", "request_chases_make", "reminders_send", "request_chases_send"]


def main() -> bool:
    import django

    django.setup()

    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from cases import services
    from cases.models import (
        Agency,
        AgencyKind,
        Case,
        Deadline,
        InformationRequest,
        Membership,
        Partnership,
        Role,
        Stage,
        User,
    )
    from cases.selectors import working_calendar

    partnership = Partnership.objects.get(slug="leicester")
    officer = User.objects.create(username="bench-officer", email="officer@example.org")
    chair = User.objects.create(username="bench-chair", email="chair@example.org")
    Membership.objects.create(user=officer, partnership=partnership, role=Role.BUSINESS_OFFICE)
    Membership.objects.create(user=chair, partnership=partnership, role=Role.CRG_CHAIR)
    agencies = []
    for n in range(12):
        agency = Agency.objects.create(name=f"Bench agency {n}", kind=AgencyKind.POLICE)
        agency.partnerships.add(partnership)
        agencies.append(agency)
        for m in range(3):
            user = User.objects.create(
                username=f"bench-portal-{n}-{m}", email=f"portal-{n}-{m}@example.org"
            )
            Membership.objects.create(user=user, agency=agency, role=Role.AGENCY_USER)
    cal = working_calendar(partnership=partnership)
    today = timezone.localdate()

    def fill(total):
        """`total` open deadlines, four a case, and total / 2 requests, two a case, due
        from 10 working days ago to 60 ahead; then fresh planner statistics."""
        for model in (Deadline, InformationRequest, Case):
            model.objects.for_partnership(partnership).delete()
        cases = Case.objects.bulk_create(
            (
                Case(
                    partnership=partnership,
                    reference=f"LSCP-2026-{n + 1:06d}",
                    reference_year=2026,
                    reference_number=n + 1,
                    stage=Stage.RAPID_REVIEW,
                    opened_on=today,
                    lead_officer=officer if n % 3 else None,
                )
                for n in range(total // len(KINDS))
            ),
            batch_size=5000,
        )
        dues = [cal.add(cal.subtract(today, 10), n % 70) for n in range(total)]
        Deadline.objects.bulk_create(
            (
                Deadline(
                    case=cases[n // len(KINDS)],
                    kind=KINDS[n % len(KINDS)],
                    event_date=today - timedelta(days=30),
                    due_date=dues[n],
                )
                for n in range(total)
            ),
            batch_size=5000,
        )
        sent_at = timezone.now() - timedelta(days=30)
        InformationRequest.objects.bulk_create(
            (
                InformationRequest(
                    case=cases[n // 2],
                    agency=agencies[n % len(agencies)],
                    reply_due_on=dues[n * 2 + 1],
                    sent_at=sent_at,
                    email_sent_at=sent_at,
                )
                for n in range(total // 2)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def counting(counter):
        """Every statement sent to PostgreSQL (Django's own query log stops at 9,000)."""

        def wrapper(execute, sql, params, many, context):
            counter[0] += 1
            return execute(sql, params, many, context)

        return connection.execute_wrapper(wrapper)

    def run(total):
        began = time.perf_counter()
        fill(total)
        print(
            f"\n{total:,} open deadlines loaded in {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        mail.outbox = []
        figures = {}
        for phase in PHASES:
            emails = len(mail.outbox)
            statements = [0]
            with counting(statements):
                began = time.perf_counter()
                rows = getattr(services, phase)(partnership=partnership, today=today)
                seconds = time.perf_counter() - began
            figures[phase] = (rows, statements[0], len(mail.outbox) - emails, seconds)
            print(
                f"  {phase:<22}{rows:>9,}{statements[0]:>12,}{len(mail.outbox) - emails:>9,}"
                f"{seconds:>9.1f}",
                flush=True,
            )
        total_s = sum(f[3] for f in figures.values())
        statements = sum(f[1] for f in figures.values())
        emails = sum(f[2] for f in figures.values())
        print(f"  {'the sweep':<22}{'':>9}{statements:>12,}{emails:>9,}{total_s:>9.1f}")
        # A second sweep on the same day sends nothing: each row was stamped once.
        again = sum(
            getattr(services, phase)(partnership=partnership, today=today) for phase in PHASES[2:]
        )
        print(f"  a second sweep sent {again} more")
        return figures, total_s, again

    print(
        f"deadline sweep on PostgreSQL ({NAME}), emails to an in-memory outbox\n\n"
        f"  {'phase':<22}{'rows':>9}{'statements':>12}{'emails':>9}{'s':>9}"
    )
    results = {total: run(total) for total in SIZES}
    largest = max(SIZES)
    _, seconds, _ = results[largest]
    fast = seconds < 60
    once = all(again == 0 for _, _, again in results.values())
    print("\ntargets:")
    print(f"  [{'met' if fast else 'MISSED'}] {largest:,} deadlines swept in under a minute")
    print(f"  [{'met' if once else 'MISSED'}] a second sweep sends nothing")
    return fast and once


# Stopped (Ctrl-C, kill): still drop the database, in the finally below.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
try:
    ok = main()
finally:
    if KEEP:
        print(f"kept the database {NAME} (BENCH_KEEP=1); drop it when done")
    else:
        drop_database()
sys.exit(0 if ok else 1)
