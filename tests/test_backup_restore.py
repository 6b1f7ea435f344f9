"""Backup and restore (issue 18): `manage.py backup` writes one encrypted archive of the
database and every uploaded file; `manage.py restore` puts it back into an empty database
and media folder, and the result matches the source row for row and file for file.

Each restore runs as an operator would run it: a separate process whose DATABASE_URL and
MEDIA_ROOT name a database created for the test (dropped afterwards) and a new folder.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import yaml
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from cases.models import Child
from lcspr.backups import errors
from lcspr.backups.archive import CHUNK_SIZE, HEADER_SIZE, MAGIC, ArchiveReader, records
from tests.factories import open_case
from tests.test_settings import ROOT

KEY = "correct horse battery staple, for the tests only"
CHILD_NAME = "Zebedee Quillfeather-Marchbanks"

# Committed rows: pg_dump, and the restores' processes, have connections of their own.
pytestmark = pytest.mark.django_db(transaction=True)


# ---------------------------------------------------------------------------- helpers


@pytest.fixture
def media(settings, tmp_path):
    """The source's uploads: a folder of this test's own, reached through default_storage."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


class Target:
    """An empty database and media folder for a restore, as DATABASE_URL and MEDIA_ROOT."""

    def __init__(self, tmp_path):
        self.name = f"lcspr_restore_{uuid.uuid4().hex[:12]}"
        self.media = tmp_path / f"{self.name}-media"
        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        self.url = f"postgres://{credentials}@{host}/{self.name}"
        self._server = {
            "host": db["HOST"] or "127.0.0.1",
            "port": db["PORT"] or 5432,
            "user": db["USER"],
            "password": db["PASSWORD"] or None,
        }

    def connect(self, dbname=None):
        return psycopg.connect(dbname=dbname or self.name, autocommit=True, **self._server)

    def create(self):
        with self.connect("postgres") as server:
            server.execute(f"CREATE DATABASE \"{self.name}\" TEMPLATE template0 ENCODING 'UTF8'")

    def drop(self):
        with self.connect("postgres") as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def row_counts(self) -> dict[str, int]:
        with self.connect() as target, target.cursor() as cursor:
            return _row_counts(cursor)

    def files(self) -> dict[str, str]:
        return _checksums(self.media)


@pytest.fixture
def target(tmp_path):
    target = Target(tmp_path)
    target.create()
    yield target
    target.drop()


def _row_counts(cursor) -> dict[str, int]:
    """Every table of the public schema and its rows, read from PostgreSQL's catalog."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = sorted(name for (name,) in cursor.fetchall())
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalog
        counts[table] = cursor.fetchone()[0]
    return counts


def _checksums(folder: Path) -> dict[str, str]:
    """Every file under a folder: its path from there and its SHA-256, read from the disk."""
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _backup(tmp_path, monkeypatch, name="lcspr.lcsprbak") -> Path:
    monkeypatch.setenv("BACKUP_KEY", KEY)
    output = tmp_path / name
    call_command("backup", output=str(output), stdout=open(os.devnull, "w"))  # noqa: SIM115
    return output


def _restore(archive: Path, target: Target, *options, key=KEY):
    env = {**os.environ, "DATABASE_URL": target.url, "MEDIA_ROOT": str(target.media)}
    env.pop("BACKUP_KEY", None)
    if key is not None:
        env["BACKUP_KEY"] = key
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _restore_here(archive: Path, *options):
    """The restore in this process: into the test database and `media`."""
    call_command("restore", str(archive), *options, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _source_row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _row_counts(cursor)


def _upload_a_file_for_every_file_field():
    """The demo's rows name uploads (attachments, reports, action plans) that the session's
    seeding left elsewhere: store a file at each row's own path, as the product would."""
    saved = 0
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField):
                continue
            names = model._base_manager.exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            )
            for name in names:
                content = f"{model._meta.label} {name}\n".encode() + os.urandom(2048)
                assert default_storage.save(name, ContentFile(content)) == name
                saved += 1
    return saved


def _manifest(archive: Path) -> dict:
    reader = ArchiveReader(archive, KEY)
    for kind, _name, blocks in records(reader.plaintext()):
        if kind == b"M":
            return json.loads(b"".join(blocks))
    raise AssertionError("no manifest")


# ------------------------------------------------------------- the demo, backed up and restored


