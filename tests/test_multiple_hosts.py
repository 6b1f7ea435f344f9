"""More than one web host (issue 18): uploaded files go through Django's storage API, so
an S3-compatible object store serves them by configuration alone; the cache tolerates
Redis going away; and one person's session is served by any host."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import boto3
import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws

from cases import services
from cases.models import AgencyKind, Attachment, Stage
from cases.tenancy import Scope
from lcspr.backups import files
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

BUCKET = "lcspr-test-uploads"
REGION = "eu-west-2"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def s3(settings, monkeypatch):
    """The default storage is S3Storage, as STORAGE_BACKEND=s3 makes it, on moto's
    in-process S3 (no network). Yields the bucket's boto3 client."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **_s3_options_as_settings_make_them(),
                    "bucket_name": BUCKET,
                    "region_name": REGION,
                    "access_key": "testing",
                    "secret_key": "testing",  # noqa: S105 - moto's fake credentials
                },
            },
        }
        yield client


def _s3_options_as_settings_make_them():
    """The options lcspr/settings.py gives S3Storage but the bucket and the keys."""
    from django.conf import settings

    if settings.STORAGE_BACKEND == "s3":
        return dict(settings.MEDIA_STORAGE_OPTIONS)
    return {
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        "custom_domain": None,
        "file_overwrite": False,
    }


def objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


# --- An agency's document, through the product, in the object store ----------------------


