"""How every email sender claims its row: lock it, stamp it, commit, and only then talk to
the mail server.

A mail server that accepts a connection and never answers must not hold a database lock:
while a sender waits on SMTP, no row (least of all the partnership's, which numbers new
cases) is locked. The sent-stamp is the claim. A second run, or two at once, finds it set
and sends nothing; a send that fails takes the stamp back off, so that the task's retry or
the mail sweep (`cases.tasks.mail_sweep`) sends it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from smtplib import SMTPException

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


def claim(queryset: QuerySet, *, pk: int, stamp: str, reason: str) -> Model | None:
    """Stamp the row if it is still unsent and commit; None if it was already claimed.

    Only the row itself is locked (`of=("self",)`), never the rows `select_related` joins:
    those are the case and the partnership that every other save needs.
    """
    with transaction.atomic():
        row = (
            queryset.select_for_update(of=("self",))
            .filter(pk=pk, **{f"{stamp}__isnull": True})
            .first()
        )
        if row is None:
            return None
        setattr(row, stamp, timezone.now())
        row._change_reason = reason
        row.save(update_fields=[stamp])
    return row


def claim_batch(queryset: QuerySet, *, ids: list[int], stamp: str, reason: str) -> list[Model]:
    """Claim the unsent rows among `ids` that no other sender holds (SKIP LOCKED)."""
    with transaction.atomic():
        rows = list(
            queryset.filter(pk__in=ids, **{f"{stamp}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
        )
        now = timezone.now()
        for row in rows:
            setattr(row, stamp, now)
            row._change_reason = reason
            row.save(update_fields=[stamp])
    return rows


def unclaim(row: Model, *, stamp: str, reason: str) -> None:
    """Take the stamp back off after a failed send: the retry or the sweep sends it."""
    setattr(row, stamp, None)
    row._change_reason = reason
    with transaction.atomic():
        row.save(update_fields=[stamp])


@contextmanager
def sending(row: Model, *, stamp: str) -> Iterator[None]:
    """Send inside this block; if anything stops it (a mail error, the task's soft time
    limit), the claim is undone and the error goes on to the task's retry."""
    try:
        yield
    except BaseException:
        unclaim(row, stamp=stamp, reason="Email failed: left to be sent again")
        raise


def send_each(batch: list[Model], send: Callable[[Model], None], *, stamp="email_sent_at") -> int:
    """Send each claimed row of a batch. A refused address (or a mail server that fails
    one send) is logged and its row un-claimed for the next sweep without holding up the
    others; anything else that stops the batch, such as the task's soft time limit,
    un-claims every row not yet sent before it goes on."""
    sent = 0
    for done, row in enumerate(batch):
        try:
            send(row)
        except (SMTPException, OSError):
            logger.exception(
                "%s %s: email failed, left for the next sweep", type(row).__name__, row.pk
            )
            unclaim(row, stamp=stamp, reason="Email failed: left for the next sweep")
            continue
        except BaseException:
            for left in batch[done:]:
                unclaim(left, stamp=stamp, reason="Email stopped: left for the next sweep")
            raise
        sent += 1
    return sent
