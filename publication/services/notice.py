"""The notice to the National Panel, Ofsted and the DfE (§10.5.1): the pack (the final
report, or the improvements-only document, each as it passed the anonymisation guard)
sent no later than seven working days before publication. It is emailed from the product
with the file attached where the partnership enables it, or recorded as sent another way.

The notice keeps where it went, when, and the SHA-256 and size of exactly the file sent;
recording it completes `report_sent_to_national_panel`. It is also the record the
National Panel log reads (§1.6.3).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.permissions import Action, require
from cases.services.mail import claim, sending, unsent_send
from publication.models import PackKind, PanelNotice, Publication, SentBy
from publication.selectors import plan as selectors
from publication.services.plan import ONLY_OFFICE, _locked, sent_deadline_complete

logger = logging.getLogger(__name__)

MAILBOX_MISSING = (
    "The pack cannot be sent: the partnership has no address for {missing}. The partnership "
    "admin sets it in the partnership's settings (§10.5.1)."
)
EMAIL_OFF = "This partnership sends the pack another way: record when it was sent (§10.5.1)."
SENT_IN_FUTURE = "The pack cannot have been sent on a future date."
SENT_ON_NEEDED = "Enter the date the pack was sent."
FILE_CHANGED = "The pack's file is not the one the guard passed: it was not sent."


def _pack_bytes(publication: Publication):
    pack = selectors.pack_of(publication)
    if pack is None:
        raise ApplicationError(selectors.pack_missing(publication))
    with pack.file.open("rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != pack.sha256:
        raise ApplicationError(FILE_CHANGED)
    return pack, content


def _recipients(publication: Publication) -> list[str]:
    have, missing = selectors.mailboxes(publication.lcspr.case.partnership)
    if missing:
        raise ApplicationError(MAILBOX_MISSING.format(missing=" and ".join(missing)))
    return have


@transaction.atomic
def panel_notice_send(
    *,
    publication: Publication,
    actor: User | None,
    sent_by: str,
    sent_on: date | None = None,
    note: str = "",
) -> PanelNotice:
    """Record the pack sent: by email from the product (sent today, after the commit, once)
    or another way on `sent_on`. Refused while a mailbox is missing or there is no pack."""
    partnership = publication.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication)
    recipients = _recipients(publication)
    pack, content = _pack_bytes(publication)
    today = timezone.localdate()
    if sent_by == SentBy.EMAIL:
        if not partnership.email_publication_pack:
            raise ApplicationError(EMAIL_OFF)
        sent_on = today
    else:
        sent_by = SentBy.OTHER
        if sent_on is None:
            raise ApplicationError(SENT_ON_NEEDED, field="sent_on")
        if sent_on > today:
            raise ApplicationError(SENT_IN_FUTURE, field="sent_on")
    notice = PanelNotice(
        publication=publication,
        kind=pack.kind,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        recipients=recipients,
        sent_by=sent_by,
        sent_on=sent_on,
        note=note.strip(),
        recorded_by=actor,
    )
    notice.full_clean()
    notice._history_user = actor
    notice._change_reason = f"Pack sent to the National Panel, Ofsted and the DfE ({sent_by})"
    notice.save()
    publication.version += 1
    publication._history_user = actor
    publication._change_reason = "Notice to the National Panel, Ofsted and the DfE recorded"
    publication.save(update_fields=["version", "updated_at"])
    sent_deadline_complete(publication, sent_on, actor)
    if sent_by == SentBy.EMAIL:
        from publication.tasks import panel_notice_email

        enqueue_on_commit(panel_notice_email, partnership_id=partnership.pk, notice_id=notice.pk)
    logger.info(
        "case %s: publication notice recorded (%s)", publication.lcspr.case.reference, sent_by
    )
    return notice


def panel_notice_email_send(*, partnership_id: int, notice_id: int) -> int:
    """Email the pack to the National Panel, Ofsted and the DfE as ONE message with the
    file attached, claimed before the send so it goes once. The attachment is the file
    whose checksum the notice recorded, or nothing is sent."""
    rows = PanelNotice.objects.for_partnership(partnership_id).select_related(
        "publication__lcspr__case__partnership"
    )
    waiting = rows.filter(pk=notice_id, emailed_at__isnull=True, sent_by=SentBy.EMAIL).first()
    if waiting is None:
        return 0
    notice = claim(rows, pk=notice_id, stamp="emailed_at", reason="Pack emailed")
    if notice is None:
        return 0
    publication = notice.publication
    case = publication.lcspr.case
    partnership = case.partnership
    with sending(notice, stamp="emailed_at"):
        pack = selectors.pack_of(publication)
        with pack.file.open("rb") as stored:
            content = stored.read()
        if hashlib.sha256(content).hexdigest() != notice.sha256:
            raise ApplicationError(FILE_CHANGED)
        what = (
            "the final report"
            if notice.kind == PackKind.REPORT
            else "the information about the improvements to be made following the review"
        )
        message = EmailMessage(
            subject=f"{partnership.name}: LCSPR publication pack, case {case.reference}",
            body=render_to_string(
                "emails/publication_pack.txt",
                {
                    "partnership": partnership.name,
                    "what": what,
                    "office": partnership.business_office_name,
                    "office_email": "",
                },
            ),
            from_email=None,
            to=list(notice.recipients),
        )
        message.attach(pack.name, content, "application/pdf")
        message.send()
    logger.info("case %s: publication pack emailed", case.reference)
    return len(notice.recipients)


def unsent_panel_notices_send(*, partnership, before) -> int:
    """For the mail sweep: packs to email whose job was lost."""
    ids = (
        PanelNotice.objects.for_partnership(partnership)
        .filter(emailed_at__isnull=True, sent_by=SentBy.EMAIL, recorded_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: panel_notice_email_send(partnership_id=p, notice_id=pk) for pk in ids]
    )
