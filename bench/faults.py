"""`make faults` (issue 18): a bounded soak with the real worker, beat, PostgreSQL, Redis and
gunicorn, while reminders and emails are due, through five faults.

It starts its own throwaway PostgreSQL (port 55432) and Redis (port 56390, no persistence)
under /tmp, never the shared services, because it kills and restarts them. As root it
mounts a 4 MB tmpfs as the upload folder, to fill it. Emails go to files (filemail://),
one file each, so that they can be counted. A client signed in as the Leicester Business
Office requests pages throughout and records every response.

Faults, in order: SIGKILL the worker mid-sweep and restart it; restart Redis; restart
PostgreSQL while requests are in flight; two beats at once; a full upload folder and an
upload through the web. Then it checks and prints: each email once in the outbox, no
reminder lost or doubled, every response a page or the product's own error page, and the
seconds the app took to serve normally after each service came back (target 30).

FAULTS_SECONDS (default 150) bounds the soak's quiet stretches; FAULTS_DIR (default
/tmp/lcspr-faults) holds everything it makes, removed on the next run.
"""

# ruff: noqa: S603, S607 - it runs and stops its own services by their paths

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from base64 import b32decode
from collections import Counter
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
WORK = Path(os.environ.get("FAULTS_DIR", "/tmp/lcspr-faults"))  # noqa: S108 - throwaway
SECONDS = int(os.environ.get("FAULTS_SECONDS", "150"))
SCALE = os.environ.get("FAULTS_SCALE", "0.02")  # seed_scale's: 200 cases, 2,000 deadlines
PG_PORT, REDIS_PORT, WEB_PORT = 55432, 56390, 58390
PG_BIN = next(
    (p / "initdb").resolve().parent
    for p in [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]
    if (p / "initdb").exists()
)
ERROR_PAGE = "Sorry, there is a problem with the service"
DEMO_TOTP_KEY = "NRRXG4DSFVSGK3LPFV2G65DQFVVWK6JB"  # the demo's shared key (README)
ROOTED = os.geteuid() == 0

ENV = {
    **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}},
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/lcspr_faults",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "SECRET_KEY": "faults-only-" + "x" * 40,
    "DEMO": "1",
    "HTTPS": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "STATIC_ROOT": str(WORK / "static"),
    "MEDIA_ROOT": str(WORK / "media"),
    "EMAIL_URL": "filemail://",
    "EMAIL_FILE_PATH": str(WORK / "outbox"),
    "MAIL_SWEEP_MINUTES": "1",
    "MAIL_SWEEP_GRACE_MINUTES": "0",
    "CELERY_QUEUE_DIR": str(WORK / "celery"),
    # Short task limits, so that the leases of the sender killed mid-batch run out (the
    # hard limit and 30 s, cases/services/mail.py) within the soak. The broker's visibility
    # timeout follows (the hard limit and 60 s, settings).
    "CELERY_TASK_SOFT_TIME_LIMIT": "60",
    "CELERY_TASK_TIME_LIMIT": "90",
    "LOG_LEVEL": "WARNING",
}
procs: dict[str, subprocess.Popen] = {}
KILLED_FILES: set[Path] = set()  # the outbox's files when the worker was killed
LOG_START = [0]  # where this run's lines begin in services.log
OUTCOMES_DUE = [0]  # outcome notices seed_demo had emailed, made due again
log = open(os.devnull, "w")  # noqa: SIM115 - replaced in main()


def say(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def run(*args, **kw):
    return subprocess.run(args, check=True, env=ENV, cwd=ROOT, **kw)


def as_postgres(*args):
    prefix = ["runuser", "-u", "postgres", "--"] if ROOTED else []
    return subprocess.run([*prefix, *args], check=True, stdout=log, stderr=log)


def pg(action):
    as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(WORK / "pg"), "-w", "-m", "fast", "-l",
        str(WORK / "pg.log"), "-o", f"-p {PG_PORT} -k {WORK} -c listen_addresses=127.0.0.1",
        action,
    )  # fmt: skip


def start(name, *args):
    procs[name] = subprocess.Popen(args, env=ENV, cwd=ROOT, stdout=log, stderr=log)


def redis_start():
    start("redis", "/usr/bin/redis-server", "--port", str(REDIS_PORT), "--save", "",
          "--appendonly", "no", "--bind", "127.0.0.1")  # fmt: skip
    time.sleep(0.5)


def worker_start():
    start("worker", str(BIN / "celery"), "-A", "lcspr", "worker", "--concurrency=2",
          "--without-mingle", "--without-gossip", "--loglevel=INFO")  # fmt: skip


