"""The anonymisation guard (§9.1.3, §7.2.1): reads a finished draft's text, or the report's
PDF, against the case's restricted data and records each hit (AnonymisationHit); the CRG
chair accepts a hit with a reason; the Reviewer keeps the case's never-publish list.

Interface the rest of the report uses (issue 15); the scanning itself lives in
reviews/anonymisation.py and what it looks for in reviews/selectors/report_guard.py.

Nothing the guard reads or finds goes into a log or an email: they name the case's
reference and the draft's number only.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Membership, User
from cases.permissions import PERMISSIONS, Action, require
from cases.services.mail import claim, sending
from reviews import anonymisation as rules
from reviews.models import (
    AnonymisationHit,
    HitWhere,
    Lcspr,
    NeverPublishTerm,
    ReportDraft,
    ReportSection,
)
from reviews.selectors.report_guard import never_publish_terms, restricted_data

logger = logging.getLogger(__name__)

ONLY_KEEPERS = "Only the Reviewer and the Business Office keep the never-publish list."
ONLY_CHAIR = "Only the CRG chair accepts what the anonymisation guard found (§9.1.3)."
TERM_NEEDED = "Enter the word or phrase that must never be published."
REASON_NEEDED = "Say why this may stay in the report: the chair's reason is recorded."
REMOVAL_REASON_NEEDED = "Say why this may come off the never-publish list."
ALREADY_ACCEPTED = "This hit was already accepted, by {who} on {when}."
HIT_GONE = "The guard has run again since this page was opened: this hit is no longer found."
TERM_GONE = "This term is no longer on the list."
PDF_UNREADABLE = "The report's PDF could not be read, so it could not be checked."

HEADING_IN_LOCATION = 80  # characters of a section's heading shown in a hit's location


# --- Where each piece of the draft is ----------------------------------------------------


def _short(heading: str) -> str:
    heading = " ".join(heading.split())
    if len(heading) > HEADING_IN_LOCATION:
        heading = heading[: HEADING_IN_LOCATION - 1].rstrip() + "…"
    return heading


def draft_chunks(draft: ReportDraft) -> list[rules.Chunk]:
    """The draft's text as located pieces: "Section 3 ‘Background’, paragraph 2" for a
    draft in sections (its heading is a piece too: headings may name people), or
    "Paragraph 12" for a Word draft read as one text. The heading in a location is the
    draft's own text, restricted like it: it is shown to the review team, never logged."""
    sections = list(
        ReportSection.objects.for_partnership(draft.lcspr.case.partnership)
        .filter(draft=draft)
        .order_by("order", "pk")
    )
    if not sections:
        return [
            rules.Chunk(f"Paragraph {number}", text)
            for number, text in enumerate(rules.paragraphs(draft.text), start=1)
        ]
    chunks = []
    for number, section in enumerate(sections, start=1):
        where = f"Section {number} ‘{_short(section.heading)}’"
        chunks.append(rules.Chunk(f"{where}, heading", section.heading))
        chunks += [
            rules.Chunk(f"{where}, paragraph {p}", text)
            for p, text in enumerate(rules.paragraphs(section.body), start=1)
        ]
    return chunks


def pdf_chunks(pdf: bytes) -> list[rules.Chunk]:
    """The PDF's text, a piece per page ("Page 4")."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as error:
        raise ApplicationError(PDF_UNREADABLE) from error
    return [rules.Chunk(f"Page {n}", text) for n, text in enumerate(pages, start=1)]


# --- Running the guard -------------------------------------------------------------------


def _record(draft: ReportDraft, where: str, found: list[rules.Hit]) -> list[AnonymisationHit]:
    """Replace the draft's hits of `where` with `found`. A hit found again (the same kind,
    text and place) keeps its row, and so the chair's acceptance of it; one no longer
    found is deleted (it was fixed); a new one is added, open. Runs inside the caller's
    transaction, with the draft's row locked."""
    rows = AnonymisationHit.objects.for_partnership(draft.lcspr.case.partnership)
    existing: dict[tuple, list[AnonymisationHit]] = defaultdict(list)
    # Accepted ones first, so that a recurring hit keeps the chair's acceptance.
    for hit in rows.filter(draft=draft, where=where).order_by("pk"):
        existing[(hit.kind, hit.found, hit.location)].append(hit)
    for hits in existing.values():
        hits.sort(key=lambda h: (h.accepted_at is None, h.pk))
    kept: list[AnonymisationHit] = []
    for hit in found:
        key = (hit.kind, hit.found[:300], hit.location[:300])
        if existing.get(key):
            row = existing[key].pop(0)
            if row.context != hit.context:
                row.context = hit.context
                row._change_reason = "Found again by the anonymisation guard"
                row.save(update_fields=["context"])
        else:
            row = AnonymisationHit(
                draft=draft,
                where=where,
                kind=hit.kind,
                found=key[1],
                context=hit.context,
                location=key[2],
            )
            row.full_clean()
            row._change_reason = "Found by the anonymisation guard"
            row.save()
        kept.append(row)
    for leftover in (hit for hits in existing.values() for hit in hits):
        leftover._change_reason = "No longer found by the anonymisation guard"
        leftover.delete()
    return kept


