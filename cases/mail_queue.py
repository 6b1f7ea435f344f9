"""Queueing background jobs (mostly email) so that a broker outage delays them but never
breaks a save.

A save commits first; its jobs are queued after the commit. If the broker (Redis) cannot
be reached then, the save stands: the job is logged by task name and ids, the person is
told on their next page that emails will follow, and the mail sweep
(`cases.tasks.mail_sweep`, every few minutes) sends whatever is still unsent once the
broker is back. Every emailed row has a sent-stamp, so the sweep finds it.
"""

from __future__ import annotations

import contextvars
import logging

from django.contrib import messages
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)

QUEUE_DOWN_NOTICE = (
    "Saved. Emails will follow when the mail queue is back: you do not need to do anything again."
)
# A job with no row for the sweep to find (the password-reset email) is simply lost.
NOT_SENT_NOTICE = "The email could not be sent just now. Try again in a few minutes."
# What to tell the person when a job of this request could not be queued; read by
# MailQueueNoticeMiddleware.
_not_queued = contextvars.ContextVar("mail_jobs_not_queued", default="")


def enqueue(task, *, notice: str = QUEUE_DOWN_NOTICE, **kwargs) -> bool:
    """Queue the task with its keyword arguments (ids only); False if the broker is down,
    and then `notice` is shown on the person's next page."""
    try:
        task.delay(**kwargs)
    except (BrokerUnreachable, ConnectionError, TimeoutError):
        # Ids only: no case content. The sweep sends it once the broker is back.
        logger.warning(
            "broker unreachable: %s(%s) not queued; the mail sweep will send it",
            task.name,
            ", ".join(f"{key}={value}" for key, value in sorted(kwargs.items())),
        )
        _not_queued.set(notice)
        return False
    return True


def enqueue_on_commit(task, **kwargs) -> None:
    """Queue the task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, **kwargs))


class MailQueueNoticeMiddleware:
    """Tells the person, on their next page, that their save stands and emails will follow
    when a job of theirs could not be queued. Sits after MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _not_queued.set("")
        try:
            response = self.get_response(request)
            # A page's next page says it; an API client gets its normal answer.
            browser = not request.path.startswith("/api/")
            notice = _not_queued.get()
            if notice and browser and hasattr(request, "_messages"):
                messages.warning(request, notice)
        finally:
            _not_queued.reset(token)
        return response
