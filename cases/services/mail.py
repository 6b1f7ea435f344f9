"""How every email sender claims its row: lock it, stamp it, lease it, commit, and only
then talk to the mail server.

A mail server that accepts a connection and never answers must not hold a database lock:
while a sender waits on SMTP, no row (least of all the partnership's, which numbers new
cases) is locked. The sent-stamp is the claim. A second run, or two at once, finds it set
and sends nothing; a send that fails takes the stamp back off, so that the task's retry or
the mail sweep (`cases.tasks.mail_sweep`) sends it later.

A sender can also die mid-batch without a chance to take anything back (SIGKILL, out of
memory). So each claim also writes a lease (`cases.models.MailClaim`), deleted as soon as
the mail server has accepted that one message. A lease older than the longest a task can
live belongs to a dead sender: `expired_claims_release` takes its stamp back off and the
sweep sends the email. The one message a kill can double is the one in flight, killed
after the server accepted it and before its lease was deleted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from smtplib import SMTPException, SMTPRecipientsRefused, SMTPResponseException

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import bulk_update_with_history, get_history_manager_for_model

logger = logging.getLogger(__name__)

RELEASED = "Email not confirmed sent (its sender was stopped): left to be sent again"


def lease() -> timedelta:
    """How long a claim is held before it is taken for a dead sender's. No task lives past
    its hard time limit (the worker kills it), so a claim older than that, with a margin
    for the clocks of two hosts, is not held by anyone. It is shorter than the broker's
    visibility timeout (settings), so a task that Redis hands back after its worker died
    finds the claims it held already released."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def claim(queryset: QuerySet, *, pk: int, stamp: str, reason: str) -> Model | None:
    """Stamp the row if it is still unsent and commit; None if it was already claimed.

    Only the row itself is locked (`of=("self",)`), never the rows `select_related` joins:
    those are the case and the partnership that every other save needs. A claim of this
    email that a dead sender left (its task handed back by the broker) is released first.
    """
    expired_claims_release(model=queryset.model, stamp=stamp, pks=[pk])
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
        _lease([row], stamp=stamp)
    return row