def _run(draft: ReportDraft, where: str, chunks: list[rules.Chunk]) -> list[AnonymisationHit]:
    restricted = restricted_data(draft.lcspr)
    found = rules.scan(restricted, chunks)
    partnership = draft.lcspr.case.partnership
    with transaction.atomic():
        locked = (
            ReportDraft.objects.for_partnership(partnership).select_for_update().get(pk=draft.pk)
        )
        kept = _record(locked, where, found)
        if where == HitWhere.DRAFT:
            locked.guard_checked_at = draft.guard_checked_at = timezone.now()
            locked._change_reason = "Checked by the anonymisation guard"
            locked.save(update_fields=["guard_checked_at"])
        open_hits = [hit for hit in kept if hit.is_open]
        if open_hits and locked.is_finished and locked.guard_email_sent_at is None:
            _queue_chair_email(locked)
    logger.info(
        "case %s: report draft %s checked (%s): %d hits, %d open",
        draft.lcspr.case.reference,
        draft.number,
        where,
        len(kept),
        len(open_hits),
    )
    return open_hits


def report_guard_run(*, draft: ReportDraft) -> list[AnonymisationHit]:
    """Check a finished draft's text and sections; replace its draft-text hits with what is
    found now (a hit the chair accepted stays accepted while the same text is found in the
    same place). Returns the open hits. Safe to run twice."""
    return _run(draft, HitWhere.DRAFT, draft_chunks(draft))


def report_guard_run_pdf(*, draft: ReportDraft, pdf: bytes) -> list[AnonymisationHit]:
    """Check the report's PDF (the final version's, §9.1.4-9.1.5; the publication stage's)
    as the draft's text is checked; its hits are recorded with `where=PDF`. Returns the
    open ones. A PDF that cannot be read is refused (ApplicationError)."""
    return _run(draft, HitWhere.PDF, pdf_chunks(pdf))


def _rerun_latest(lcspr: Lcspr) -> None:
    """The never-publish list changed: the review's latest draft, if the guard has read
    it, is read again so that its hits are current."""
    latest = (
        ReportDraft.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .order_by("-number")
        .first()
    )
    if latest is not None and latest.guard_checked_at is not None:
        report_guard_run(draft=latest)


# --- The chair's acceptance (§9.1.3) -----------------------------------------------------


def anonymisation_hit_accept(
    *, hit: AnonymisationHit, reason: str, actor: User | None
) -> AnonymisationHit:
    """The CRG chair accepts that a hit may stay in the report (a word that is not the
    name it looks like; a date that identifies nobody), with a reason. Accepting twice is
    refused with who accepted it first."""
    partnership = hit.draft.lcspr.case.partnership
    require(actor, partnership, Action.ACCEPT_ANONYMISATION_HIT, ONLY_CHAIR)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(REASON_NEEDED, field="reason")
    with transaction.atomic():
        current = (
            AnonymisationHit.objects.for_partnership(partnership)
            .select_for_update()
            .filter(pk=hit.pk)
            .first()
        )
        if current is None:
            raise ApplicationError(HIT_GONE)
        if current.accepted_at is not None:
            who = current.accepted_by.get_full_name() if current.accepted_by else "the chair"
            raise ApplicationError(
                ALREADY_ACCEPTED.format(
                    who=who or "the chair",
                    when=format_date(timezone.localdate(current.accepted_at)),
                )
            )
        current.accepted_reason = reason
        current.accepted_by = actor
        current.accepted_at = timezone.now()
        current.full_clean()
        current._change_reason = "Accepted by the CRG chair"
        current.save(update_fields=["accepted_reason", "accepted_by", "accepted_at"])
    return current


# --- The never-publish list (§9.1.3) ----------------------------------------------------


