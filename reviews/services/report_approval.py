"""The report's approval (§9.1.4-9.1.5): the Panel's QA of a finished draft, putting the
QA-passed draft to a CRG meeting and recording the CRG's decision with the chair's
sign-off, the Safeguarding Partners' approval for the partnership, and marking the
approved draft final with its PDF once the anonymisation guard passed it (§9.1.3).

Every step is taken on the latest finished draft, named by its number as the page showed
it: a later draft is refused as stale, never approved by mistake. Where the report stands
is reviews/report_status.py's rule; the steps here refuse what it does not allow.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.file_store import stored_file
from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.permissions import Action, require, user_can
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from rapidreview import selectors as rr_selectors
from rapidreview.models import CrgMeeting
from reviews.models import (
    AnonymisationHit,
    Lcspr,
    PanelMeeting,
    ReportCrgApproval,
    ReportCrgOutcome,
    ReportDraft,
    ReportFinal,
    ReportPartnerApproval,
    ReportPartnerNotice,
    ReportQa,
    ReportQaOutcome,
    SafeguardingPartner,
)
from reviews.report_status import WHO_ACTS, Step
from reviews.rules import crg_meeting_takes_business
from reviews.selectors import report_approval as selectors
from reviews.selectors.report import draft_missing_points
from reviews.services.report_guard import report_guard_run_pdf

logger = logging.getLogger(__name__)

ONLY_PANEL = "Only the Case Review Panel, or the Business Office minuting for it, records QA."
ONLY_OFFICE_PUTS = "Only the Business Office or the CRG chair put the report to the CRG."
ONLY_RECORDERS = "Only the Business Office or the CRG chair record the CRG's decisions."
ONLY_CHAIR = "Only the CRG chair signs off the CRG's approval."
ONLY_PARTNERS = (
    "Only a Safeguarding Partner's representative on the CRG, or the Business Office or the "
    "CRG chair recording for them, confirms the partnership's approval."
)
ONLY_OFFICE_FINAL = "Only the Business Office or the CRG chair mark the report final."
NO_DRAFT = "There is no finished draft of the report yet."
STALE = (
    "Draft {number} is now the latest finished draft: open the page again and check it "
    "before you record anything."
)
IS_FINAL = "The report is final: nothing more can be recorded (§9.1.5)."
OPEN_HITS = (
    "Draft {number} still holds {count} anonymisation hit{s} (§9.1.3): it cannot go to QA "
    "or for approval. " + WHO_ACTS[Step.CLEAR_HITS]
)
QA_ALREADY_PASSED = "The Panel has already passed draft {number}."
QA_ALL_THREE_NEEDED = (
    "A draft passes QA only if it meets the terms of reference, is succinct and is focused "
    "on improving local safeguarding arrangements (§9.1.4)."
)
QA_NOT_PASSED_NEEDS_NOTE = "Say what the Reviewer must change: add a note to at least one answer."
MISSING_REASON_NEEDED = (
    "Give the reason this point is not addressed, or do not pass the draft (§9.1.2): {title}"
)
PANEL_MEETING_NOT_THIS_REVIEW = "Choose one of this review's panel meetings."
NOT_QA_PASSED = "Draft {number} has not passed the Panel's QA (§9.1.4)."
MEETING_NOT_AHEAD = "Choose a CRG meeting in the calendar that is still to come."
ALREADY_BEFORE_CRG = "Draft {number} is already before the CRG meeting on {day}."
ALREADY_CRG_APPROVED = "The CRG has already approved draft {number}."
NOTHING_PENDING = "No draft of the report awaits the CRG's decision."
BEFORE_MEETING = "Record the CRG's decision after its meeting on {day}."
REASON_NEEDED = "Say why the CRG did not approve the report."
CONFLICT = (
    "Someone recorded something about this decision while you were editing: check it below "
    "and send it again if it is still needed."
)
NO_ATTENDANCE = (
    "Record who attended the CRG meeting on {day}, with their declarations, on the meeting's "
    "page first: the CRG decides only when quorate (§4.6.1, §1.5.8)."
)
NOT_QUORATE = "The meeting was not quorate, so it could not approve the report. {why}"
NOTHING_TO_SIGN = "No approval of the report awaits the chair's sign-off."
WITHDRAWN = (
    "You declared a conflict of interest at that meeting and took no part in the decision "
    "(§1.5.8): another CRG chair must sign it off."
)
NOT_CRG_APPROVED = "The CRG has not yet approved draft {number} (§9.1.5)."
PARTNER_DONE = "The {partner} has already approved draft {number}."
PARTNER_NOT_YOURS = "You do not represent the {partner} on the Case Review Group."
PARTNER_NAME_NEEDED = "Enter the name of the representative who approved it."
PARTNER_UNKNOWN = "Choose a Safeguarding Partner."
NOT_APPROVED_YET = "Each Safeguarding Partner must approve the report before it is final (§9.1.5)."
ALREADY_FINAL = "The report is already final."


def _lcspr_locked(lcspr: Lcspr) -> Lcspr:
    """The review's row, locked: one approval step at a time."""
    return (
        Lcspr.objects.for_partnership(lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership")
        .get(pk=lcspr.pk)
    )


def _current(lcspr: Lcspr, number: int | None) -> selectors.ApprovalState:
    """The approval state of the latest finished draft, refusing a page about another."""
    state = selectors.approval_state(lcspr)
    if state.final is not None:
        raise ApplicationError(IS_FINAL)
    if state.draft is None:
        raise ApplicationError(NO_DRAFT)
    if number is not None and state.draft.number != number:
        raise ApplicationError(STALE.format(number=state.draft.number), field="number")
    return state


def _refuse_open_hits(state: selectors.ApprovalState) -> None:
    """§9.1.3: no draft with an open hit goes to QA or for approval."""
    count = len(state.open_hits)
    if count:
        raise ApplicationError(
            OPEN_HITS.format(number=state.draft.number, count=count, s="" if count == 1 else "s")
        )


# --- The Panel's QA (§9.1.4) -------------------------------------------------------------------


@dataclass
class QaAnswers:
    meets_terms: bool
    succinct: bool
    focused: bool
    passed: bool
    meets_terms_note: str = ""
    succinct_note: str = ""
    focused_note: str = ""
    missing_reasons: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def report_qa_record(
    *,
    lcspr: Lcspr,
    actor: User | None,
    number: int,
    answers: QaAnswers,
    panel_meeting: PanelMeeting | None = None,
) -> ReportQa:
    """The Panel's QA of the latest finished draft (§9.1.4): that it meets the terms of
    reference, is succinct and is focused on improving local safeguarding arrangements.
    It passes only with all three, and with a reason for each checklist point it does not
    address (§9.1.2). A draft with open anonymisation hits cannot go to QA (§9.1.3)."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    lcspr = _lcspr_locked(lcspr)
    state = _current(lcspr, number)
    _refuse_open_hits(state)
    draft = state.draft
    if state.qa_passed is not None:
        raise ApplicationError(QA_ALREADY_PASSED.format(number=draft.number))
    notes = {
        "meets_terms_note": answers.meets_terms_note.strip(),
        "succinct_note": answers.succinct_note.strip(),
        "focused_note": answers.focused_note.strip(),
    }
    reasons: dict[str, str] = {}
    if answers.passed:
        if not (answers.meets_terms and answers.succinct and answers.focused):
            raise ApplicationError(QA_ALL_THREE_NEEDED, field="passed")
        for point in draft_missing_points(draft):
            reason = (answers.missing_reasons.get(point.key) or "").strip()
            if not reason:
                raise ApplicationError(
                    MISSING_REASON_NEEDED.format(title=point.title), field=f"missing_{point.key}"
                )
            reasons[point.key] = reason
    elif not any(notes.values()):
        raise ApplicationError(QA_NOT_PASSED_NEEDS_NOTE, field="meets_terms_note")
    if panel_meeting is not None and (
        not PanelMeeting.objects.for_partnership(partnership)
        .filter(pk=panel_meeting.pk, lcspr=lcspr)
        .exists()
    ):
        raise ApplicationError(PANEL_MEETING_NOT_THIS_REVIEW, field="panel_meeting")
    qa = ReportQa(
        lcspr=lcspr,
        draft=draft,
        meets_terms=answers.meets_terms,
        succinct=answers.succinct,
        focused=answers.focused,
        outcome=ReportQaOutcome.PASSED if answers.passed else ReportQaOutcome.NOT_PASSED,
        missing_reasons=reasons,
        panel_meeting=panel_meeting,
        recorded_by=actor,
        **notes,
    )
    _save(
        qa,
        actor,
        f"Draft {draft.number} {'passed' if answers.passed else 'not passed'} by the Panel's "
        "QA (§9.1.4)",
    )
    logger.info("case %s: report draft %d QA recorded", lcspr.case.reference, draft.number)
    return qa


# --- The CRG's approval (§9.1.5) ---------------------------------------------------------------


@transaction.atomic
def report_put_to_crg(
    *, lcspr: Lcspr, actor: User | None, number: int, meeting: CrgMeeting | None
) -> ReportCrgApproval:
    """Put the QA-passed draft to a CRG meeting from the calendar for approval (§9.1.5):
    it appears on that meeting's business."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_REVIEW, ONLY_OFFICE_PUTS)
    lcspr = _lcspr_locked(lcspr)
    state = _current(lcspr, number)
    draft = state.draft
    pending = selectors.crg_pending(lcspr)
    if pending is not None:
        raise ApplicationError(
            ALREADY_BEFORE_CRG.format(
                number=pending.draft.number, day=format_date(pending.meeting.held_on)
            )
        )
    if state.facts.crg_approved:
        raise ApplicationError(ALREADY_CRG_APPROVED.format(number=draft.number))
    if state.qa_passed is None:
        raise ApplicationError(NOT_QA_PASSED.format(number=draft.number))
    _refuse_open_hits(state)
    if (
        meeting is None
        or meeting.partnership_id != partnership.pk
        or not crg_meeting_takes_business(meeting, timezone.localdate())
    ):
        raise ApplicationError(MEETING_NOT_AHEAD, field="meeting")
    approval = ReportCrgApproval(lcspr=lcspr, draft=draft, meeting=meeting, submitted_by=actor)
    _save(
        approval,
        actor,
        f"Draft {draft.number} put to the CRG on {format_date(meeting.held_on)} (§9.1.5)",
    )
    logger.info("case %s: report draft %d put to the CRG", lcspr.case.reference, draft.number)
    return approval


def _quorate(meeting: CrgMeeting) -> None:
    """Only a quorate meeting decides (§4.6.1), counted without those who declared a
    conflict and took no part (§1.5.8)."""
    attendances = rr_selectors.attendance(meeting=meeting)
    if not any(a.present for a in attendances):
        raise ApplicationError(NO_ATTENDANCE.format(day=format_date(meeting.held_on)))
    quorum = rr_selectors.meeting_quorum(attendances=attendances)
    if not quorum.quorate:
        raise ApplicationError(NOT_QUORATE.format(why=quorum.explanation))


def withdrawn_at(meeting: CrgMeeting) -> set[int]:
    """The users who declared a conflict at the meeting and took no part (§1.5.8)."""
    return {a.user_id for a in rr_selectors.attendance(meeting=meeting) if a.withdrew_from_decision}


@transaction.atomic
def report_crg_outcome_record(
    *,
    lcspr: Lcspr,
    actor: User | None,
    number: int,
    version: int,
    approved: bool,
    reason: str = "",
) -> ReportCrgApproval:
    """The CRG's decision on the draft put to it (§9.1.5), recorded after its meeting, at
    a quorate meeting: approved (then signed off by the chair; recorded by the chair it is
    signed at once), or not approved with the reason. Open anonymisation hits block an
    approval again: the guard may have run since the QA."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.RECORD_CRG_AGREEMENT, ONLY_RECORDERS)
    lcspr = _lcspr_locked(lcspr)
    state = _current(lcspr, number)
    approval = (
        ReportCrgApproval.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("meeting", "draft")
        .filter(lcspr=lcspr, outcome=ReportCrgOutcome.PENDING)
        .first()
    )
    if approval is None:
        raise ApplicationError(NOTHING_PENDING)
    if approval.version != version:
        raise ApplicationError(CONFLICT, field="version")
    if approval.draft_id != state.draft.pk:
        raise ApplicationError(STALE.format(number=state.draft.number), field="number")
    meeting = approval.meeting
    if meeting.held_on > timezone.localdate():
        raise ApplicationError(BEFORE_MEETING.format(day=format_date(meeting.held_on)))
    if approved:
        _refuse_open_hits(state)
    elif not reason.strip():
        raise ApplicationError(REASON_NEEDED, field="reason")
    _quorate(meeting)
    now = timezone.now()
    approval.outcome = ReportCrgOutcome.APPROVED if approved else ReportCrgOutcome.NOT_APPROVED
    approval.reason = "" if approved else reason.strip()
    approval.decided_on = meeting.held_on
    approval.recorded_by, approval.recorded_at = actor, now
    approval.version += 1
    chair_signs = (
        approved
        and actor is not None
        and user_can(actor, partnership, Action.APPROVE_DECISION)
        and actor.pk not in withdrawn_at(meeting)
    )
    if chair_signs:
        approval.chair_signed_by, approval.chair_signed_at = actor, now
    _save(
        approval,
        actor,
        f"The CRG approved draft {approval.draft.number} (§9.1.5)"
        + (", signed off by the chair" if chair_signs else "")
        if approved
        else f"The CRG did not approve draft {approval.draft.number}",
    )
    if chair_signs:
        _notify_partners(lcspr, approval.draft)
    logger.info("case %s: the CRG's decision on the report recorded", lcspr.case.reference)
    return approval


@transaction.atomic
def report_crg_sign(*, lcspr: Lcspr, actor: User, number: int) -> ReportCrgApproval:
    """The CRG chair signs off the CRG's approval (§9.1.5): it takes effect, and the
    Safeguarding Partners are asked for the partnership's approval."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.APPROVE_DECISION, ONLY_CHAIR)
    lcspr = _lcspr_locked(lcspr)
    state = _current(lcspr, number)
    approval = (
        ReportCrgApproval.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("meeting", "draft")
        .filter(draft=state.draft, outcome=ReportCrgOutcome.APPROVED, chair_signed_at__isnull=True)
        .first()
    )
    if approval is None:
        raise ApplicationError(NOTHING_TO_SIGN)
    if actor.pk in withdrawn_at(approval.meeting):
        raise ApplicationError(WITHDRAWN)
    _refuse_open_hits(state)
    approval.chair_signed_by, approval.chair_signed_at = actor, timezone.now()
    approval.version += 1
    _save(approval, actor, f"The chair signed off the CRG's approval of draft {state.draft.number}")
    _notify_partners(lcspr, approval.draft)
    return approval


# --- The partnership's approval (§9.1.5) -------------------------------------------------------


def _notify_partners(lcspr: Lcspr, draft: ReportDraft) -> None:
    """Each Safeguarding Partner's representatives on the CRG: a notice (their dashboard
    item) and its email after the commit. Where a partner has nobody with an account, the
    Business Office's dashboard asks it to record that partner's approval."""
    from reviews.tasks import report_partner_email

    partnership = lcspr.case.partnership
    for partner, users in selectors.partner_people(partnership).items():
        for user in users:
            notice, created = ReportPartnerNotice.objects.for_partnership(
                partnership
            ).get_or_create(draft=draft, user=user, partner=partner)
            if created:
                enqueue_on_commit(
                    report_partner_email, partnership_id=partnership.pk, notice_id=notice.pk
                )


@transaction.atomic
def report_partner_confirm(
    *, lcspr: Lcspr, actor: User | None, number: int, partner: str, name: str = ""
) -> ReportPartnerApproval:
    """One Safeguarding Partner's approval of the CRG-approved draft for the Safeguarding
    Children Partnership (§9.1.5): confirmed by its representative on the CRG, or recorded
    for them by the Business Office or the chair with the representative's name."""
    partnership = lcspr.case.partnership
    if partner not in SafeguardingPartner.values:
        raise ApplicationError(PARTNER_UNKNOWN, field="partner")
    label = SafeguardingPartner(partner).label
    represents = actor is not None and partner in selectors.represented_partners(actor, partnership)
    records_for = actor is None or user_can(actor, partnership, Action.RECORD_CRG_AGREEMENT)
    if not represents and not records_for:
        if actor is not None and user_can(actor, partnership, Action.CONFIRM_DECISION):
            raise ApplicationError(PARTNER_NOT_YOURS.format(partner=label), field="partner")
        raise ApplicationError(ONLY_PARTNERS)
    lcspr = _lcspr_locked(lcspr)
    state = _current(lcspr, number)
    draft = state.draft
    if not state.facts.crg_approved:
        raise ApplicationError(NOT_CRG_APPROVED.format(number=draft.number))
    if partner in state.partners:
        raise ApplicationError(PARTNER_DONE.format(partner=label, number=draft.number))
    if represents:
        name = actor.get_full_name() or actor.username
        user = actor
    else:
        name = name.strip()
        if not name:
            raise ApplicationError(PARTNER_NAME_NEEDED, field="name")
        user = None
    confirmation = ReportPartnerApproval(
        lcspr=lcspr, draft=draft, partner=partner, name=name, user=user, recorded_by=actor
    )
    _save(confirmation, actor, f"The {label} approved draft {draft.number} (§9.1.5)")
    logger.info("case %s: a partner approved report draft %d", lcspr.case.reference, draft.number)
    return confirmation


def report_partner_email_send(*, partnership_id: int, notice_id: int) -> int:
    """Tell one partner's representative the report awaits their approval: the case
    reference, the draft number and a link only. Claimed before sending: sent once."""
    notice = claim(
        ReportPartnerNotice.objects.for_partnership(partnership_id).select_related(
            "draft__lcspr__case", "user"
        ),
        pk=notice_id,
        stamp="email_sent_at",
        reason="Report approval asked of a Safeguarding Partner by email",
    )
    if notice is None or not notice.user.email:
        return 0
    reference = notice.draft.lcspr.case.reference
    with sending(notice, stamp="email_sent_at"):
        send_mail(
            subject=f"Case {reference}: the LCSPR report awaits the partnership's approval",
            message=render_to_string(
                "emails/report_partner_approval.txt",
                {
                    "reference": reference,
                    "number": notice.draft.number,
                    "partner": SafeguardingPartner(notice.partner).label,
                    "url": settings.SITE_URL
                    + reverse("lcspr_report_approval", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=[notice.user.email],
        )
    logger.info("case %s: report approval asked of a partner", reference)
    return 1


def unsent_report_approval_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: partner notices whose email was not sent."""
    ids = (
        ReportPartnerNotice.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: report_partner_email_send(partnership_id=p, notice_id=pk) for pk in ids]
    )


# --- Final (§9.1.5, §10.5.2, §9.1.3) -----------------------------------------------------------


@dataclass
class FinalResult:
    """Marked final (`final`), or not, with the guard's open hits in the PDF (`hits`)."""

    final: ReportFinal | None
    hits: list[AnonymisationHit] = field(default_factory=list)


def _check_final(lcspr: Lcspr, actor: User | None, number: int) -> selectors.ApprovalState:
    require(actor, lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_OFFICE_FINAL)
    state = _current(lcspr, number)
    if state.step == Step.CLEAR_HITS:
        _refuse_open_hits(state)
    if state.step != Step.MARK_FINAL:
        raise ApplicationError(NOT_APPROVED_YET)
    return state


def report_mark_final(
    *, lcspr: Lcspr, actor: User | None, number: int, anonymous_reviewer: bool = False
) -> FinalResult:
    """Mark the approved draft final (§9.1.5): its PDF, from the partnership's report
    template with the Reviewer's name unless published anonymously (§10.5.2), is read by
    the anonymisation guard first (§9.1.3). With open hits in the PDF, nothing is marked
    and the hits are returned (the guard keeps them, so the draft is held back until they
    are fixed or accepted). Otherwise the PDF is stored with its SHA-256 and the report
    is frozen. The guard's hits are committed before the final version is recorded."""
    from reviews.documents.report import report_pdf

    state = _check_final(lcspr, actor, number)
    draft = state.draft
    reviewer = "" if anonymous_reviewer else selectors.reviewer_name(lcspr)
    today = timezone.localdate()
    pdf = report_pdf(
        case=lcspr.case,
        lcspr=lcspr,
        draft=draft,
        anonymous_reviewer=anonymous_reviewer,
        dated=today,
    )
    hits = list(report_guard_run_pdf(draft=draft, pdf=pdf))
    open_hits = [hit for hit in hits if hit.accepted_at is None]
    if open_hits:
        logger.info(
            "case %s: report draft %d not marked final, the guard found hits in its PDF",
            lcspr.case.reference,
            draft.number,
        )
        return FinalResult(None, open_hits)
    with transaction.atomic():
        lcspr = _lcspr_locked(lcspr)
        if selectors.report_is_final(lcspr):
            raise ApplicationError(ALREADY_FINAL)
        state = _check_final(lcspr, actor, number)
        final = ReportFinal(
            lcspr=lcspr,
            draft=state.draft,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            reviewer_name=reviewer,
            anonymous_reviewer=anonymous_reviewer,
            marked_by=actor,
        )
        with stored_file(
            final.file,
            f"{lcspr.case.reference}-report.pdf",
            ContentFile(pdf),
            subject=f"case {lcspr.case.reference}",
            what="the final report",
        ):
            _save(final, actor, f"Draft {state.draft.number} marked final (§9.1.5)")
    logger.info("case %s: report draft %d marked final", lcspr.case.reference, draft.number)
    return FinalResult(final)