def beat_start(name):
    start(name, str(BIN / "celery"), "-A", "lcspr", "beat", "--loglevel=INFO",
          "--schedule", str(WORK / f"{name}-schedule"))  # fmt: skip


def stop(name, sig=signal.SIGTERM):
    proc = procs.pop(name)
    proc.send_signal(sig)
    proc.wait(timeout=30)


def setup():
    if ROOTED and os.path.ismount(WORK / "media"):
        subprocess.run(["umount", str(WORK / "media")], check=False)
    keep_static = WORK / "static"
    for child in WORK.glob("*") if WORK.exists() else []:
        if child not in {keep_static, WORK / "services.log"}:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for folder in ("pg", "media", "outbox", "celery/queue", "celery/control"):
        (WORK / folder).mkdir(parents=True, exist_ok=True)
    if ROOTED:
        shutil.chown(WORK, "postgres")
        shutil.chown(WORK / "pg", "postgres")
        # A small filesystem of its own, to fill without touching anyone else's disk.
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(WORK / "media")],
                       check=True)  # fmt: skip
    as_postgres(str(PG_BIN / "initdb"), "-D", str(WORK / "pg"), "-U", "postgres",
                "--auth=trust", "-E", "UTF8")  # fmt: skip
    pg("start")
    as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U",
                "postgres", "lcspr_faults")  # fmt: skip
    redis_start()
    py = str(BIN / "python")
    run(py, "manage.py", "migrate", "--no-input", "-v0", stdout=log, stderr=log)
    run(py, "manage.py", "seed_demo", stdout=log, stderr=log)
    # Volume on the demo, so that the deadline sweep's batch is long enough (hundreds of
    # reminders) for the kill to land in the middle of it, with emails claimed and unsent.
    run(py, "manage.py", "seed_scale", "--scale", SCALE, stdout=log, stderr=log)
    OUTCOMES_DUE[0] = int(
        shell(
            "from rapidreview.models import OutcomeNotice as O; "
            "print(O.unscoped.filter(email_sent_at__isnull=False).count())"
        )
    )
    # Everything seed_demo emailed becomes due again, so that the faults meet it: its
    # reminders are made afresh by the sweep, its requests and outcome notices are
    # re-sent by the mail sweep (grace 0).
    shell(
        "from cases.models import Reminder, InformationRequest as R; "
        "from rapidreview.models import OutcomeNotice as O; "
        "Reminder.unscoped.all().delete(); "
        "rows = [*R.unscoped.filter(email_sent_at__isnull=False), "
        "*O.unscoped.filter(email_sent_at__isnull=False)]\n"
        "for row in rows:\n"
        "    row.email_sent_at = None; row.save(update_fields=['email_sent_at'])"
    )
    shutil.rmtree(WORK / "outbox")
    (WORK / "outbox").mkdir()
    if not (keep_static / "staticfiles.json").exists():
        run(py, "manage.py", "collectstatic", "--no-input", "-v0", stdout=log, stderr=log)
    start("web", str(BIN / "gunicorn"), "lcspr.wsgi", "-b", f"127.0.0.1:{WEB_PORT}",
          "-w", "3", "--timeout", "30")  # fmt: skip
    worker_start()
    beat_start("beat")
    import requests

    for _ in range(240):
        try:
            requests.get(f"http://127.0.0.1:{WEB_PORT}/health/", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.5)


# ---- the client -------------------------------------------------------------------------

BASE = f"http://127.0.0.1:{WEB_PORT}"
PAGES = ["/", "/cases/"]  # the API answers 403 to an office session: not a fault
responses: list[tuple[float, str, str]] = []  # (time, page, outcome)
stop_client = threading.Event()


def totp_now():
    sys.path.insert(0, str(ROOT))
    from django_otp.oath import totp

    return f"{totp(b32decode(DEMO_TOTP_KEY)):06d}"