def test_an_agencys_document_is_uploaded_downloaded_and_withdrawn_through_the_object_store(
    client, s3, leicester, leicester_office
):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    portal_user = agency_user(police, username="police-portal")
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    (item,) = services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(7), actor=None
    )
    # The object store has no filesystem path: a `.path` anywhere in the way would fail.
    with pytest.raises(NotImplementedError):
        default_storage.path("anything")

    sign_in(client, portal_user)
    response = client.post(
        f"/portal/requests/{item.pk}/documents/",
        {"file": SimpleUploadedFile("visit-notes.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    (attachment,) = Attachment.objects.for_partnership(leicester).filter(request=item)
    stored = objects(s3)
    assert stored == {attachment.file.name: PDF_BYTES}
    assert attachment.file.name.startswith(f"requests/{item.pk}/")
    assert "visit" not in attachment.file.name
    # Private whatever the bucket's default: only the owner may read it.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=attachment.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all("URI" not in g["Grantee"] for g in grants)  # no AllUsers / AuthenticatedUsers
    # Any URL the storage makes for it is signed.
    assert "X-Amz-Signature=" in attachment.file.url

    services.reply_submit(
        scope=Scope(user=portal_user, membership=portal_user.memberships.get()),
        request=item,
        details=services.ReplyDetails(
            involvement="yes",
            involvement_summary="Neighbourhood officers attended twice.",
            facts="Call-out on 4 October; no arrests.",
            records_secured=False,
            completed_by="DS Khan",
        ),
        version=item.version,
    )
    for user in (portal_user, leicester_office):
        sign_in(client, user)
        response = client.get(f"/documents/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"] == (
            f'attachment; filename="{case.reference}-document-{attachment.pk}.pdf"'
        )


def test_a_withdrawn_document_leaves_its_file_in_the_object_store(client, s3, leicester):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    portal_user = agency_user(police)
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    (item,) = services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(7), actor=None
    )
    sign_in(client, portal_user)
    client.post(
        f"/portal/requests/{item.pk}/documents/",
        {"file": SimpleUploadedFile("notes.txt", b"Visit notes.")},
    )
    (attachment,) = Attachment.objects.for_partnership(leicester).filter(request=item)
    assert client.post(f"/portal/documents/{attachment.pk}/remove/").status_code == 302
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404
    # Withdrawn, not erased: the history still names the file, and the store keeps it.
    assert objects(s3) == {attachment.file.name: b"Visit notes."}


def test_two_uploads_with_one_name_never_overwrite_each_other(s3):
    first = default_storage.save("requests/1/same", ContentFile(b"first"))
    second = default_storage.save("requests/1/same", ContentFile(b"second"))
    assert first != second
    assert objects(s3) == {first: b"first", second: b"second"}


# --- Backup and restore read and write the object store the same way ---------------------


def test_the_backups_file_side_lists_reads_replaces_and_deletes_in_the_object_store(s3):
    for name, content in {
        "requests/7/a1": b"one",
        "requests/7/b2": b"two",
        "genograms/3/c3": b"three",
        "publication/improvements/4/d4.pdf": b"four",
    }.items():
        default_storage.save(name, ContentFile(content))

    assert files.stored_files(default_storage) == [
        "genograms/3/c3",
        "publication/improvements/4/d4.pdf",
        "requests/7/a1",
        "requests/7/b2",
    ]
    assert b"".join(files.read(default_storage, "requests/7/b2")) == b"two"
    # A restore with --force replaces a file at the backup's path, under exactly that name.
    files.write(default_storage, "requests/7/b2", [b"restored ", b"two"])
    assert objects(s3)["requests/7/b2"] == b"restored two"
    assert len(objects(s3)) == 4

    default_storage.delete("requests/7/a1")
    assert not default_storage.exists("requests/7/a1")
    assert "requests/7/a1" not in files.stored_files(default_storage)


def test_an_empty_object_store_has_no_files_to_back_up(s3):
    assert files.stored_files(default_storage) == []


# --- The cache: shared through Redis, and no page lost when Redis is --------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_gone(settings, monkeypatch):
    """The cache as settings make it with REDIS_URL, pointed at a Redis that is not there."""
    monkeypatch.setattr("lcspr.cache._warned_at", [float("-inf")])  # none warned yet
    settings.CACHES = {
        "default": {
            "BACKEND": "lcspr.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return caches["default"]


def test_without_redis_the_cache_misses_and_drops_writes(redis_gone, caplog):
    assert redis_gone.get("key", "default") == "default"
    redis_gone.set("key", "value")
    assert redis_gone.add("key", "value") is False
    assert redis_gone.get_many(["key"]) == {}
    assert redis_gone.has_key("key") is False
    redis_gone.delete("key")
    assert "cache unavailable (get: ConnectionError): serving without it" in caplog.text


def test_without_redis_the_api_and_pages_still_answer(client, redis_gone, leicester_office):
    """The API's rate limit counts in the cache: with Redis gone it is not counted, and
    the answer is still given (issue 18: the web app keeps serving while Redis is down)."""
    key = services.api_token_create(membership=leicester_office.memberships.get())
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    sign_in(client, leicester_office)
    assert client.get("/").status_code == 200
    assert client.get("/cases/").status_code == 200
    # A refused request from nobody signed in: its log budget is counted in the cache too.
    client.logout()
    refused = client.get("/api/v1/cases/")
    assert refused.status_code in (401, 403)
    assert "detail" in refused.json()


# --- One session, two web hosts ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# Environment a deployment would not have: the suite's own settings stay out of the hosts'.
NOT_PASSED_ON = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "DATABASE_URL", "DEMO"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Host:
    """One gunicorn process, as docker-compose's `web` runs it, on a loopback port."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.log = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lcspr.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--logger-class",
                "lcspr.gunicorn_logging.RedactingLogger",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_serving(self) -> None:
        """Until /health/ answers (the load balancer's check). The limit only stops a host
        that never starts; it measures nothing."""
        for _ in range(600):
            assert self.process.poll() is None, "gunicorn stopped: see its log"
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/health/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn on port {self.port} never answered /health/")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Browser:
    """One browser: its cookies go to whichever host it asks, as behind a load balancer
    (cookies are the host name's, not the port's), and it follows no redirect itself."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, host: Host, method: str, path: str, form: dict | None = None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=60)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _database_url_of_the_test_database() -> str:
    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def two_hosts(transactional_db, tmp_path):
    """Two web hosts sharing the suite's test database, its Redis and nothing else: no
    file, no memory. DEBUG=1 only so that static files need no collectstatic."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two processes cannot share the suite's in-memory SQLite database")
    env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
    env.update(
        DEBUG="1",
        SECRET_KEY="one-secret-every-host-shares-" + "x" * 30,
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        DATABASE_URL=_database_url_of_the_test_database(),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    hosts = [Host(env, tmp_path / f"gunicorn-{n}.log") for n in (1, 2)]
    try:
        for host in hosts:
            host.wait_until_serving()
        yield hosts
    finally:
        for host in hosts:
            host.stop()


def test_two_web_hosts_sharing_one_database_serve_one_persons_session_alternately(
    two_hosts, leicester, lr
):
    from django.contrib.sessions.models import Session
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    first, second = two_hosts
    office = staff_user(leicester, username="t-leicester-office")
    device = TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    mine = open_case(leicester, stage=Stage.RAPID_REVIEW)
    theirs = open_case(lr, stage=Stage.RAPID_REVIEW)
    browser = Browser()

    # The password on one host; the second factor on the other.
    status, _, page = browser.request(first, "GET", "/sign-in/")
    assert status == 200
    status, location, _ = browser.request(
        first,
        "POST",
        "/sign-in/",
        {
            "username": office.username,
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": _csrf_token(page),
        },
    )
    assert (status, location) == (302, "/")
    # The other host knows the password was given, and asks for the second factor.
    status, location, _ = browser.request(second, "GET", location)
    assert status == 302
    assert location.startswith("/sign-in/two-factor/")
    status, _, page = browser.request(second, "GET", location)
    assert status == 200
    status, location, _ = browser.request(
        second,
        "POST",
        "/sign-in/two-factor/",
        {"code": f"{totp(device.bin_key):06d}", "csrfmiddlewaretoken": _csrf_token(page)},
    )
    assert (status, location) == (302, "/")
    # The session is a row in the database both hosts share.
    assert Session.objects.filter(session_key=browser.cookies["sessionid"]).exists()

    pages = ["/", "/cases/", f"/cases/{mine.reference}/", f"/cases/{mine.reference}/timeline/"]
    for turn in range(8):
        host = two_hosts[turn % 2]
        path = pages[turn % len(pages)]
        status, location, page = browser.request(host, "GET", path)
        assert (status, location) == (200, ""), f"{path} on host {turn % 2 + 1}"
        assert leicester.name in page  # the signed-in person's organisation
        assert "Sign out" in page
        assert "/sign-in/" not in location
    status, _, page = browser.request(second, "GET", "/cases/")
    assert mine.reference in page
    assert theirs.reference not in page  # still this person's scope, on either host
    status, _, _ = browser.request(first, "GET", f"/cases/{theirs.reference}/")
    assert status == 404

    # Signed out on one host is signed out on both.
    status, _, page = browser.request(second, "GET", "/")
    status, location, _ = browser.request(
        second, "POST", "/sign-out/", {"csrfmiddlewaretoken": _csrf_token(page)}
    )
    assert status == 302
    for host in two_hosts:
        status, location, _ = browser.request(host, "GET", "/cases/")
        assert status == 302
        assert location.startswith("/sign-in/")
