"""Making a backup and restoring one (`manage.py backup`, `manage.py restore`)."""

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from lcspr.backups import files, postgres
from lcspr.backups.archive import (
    KIND_DATABASE,
    KIND_FILE,
    KIND_MANIFEST,
    VERSION,
    ArchiveReader,
    ArchiveWriter,
    RecordWriter,
    records,
)
from lcspr.backups.errors import (
    ARCHIVE_DISAGREES,
    ARCHIVE_MALFORMED,
    NO_KEY,
    NO_SUCH_ARCHIVE,
    NO_SUCH_FOLDER,
    NOTHING_RESTORED,
    OUTPUT_EXISTS,
    PART_RESTORED,
    SHORT_KEY,
    TARGET_NOT_EMPTY,
    BackupError,
)

KEY_VARIABLE = "BACKUP_KEY"
MINIMUM_KEY_LENGTH = 16
DATABASE_RECORD = "database.dump"
MANIFEST_RECORD = "manifest.json"


def passphrase_from_environment(*, for_backup: bool) -> str:
    """BACKUP_KEY, read here rather than in the settings: only these two commands need it,
    and the web app's processes never hold it."""
    passphrase = os.environ.get(KEY_VARIABLE, "")
    if not passphrase:
        raise BackupError(NO_KEY)
    if for_backup and len(passphrase) < MINIMUM_KEY_LENGTH:
        raise BackupError(SHORT_KEY.format(minimum=MINIMUM_KEY_LENGTH))
    return passphrase


def backup_create(*, output: Path, passphrase: str, connection, storage) -> dict:
    """Write one encrypted archive of the database and the storage's files; its manifest.

    The archive is written as `output`.partial and renamed when complete, so a failed
    backup never leaves a file that looks like one; the partial file is removed on failure.
    """
    postgres.require_postgresql(connection)
    if output.exists():
        raise BackupError(OUTPUT_EXISTS.format(path=output))
    if not output.parent.is_dir():
        raise BackupError(NO_SUCH_FOLDER.format(path=output.parent))
    pg_dump_version = postgres.tool_version("pg_dump")
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)  # a killed backup's: made afresh, owner-only
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            archive = ArchiveWriter(out, passphrase)
            writer = RecordWriter(archive)
            manifest = _write_records(writer, connection, storage, pg_dump_version)
            archive.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _sync_folder(output.parent)
    return manifest


def _write_records(writer: RecordWriter, connection, storage, pg_dump_version: str) -> dict:
    with postgres.exported_snapshot(connection) as (snapshot, cursor):
        database = {
            "vendor": connection.vendor,
            "server_version": postgres.server_version(cursor),
            "pg_dump_version": pg_dump_version,
            "tables": postgres.row_counts(cursor),
        }
        migrations = postgres.latest_migrations(cursor)
        dump = _Digesting(postgres.dump(connection.settings_dict, snapshot))
        writer.write(KIND_DATABASE, DATABASE_RECORD, dump)
        database["dump_bytes"], database["dump_sha256"] = dump.size, dump.hexdigest()
    stored = []
    for name in files.stored_files(storage):
        content = _Digesting(files.read(storage, name))
        writer.write(KIND_FILE, name, content)
        stored.append({"path": name, "size": content.size, "sha256": content.hexdigest()})
    manifest = {
        "format_version": VERSION,
        "product": settings.PRODUCT_NAME,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": database,
        "migrations": migrations,
        "files": stored,
    }
    writer.write(KIND_MANIFEST, MANIFEST_RECORD, [json.dumps(manifest, indent=1).encode()])
    return manifest


class _Digesting:
    """Passes blocks through, adding up their size and SHA-256."""

    def __init__(self, blocks):
        self._blocks = blocks
        self._sha256 = hashlib.sha256()
        self.size = 0

    def __iter__(self):
        for block in self._blocks:
            self.size += len(block)
            self._sha256.update(block)
            yield block

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