def test_the_demo_with_its_uploads_restores_row_for_row_and_file_for_file(
    demo, media, tmp_path, monkeypatch, target
):
    uploads = _upload_a_file_for_every_file_field()
    assert uploads > 20  # attachments, Rapid Review reports, final reports, action plans
    source_rows = _source_row_counts()
    source_files = _checksums(media)
    assert len(source_files) == uploads

    archive = _backup(tmp_path, monkeypatch)
    restored = _restore(archive, target)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert restored.stdout.strip().splitlines()[-1] == (
        f"Everything matches the backup: {len(source_rows)} tables and {uploads} files."
    )
    assert target.row_counts() == source_rows
    assert target.files() == source_files
    # The demo is all there: cases, their history, the access log's tables, Django's own.
    assert source_rows["cases_case"] > 10
    assert source_rows["cases_historicalcase"] > source_rows["cases_case"]
    assert source_rows["django_migrations"] > 0

    manifest = _manifest(archive)
    model_tables = connection.introspection.django_table_names(only_existing=True)
    assert any(table.endswith("historicalcase") for table in model_tables)
    assert {f"public.{t}": source_rows[t] for t in model_tables}.items() <= (
        manifest["database"]["tables"].items()
    )
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == source_files
    assert manifest["migrations"]["cases"]
    assert manifest["database"]["pg_dump_version"].startswith("pg_dump (PostgreSQL)")


# ------------------------------------------------------------------ a small backup, many ways


@pytest.fixture
def seeded(partnerships, media):
    """A case with a named child, and two uploads: one names the case, one is large enough
    (1.5 MB of random bytes) that the archive spans two encrypted blocks."""
    case = open_case(partnerships["leicester"])
    Child.objects.for_partnership(case.partnership).create(
        case=case, pseudonym="Child A", name=CHILD_NAME
    )
    default_storage.save(
        f"requests/{case.pk}/reply", ContentFile(f"{case.reference}: {CHILD_NAME}".encode())
    )
    default_storage.save("reports/large.pdf", ContentFile(os.urandom(1_500_000)))
    return case


@pytest.fixture
def archive(seeded, tmp_path, monkeypatch):
    return _backup(tmp_path, monkeypatch)


def test_backup_refuses_without_backup_key_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    output = tmp_path / "lcspr.lcsprbak"

    with pytest.raises(CommandError) as refused:
        call_command("backup", output=str(output))

    assert str(refused.value) == errors.NO_KEY
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_without_backup_key(archive, monkeypatch, media):
    monkeypatch.delenv("BACKUP_KEY")
    before = _source_row_counts(), _checksums(media)

    with pytest.raises(CommandError) as refused:
        _restore_here(archive, "--force")

    assert str(refused.value) == errors.NO_KEY
    assert (_source_row_counts(), _checksums(media)) == before