def never_publish_add(
    *, lcspr: Lcspr, term: str, note: str = "", actor: User | None
) -> NeverPublishTerm:
    """Add a word or phrase to the case's never-publish list; the latest draft the guard
    has read is read again. A term already on the list is not added twice (a form sent
    twice adds it once): the one on the list is returned."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.KEEP_NEVER_PUBLISH_LIST, ONLY_KEEPERS)
    term = " ".join(term.split())
    if not term:
        raise ApplicationError(TERM_NEEDED, field="term")
    with transaction.atomic():
        Lcspr.objects.for_partnership(partnership).select_for_update().get(pk=lcspr.pk)
        folded = rules.fold(term)[0]
        for existing in never_publish_terms(lcspr):
            if rules.fold(existing.term)[0] == folded:
                return existing
        row = NeverPublishTerm(lcspr=lcspr, term=term, note=note.strip(), added_by=actor)
        row.full_clean()
        row._change_reason = "Added to the never-publish list"
        row.save()
        transaction.on_commit(lambda: _rerun_latest(lcspr))
    return row


def never_publish_remove(
    *, term: NeverPublishTerm, reason: str, actor: User | None
) -> NeverPublishTerm:
    """Take a term off the never-publish list, with the reason (kept in its history); the
    latest draft the guard has read is read again. Removing it twice is refused."""
    lcspr = term.lcspr
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.KEEP_NEVER_PUBLISH_LIST, ONLY_KEEPERS)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(REMOVAL_REASON_NEEDED, field="reason")
    with transaction.atomic():
        current = (
            NeverPublishTerm.objects.for_partnership(partnership)
            .select_for_update()
            .filter(pk=term.pk, removed_at__isnull=True)
            .first()
        )
        if current is None:
            raise ApplicationError(TERM_GONE)
        current.removed_at = timezone.now()
        current._change_reason = f"Removed from the never-publish list: {reason}"
        current.save(update_fields=["removed_at"])
        transaction.on_commit(lambda: _rerun_latest(lcspr))
    return current


# --- Telling the chair (§9.1.3) ----------------------------------------------------------


def _queue_chair_email(draft: ReportDraft) -> None:
    from reviews.tasks import report_guard_email

    partnership_id, draft_id = draft.lcspr.case.partnership_id, draft.pk
    transaction.on_commit(
        lambda: report_guard_email.delay(partnership_id=partnership_id, draft_id=draft_id)
    )


def chair_recipients(partnership) -> list[str]:
    """The partnership's CRG chairs, who accept hits (Action.ACCEPT_ANONYMISATION_HIT)."""
    users = User.objects.filter(
        is_active=True,
        memberships__in=Membership.objects.filter(
            partnership=partnership,
            role__in=PERMISSIONS[Action.ACCEPT_ANONYMISATION_HIT],
            is_active=True,
        ),
    ).exclude(email="")
    return sorted({user.email for user in users})


def report_guard_email_send(*, partnership_id: int, draft_id: int) -> int:
    """Email the CRG chairs that a finished draft holds open hits: the case reference and
    the draft's number, with the link to the hits; never what was found. Claimed before
    the send: it goes once. A draft whose hits were all fixed or accepted meanwhile, or
    that nobody could be told of, stays unsent."""
    rows = ReportDraft.objects.for_partnership(partnership_id).select_related(
        "lcspr__case__partnership"
    )
    draft = rows.filter(pk=draft_id, guard_email_sent_at__isnull=True).first()
    if draft is None:
        return 0
    open_hits = AnonymisationHit.objects.for_partnership(partnership_id).filter(
        draft=draft, accepted_at__isnull=True
    )
    recipients = chair_recipients(draft.lcspr.case.partnership)
    if not recipients or not open_hits.exists():
        return 0
    draft = claim(
        rows,
        pk=draft_id,
        stamp="guard_email_sent_at",
        reason="CRG chair emailed of the anonymisation hits",
    )
    if draft is None:
        return 0
    reference = draft.lcspr.case.reference
    context = {
        "reference": reference,
        "number": draft.number,
        "url": settings.SITE_URL
        + reverse("lcspr_report_hits", kwargs={"reference": reference, "number": draft.number}),
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(draft, stamp="guard_email_sent_at"):
        send_mail(
            subject=f"Case {reference}: report draft {draft.number} needs anonymising",
            message=render_to_string("emails/lcspr_report_guard.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
    logger.info("case %s: chair emailed of draft %s's hits", reference, draft.number)
    return len(recipients)


def unsent_guard_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: finished drafts checked before `before` with open hits whose
    email is still unsent (its job was lost). Safe to run twice: each draft is claimed."""
    from cases.services.mail import unsent_send

    drafts = (
        ReportDraft.objects.for_partnership(partnership)
        .filter(
            guard_email_sent_at__isnull=True,
            finished_at__isnull=False,
            guard_checked_at__lt=before,
            hits__accepted_at__isnull=True,
            hits__isnull=False,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: report_guard_email_send(partnership_id=p, draft_id=pk) for pk in drafts]
    )
