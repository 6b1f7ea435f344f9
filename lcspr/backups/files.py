"""The uploaded files' side of a backup, through Django's storage API only (no filesystem
paths), so that it backs up and restores any storage the settings configure."""

import hashlib
from collections.abc import Iterable, Iterator

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from lcspr.backups.errors import BackupError

READ_SIZE = 256 * 1024


def stored_files(storage) -> list[str]:
    """Every file's name in the storage, sorted; none when its folder does not exist yet."""
    found = []

    def walk(folder: str) -> None:
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            if folder:
                raise
            return
        prefix = f"{folder}/" if folder else ""
        found.extend(prefix + name for name in files)
        for name in folders:
            walk(prefix + name)

    walk("")
    return sorted(found)


def read(storage, name: str) -> Iterator[bytes]:
    with storage.open(name, "rb") as stored:
        while block := stored.read(READ_SIZE):
            yield block


def digest(blocks: Iterable[bytes]) -> tuple[int, str]:
    """(size, SHA-256 hex) of a stream of blocks."""
    size, sha256 = 0, hashlib.sha256()
    for block in blocks:
        size += len(block)
        sha256.update(block)
    return size, sha256.hexdigest()


def write(storage, name: str, blocks: Iterable[bytes]) -> None:
    """Store a file under exactly `name`, replacing any file there.

    The content is gathered in memory (uploads are at most UPLOAD_MAX_BYTES) rather than in
    a temporary file, which would hold it unencrypted outside the storage.
    """
    try:
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(b"".join(blocks)))
    except SuspiciousFileOperation as error:
        raise BackupError(f"The storage refuses the file name {name!r}: {error}") from None
    if saved != name:
        raise BackupError(f"The storage saved {name} as {saved}: restore into an empty storage.")