def signed_in_session(username="leicester-office"):
    import requests

    session = requests.Session()
    page = session.get(f"{BASE}/sign-in/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    password = os.environ.get("DEMO_PASSWORD", "lcspr-demo-only")
    session.post(f"{BASE}/sign-in/", timeout=10, headers={"Referer": BASE},
                 data={"csrfmiddlewaretoken": token, "username": username,
                       "password": password})  # fmt: skip
    page = session.get(f"{BASE}/sign-in/two-factor/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = session.post(f"{BASE}/sign-in/two-factor/", timeout=10, headers={"Referer": BASE},
                        data={"csrfmiddlewaretoken": token, "code": totp_now()})  # fmt: skip
    assert session.get(f"{BASE}/", timeout=10).status_code == 200, done.status_code
    return session


def classify(response) -> str:
    if response.status_code < 400:
        return "ok"
    if response.status_code == 500 and ERROR_PAGE in response.text:
        return "error page"
    if "Traceback" in response.text or "Internal Server Error" in response.text:
        return f"stack trace or bare error {response.status_code}"
    return f"other {response.status_code}"


def client(session):
    import requests

    n = 0
    while not stop_client.is_set():
        page = PAGES[n % len(PAGES)]
        n += 1
        try:
            outcome = classify(session.get(BASE + page, timeout=40, allow_redirects=False))
        except requests.RequestException as error:
            outcome = f"no answer ({type(error).__name__})"
        responses.append((time.monotonic(), page, outcome))
        time.sleep(0.1)


def back_within(label, since, session):
    """Seconds from a service's return until a page serves normally."""
    import requests

    while time.monotonic() - since < 120:
        try:
            if session.get(BASE + "/", timeout=10).status_code == 200:
                took = time.monotonic() - since
                say(f"{label}: the app serves normally {took:.1f} s after the service returned")
                return took
        except requests.RequestException:
            pass
        time.sleep(0.25)
    return float("inf")


def outbox_count():
    return len(list((WORK / "outbox").glob("*.log")))


def shell(code):
    return run(str(BIN / "python"), "manage.py", "shell", "--no-imports", "-c", code,
               capture_output=True, text=True).stdout  # fmt: skip


SWEEP = "from cases.tasks import deadlines_sweep; deadlines_sweep.delay()"


# ---- the soak ---------------------------------------------------------------------------


def soak():
    recovery = {}
    probe = signed_in_session()
    watcher = threading.Thread(target=client, args=(signed_in_session(),), daemon=True)
    watcher.start()
    quiet = max(5, SECONDS // 6)
    say(f"baseline {quiet} s")
    time.sleep(quiet)

    # 1. The worker killed mid-sweep (SIGKILL), then restarted: acks_late hands the task back.
    before = outbox_count()
    shell(SWEEP)
    waited = time.monotonic()
    while outbox_count() == before and time.monotonic() - waited < 60:
        time.sleep(0.02)
    time.sleep(0.2)
    killed_at = outbox_count() - before
    # The pool's processes too, as a supervisor's kill of the whole group would.
    pid = procs["worker"].pid
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    stop("worker", signal.SIGKILL)
    for child in children.stdout.split():
        os.kill(int(child), signal.SIGKILL)
    KILLED_FILES.update((WORK / "outbox").glob("*.log"))  # the killed batch's among them
    say(f"worker SIGKILLed mid-sweep after {killed_at} of its emails; restarting it")
    worker_start()
    time.sleep(quiet)

    # 2. Redis restarted (its data lost: no persistence), with pages requested throughout.
    stop("redis")
    say("Redis stopped")
    time.sleep(quiet)
    redis_start()
    recovery["Redis"] = back_within("Redis", time.monotonic(), probe)
    time.sleep(quiet)

    # 3. PostgreSQL restarted while requests are in flight.
    say("PostgreSQL restarting during requests")
    threads = [
        threading.Thread(target=lambda: probe.get(BASE + "/cases/", timeout=40)) for _ in range(3)
    ]
    for t in threads:
        t.start()
    pg("restart")
    recovery["PostgreSQL"] = back_within("PostgreSQL", time.monotonic(), probe)
    for t in threads:
        t.join()
    time.sleep(quiet)

    # 4. Two beats at once, across at least one mail-sweep minute, and the sweep twice.
    beat_start("beat2")
    say("two beats running; the deadline sweep queued twice")
    shell(SWEEP + "; deadlines_sweep.delay()")
    time.sleep(max(65, quiet))
    stop("beat2")

    # 5. The upload folder full, and an upload through the web.
    upload = disk_full_upload(probe)
    time.sleep(quiet)
    # Let the last minute's mail sweep run before counting.
    time.sleep(65)
    stop_client.set()
    watcher.join()
    return killed_at, recovery, upload


def disk_full_upload(session):
    """Fill the upload folder's filesystem, then attach a PDF in the agency portal: the page
    must say the file could not be saved, and no document row nor file may be left."""
    if not ROOTED:
        say("not root: no tmpfs to fill, so the full-disk fault is skipped (said in the report)")
        return "skipped"
    filler = WORK / "media" / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], stdout=log, stderr=log,
                   check=False)  # fmt: skip
    say(f"upload folder full ({shutil.disk_usage(WORK / 'media').free} bytes free)")
    files_before = {p for p in (WORK / "media").rglob("*") if p.is_file()}
    # A request still open for the police's reply: a submitted one has no upload form, and
    # posting to it is refused for that reason (the first by pk is submitted in seed_demo).
    target = shell(
        "from cases.models import InformationRequest as R; "
        "from cases.models import Membership as M; "
        "a = M.objects.filter(user__username='police-portal').values('agency'); "
        "r = next((r for r in R.unscoped.filter(agency__in=a).select_related('case')"
        ".order_by('pk') if r.is_open_for_agency), None); "
        "print(r.pk if r else '')"
    ).strip()
    outcome = "no request open for the police's reply"
    if target:
        count = (
            "from cases.models import Attachment as A; "
            f"print(A.unscoped.filter(request_id={target}).count())"
        )
        rows_before = int(shell(count))
        url = f"{BASE}/portal/requests/{target}/documents/"
        portal = signed_in_session("police-portal")
        page = portal.get(url, timeout=20)
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        if page.status_code == 200 and 'type="file"' in page.text:
            sent = portal.post(url, headers={"Referer": BASE}, timeout=40, data=hidden,
                               files={"file": ("letter.pdf", b"%PDF-1.4\n" + b"0" * 300_000,
                                                     "application/pdf")})  # fmt: skip
            # The field's message, else the error summary's (a refusal not about the file),
            # else the banner of the page it went on to (the upload went through).
            said = (
                re.search(r'govuk-error-message">(?:<span[^>]*>[^<]*</span>)?\s*([^<]+)', sent.text)
                or re.search(r'govuk-error-summary__list">\s*<li><a [^>]*>([^<]+)', sent.text)
                or re.search(r'govuk-notification-banner__heading">\s*([^<]+)', sent.text)
            )
            rows = int(shell(count)) - rows_before
            left = {p for p in (WORK / "media").rglob("*") if p.is_file()} - files_before
            outcome = (
                f"{sent.status_code}{' after a redirect' if sent.history else ''} "
                f"({classify(sent)}): "
                + (unescape(said.group(1)).strip() if said else "no message on the page")
                + f"; {rows} document rows and {len(left)} files added"
            )
        else:
            outcome = f"upload page answered {page.status_code} with no upload form"
    say(f"upload with the disk full: {outcome}")
    filler.unlink()
    return outcome


