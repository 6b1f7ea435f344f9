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
from contextlib import contextmanager, suppress
from smtplib import SMTPException, SMTPRecipientsRefused, SMTPResponseException

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import bulk_update_with_history, get_history_manager_for_model

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
    """Claim the unsent rows among `ids` that no other sender holds (SKIP LOCKED).

    Three statements however many rows: the locking SELECT, one UPDATE of the stamp by
    primary key (never through the tenant-scoped queryset, whose joins PostgreSQL would
    plan as `WHERE id IN (SELECT ... JOIN ...)`), and one INSERT of the rows' history.
    """
    with transaction.atomic():
        rows = list(
            queryset.filter(pk__in=ids, **{f"{stamp}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
        )
        _stamp_all(rows, stamp=stamp, value=timezone.now(), reason=reason)
    return rows


def unclaim(row: Model, *, stamp: str, reason: str) -> None:
    """Take the stamp back off after a failed send: the retry or the sweep sends it."""
    setattr(row, stamp, None)
    row._change_reason = reason
    with transaction.atomic():
        row.save(update_fields=[stamp])


def unclaim_all(rows: list[Model], *, stamp: str, reason: str) -> None:
    """Take the stamps of a batch not sent back off, in one write."""
    with transaction.atomic():
        _stamp_all(rows, stamp=stamp, value=None, reason=reason)


def _stamp_all(rows: list[Model], *, stamp: str, value, reason: str) -> None:
    """Set `stamp` on every row, keeping each row's history, in one UPDATE by primary key.

    The rows were read and locked through the tenant-scoped queryset; the write names
    them by primary key on the plain manager, because the scoped one would compile to
    `UPDATE ... WHERE id IN (SELECT ... JOIN ...)`, which PostgreSQL can take minutes over.
    """
    if not rows:
        return
    model = type(rows[0])
    for row in rows:
        setattr(row, stamp, value)
        row._change_reason = reason
    plain = model._base_manager
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        # A delivery record whose stamps are its history (cases.models.Reminder).
        pks = [row.pk for row in rows]
        plain.filter(pk__in=pks).update(**{stamp: value})  # history-free model
        return
    bulk_update_with_history(rows, model, [stamp], default_change_reason=reason, manager=plain)


@contextmanager
def sending(row: Model, *, stamp: str) -> Iterator[None]:
    """Send inside this block; if anything stops it (a mail error, the task's soft time
    limit), the claim is undone and the error goes on to the task's retry."""
    try:
        yield
    except BaseException:
        unclaim(row, stamp=stamp, reason="Email failed: left to be sent again")
        raise


def deliver(message: EmailMessage, connection) -> None:
    """Send one message over the batch's open connection (an error is this message's)."""
    message.connection = connection
    connection.send_messages([message])


def _reconnect(connection) -> None:
    """After a failed send the server may have hung up: start the connection again. If it
    cannot be opened, the error goes on (send_each leaves the rest for the retry)."""
    with suppress(SMTPException, OSError):
        connection.close()
    connection.open()


def send_each(
    batch: list[Model], send: Callable[[Model, object], None], *, stamp="email_sent_at"
) -> int:
    """Send each claimed row of a batch over one connection to the mail server
    (`send(row, connection)`; each message goes as its own `send_messages` call on it).

    A refused address (or a mail server that fails one send) is logged and its row
    un-claimed for the next sweep without holding up the others; if the server did not
    answer (it hung up), the connection is opened again for them. A mail server that
    cannot be reached at all un-claims the rows not yet sent and raises, for the task's
    retry, rather than waiting out `EMAIL_TIMEOUT` once per row; so does anything else
    that stops the batch, such as the task's soft time limit.
    """
    sent, position = 0, 0  # batch[position:] are claimed and not yet sent
    connection = get_connection()
    try:
        connection.open()
        while position < len(batch):
            row = batch[position]
            try:
                send(row, connection)
            except (SMTPException, OSError) as error:
                logger.exception(
                    "%s %s: email failed, left for the next sweep", type(row).__name__, row.pk
                )
                unclaim(row, stamp=stamp, reason="Email failed: left for the next sweep")
                position += 1
                if not isinstance(error, SMTPRecipientsRefused | SMTPResponseException):
                    _reconnect(connection)  # not an answer: the server may have hung up
                continue
            sent, position = sent + 1, position + 1
    except BaseException:
        unclaim_all(batch[position:], stamp=stamp, reason="Email stopped: left for the next sweep")
        raise
    finally:
        try:
            connection.close()
        except (SMTPException, OSError):
            logger.warning("the mail server did not close the connection cleanly")
    return sent


class SharedRendering:
    """Each template rendered once per distinct context, not once per email.

    A sweep's emails differ in little but the case reference and its link: those are
    `slots`, rendered as markers and put in afterwards (escaped where the template is
    HTML), so thousands of reminders cost a few hundred renders. Emails hold no case
    content (a case reference only), so nothing else needs to differ.
    """

    def __init__(self):
        self._rendered: dict[tuple, str] = {}

    def render(self, template_name: str, context: dict, **slots: str) -> str:
        key = (template_name, tuple(sorted(context.items())), tuple(sorted(slots)))
        text = self._rendered.get(key)
        if text is None:
            markers = {name: _marker(name) for name in slots}
            text = self._rendered[key] = render_to_string(template_name, context | markers)
        is_html = template_name.endswith(".html")
        for name, value in slots.items():
            text = text.replace(_marker(name), escape(value) if is_html else value)
        return text


def _marker(name: str) -> str:
    """A placeholder no template output, escaped or not, otherwise contains."""
    return f"\x00{name}\x00"


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
