"""The one error type of backups and restores, and the messages the operator reads."""


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


NO_KEY = (
    "BACKUP_KEY is not set. Backups are encrypted with a key derived from it, and none is "
    "written or read without it. Set the BACKUP_KEY environment variable to a long random "
    "passphrase (for example: python -c 'import secrets; print(secrets.token_urlsafe(32))') "
    "and keep a copy apart from the backups: a restore needs the same passphrase."
)
SHORT_KEY = (
    "BACKUP_KEY is shorter than {minimum} characters: it is the only protection of the "
    "backups' records. Set it to a long random passphrase (for example: "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))')."
)
NOT_POSTGRESQL = (
    "Backups and restores need PostgreSQL (pg_dump and pg_restore), but the database the "
    "settings name is {vendor}. The embedded SQLite demo is not backed up by this command: "
    "stop the app and copy var/lcspr.sqlite3 and the media folder instead."
)
TOOL_MISSING = (
    "{tool} was not found. Install PostgreSQL's client programs (Debian: apt-get install "
    "postgresql-client), at least the server's major version."
)
NO_SUCH_FOLDER = "{path} is not a folder: create it, or name a file in another folder."
NO_SUCH_ARCHIVE = "{path} does not exist (or is not a file)."
OUTPUT_EXISTS = "{path} already exists: a backup never replaces a file. Name a new file."
DUMP_FAILED = "pg_dump failed (exit status {status}): {stderr}"
RESTORE_FAILED = (
    "pg_restore failed (exit status {status}); its single transaction was rolled back, so "
    "the database is as it was. {stderr}"
)

NOT_AN_ARCHIVE = "This file is not an LCSPR backup archive (its header is not one)."
ARCHIVE_UNKNOWN_VERSION = (
    "This archive is format version {version}, which this version of the app cannot read."
)
ARCHIVE_WRONG_KEY = (
    "BACKUP_KEY does not open this archive: it is not the passphrase the backup was made "
    "with (or the archive's header has been altered)."
)
ARCHIVE_DAMAGED = (
    "The archive has been altered or damaged: its block {index} fails its authentication check."
)
ARCHIVE_TRUNCATED = "The archive is incomplete: it ends before its last block (a cut-off copy?)."
ARCHIVE_TRAILING_DATA = "The archive has data after its last block: it has been altered."
ARCHIVE_MALFORMED = (
    "The archive decrypts, but its contents are not laid out as manage.py backup writes them."
)
ARCHIVE_DISAGREES = "The archive's contents disagree with its own manifest: {detail}."

NOTHING_RESTORED = "Nothing was restored."
PART_RESTORED = (
    "The restore stopped part way: a database restore that had not finished was rolled back, "
    "but files written before this point stay. Restore again with --force once the cause is "
    "fixed."
)
TARGET_NOT_EMPTY = (
    "The target is not empty: {what}. Restore into an empty database and media folder, or "
    "add --force to replace them (the database's tables are dropped and recreated from the "
    "backup, and files at the backup's paths are overwritten)."
)