def _sync_folder(folder: Path) -> None:
    """The rename reaches the disk too (a crash right after keeps the finished archive)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class Comparison:
    """The manifest beside what the restore left: row counts and file checksums."""

    tables: list[tuple[str, int, int | None]] = field(default_factory=list)
    files: list[tuple[str, str, str | None]] = field(default_factory=list)
    tables_not_in_backup: list[str] = field(default_factory=list)
    files_not_in_backup: list[str] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return (
            sum(expected != restored for _name, expected, restored in self.tables)
            + sum(expected != restored for _name, expected, restored in self.files)
            + len(self.tables_not_in_backup)
            + len(self.files_not_in_backup)
        )

    @property
    def matches(self) -> bool:
        return not self.differences


def archive_open(path: Path, passphrase: str) -> ArchiveReader:
    if not path.is_file():
        raise BackupError(NO_SUCH_ARCHIVE.format(path=path))
    try:
        return ArchiveReader(path, passphrase)
    except BackupError as error:
        raise BackupError(f"{error.message} {NOTHING_RESTORED}") from None


def target_contents(connection, storage) -> tuple[list[str], list[str], list[str]]:
    """(tables, tables with rows, files) of the database and storage the settings name."""
    with connection.cursor() as cursor:
        tables = postgres.table_names(cursor)
        with_rows = postgres.tables_with_rows(cursor)
    return tables, with_rows, files.stored_files(storage)


def backup_restore(
    *, archive: ArchiveReader, connection, storage, force: bool
) -> tuple[dict, Comparison]:
    """Restore an opened archive into the database and storage; (manifest, comparison).

    Every chunk is authenticated and checked against the manifest before anything is
    written (a first pass that keeps nothing), so a damaged or altered archive restores
    nothing. The second pass streams the dump into pg_restore, in one transaction, then
    writes the files.
    """
    postgres.require_postgresql(connection)
    tables, with_rows, stored = target_contents(connection, storage)
    if (with_rows or stored) and not force:
        raise BackupError(TARGET_NOT_EMPTY.format(what=_described(with_rows, stored)))
    try:
        manifest = _verified_manifest(archive)
    except BackupError as error:
        raise BackupError(f"{error.message} {NOTHING_RESTORED}") from None
    try:
        for kind, name, blocks in records(archive.plaintext()):
            if kind == KIND_DATABASE:
                postgres.restore(connection.settings_dict, blocks, clean=bool(tables))
            elif kind == KIND_FILE:
                files.write(storage, name, blocks)
    except BackupError as error:
        if isinstance(error, postgres.RestoreFailed):
            raise
        raise BackupError(f"{error.message} {PART_RESTORED}") from None
    return manifest, compare(manifest, connection, storage)


def _described(with_rows: list[str], stored: list[str]) -> str:
    parts = []
    if with_rows:
        parts.append(f"the database has {len(with_rows)} tables with rows (e.g. {with_rows[0]})")
    if stored:
        parts.append(f"the media storage holds {len(stored)} files")
    return " and ".join(parts)


def _verified_manifest(archive: ArchiveReader) -> dict:
    """Read the whole archive once, keeping only digests; the manifest, once every record
    agrees with it."""
    dump = None
    seen: dict[str, tuple[int, str]] = {}
    manifest = None
    for kind, name, blocks in records(archive.plaintext()):
        if manifest is not None:
            raise BackupError(ARCHIVE_MALFORMED)
        if kind == KIND_MANIFEST:
            try:
                manifest = json.loads(b"".join(blocks))
            except ValueError:
                raise BackupError(ARCHIVE_MALFORMED) from None
        elif kind == KIND_DATABASE and dump is None and not seen:
            dump = files.digest(blocks)
        elif kind == KIND_FILE and dump is not None and name not in seen:
            seen[name] = files.digest(blocks)
        else:
            raise BackupError(ARCHIVE_MALFORMED)
    if manifest is None or dump is None:
        raise BackupError(ARCHIVE_MALFORMED)
    try:
        database = manifest["database"]
        listed = {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]}
        promised_dump = (database["dump_bytes"], database["dump_sha256"])
        if not isinstance(database["tables"], dict) or not isinstance(manifest["migrations"], dict):
            raise TypeError
    except (KeyError, TypeError):
        raise BackupError(ARCHIVE_MALFORMED) from None
    if dump != promised_dump:
        raise BackupError(ARCHIVE_DISAGREES.format(detail="the database dump's checksum"))
    if listed != seen:
        wrong = sorted((set(listed) ^ set(seen)) | {n for n in listed if listed[n] != seen.get(n)})
        raise BackupError(ARCHIVE_DISAGREES.format(detail=f"the files {', '.join(wrong[:5])}"))
    return manifest


def compare(manifest: dict, connection, storage) -> Comparison:
    comparison = Comparison()
    expected_tables = manifest["database"]["tables"]
    with connection.cursor() as cursor:
        present = set(postgres.table_names(cursor))
        for table, expected in sorted(expected_tables.items()):
            restored = postgres.row_count(cursor, table) if table in present else None
            comparison.tables.append((table, expected, restored))
    comparison.tables_not_in_backup = sorted(present - set(expected_tables))
    stored = set(files.stored_files(storage))
    for listed in manifest["files"]:
        name = listed["path"]
        restored = files.digest(files.read(storage, name))[1] if name in stored else None
        comparison.files.append((name, listed["sha256"], restored))
    comparison.files_not_in_backup = sorted(stored - {f["path"] for f in manifest["files"]})
    return comparison
