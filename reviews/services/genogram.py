"""The lead agency's own genogram (§7.2.1: "The lead agency working with the child/family
will usually be asked to prepare a full and accurate genogram ... will be updated based on
any additional information"): the review team asks one agency for it; that agency uploads
it in the portal, or the review team uploads it on the agency's behalf. An image (PNG or
JPEG) or a PDF only, checked by its content, each upload a new version with the earlier
ones kept, numbered in one series whoever uploads."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.file_store import stored_file
from cases.mail_queue import enqueue_on_commit
from cases.models import Agency, Membership, Role, User
from cases.permissions import Action, require, user_can
from cases.services.common import validated_save as _save
from cases.services.information_request import (
    UPLOAD_CONTENT_MISMATCH,
    UPLOAD_EMPTY,
    UPLOAD_TOO_BIG,
    UPLOAD_TYPES,
    agency_portal_emails,
)
from cases.services.mail import claim, sending, unsent_send
from reviews.models import GenogramAsk, GenogramUpload, Lcspr
from reviews.selectors.genogram import genogram_names

logger = logging.getLogger(__name__)

ONLY_FAMILY_TEAM = (
    "Only the Business Office, the review's Reviewer and its Panel members keep the "
    "family's records (§7)."
)
ONLY_FAMILY_TEAM_ASKS = (
    "Only the Business Office, the review's Reviewer and its Panel members ask an agency "
    "for its genogram (§7.2.1)."
)
NOT_ASKED = (
    "Your agency is not asked for this review's genogram: the review team asks the lead "
    "agency for it (§7.2.1)."
)
CASE_WITHDRAWN = "The case is withdrawn: nothing more is uploaded to it."
ASK_CONFLICT = (
    "Someone else changed who is asked for the genogram since you opened the page: check "
    "what is asked now, then save again."
)
ASK_AGENCY_NEEDED = "Choose the agency asked for its genogram."
ASK_DUE_AFTER_TODAY = "The due date must be after today."
ASK_DUE_NOT_WORKING_DAY = (
    "The due date must be a working day: not a weekend, bank holiday or closure day."
)
ASK_NAME_IN_NOTE = (
    "The note names the child or a member of the family: use the pseudonym ({pseudonyms}) "
    "or say who they are to the child. The agency is told by case reference only."
)
GENOGRAM_TYPE_REFUSED = "The genogram must be an image (PNG or JPEG) or a PDF."
AGENCY_NOT_OURS = "Choose an agency that serves the partnership."
# §7.2.1: a genogram is a drawing: an image or a PDF, nothing else.
GENOGRAM_EXTENSIONS = (".png", ".jpg", ".jpeg", ".pdf")


def genogram_file_check(upload) -> str:
    """The content type of an acceptable genogram; otherwise the reason it is refused.
    Judged by what the file holds (its first bytes), not by its name alone: a text file
    renamed .png is refused."""
    extension = Path(upload.name or "").suffix.lower()
    if extension not in GENOGRAM_EXTENSIONS:
        raise ApplicationError(GENOGRAM_TYPE_REFUSED, field="file")
    if upload.size == 0:
        raise ApplicationError(UPLOAD_EMPTY, field="file")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES)), field="file"
        )
    content_type, signatures = UPLOAD_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ApplicationError(UPLOAD_CONTENT_MISMATCH.format(extension=extension), field="file")
    return content_type


def _acts_for_agency(actor: User | None, agency_id: int | None) -> bool:
    """Whether the actor is an active portal user of the agency (of any, for None)."""
    if actor is None:
        return False
    memberships = Membership.objects.filter(
        user=actor, role=Role.AGENCY_USER, is_active=True, user__is_active=True
    )
    if agency_id is not None:
        memberships = memberships.filter(agency_id=agency_id)
    return memberships.exists()


@transaction.atomic
def genogram_upload_add(
    *, lcspr: Lcspr, actor: User | None, upload, agency: Agency | None = None, note: str = ""
) -> GenogramUpload:
    """A new version of the agency's genogram, numbered after the last (whoever uploaded
    it); the earlier versions stay as they are. Stored outside the web root under a random
    name.

    Who acts decides whose upload it is: the review team (Action.ENGAGE_FAMILY) uploads on
    the agency's behalf, naming the agency; a portal user of the agency asked for the
    genogram (GenogramAsk) uploads its own, while it is asked (§7.2.1)."""
    partnership = lcspr.case.partnership
    # One upload at a time per review, so that two at once cannot take the same number;
    # an ask replaced meanwhile is seen after the wait.
    Lcspr.objects.for_partnership(partnership).select_for_update().filter(pk=lcspr.pk).first()
    if actor is None or user_can(actor, partnership, Action.ENGAGE_FAMILY):
        on_behalf = True
        if agency is None:
            raise ApplicationError(AGENCY_NOT_OURS, field="agency")
        if not agency.partnerships.filter(pk=partnership.pk).exists():
            raise ApplicationError(AGENCY_NOT_OURS, field="agency")
    else:
        if not _acts_for_agency(actor, None):
            raise ApplicationError(ONLY_FAMILY_TEAM)  # a partnership role without the right
        ask = GenogramAsk.objects.for_partnership(partnership).filter(lcspr=lcspr).first()
        if (
            ask is None
            or (agency is not None and agency.pk != ask.agency_id)
            or not _acts_for_agency(actor, ask.agency_id)
        ):
            raise ApplicationError(NOT_ASKED)
        if lcspr.case.withdrawn_at is not None:
            raise ApplicationError(CASE_WITHDRAWN)
        on_behalf = False
        agency = ask.agency
    content_type = genogram_file_check(upload)
    last = (
        GenogramUpload.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    version = GenogramUpload(
        lcspr=lcspr,
        number=(last or 0) + 1,
        agency=agency,
        on_behalf=on_behalf,
        note=note.strip(),
        original_name=(upload.name or "genogram").replace("/", "_").replace("\\", "_")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    who = "on the agency's behalf" if on_behalf else "by the agency"
    with stored_file(
        version.file,
        version.original_name,
        upload,
        subject=f"case {lcspr.case.reference}",
        what=f"genogram version {version.number}",
    ):
        _save(version, actor, f"Genogram version {version.number} uploaded {who}")
    logger.info(
        "case %s: genogram version %d uploaded %s", lcspr.case.reference, version.number, who
    )
    return version


# --- Asking the lead agency (§7.2.1) ---------------------------------------------------------


@transaction.atomic
def genogram_ask_record(
    *,
    lcspr: Lcspr,
    agency: Agency | None,
    due_on: date | None,
    note: str,
    version: int,
    actor: User | None,
) -> GenogramAsk:
    """Ask one agency of the partnership for its genogram (§7.2.1), by an optional
    working-day due date, with an optional note that names nobody. The agency's portal
    users are emailed and see it on their dashboard.

    Recording the same ask again changes nothing and emails nobody again. Asking another
    agency replaces the ask (its history keeps the earlier one) and tells the new agency.
    `version` is the ask's as the page showed it (0 when none): another's change in
    between is a conflict, and nothing is saved."""
    case = lcspr.case
    partnership = case.partnership
    require(actor, partnership, Action.ENGAGE_FAMILY, ONLY_FAMILY_TEAM_ASKS)
    if agency is None:
        raise ApplicationError(ASK_AGENCY_NEEDED, field="agency")
    if not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(AGENCY_NOT_OURS, field="agency")
    note = note.strip()
    if due_on is not None:
        if due_on <= timezone.localdate():
            raise ApplicationError(ASK_DUE_AFTER_TODAY, field="due_on")
        if not case_selectors.working_calendar(partnership=partnership).is_working_day(due_on):
            raise ApplicationError(ASK_DUE_NOT_WORKING_DAY, field="due_on")
    names = genogram_names(lcspr)
    if note and names.found_in(note):
        pseudonyms = ", ".join(names.pseudonyms) or "Child A"
        raise ApplicationError(ASK_NAME_IN_NOTE.format(pseudonyms=pseudonyms), field="note")
    # Two asks at once: the second waits here, then sees the first.
    Lcspr.objects.for_partnership(partnership).select_for_update().filter(pk=lcspr.pk).first()
    ask = GenogramAsk.objects.for_partnership(partnership).filter(lcspr=lcspr).first()
    if ask is not None and (ask.agency_id, ask.due_on, ask.note) == (agency.pk, due_on, note):
        return ask  # the same ask sent again: nothing changes, nobody is told twice
    if (ask.version if ask else 0) != version:
        raise ApplicationError(ASK_CONFLICT, field="version")
    tell = ask is None or ask.agency_id != agency.pk
    if ask is None:
        ask = GenogramAsk(lcspr=lcspr, version=0)
        reason = "Genogram asked of the agency (§7.2.1)"
    elif tell:
        reason = "Genogram asked of another agency instead (§7.2.1)"
    else:
        reason = "Genogram ask's due date or note changed (§7.2.1)"
    if tell:
        ask.agency, ask.asked_at, ask.asked_by = agency, timezone.now(), actor
        ask.email_sent_at = None  # the newly asked agency is told
    ask.due_on, ask.note = due_on, note
    ask.version += 1
    _save(ask, actor, reason)
    if tell:
        from reviews.tasks import genogram_ask_email

        enqueue_on_commit(genogram_ask_email, partnership_id=partnership.pk, ask_id=ask.pk)
    logger.info("case %s: genogram asked of agency %s", case.reference, agency.pk)
    return ask


def genogram_ask_email_send(*, partnership_id: int, ask_id: int) -> int:
    """Email the asked agency's portal users that the review asks for its genogram: the
    case reference, the due date and a link; never a name or the case's content. Claimed
    and committed before the send: it goes once. An ask replaced before its email went is
    told to the agency asked now."""
    rows = GenogramAsk.objects.for_partnership(partnership_id).select_related(
        "lcspr__case__partnership", "agency"
    )
    ask = claim(
        rows,
        pk=ask_id,
        stamp="email_sent_at",
        reason="Emailed to the asked agency's portal users",
    )
    if ask is None:
        return 0
    recipients = agency_portal_emails(ask.agency_id)
    reference = ask.lcspr.case.reference
    context = {
        "reference": reference,
        "agency": ask.agency.name,
        "due": ask.due_on,
        "url": settings.SITE_URL + reverse("portal_genogram", kwargs={"pk": ask.pk}),
        "product_name": settings.PRODUCT_NAME,
    }
    if recipients:
        with sending(ask, stamp="email_sent_at"):
            send_mail(
                subject=f"Case {reference}: the review asks for your agency's genogram",
                message=render_to_string("emails/lcspr_genogram_ask.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("genogram ask %s: emailed %d people", ask.pk, len(recipients))
    return len(recipients)


def unsent_genogram_asks_send(*, partnership, before) -> int:
    """The mail sweep's part: asks whose email is still unsent (their job was lost). Safe
    to run twice: each row is claimed."""
    asks = (
        GenogramAsk.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, asked_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: genogram_ask_email_send(partnership_id=p, ask_id=pk) for pk in asks]
    )
