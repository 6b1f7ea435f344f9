"""`make bench`, part two: the reminder sweep over 100,000 open deadlines on PostgreSQL.

Runs against its own database (lcspr_bench on the server DATABASE_URL names), which it
creates and fills; prints the time and the number of queries for 10,000 and for
100,000 deadlines, to show that the query count does not grow with them.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    print("sweep benchmark skipped: set DATABASE_URL to a PostgreSQL server (CI does)")
    sys.exit(0)

parsed = urlparse(url)
bench_url = urlunparse(parsed._replace(path="/lcspr_bench"))
os.environ["DATABASE_URL"] = bench_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["EMAIL_URL"] = "memorymail://"

import psycopg  # noqa: E402

admin = urlunparse(parsed._replace(path="/postgres"))
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS lcspr_bench")
    conn.execute("CREATE DATABASE lcspr_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)

from cases import services  # noqa: E402
from cases.models import (  # noqa: E402
    Case,
    Deadline,
    Membership,
    Partnership,
    Reminder,
    Role,
    Stage,
    User,
)
from cases.selectors import working_calendar  # noqa: E402

partnership = Partnership.objects.get(slug="leicester")
officer = User.objects.create(username="bench-officer", email="officer@example.org")
chair = User.objects.create(username="bench-chair", email="chair@example.org")
Membership.objects.create(user=officer, partnership=partnership, role=Role.BUSINESS_OFFICE)
Membership.objects.create(user=chair, partnership=partnership, role=Role.CRG_CHAIR)
cal = working_calendar(partnership=partnership)
today = timezone.localdate()
KINDS = [
    "rapid_review_meeting_latest",
    "rapid_review_complete",
    "referral_decision",
    "lcspr_complete",
]


def fill(total):
    """`total` open deadlines, four a case, due from 10 working days ago to 60 ahead."""
    for model in (Reminder, Deadline, Case):
        model.objects.for_partnership(partnership).delete()
    cases = Case.objects.bulk_create(
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


def run(total):
    fill(total)
    with CaptureQueriesContext(connection) as made_queries:
        began = time.perf_counter()
        made = services.reminders_make(partnership=partnership, today=today)
        make_seconds = time.perf_counter() - began
    began = time.perf_counter()
    services.reminders_send(partnership=partnership)
    send_seconds = time.perf_counter() - began
    sql = [q["sql"] for q in made_queries.captured_queries]
    inserts = sum(s.lstrip().upper().startswith("INSERT") for s in sql)
    return made, len(sql) - inserts, inserts, make_seconds, send_seconds


print("reminder sweep on PostgreSQL (emails to an in-memory outbox)\n")
print(
    f"{'open deadlines':>15}{'reminders':>11}{'reads':>7}{'inserts':>9}{'make: s':>9}{'send: s':>9}"
)
results = {}
for total in (10_000, 100_000):
    made, reads, inserts, make_s, send_s = run(total)
    results[total] = (reads, make_s + send_s)
    print(f"{total:>15,}{made:>11,}{reads:>7}{inserts:>9}{make_s:>9.1f}{send_s:>9.1f}")

with psycopg.connect(admin, autocommit=True) as conn:
    connection.close()
    conn.execute("DROP DATABASE IF EXISTS lcspr_bench")

constant = results[10_000][0] == results[100_000][0]
fast = results[100_000][1] < 60
print("\ntargets:")
print(
    f"  [{'met' if constant else 'MISSED'}] reads do not grow with the deadlines "
    "(the reminders are written 5,000 rows an INSERT)"
)
print(
    f"  [{'met' if fast else 'MISSED'}] 100,000 deadlines swept (made and sent) in under a minute"
)
sys.exit(0 if constant and fast else 1)