def outbox(paths=None):
    messages = []
    for path in (WORK / "outbox").glob("*.log") if paths is None else paths:
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if part.strip():
                # The default policy decodes an encoded subject (one with a "§" in it).
                msg = email.message_from_bytes(part, policy=email.policy.default)
                messages.append(
                    (msg["To"], " ".join(str(msg["Subject"]).split()), _text_of(msg))  # unfolded
                )
    return messages


def in_flight_at_the_kill() -> set:
    """The last message each connection open at the kill wrote: the one message a kill
    can double (accepted by the mail server before its lease ended, cases/services/mail.py).
    Any other duplicate fails the soak."""
    return {messages[-1] for path in KILLED_FILES if (messages := outbox([path]))}


def _text_of(msg) -> str:
    """The plain text of a message: two emails are the same email when their recipients,
    subject and text are (two steps of one plan have the same subject, not the same text)."""
    body = msg.get_body(preferencelist=("plain",))
    return body.get_content().strip() if body is not None else ""


def released_after_the_kill() -> int:
    """Emails a killed sender held, taken back by the mail sweep (cases/services/mail.py
    logs each release at WARNING, which the services' log keeps)."""
    with open(WORK / "services.log", "rb") as whole:
        whole.seek(LOG_START[0])  # this run's part of it
        text = whole.read().decode(errors="replace")
    return sum(int(n) for n in re.findall(r"(\d+) emails left by a stopped sender", text))


