"""`make loadtest` (issue 18): the product's pages under load at 10,000 cases, beside the
Django admin's changelist of the same cases.

On a database of its own (a new name each run, on the server DATABASE_URL names, dropped at
the end), it loads the demo and seed_scale's volume (LOADTEST_SCALE, default 1: 10,000
cases), then starts gunicorn on 127.0.0.1 only (bench/loadtest_wsgi.py: the product, plus
the admin changelist of cases as the yardstick) and runs locust headless against it
(bench/locustfile.py) with a bounded number of users for a bounded time.

The users are the demo's: each partnership's Business Office and CRG chair, and the portal
users (the police, who serve both partnerships, and Leicester's demo school), plus a
superuser for the admin changelist. Sign-in has two factors (django-otp), and a load test
should not hold the authenticator key, so this script signs them in server-side, as the
tests do (tests/factories.py sign_in): Django's login for the user, with their confirmed
authenticator device recorded in the session as verified. Locust sends that session's
cookie; no password or code crosses the wire.

It prints, for each page, its p50, p95 and p99 (ms, locust's) and their ratio to the admin
changelist's; the target is each page's p95 at most the changelist's.

LOADTEST_USERS (default 7: one for each account, one of them always on the admin
changelist, at least 2), LOADTEST_DURATION (default 3m), LOADTEST_WORKERS (gunicorn's sync
workers, default 3 as in production), LOADTEST_SCALE; LOADTEST_KEEP=1 keeps the database
(and the logs), and LOADTEST_REUSE=<a kept or seed_scale'd database> runs on it without
loading anything.
"""

import csv
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    print("load test skipped: set DATABASE_URL to a PostgreSQL server")
    sys.exit(0)

USERS = int(os.environ.get("LOADTEST_USERS", 7))  # one on the admin changelist, always
if USERS < 2:
    raise SystemExit("LOADTEST_USERS: at least 2, one of them for the admin changelist")
DURATION = os.environ.get("LOADTEST_DURATION", "3m")
WORKERS = int(os.environ.get("LOADTEST_WORKERS", 3))
SCALE = float(os.environ.get("LOADTEST_SCALE", 1))
REUSE = os.environ.get("LOADTEST_REUSE", "")
KEEP = bool(os.environ.get("LOADTEST_KEEP")) or bool(REUSE)
NAME = REUSE or f"lcspr_loadtest_{uuid.uuid4().hex[:12]}"
SAMPLE = 40  # cases (and requests) each account opens, drawn from at random
ADMIN = "admin changelist"

