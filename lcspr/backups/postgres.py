"""PostgreSQL's side of a backup: one snapshot for the counts and the dump, pg_dump, pg_restore.

pg_dump and pg_restore connect as Django does: host, port, user and database from the
settings, the password and TLS options through libpq's environment (never the command
line, which other users of the machine can read).
"""

import contextlib
import os
import subprocess
import threading
from collections.abc import Iterable, Iterator

from django.db.backends.postgresql.client import DatabaseClient

from lcspr.backups.errors import (
    DUMP_FAILED,
    NOT_POSTGRESQL,
    RESTORE_FAILED,
    TOOL_MISSING,
    BackupError,
)

READ_SIZE = 256 * 1024
# Every table of the database that pg_dump dumps: the Django models' (history tables
# included), their many-to-many tables and django_migrations.
_TABLES_SQL = """
    SELECT n.nspname, c.relname
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
    ORDER BY 1, 2
"""


class RestoreFailed(BackupError):
    """pg_restore refused the dump; its transaction rolled back, so nothing was restored."""


def require_postgresql(connection) -> None:
    if connection.vendor != "postgresql":
        raise BackupError(NOT_POSTGRESQL.format(vendor=connection.display_name))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_sql(key: str) -> str:
    schema, table = key.split(".", 1)
    return f"{_quoted(schema)}.{_quoted(table)}"


def table_names(cursor) -> list[str]:
    """Every table as "schema.table"."""
    cursor.execute(_TABLES_SQL)
    return [f"{schema}.{table}" for schema, table in cursor.fetchall()]


def row_count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {_table_sql(table)}")  # noqa: S608 - quoted names
    return cursor.fetchone()[0]


def row_counts(cursor) -> dict[str, int]:
    return {table: row_count(cursor, table) for table in table_names(cursor)}


def tables_with_rows(cursor) -> list[str]:
    found = []
    for table in table_names(cursor):
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_table_sql(table)})")  # noqa: S608
        if cursor.fetchone()[0]:
            found.append(table)
    return found


def latest_migrations(cursor) -> dict[str, str]:
    """The last migration applied in each app, as django_migrations records it."""
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
    return dict(cursor.fetchall())


def server_version(cursor) -> str:
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0]


@contextlib.contextmanager
def exported_snapshot(connection):
    """(snapshot id, cursor) in a read-only REPEATABLE READ transaction on a connection of
    its own: what the cursor counts is exactly what `pg_dump --snapshot` dumps, however
    busy the app is meanwhile. The transaction stays open until the block ends."""
    import psycopg

    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            yield snapshot, cursor
    finally:
        raw.rollback()
        raw.close()


def libpq_environment(settings_dict) -> dict[str, str]:
    _args, secrets = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        **(secrets or {}),
    }
    return {**os.environ, **{name: str(value) for name, value in values.items() if value}}


def tool_version(tool: str) -> str:
    """`pg_dump --version`'s line, e.g. "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and argument
            [tool, "--version"], capture_output=True, text=True, check=True
        )
    except FileNotFoundError:
        raise BackupError(TOOL_MISSING.format(tool=tool)) from None
    return done.stdout.strip()


class _Tool:
    """A pg_dump or pg_restore process whose stderr is read aside, so that neither of its
    pipes can fill up and stall it."""

    def __init__(self, args: list[str], env: dict[str, str], **pipes):
        try:
            self.process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, **pipes)  # noqa: S603
        except FileNotFoundError:
            raise BackupError(TOOL_MISSING.format(tool=args[0])) from None
        self._stderr = b""
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        self._stderr = self.process.stderr.read()

    def finish(self) -> tuple[int, str]:
        status = self.process.wait()
        self._reader.join()
        return status, self._stderr.decode("utf-8", "replace").strip()

    def stop(self) -> None:
        self.process.kill()
        self.finish()


def dump(settings_dict, snapshot: str) -> Iterator[bytes]:
    """pg_dump's custom-format output, block by block, straight from its stdout."""
    args = [
        "pg_dump",
        "--format=custom",
        "--no-password",
        f"--snapshot={snapshot}",
        f"--dbname={settings_dict['NAME']}",
    ]
    tool = _Tool(args, libpq_environment(settings_dict), stdout=subprocess.PIPE)
    try:
        while block := tool.process.stdout.read(READ_SIZE):
            yield block
    except BaseException:
        tool.stop()
        raise
    status, stderr = tool.finish()
    if status:
        raise BackupError(DUMP_FAILED.format(status=status, stderr=stderr))


def restore(settings_dict, blocks: Iterable[bytes], *, clean: bool) -> None:
    """Feed a custom-format dump to pg_restore, in one transaction: it restores all of it
    or nothing. `clean` drops the database's objects that the dump recreates first."""
    args = [
        "pg_restore",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    tool = _Tool(args, libpq_environment(settings_dict), stdin=subprocess.PIPE)
    try:
        for block in blocks:
            tool.process.stdin.write(block)
        tool.process.stdin.close()
    except BrokenPipeError:
        # pg_restore stopped early: its status and message say why.
        with contextlib.suppress(BrokenPipeError):
            tool.process.stdin.close()
    except BaseException:
        tool.stop()
        raise
    status, stderr = tool.finish()
    if status:
        raise RestoreFailed(RESTORE_FAILED.format(status=status, stderr=stderr))
