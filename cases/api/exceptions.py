import math

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import ApplicationError
from cases.file_store import StorageUnavailable

TOO_LARGE = "The request body is too large."


class RuleBroken(exceptions.APIException):
    """A body the schema accepts but a rule refuses (a date in the future, an agency that
    does not work with the partnership): 422, so that 400 always means "not as the schema
    says", and a client can tell a malformed request from one to correct with its user."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request breaks a rule of the case manager."
    default_code = "rule_broken"


class StorageRefused(exceptions.APIException):
    """The file storage would not take an upload (full, or failing): nothing was saved, and
    the same request can be sent again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The file could not be saved. Nothing was saved. Try again later."
    default_code = "storage_unavailable"


def _as_rule_broken(exc):
    if isinstance(exc, ApplicationError):
        return RuleBroken({exc.field: [exc.message]} if exc.field else {"detail": exc.message})
    return RuleBroken(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


def _throttled(exc: exceptions.Throttled) -> exceptions.Throttled:
    """A 429 that says, in whole seconds, how long to wait: the same number as its
    `Retry-After` header (DRF would round the header down and the message up)."""
    if exc.wait is None:
        return exc
    seconds = max(1, math.ceil(exc.wait))
    answer = exceptions.Throttled(
        detail=f"Too many requests from this token (or browser session): wait {seconds} "
        f"second{'s' if seconds != 1 else ''}, as Retry-After says, then try again."
    )
    answer.wait = seconds
    return answer


def exception_handler(exc, context):
    """Application and model validation errors become 422s with the user's message, but a
    file the storage would not take a 503; a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` a
    JSON 400 rather than Django's HTML page; a 429 says how long to wait."""
    if isinstance(exc, exceptions.Throttled):
        exc = _throttled(exc)
    elif isinstance(exc, StorageUnavailable):
        exc = StorageRefused({exc.field or "detail": [exc.message]})
    elif isinstance(exc, ApplicationError | DjangoValidationError):
        exc = _as_rule_broken(exc)
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError(TOO_LARGE)
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request could not be read.")
    return drf_exception_handler(exc, context)