def claim_batch(queryset: QuerySet, *, ids: list[int], stamp: str, reason: str) -> list[Model]:
    """Claim the unsent rows among `ids` that no other sender holds (SKIP LOCKED).

    Four statements however many rows: the locking SELECT, one UPDATE of the stamp by
    primary key (never through the tenant-scoped queryset, whose joins PostgreSQL would
    plan as `WHERE id IN (SELECT ... JOIN ...)`), one INSERT of the rows' history and one
    of their leases.
    """
    with transaction.atomic():
        rows = list(
            queryset.filter(pk__in=ids, **{f"{stamp}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
        )
        _stamp_all(rows, stamp=stamp, value=timezone.now(), reason=reason)
        _lease(rows, stamp=stamp)
    return rows


def unclaim(row: Model, *, stamp: str, reason: str) -> None:
    """Take the stamp back off after a failed send: the retry or the sweep sends it."""
    setattr(row, stamp, None)
    row._change_reason = reason
    with transaction.atomic():
        row.save(update_fields=[stamp])
        _release([row], stamp=stamp)


def unclaim_all(rows: list[Model], *, stamp: str, reason: str) -> None:
    """Take the stamps of a batch not sent back off, in one write."""
    with transaction.atomic():
        _stamp_all(rows, stamp=stamp, value=None, reason=reason)
        _release(rows, stamp=stamp)


def _lease(rows: list[Model], *, stamp: str) -> None:
    """Lease the claimed rows' emails to this sender (inside the claim's transaction)."""
    from cases.models import MailClaim

    if not rows:
        return
    content_type = ContentType.objects.get_for_model(type(rows[0]))
    now, task = timezone.now(), _current_task_id()
    MailClaim.objects.bulk_create(
        MailClaim(
            content_type=content_type, object_id=row.pk, stamp=stamp, claimed_at=now, held_by=task
        )
        for row in rows
    )


def _current_task_id() -> str:
    from celery import current_task

    return (current_task and current_task.request.id) or ""


def task_claims_release(*, task_id: str, since) -> None:
    """A task that ended (returned or raised, not killed) holds no email in flight: the
    leases it took since it started end, including those of rows it claimed and then had
    no one to email. (The same task id handed back after a kill does not end the dead
    run's leases, which are older than its start.)"""
    from cases.models import MailClaim

    if task_id:
        MailClaim.objects.filter(held_by=task_id, claimed_at__gte=since).delete()


def _release(rows: Iterable[Model], *, stamp: str) -> None:
    """The emails have gone (or been taken back): their leases end.

    One plain DELETE, run once a message while a batch is sent: not `QuerySet.delete()`,
    whose collector and transaction (BEGIN, DELETE, COMMIT) cost ten times as much. A
    lease has no history, no signals and nothing pointing at it."""
    from cases.models import MailClaim

    rows = list(rows)
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(type(rows[0]))
    ids = ", ".join(["%s"] * len(rows))
    with db_connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{MailClaim._meta.db_table}" '  # noqa: S608 - the model's own table
            f"WHERE content_type_id = %s AND stamp = %s AND object_id IN ({ids})",
            [content_type.pk, stamp, *(row.pk for row in rows)],
        )


def expired_claims_release(*, model=None, stamp: str | None = None, pks=None) -> int:
    """Take the sent-stamps back off the emails whose sender died holding them (a lease
    older than `lease()`), so that the mail sweep or the task's next run sends them; and
    end those leases. In one transaction, the leases locked with SKIP LOCKED: two sweeps
    at once release each email once. The number of emails released.
    """
    from cases.models import MailClaim

    claims = MailClaim.objects.filter(claimed_at__lt=timezone.now() - lease())
    if model is not None:
        claims = claims.filter(content_type=ContentType.objects.get_for_model(model))
    if stamp is not None:
        claims = claims.filter(stamp=stamp)
    if pks is not None:
        claims = claims.filter(object_id__in=pks)
    released = 0
    with transaction.atomic():
        held = list(claims.select_for_update(skip_locked=True).order_by("pk"))
        if not held:
            return 0
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for held_claim in held:
            groups[held_claim.content_type_id, held_claim.stamp].append(held_claim.object_id)
        for (content_type_id, field), ids in groups.items():
            rows_model = ContentType.objects.get_for_id(content_type_id).model_class()
            rows = list(rows_model._base_manager.filter(pk__in=ids, **{f"{field}__isnull": False}))
            _stamp_all(rows, stamp=field, value=None, reason=RELEASED)
            released += len(rows)
        MailClaim.objects.filter(pk__in=[held_claim.pk for held_claim in held]).delete()
    logger.warning("%d emails left by a stopped sender are to be sent again", released)
    return released


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
    _release([row], stamp=stamp)


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
        _commit_without_waiting_for_the_disk()
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
            _release([row], stamp=stamp)  # accepted: a kill from here on does not resend it
    except BaseException:
        unclaim_all(batch[position:], stamp=stamp, reason="Email stopped: left for the next sweep")
        raise
    finally:
        _commit_waiting_for_the_disk()
        try:
            connection.close()
        except (SMTPException, OSError):
            logger.warning("the mail server did not close the connection cleanly")
    return sent


def _commit_without_waiting_for_the_disk() -> None:
    """While a batch is sent, each email's lease ends in a commit of its own. Waiting for
    each of those to reach the disk (a WAL flush a message) made the 37,000 reminders of
    `bench/sweep.py` take 111 s instead of about 25. The commits that end leases, and
    those that give back a failed email's claim, are the ones this covers, so a
    PostgreSQL crash (not a restart, which flushes first) can lose only the latest few
    of them: those leases run out and their emails go again. Never an email lost."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def _commit_waiting_for_the_disk() -> None:
    if db_connection.vendor == "postgresql":
        with suppress(DatabaseError), db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


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
