"""The report's drafts (§9.1): the Reviewer (with the Business Office) writes each draft in
the product, section by section, or uploads it from Word; a finished draft never changes,
the next change is the next draft. The Panel comments on a draft section by section; the
Reviewer is told. Each draft says where it meets the §9.1.2 minimum content (its checklist).

Nothing here writes a draft's text or a heading to a log or an email: the case reference
and the draft's number only.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.file_store import stored_file
from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from reviews.checklist import MINIMUM_CONTENT
from reviews.docx import DocxRefused, docx_read
from reviews.models import (
    AppointmentRole,
    DraftSource,
    Lcspr,
    ReportComment,
    ReportDraft,
    ReportRequirement,
    ReportSection,
)
from reviews.rules import ReviewConflict
from reviews.selectors.report import report_checklist
from reviews.selectors.report_approval import qa_passed, report_final
from reviews.selectors.setup import current_appointments
from reviews.services.report_guard import report_guard_run

logger = logging.getLogger(__name__)

ONLY_WRITERS = "Only the review's Reviewer and the Business Office write the report (§9.1)."
ONLY_COMMENTERS = (
    "Only the review team (the Panel, the Reviewer, the Business Office and the CRG chair) "
    "comment on the report's drafts."
)
BEING_WRITTEN = (
    "Draft {number} is still being written: finish it (or write in it) before the next draft."
)
FINISHED = "Draft {number} is finished and never changes: start the next draft to change it."
NOTHING_WRITTEN = "The draft has no text yet: write at least one section before finishing it."
SECTION_CONFLICT = (
    "Someone else saved this section since you opened it. What they saved is shown; what "
    "you typed is kept below: check both, then save again."
)
CHECKLIST_CONFLICT = (
    "Someone else changed where this draft addresses the minimum content since you opened "
    "it: check what is shown now, then save again."
)
SECTION_NOT_OF_DRAFT = "Choose a section of this draft."
REPLY_NOT_OF_DRAFT = "The comment you answer is not on this draft."
TOO_LARGE = "The file is larger than {limit}: the largest Word draft accepted is {limit}."
CHOOSE_FILE = "Choose the Word draft (.docx) to upload."
LAST_SECTION = "A draft keeps at least one section: change its heading instead."
REPORT_FINAL = (
    "The report is final (§9.1.5): draft {number} was approved and is frozen, so no new "
    "draft can be started."
)
CHECKLIST_AFTER_QA = (
    "The Panel's quality assurance passed draft {number} against this checklist (§9.1.4): "
    "it is kept as the Panel checked it. Start the next draft to change it."
)

# The sections a first draft starts with, in §9.1.2's order; the Reviewer renames, adds,
# moves and removes them as the report needs.
DEFAULT_HEADINGS = {
    "overview": "Overview: what happened, the circumstances and the context",
    "methods": "How the review was carried out",
    "kloes": "Analysis against the key lines of enquiry",
    "daily_life": "The child's daily life",
    "protected_characteristics": "Race, ethnicity, religion, culture and identity",
    "direct_work": "Direct work with the child and family",
    "context_systems": "How context and systems shaped practice",
    "decisions": "Why decisions were taken",
    "agencies_together": "How agencies worked together",
    "practice_in_general": "Practice in general",
    "prevent_harm": "What would prevent harm to a child in similar circumstances",
    "good_practice": "Good practice",
    "views": "The views of the child and family",
    "practitioners_events": "Findings from practitioners' events",
    "research": "Research and other cases",
    "other_reports": "Other reports, inspections and audits",
    "agencies_learn": "What agencies and the partnership must learn",
    "recommendations": "Recommendations",
}
assert [point.key for point in MINIMUM_CONTENT] == list(DEFAULT_HEADINGS)  # §9.1.2's order


def report_draft_limit() -> int:
    """The largest Word draft accepted: the report's own limit, or the uploads' limit at
    which the file stops being read as it arrives (cases/uploads.py), whichever is less."""
    return min(settings.REPORT_DRAFT_MAX_BYTES, settings.UPLOAD_MAX_BYTES)


def _lock_lcspr(lcspr: Lcspr) -> None:
    """One new draft at a time per review: two at once cannot take the same number."""
    Lcspr.objects.for_partnership(lcspr.case.partnership).select_for_update().filter(
        pk=lcspr.pk
    ).first()


def _drafts(lcspr: Lcspr):
    return ReportDraft.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr)


def _draft_locked(draft: ReportDraft) -> ReportDraft:
    return (
        ReportDraft.objects.for_partnership(draft.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=draft.pk)
    )


def _refuse_finished(draft: ReportDraft) -> None:
    if draft.is_finished:
        raise ApplicationError(FINISHED.format(number=draft.number))


def _refuse_after_final(lcspr: Lcspr, field: str | None = None) -> None:
    """The approved final version is frozen (§9.1.5): no draft after it."""
    final = report_final(lcspr)
    if final is not None:
        raise ApplicationError(REPORT_FINAL.format(number=final.draft.number), field=field)


def _sections(draft: ReportDraft):
    return ReportSection.objects.for_partnership(draft.lcspr.case.partnership).filter(draft=draft)


@transaction.atomic
def report_draft_start(*, lcspr: Lcspr, actor: User | None) -> ReportDraft:
    """The next draft written in the product: draft 1 with a section for each point of
    §9.1.2 in its order, or the next as a copy of the latest finished draft (its sections
    and where it says it meets the minimum content)."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    _lock_lcspr(lcspr)
    _refuse_after_final(lcspr)
    latest = _drafts(lcspr).order_by("-number").first()
    if latest is not None and not latest.is_finished:
        raise ApplicationError(BEING_WRITTEN.format(number=latest.number))
    draft = ReportDraft(
        lcspr=lcspr,
        number=(latest.number + 1) if latest else 1,
        source=DraftSource.WRITTEN,
        created_by=actor,
        checklist=dict(latest.checklist or {}) if latest else {},
    )
    _save(draft, actor, f"Draft {draft.number} started (§9.1)")
    if latest is None:
        sections = [
            ReportSection(draft=draft, order=n, heading=heading)
            for n, heading in enumerate(DEFAULT_HEADINGS.values(), start=1)
        ]
    else:
        sections = [
            ReportSection(draft=draft, order=s.order, heading=s.heading, body=s.body)
            for s in _sections(latest).order_by("order", "id")
        ]
    for section in sections:
        section.updated_by = actor
        _save(section, actor, f"Section of draft {draft.number} started")
    logger.info("case %s: report draft %s started", lcspr.case.reference, draft.number)
    return draft


