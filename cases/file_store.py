"""Writing an uploaded file through Django's storage API, for every upload form and API.

A storage that refuses the write (the disk under MEDIA_ROOT full, a read-only or failing
disk, an S3 store that errors) is not a bug to show as the 500 page: the user is told on
the form that nothing was saved and to try again later, the form keeps what was typed,
and operators see an ERROR in the log. Nothing is left half-done: a partly written file
is removed, and so is the file if the row that records it is not saved.
"""

import errno
import logging
from contextlib import contextmanager

from cases.errors import ApplicationError

logger = logging.getLogger(__name__)

STORAGE_FULL = (
    "The file could not be saved because the server's storage is full. Nothing was saved. "
    "Try again later, or contact the Business Office."
)
STORAGE_FAILED = (
    "The file could not be saved because of a problem with the server's storage. Nothing "
    "was saved. Try again later, or contact the Business Office."
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# S3-compatible stores that say they are out of room (MinIO's, and a quota).
_FULL_S3_CODES = {"XMinioStorageFull", "QuotaExceeded", "XMinioAdminBucketQuotaExceeded"}


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:  # only there when the S3 backend's packages are installed
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - both are in requirements.lock
        pass
    else:
        errors += [BotoCoreError, ClientError, Boto3Error]
    return tuple(errors)


STORAGE_ERRORS = _storage_errors()


class StorageUnavailable(ApplicationError):
    """The storage would not take the file: shown on the form's file field like any other
    refusal (the view's `except ApplicationError`), answered 503 by the API."""


def _is_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in _FULL_ERRNOS
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in _FULL_S3_CODES


def _described(error: BaseException) -> str:
    """The error without its path: an OSError's text names the file."""
    if isinstance(error, OSError):
        return f"{type(error).__name__} errno {error.errno} ({error.strerror})"
    return type(error).__name__


def _remove(storage, name: str, subject: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except STORAGE_ERRORS as error:
        # The stored name is random (the models' upload_to), never the file's own name.
        logger.error(
            "%s: could not remove the stored file %s after a failed upload: %s",
            subject,
            name,
            _described(error),
        )


@contextmanager
def stored_file(field_file, name: str, content, *, subject: str, what: str):
    """Write `content` as `field_file` (a FileField of a row not yet saved), then run the
    block, which saves the row. `subject` says in the log what it belongs to ("case
    LSCP-2026-0001"), never the file's name, which may name the child.

    The storage refusing raises StorageUnavailable, with any partial file removed; the
    block failing removes the file and lets its error through (the service's transaction
    then drops the row)."""
    field, storage = field_file.field, field_file.storage
    target = ""
    try:
        # The name is chosen first, as FieldFile.save would, so that a partial file the
        # failed write left behind can be found and removed.
        target = storage.get_available_name(
            field.generate_filename(field_file.instance, name), max_length=field.max_length
        )
        saved = storage.save(target, content, max_length=field.max_length)
    except STORAGE_ERRORS as error:
        full = _is_full(error)
        logger.error(
            "%s: %s not saved: the storage %s: %s",
            subject,
            what,
            "is full" if full else "refused the write",
            _described(error),
        )
        if target:
            _remove(storage, target, subject)
        raise StorageUnavailable(STORAGE_FULL if full else STORAGE_FAILED, field="file") from None
    field_file.name = saved
    setattr(field_file.instance, field.attname, saved)
    field_file._committed = True
    try:
        yield field_file
    except BaseException:
        _remove(storage, saved, subject)
        raise