def check(killed_at, recovery, upload):
    messages = outbox()
    doubled = {key: n for key, n in Counter(messages).items() if n > 1}
    # At most one message in flight, sent again: the only double SMTP cannot rule out.
    in_flight = {key for key in doubled if key in in_flight_at_the_kill() and doubled[key] == 2}
    in_flight = set(list(in_flight)[:1])
    doubled = {key: n for key, n in doubled.items() if key not in in_flight}
    figures = shell(
        "from django.db.models import Count; "
        "from cases.models import Reminder, InformationRequest as R; "
        "from rapidreview.models import OutcomeNotice as O; "
        "from cases.models import MailClaim; "
        "sent = Reminder.unscoped.filter(email_sent_at__isnull=False, recipient__email__gt='');"
        "unsent = Reminder.unscoped.filter(email_sent_at__isnull=True, deadline__status='open');"
        "dup = Reminder.unscoped.values('deadline','recipient','kind','threshold')"
        ".annotate(n=Count('id')).filter(n__gt=1).count();"
        "print(Reminder.unscoped.count(), sent.count(), unsent.count(), dup,"
        " R.unscoped.filter(email_sent_at__isnull=False).count(),"
        " R.unscoped.filter(email_sent_at__isnull=True, sent_at__isnull=False).count(),"
        " O.unscoped.filter(email_sent_at__isnull=False).count(),"
        " O.unscoped.filter(email_sent_at__isnull=True).count(), MailClaim.objects.count())"
    ).split()
    reminders, stamped, unsent, dup_rows, req_sent, req_unsent, out_sent, out_unsent, held = map(
        int, figures
    )
    # A deadline's reminder, told apart by its text (templates/emails/reminder.txt), since
    # other emails' subjects also end "due ..." (an action for an agency).
    reminder_keys = {key for key in messages if "to see the case's deadlines." in key[2]}
    subjects = Counter("reminder" if key in reminder_keys else "other" for key in messages)
    outcomes = Counter(o for _, _, o in responses)
    bad = {o: n for o, n in outcomes.items() if o not in {"ok", "error page"}}
    print("\n== make faults: results ==")
    print(f"worker SIGKILLed after {killed_at} emails of the sweep had gone")
    print(
        f"emails the killed worker had claimed and not sent, sent again by the mail sweep: "
        f"{released_after_the_kill()}"
    )
    print(
        f"outbox: {len(messages)} emails, {sum(doubled.values()) - len(doubled)} duplicates, "
        f"and {len(in_flight)} message in flight at the kill sent again"
        + "".join(f" ({key[1]!r} to {key[0]})" for key in in_flight)
    )
    print(
        f"reminders: {reminders} rows, {dup_rows} doubled rows, {stamped} stamped sent, "
        f"{subjects['reminder']} reminder emails in the outbox, {unsent} still unsent"
    )
    print(f"information requests: {req_sent} emailed, {req_unsent} sent but not emailed")
    print(f"emails still claimed by a sender (leases not ended): {held}")
    print(
        f"Rapid Review outcome notices: {OUTCOMES_DUE[0]} made due, {out_sent} emailed "
        f"({out_unsent} never meant to be, as seeded)"
    )
    shown = ", ".join(f"{o} {n}" for o, n in outcomes.items())
    print(f"web responses: {len(responses)}: {shown}")
    for label, took in recovery.items():
        print(f"{label}: serving normally {took:.1f} s after it returned (target 30 s)")
    print(f"upload with the upload folder full: {upload}")
    failures = []
    if doubled:
        failures.append(f"emails doubled: {[key[:2] for key in doubled][:5]}")
    if dup_rows:
        failures.append("reminder rows doubled")
    if stamped != subjects["reminder"] - sum(1 for key in in_flight if key in reminder_keys):
        failures.append(f"{stamped} reminders stamped sent but {subjects['reminder']} in outbox")
    if unsent:
        failures.append(f"{unsent} due reminders never sent")
    if held:
        failures.append(f"{held} emails still claimed, never confirmed sent")
    if req_unsent or out_sent < OUTCOMES_DUE[0]:
        failures.append("information request or outcome emails never sent")
    if bad:
        failures.append(f"responses neither a page nor the error page: {bad}")
    if upload != "skipped" and not (
        "storage is full" in upload and upload.endswith("; 0 document rows and 0 files added")
    ):
        failures.append("the upload with the folder full was not refused cleanly")
    if any(took > 30 for took in recovery.values()):
        failures.append("slow to recover")
    print("FAILED:\n  " + "\n  ".join(failures) if failures else "all checks passed")
    return not failures


def main():
    global log
    WORK.mkdir(parents=True, exist_ok=True)
    log = open(WORK / "services.log", "a")  # noqa: SIM115 - for the whole run
    LOG_START[0] = log.tell()
    ok = False
    try:
        say(f"setting up under {WORK} (PostgreSQL :{PG_PORT}, Redis :{REDIS_PORT})")
        setup()
        ok = check(*soak())
    finally:
        for name in list(procs):
            stop(name, signal.SIGTERM)
        with contextlib.suppress(subprocess.CalledProcessError):
            pg("stop")
        if ROOTED:
            subprocess.run(["umount", str(WORK / "media")], check=False)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