@transaction.atomic
def report_section_add(
    *, draft: ReportDraft, heading: str, body: str = "", actor: User | None
) -> ReportSection:
    """A new section at the end of a draft being written."""
    require(actor, draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    draft = _draft_locked(draft)
    _refuse_finished(draft)
    last = _sections(draft).aggregate(last=Max("order"))["last"] or 0
    section = ReportSection(
        draft=draft, order=last + 1, heading=heading.strip(), body=body, updated_by=actor
    )
    _save(section, actor, f"Section added to draft {draft.number}")
    return section


def _section_locked(section: ReportSection, version: int | None) -> ReportSection:
    current = (
        ReportSection.objects.for_partnership(section.draft.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("draft__lcspr__case__partnership")
        .get(pk=section.pk)
    )
    _refuse_finished(current.draft)
    if version is not None and current.version != version:
        raise ReviewConflict(SECTION_CONFLICT)
    return current


@transaction.atomic
def report_section_update(
    *, section: ReportSection, heading: str, body: str, version: int, actor: User | None
) -> ReportSection:
    """Save a section's heading and text. Two people editing it at once: the second save
    is a conflict (ReviewConflict), never an overwrite."""
    require(actor, section.draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    section = _section_locked(section, version)
    if (section.heading, section.body) == (heading.strip(), body):
        return section
    section.heading, section.body = heading.strip(), body
    section.updated_by = actor
    section.version += 1
    _save(section, actor, f"Section of draft {section.draft.number} changed")
    return section


@transaction.atomic
def report_section_move(*, section: ReportSection, direction: str, actor: User | None) -> None:
    """Swap the section with the one before ("up") or after ("down") it."""
    require(actor, section.draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    section = _section_locked(section, None)
    ordered = list(_sections(section.draft).select_for_update().order_by("order", "id"))
    index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for n, row in enumerate(ordered, start=1):
        if row.order != n:
            row.order = n
            row._history_user, row._change_reason = actor, "Sections reordered"
            row.save(update_fields=["order"])


@transaction.atomic
def report_section_remove(*, section: ReportSection, version: int, actor: User | None) -> None:
    """Remove a section of a draft being written (its comments go with it)."""
    require(actor, section.draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    section = _section_locked(section, version)
    if _sections(section.draft).count() <= 1:
        raise ApplicationError(LAST_SECTION)
    section._history_user, section._change_reason = actor, "Section removed"
    section.delete()


def draft_text(sections) -> str:
    """The draft's full text as the guard reads it: each section's heading, then its text."""
    parts = []
    for section in sections:
        parts.append(section.heading)
        if section.body.strip():
            parts.append(section.body.strip())
    return "\n\n".join(parts)


@transaction.atomic
def report_draft_finish(*, draft: ReportDraft, note: str, actor: User | None) -> ReportDraft:
    """Finish a written draft: its text assembled from its sections, and the anonymisation
    guard run on it (§9.1.3). Finishing a finished draft again changes nothing (a double
    submit)."""
    require(actor, draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    draft = _draft_locked(draft)
    if draft.is_finished:
        return draft
    sections = list(_sections(draft).order_by("order", "id"))
    if not any(s.body.strip() for s in sections):
        raise ApplicationError(NOTHING_WRITTEN)
    draft.text = draft_text(sections)
    draft.note = note.strip()
    draft.finished_at, draft.finished_by = timezone.now(), actor
    draft.version += 1
    _save(draft, actor, f"Draft {draft.number} finished (§9.1)")
    report_guard_run(draft=draft)
    logger.info("case %s: report draft %s finished", draft.lcspr.case.reference, draft.number)
    return draft


@transaction.atomic
def report_draft_upload(*, lcspr: Lcspr, upload, note: str = "", actor: User | None) -> ReportDraft:
    """A Word draft (.docx) as the next draft: the original kept under a random name, its
    text and sections read (reviews/docx.py), finished at once and checked by the guard
    (§9.1.3). Refused, with the reason, if it is not a Word document, is password-protected
    or an old .doc, is empty or is larger than the limit."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    if upload is None:
        raise ApplicationError(CHOOSE_FILE, field="file")
    limit = report_draft_limit()
    if upload.size > limit:
        raise ApplicationError(TOO_LARGE.format(limit=filesizeformat(limit)), field="file")
    upload.seek(0)
    content = upload.read()
    try:
        read = docx_read(content)
    except DocxRefused as refused:
        raise ApplicationError(refused.message, field="file") from None
    _lock_lcspr(lcspr)
    _refuse_after_final(lcspr, field="file")
    latest = _drafts(lcspr).order_by("-number").first()
    if latest is not None and not latest.is_finished:
        raise ApplicationError(BEING_WRITTEN.format(number=latest.number), field="file")
    now = timezone.now()
    draft = ReportDraft(
        lcspr=lcspr,
        number=(latest.number + 1) if latest else 1,
        source=DraftSource.WORD,
        note=note.strip(),
        original_name=Path(upload.name or "draft.docx").name[-200:],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        text=read.text,
        finished_at=now,
        finished_by=actor,
        created_by=actor,
    )
    with stored_file(
        draft.file,
        "draft.docx",
        ContentFile(content),
        subject=f"case {lcspr.case.reference}",
        what=f"report draft {draft.number}",
    ):
        _save(draft, actor, f"Draft {draft.number} uploaded from Word (§9.1)")
        for n, part in enumerate(read.sections, start=1):
            section = ReportSection(
                draft=draft, order=n, heading=part.heading or "Untitled", body=part.body
            )
            _save(section, actor, f"Section of Word draft {draft.number}")
        report_guard_run(draft=draft)
    logger.info("case %s: report draft %s uploaded", lcspr.case.reference, draft.number)
    return draft


@transaction.atomic
def report_checklist_save(
    *, draft: ReportDraft, locations: dict[str, str], version: int, actor: User | None
) -> ReportDraft:
    """Where the draft addresses each point of the minimum content (§9.1.2): a section's
    heading, or a page of a Word draft. Metadata: allowed on a finished draft too, until
    the Panel's quality assurance passes it (§9.1.4): the Panel checked the draft against
    these locations, and its reasons for the missing points answer them."""
    require(actor, draft.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    draft = _draft_locked(draft)
    if draft.version != version:
        raise ReviewConflict(CHECKLIST_CONFLICT)
    if qa_passed(draft) is not None:
        raise ApplicationError(CHECKLIST_AFTER_QA.format(number=draft.number))
    keys = {point.key for point in report_checklist(draft.lcspr)}
    cleaned = {
        key: (value or "").strip()[:200]
        for key, value in locations.items()
        if key in keys and (value or "").strip()
    }
    if cleaned == (draft.checklist or {}):
        return draft
    draft.checklist = cleaned
    draft.version += 1
    _save(draft, actor, f"Checklist of draft {draft.number} saved (§9.1.2)")
    return draft


@transaction.atomic
def report_requirement_add(*, lcspr: Lcspr, text: str, actor: User | None) -> ReportRequirement:
    """A requirement the terms of reference add to the minimum content (§9.1.2)."""
    require(actor, lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    _lock_lcspr(lcspr)
    last = (
        ReportRequirement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .aggregate(last=Max("order"))["last"]
        or 0
    )
    requirement = ReportRequirement(lcspr=lcspr, text=text.strip(), order=last + 1, added_by=actor)
    _save(requirement, actor, "Requirement of the terms of reference added (§9.1.2)")
    return requirement


@transaction.atomic
def report_requirement_remove(*, requirement: ReportRequirement, actor: User | None) -> None:
    require(actor, requirement.lcspr.case.partnership, Action.WRITE_REPORT, ONLY_WRITERS)
    requirement._history_user = actor
    requirement._change_reason = "Requirement of the terms of reference removed"
    requirement.delete()


# --- Comments --------------------------------------------------------------------------


def _reviewers(lcspr: Lcspr) -> list[User]:
    return [
        a.user
        for a in current_appointments(lcspr)
        if a.role == AppointmentRole.REVIEWER and a.user.is_active
    ]


@transaction.atomic
def report_comment_add(
    *,
    draft: ReportDraft,
    body: str,
    actor: User | None,
    section: ReportSection | None = None,
    reply_to: ReportComment | None = None,
) -> ReportComment:
    """A comment on a draft, on one section or on the whole draft, or an answer to one.
    The Reviewer is emailed (case reference and draft number only) unless they wrote it."""
    partnership = draft.lcspr.case.partnership
    require(actor, partnership, Action.COMMENT_ON_REPORT, ONLY_COMMENTERS)
    if section is not None and section.draft_id != draft.pk:
        raise ApplicationError(SECTION_NOT_OF_DRAFT, field="section")
    if reply_to is not None:
        if reply_to.draft_id != draft.pk:
            raise ApplicationError(REPLY_NOT_OF_DRAFT)
        while reply_to.reply_to_id is not None:  # answers hang from the first comment
            reply_to = reply_to.reply_to
        section = reply_to.section
    comment = ReportComment(
        draft=draft, section=section, reply_to=reply_to, body=body.strip(), author=actor
    )
    if actor is not None and actor in _reviewers(draft.lcspr):
        comment.email_sent_at = timezone.now()  # nobody to tell: the Reviewer wrote it
    _save(comment, actor, f"Comment on draft {draft.number}")
    if reply_to is not None and reply_to.resolved_at is not None:
        # Answering a resolved comment opens it again.
        reply_to.resolved_at = reply_to.resolved_by = None
        _save(reply_to, actor, "Comment answered again: open")
    if comment.email_sent_at is None:
        from reviews.tasks import report_comment_email

        enqueue_on_commit(
            report_comment_email, partnership_id=partnership.pk, comment_id=comment.pk
        )
    return comment


@transaction.atomic
def report_comment_resolve(*, comment: ReportComment, actor: User | None) -> ReportComment:
    """The comment is dealt with (resolving it twice changes nothing)."""
    require(actor, comment.draft.lcspr.case.partnership, Action.COMMENT_ON_REPORT, ONLY_COMMENTERS)
    if comment.reply_to_id is not None:
        comment = comment.reply_to
    if comment.resolved_at is not None:
        return comment
    comment.resolved_at, comment.resolved_by = timezone.now(), actor
    _save(comment, actor, "Comment resolved")
    return comment


def report_comment_email_send(*, partnership_id: int, comment_id: int) -> int:
    """Tell the review's Reviewer of a new comment: the case reference, the draft's number
    and a link, never the comment or the draft. Claimed first: it goes once."""
    rows = ReportComment.objects.for_partnership(partnership_id).select_related(
        "draft__lcspr__case__partnership"
    )
    comment = claim(rows, pk=comment_id, stamp="email_sent_at", reason="Reviewer emailed")
    if comment is None:
        return 0
    lcspr = comment.draft.lcspr
    recipients = [u.email for u in _reviewers(lcspr) if u.email and u != comment.author]
    reference = lcspr.case.reference
    context = {
        "reference": reference,
        "number": comment.draft.number,
        "is_reply": comment.reply_to_id is not None,
        "url": settings.SITE_URL
        + reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": comment.draft_id}),
        "product_name": settings.PRODUCT_NAME,
    }
    if recipients:
        with sending(comment, stamp="email_sent_at"):
            send_mail(
                subject=f"Case {reference}: a comment on draft {comment.draft.number} "
                "of the report",
                message=render_to_string("emails/lcspr_report_comment.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("report comment %s: emailed %d people", comment.pk, len(recipients))
    return len(recipients)


def unsent_report_comment_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: comments whose email job was lost. Each row is claimed."""
    comments = (
        ReportComment.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: report_comment_email_send(partnership_id=p, comment_id=pk)
            for pk in comments
        ]
    )