def test_backup_on_the_embedded_sqlite_database_refuses_saying_why(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "BACKUP_KEY": KEY,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(tmp_path / "x.lcsprbak")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode != 0
    assert errors.NOT_POSTGRESQL.format(vendor="SQLite") in done.stderr
    assert not (tmp_path / "x.lcsprbak").exists()
    assert not (tmp_path / "x.lcsprbak.partial").exists()


def test_the_archive_holds_no_plaintext_and_only_its_owner_may_read_it(archive, seeded):
    data = archive.read_bytes()
    plain_dumps = [
        subprocess.run(
            ["pg_dump", "--format=custom", f"--dbname={connection.settings_dict['NAME']}"],
            env={
                **os.environ,
                "PGHOST": connection.settings_dict["HOST"] or "127.0.0.1",
                "PGPORT": str(connection.settings_dict["PORT"] or 5432),
                "PGUSER": connection.settings_dict["USER"],
                "PGPASSWORD": connection.settings_dict["PASSWORD"] or "",
            },
            capture_output=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    # 64-byte pieces of a plain dump of the same database, every 2 KB: most recur in a
    # second plain dump (so they would be found in an unencrypted archive); none may be in
    # the archive.
    pieces = [plain_dumps[0][at : at + 64] for at in range(0, len(plain_dumps[0]) - 64, 2048)]
    assert sum(piece in plain_dumps[1] for piece in pieces) > len(pieces) // 2
    assert not [piece for piece in pieces if piece in data]
    reply = default_storage.open(f"requests/{seeded.pk}/reply").read()
    assert b"PGDMP" in plain_dumps[0]  # pg_dump's own header
    assert b"cases_child" in plain_dumps[0]  # its table of contents names every table
    assert seeded.reference.encode() in reply
    assert CHILD_NAME.encode() in reply
    for plaintext in (
        b"PGDMP",
        b"cases_child",
        seeded.reference.encode(),
        CHILD_NAME.encode(),
        b"manifest.json",
        b"sha256",
    ):
        assert plaintext not in data
    assert data.startswith(MAGIC)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in archive.parent.iterdir() if p.suffix == ".partial") == []


def test_backup_never_replaces_an_existing_file(archive, monkeypatch):
    before = archive.read_bytes()

    with pytest.raises(CommandError) as refused:
        call_command("backup", output=str(archive))

    assert str(refused.value) == errors.OUTPUT_EXISTS.format(path=archive)
    assert archive.read_bytes() == before


def test_a_small_backup_restores_and_force_replaces_a_non_empty_target(archive, media, target):
    first = _restore(archive, target)
    assert first.returncode == 0, first.stdout + first.stderr
    assert target.row_counts() == _source_row_counts()
    assert target.files() == _checksums(media)

    # The restored system is used: rows deleted, a file changed.
    with target.connect() as db:
        db.execute("DELETE FROM cases_child")
    (target.media / "reports" / "large.pdf").write_bytes(b"changed since")

    refused = _restore(archive, target)
    assert refused.returncode != 0
    assert errors.TARGET_NOT_EMPTY.split(":")[0] in refused.stderr
    assert "--force" in refused.stderr
    assert target.row_counts()["cases_child"] == 0  # untouched

    # A file the backup does not have stays, and is the one difference the restore reports.
    (target.media / "stray.txt").write_text("uploaded after the backup")
    forced = _restore(archive, target, "--force")
    assert forced.returncode != 0, forced.stdout + forced.stderr
    assert "  stray.txt: not in the backup DIFFERS" in forced.stdout
    assert forced.stdout.count("DIFFERS") == 1
    assert "1 difference(s)" in forced.stderr
    assert target.row_counts() == _source_row_counts()
    restored = target.files()
    assert restored.pop("stray.txt") == hashlib.sha256(b"uploaded after the backup").hexdigest()
    assert restored == _checksums(media)  # large.pdf overwritten with the backup's


def test_restore_refuses_the_non_empty_database_the_settings_name(archive, seeded):
    before = _source_row_counts()

    with pytest.raises(CommandError) as refused:
        _restore_here(archive)

    assert str(refused.value).startswith(errors.TARGET_NOT_EMPTY.split("{")[0])
    assert "tables with rows" in str(refused.value)
    assert _source_row_counts() == before


def test_restore_refuses_a_media_folder_that_holds_files(archive, target):
    (target.media / "stray").mkdir(parents=True)
    (target.media / "stray" / "file.txt").write_text("already here")

    refused = _restore(archive, target)

    assert refused.returncode != 0
    assert "the media storage holds 1 files" in refused.stderr
    assert target.row_counts() == {}


# The archive's checks come before anything is written: these restores run here, over the
# source itself with --force, and must leave every row and file as it was.


def test_a_wrong_key_fails_cleanly_and_restores_nothing(archive, monkeypatch, media):
    monkeypatch.setenv("BACKUP_KEY", "not the passphrase the backup was made with")
    before = _source_row_counts(), _checksums(media)

    with pytest.raises(CommandError) as refused:
        _restore_here(archive, "--force")

    assert str(refused.value) == f"{errors.ARCHIVE_WRONG_KEY} {errors.NOTHING_RESTORED}"
    assert (_source_row_counts(), _checksums(media)) == before


@pytest.mark.parametrize(
    ("where", "message"),
    [
        # The salt: the key derived from it no longer passes the header's check.
        (20, errors.ARCHIVE_WRONG_KEY),
        # The first block, which holds the start of the database dump.
        (HEADER_SIZE + 5000, errors.ARCHIVE_DAMAGED.format(index=0)),
        # The last block, which holds the manifest: found before anything is restored.
        (-100, "last"),
    ],
    ids=["header", "first-block", "last-block"],
)
def test_a_tampered_byte_fails_cleanly_and_restores_nothing(archive, media, where, message):
    data = bytearray(archive.read_bytes())
    blocks = -(-(len(data) - HEADER_SIZE) // (CHUNK_SIZE + 16 + 5))  # 5: flag and length
    assert blocks >= 2
    if message == "last":
        message = errors.ARCHIVE_DAMAGED.format(index=blocks - 1)
    data[where] ^= 0x01
    archive.write_bytes(bytes(data))
    before = _source_row_counts(), _checksums(media)

    with pytest.raises(CommandError) as refused:
        _restore_here(archive, "--force")

    assert str(refused.value) == f"{message} {errors.NOTHING_RESTORED}"
    assert (_source_row_counts(), _checksums(media)) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[:-1000], errors.ARCHIVE_TRUNCATED),
        (lambda data: data + b"\x00", errors.ARCHIVE_TRAILING_DATA),
    ],
    ids=["truncated", "appended"],
)
def test_a_cut_or_lengthened_archive_fails_cleanly(archive, media, change, message):
    archive.write_bytes(change(archive.read_bytes()))
    before = _source_row_counts(), _checksums(media)

    with pytest.raises(CommandError) as refused:
        _restore_here(archive, "--force")

    assert str(refused.value) == f"{message} {errors.NOTHING_RESTORED}"
    assert (_source_row_counts(), _checksums(media)) == before


# ------------------------------------------------------------------------- deployment


def test_docker_compose_backs_up_daily_with_the_key_from_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    backup = compose["services"]["backup"]
    script = " ".join(backup["command"])
    assert "manage.py backup --output" in script
    assert "sleep 86400" in script
    assert backup["environment"]["BACKUP_KEY"].startswith("${BACKUP_KEY:?")
    assert any(volume.startswith("backups:") for volume in backup["volumes"])
    assert "backups" in compose["volumes"]
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text()