parsed = urlparse(url)
SERVER_ENV = {
    **os.environ,
    "DATABASE_URL": urlunparse(parsed._replace(path=f"/{NAME}")),
    "DJANGO_SETTINGS_MODULE": "lcspr.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "loadtest-only"),
    "DEBUG": "0",
    "DEMO": "1",  # seed_scale's demo data, known passwords: never a real deployment
    "HTTPS": "0",  # plain HTTP on the loopback
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_URL": "memorymail://",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(SERVER_ENV)

import psycopg  # noqa: E402

admin_url = urlunparse(parsed._replace(path="/postgres"))
if not REUSE:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{NAME}"')


def step(text):
    print(f"  {text}", file=sys.stderr, flush=True)


def pages_of(kind):
    """[name, path] of the pages an account of that kind opens."""
    if kind == "office":
        return [
            ["dashboard (office)", "/"],
            ["case list (office)", "/cases/"],
            ["case list filtered (office)", "/cases/?stage=rapid_review&overdue=on"],
            ["case page (office)", "/cases/{case}/"],
            ["case tab: timeline", "/cases/{case}/timeline/"],
            ["case tab: deadlines", "/cases/{case}/deadlines/"],
            ["case tab: requests", "/cases/{case}/requests/"],
            ["case tab: rapid review", "/cases/{case}/rapid-review/"],
            ["case tab: history", "/cases/{case}/history/"],
            ["case tab: combined summary", "/cases/{case}/combined-summary/"],
            ["API cases", "/api/v1/cases/"],
            ["API information requests", "/api/v1/information-requests/"],
            ["API rapid reviews", "/api/v1/rapid-reviews/"],
            ["API LCSPRs", "/api/v1/lcsprs/"],
        ]
    if kind == "chair":
        return [
            ["dashboard (chair)", "/"],
            ["case list (chair)", "/cases/"],
            ["case list filtered (chair)", "/cases/?stage=lcspr"],
            ["case page (chair)", "/cases/{case}/"],
        ]
    if kind == "portal":
        return [
            ["dashboard (portal)", "/"],
            ["portal requests", "/portal/"],
            ["portal papers and outcomes", "/portal/papers/"],
            ["portal actions", "/portal/actions/"],
            ["portal request page", "/portal/requests/{request}/"],
            ["API information requests (portal)", "/api/v1/information-requests/"],
        ]
    return [[ADMIN, "/admin/cases/case/"]]


ACCOUNTS = [
    ("leicester-office", "office"),
    ("lr-office", "office"),
    ("leicester-chair", "chair"),
    ("lr-chair", "chair"),
    ("police-portal", "portal"),
    ("school-portal", "portal"),
    ("loadtest-admin", "admin"),
]


def prepare():
    """Load the data (unless reusing), sign the accounts in; the plan for locust."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from cases.models import Case, InformationRequest, Membership, Partnership, Role, User
    from cases.tenancy import Scope
    from tests.factories import sign_in

    if not REUSE:
        step(f"migrating {NAME}")
        call_command("migrate", verbosity=0)
        step(f"seed_scale --scale {SCALE:g}")
        call_command("seed_scale", scale=SCALE)
    admin, made = User.objects.get_or_create(
        username="loadtest-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if made:  # a membership, as every signed-in page asks for one
        Membership.objects.create(
            user=admin,
            role=Role.BUSINESS_OFFICE,
            partnership=Partnership.objects.get(slug="leicester"),
        )
    accounts = []
    for username, kind in ACCOUNTS:
        user = User.objects.get(username=username)
        membership = Membership.objects.filter(user=user, is_active=True).get()
        scope = Scope(user=user, membership=membership)
        cases, requests = [], []
        if kind in ("office", "chair"):
            # seed_scale's cases with a Rapid Review, so that every tab has something.
            cases = list(
                Case.objects.visible_to(scope)
                .filter(reference__contains="-S", rapid_review__isnull=False)
                .order_by("?")
                .values_list("reference", flat=True)[:SAMPLE]
            )
        if kind == "portal":
            requests = list(
                InformationRequest.objects.visible_to(scope)
                .order_by("?")
                .values_list("pk", flat=True)[:SAMPLE]
            )
        client = sign_in(Client(), user)
        accounts.append(
            {
                "username": username,
                "kind": kind,
                "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "pages": pages_of(kind),
                "cases": cases,
                "requests": requests,
            }
        )
    from django.db import connections

    connections.close_all()
    return {"cookie_name": settings.SESSION_COOKIE_NAME, "accounts": accounts}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_server(port, work):
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.loadtest_wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",  # the loopback only
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=SERVER_ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            if get(port, "/health/") == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not start: see {work / 'gunicorn.log'}")


def check_pages(port, plan):
    """Each page once, before the clock starts: a page that does not answer 200 is left
    out of the run and named. (Each worker readies itself as it starts,
    `lcspr.startup.warm_up`.)"""
    refused = []
    for account in plan["accounts"]:
        cookie = f"{plan['cookie_name']}={account['cookie']}"
        kept = []
        for name, path in account["pages"]:
            concrete = path.format(
                case=(account["cases"] or [""])[0], request=(account["requests"] or [""])[0]
            )
            status = get(port, concrete, cookie)
            if status == 200:
                kept.append([name, path])
            else:
                refused.append(f"{name} as {account['username']}: {status} for {concrete}")
        account["pages"] = kept
    return refused


def percentile_table(stats_csv):
    rows = {}
    with open(stats_csv) as handle:
        for row in csv.DictReader(handle):
            if row["Name"] != "Aggregated":
                rows[row["Name"]] = row
    return rows


def report(plan, rows, refused, seconds):
    admin = rows.get(ADMIN)
    if admin is None:
        print("the admin changelist was not measured: no reference")
        return 1
    ref = {q: float(admin[q]) for q in ("50%", "95%", "99%")}
    print(
        f"\nload test: {USERS} users for {DURATION} against gunicorn ({WORKERS} workers) "
        f"on 127.0.0.1, database {NAME} ({seconds:.0f} s in all)\n"
    )
    header = f"{'page':<36}{'reqs':>6}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}"
    print(f"{header}{'p50/adm':>9}{'p95/adm':>9}{'p99/adm':>9}")
    missed = []
    order = sorted(rows, key=lambda name: (name != ADMIN, name))
    for name in order:
        row = rows[name]
        p = {q: float(row[q]) for q in ("50%", "95%", "99%")}
        print(
            f"{name:<36}{row['Request Count']:>6}{row['Failure Count']:>6}"
            f"{p['50%']:>7.0f}{p['95%']:>7.0f}{p['99%']:>7.0f}"
            f"{p['50%'] / ref['50%']:>9.2f}{p['95%'] / ref['95%']:>9.2f}"
            f"{p['99%'] / ref['99%']:>9.2f}"
        )
        if name != ADMIN and (p["95%"] > ref["95%"] or int(row["Failure Count"])):
            missed.append(name)
    print("\n(ms; locust's percentiles, rounded as it buckets them)")
    print("target: each page's p95 at most the admin changelist's, and no failure")
    for name in order[1:]:
        print(f"  [{'MISSED' if name in missed else 'met'}] {name}")
    for line in refused:
        print(f"  [NOT MEASURED] {line}")
    unasked = sorted(
        {name for account in plan["accounts"] for name, _ in account["pages"]} - set(rows)
    )
    for name in unasked:
        print(f"  [NOT MEASURED] {name}: no user opened it (more users, or a longer run)")
    return 1 if missed or refused or unasked else 0


def main():
    began = time.perf_counter()
    plan = prepare()
    work = Path(tempfile.mkdtemp(prefix="lcspr-loadtest-"))
    port = free_port()
    step(f"gunicorn on 127.0.0.1:{port}")
    server = start_server(port, work)
    try:
        refused = check_pages(port, plan)
        (work / "plan.json").write_text(json.dumps(plan))
        step(f"locust: {USERS} users for {DURATION} (log: {work / 'locust.log'})")
        with open(work / "locust.log", "w") as log:
            subprocess.run(  # noqa: S603 - our own command line
                [
                    str(ROOT / ".venv/bin/locust"),
                    "-f",
                    str(ROOT / "bench/locustfile.py"),
                    "--headless",
                    "--users",
                    str(USERS),
                    "--spawn-rate",
                    "1",  # people arrive over the first seconds, not in one instant
                    "--run-time",
                    DURATION,
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(work / "locust"),
                    "--only-summary",
                    "--stop-timeout",
                    "30",
                ],
                cwd=ROOT,
                env={**SERVER_ENV, "LOADTEST_PLAN": str(work / "plan.json")},
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        rows = percentile_table(work / "locust_stats.csv")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        # The plan holds live session cookies; the logs are kept only with the database.
        (work / "plan.json").unlink(missing_ok=True)
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)
    return report(plan, rows, refused, time.perf_counter() - began)


try:
    status = main()
finally:
    if KEEP:
        print(f"\nkept the database {NAME}: drop it when done", file=sys.stderr)
    else:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
sys.exit(status)
