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
from smtplib import SMTPException, SMTPResponseException

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


def unsent_send(sends: list[Callable[[], int]]) -> int:
    """The mail sweep's loop: each send claims its own row, so a row another worker is
    sending (or has sent) is skipped. A message the server refused is logged and left
    for the next sweep; a server that cannot be reached ends this run (the next one, a
    few minutes on, tries again) rather than waiting on it once per row."""
    sent = 0
    for send in sends:
        try:
            sent += send()
        except SMTPResponseException:
            logger.exception("mail sweep: an email was refused, left for the next sweep")
        except (SMTPException, OSError):
            logger.warning("mail sweep: the mail server is unreachable; the next sweep retries")
            break
    return sent


def unsent_emails_send(*, partnership, before) -> int:
    """Send the case-opened notices and information-request emails of the partnership
    still unsent from before `before` (their job was lost to a broker outage, or gave
    up): the sent-stamps say which. Safe to run twice, or at once: each row is claimed."""
    from cases.models import Case, InformationRequest, RequestPurpose
    from cases.services.case import case_opened_notice_send
    from cases.services.information_request import information_request_email_send

    cases = (
        Case.objects.for_partnership(partnership)
        .filter(opened_notice_sent_at__isnull=True, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    requests = (
        InformationRequest.objects.for_partnership(partnership)
        # An LCSPR submission's email is its own (reviews/services/submissions.py).
        .filter(email_sent_at__isnull=True, sent_at__lt=before, purpose=RequestPurpose.RAPID_REVIEW)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: case_opened_notice_send(partnership_id=p, case_id=pk) for pk in cases]
        + [
            lambda pk=pk: information_request_email_send(partnership_id=p, request_id=pk)
            for pk in requests
        ]
    )
