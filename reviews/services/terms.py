"""The terms of reference (§5): drafting numbered versions (§5.1.2), putting one to a
CRG meeting and recording its agreement (§5.1.3), significant changes going back to the
CRG (§5.3.1), issues referred to the CRG (§5.1.2) and the parallel processes (§5.6).

Wording changes after agreement (any section other than the key lines of enquiry, the
scoping period and the methodology) are not significant (§5.3.1): they come into force
when the Business Office or the chair accept them as minor, or when the CRG agrees them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date, format_datetime
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.permissions import Action, require, user_can
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from rapidreview.models import CrgMeeting
from reviews.models import (
    AgreementOutcome,
    Appointment,
    CollectionTool,
    Lcspr,
    LegalAdvice,
    ParallelKind,
    ParallelProcess,
    ParallelStatus,
    ReferredIssue,
    TermsAgreement,
    TermsNotice,
    TermsVersion,
)
from reviews.rules import (
    crg_meeting_takes_business,
    terms_changed_sections,
    terms_significant_change,
)
from reviews.selectors import terms as selectors

logger = logging.getLogger(__name__)

ONLY_DRAFTERS = "Only the Panel, the Reviewer or the Business Office draft the terms of reference."
ONLY_RECORDERS = "Only the Business Office or the CRG chair record the CRG's decisions."
CONFLICT = (
    "Version {number} was saved by {who} on {when} while you were editing. Your text is "
    "kept below: check version {number} (see what changed) and save again."
)
NOTHING_CHANGED = "Nothing has changed since version {number}."
SCOPING_END_BEFORE_START = "The scoping period's end must be on or after its start (§5.2.1)."
SCOPING_REASON_NEEDED = "Give the reason for the scoping period (§5.2.1)."
OTHER_METHOD_NEEDED = "Describe the other method agreed (§8.1.3)."
OTHER_METHOD_REASON_NEEDED = "Give the reason for the other method (§8.1.3)."
LEGAL_ADVICE_CHOICE = "Choose whether legal advice will be needed (§5.7.1)."
MEETING_NOT_AHEAD = "Choose a CRG meeting in the calendar that is still to come."
ALREADY_BEFORE_CRG = "Version {number} is already before the CRG meeting on {day}."
NOT_LATEST = "Only the latest version ({number}) can be put to the CRG."
ALREADY_IN_FORCE = "Version {number} is already in force."
NOTHING_PENDING = "No version of the terms of reference awaits the CRG's decision."
BEFORE_MEETING = "Record the CRG's decision after its meeting on {day}."
CHANGES_NEEDED = "Say what the CRG asked to change."
SIGNIFICANT_NOT_MINOR = (
    "Version {number} changes the key lines of enquiry, the scoping period or the "
    "methodology: the CRG must approve it (§5.3.1)."
)
NOTHING_AGREED = "Nothing was agreed yet: the CRG agrees the first terms of reference (§5.1.3)."
ISSUE_NEEDED = "Describe the issue the CRG is asked to decide."
DECISION_NEEDED = "Enter the CRG's decision."
ISSUE_DECIDED = "The CRG's decision on this issue is already recorded."
STALE = (
    "Someone changed this while you were editing: check it below and save again if "
    "your change is still needed."
)
OTHER_KIND_NEEDED = "Describe the other process."
LEAD_NEEDED = "Enter who leads it."
ENDED_ON_NEEDED = "Enter the date it concluded."
ENDED_IN_FUTURE = "The date it concluded cannot be in the future."


@dataclass
class TermsDraft:
    """What one version of the terms of reference holds (§5.1-§5.7)."""

    crg_early_input: str = ""
    scrutineer_issues: str = ""
    scoping_start: date | None = None
    scoping_end: date | None = None
    scoping_reason: str = ""
    key_lines_of_enquiry: list[str] = field(default_factory=list)
    methodology: str = ""
    collection_tools: list[str] = field(default_factory=list)
    other_method: str = ""
    other_method_reason: str = ""
    family_invitation: str = ""
    family_support: str = ""
    legal_advice: str = ""
    legal_advice_from: str = ""
    legal_advice_when: str = ""


def _lcspr_locked(lcspr: Lcspr) -> Lcspr:
    """The review's row, locked: one save of its terms of reference at a time."""
    return (
        Lcspr.objects.for_partnership(lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership")
        .get(pk=lcspr.pk)
    )


def _check_draft(draft: TermsDraft) -> None:
    if draft.scoping_start and draft.scoping_end and draft.scoping_end < draft.scoping_start:
        raise ApplicationError(SCOPING_END_BEFORE_START, field="scoping_end")
    if (draft.scoping_start or draft.scoping_end) and not draft.scoping_reason.strip():
        raise ApplicationError(SCOPING_REASON_NEEDED, field="scoping_reason")
    unknown = set(draft.collection_tools) - set(CollectionTool.values)
    if unknown:
        raise ApplicationError("Choose the tools from the list.", field="collection_tools")
    if CollectionTool.OTHER in draft.collection_tools:
        if not draft.other_method.strip():
            raise ApplicationError(OTHER_METHOD_NEEDED, field="other_method")
        if not draft.other_method_reason.strip():
            raise ApplicationError(OTHER_METHOD_REASON_NEEDED, field="other_method_reason")
    if draft.legal_advice and draft.legal_advice not in LegalAdvice.values:
        raise ApplicationError(LEGAL_ADVICE_CHOICE, field="legal_advice")


@transaction.atomic
def terms_version_save(
    *, lcspr: Lcspr, actor: User | None, based_on: int, draft: TermsDraft, change_note: str = ""
) -> TermsVersion:
    """Save the draft as a new numbered version (§5.1.2). `based_on` is the version the
    form was opened at (0 for none): if a newer one was saved meanwhile, the save is
    refused as a conflict, so that nobody's text is overwritten without their knowing."""
    require(actor, lcspr.case.partnership, Action.DRAFT_TERMS_OF_REFERENCE, ONLY_DRAFTERS)
    lcspr = _lcspr_locked(lcspr)
    latest = selectors.terms_latest(lcspr)
    latest_number = latest.number if latest else 0
    if based_on != latest_number:
        who = (
            (latest.created_by.get_full_name() or latest.created_by.username)
            if (latest and latest.created_by)
            else "someone else"
        )
        raise ApplicationError(
            CONFLICT.format(number=latest_number, who=who, when=format_datetime(latest.created_at))
        )
    draft.key_lines_of_enquiry = [
        line.strip() for line in draft.key_lines_of_enquiry if line and line.strip()
    ]
    draft.collection_tools = [t for t in CollectionTool.values if t in draft.collection_tools]
    if CollectionTool.OTHER not in draft.collection_tools:
        draft.other_method = draft.other_method_reason = ""
    _check_draft(draft)
    version = TermsVersion(
        lcspr=lcspr,
        number=latest_number + 1,
        created_by=actor,
        change_note=change_note.strip(),
        **vars(draft),
    )
    changed = terms_changed_sections(latest, version)
    if latest is not None and not changed:
        raise ApplicationError(NOTHING_CHANGED.format(number=latest_number))
    in_force = selectors.terms_in_force(lcspr)
    version.changed_sections = changed if latest is not None else []
    version.significant_change = terms_significant_change(in_force, version)
    _save(
        version,
        actor,
        "Significant change to the agreed terms of reference (§5.3.1)"
        if version.significant_change
        else f"Terms of reference version {version.number}",
    )
    logger.info(
        "case %s: terms of reference version %d saved", lcspr.case.reference, version.number
    )
    return version


def _meeting_ahead(lcspr: Lcspr, meeting: CrgMeeting | None, field_name: str) -> CrgMeeting:
    if (
        meeting is None
        or meeting.partnership_id != lcspr.case.partnership_id
        or not crg_meeting_takes_business(meeting, timezone.localdate())
    ):
        raise ApplicationError(MEETING_NOT_AHEAD, field=field_name)
    return meeting


@transaction.atomic
def terms_put_to_crg(
    *, lcspr: Lcspr, actor: User | None, number: int, meeting: CrgMeeting | None
) -> TermsAgreement:
    """Put the latest version to a CRG meeting for agreement (§5.1.3), or for approval of
    its change after agreement (§5.3.1). It appears on that meeting's business."""
    require(actor, lcspr.case.partnership, Action.DRAFT_TERMS_OF_REFERENCE, ONLY_DRAFTERS)
    lcspr = _lcspr_locked(lcspr)
    meeting = _meeting_ahead(lcspr, meeting, "meeting")
    pending = selectors.terms_pending(lcspr)
    if pending is not None:
        raise ApplicationError(
            ALREADY_BEFORE_CRG.format(
                number=pending.version.number, day=format_date(pending.meeting.held_on)
            )
        )
    latest = selectors.terms_latest(lcspr)
    if latest is None or latest.number != number:
        raise ApplicationError(NOT_LATEST.format(number=latest.number if latest else 0))
    in_force = selectors.terms_in_force(lcspr)
    if in_force is not None and in_force.pk == latest.pk:
        raise ApplicationError(ALREADY_IN_FORCE.format(number=latest.number))
    agreement = TermsAgreement(
        lcspr=lcspr,
        version=latest,
        meeting=meeting,
        is_change=in_force is not None,
        submitted_by=actor,
    )
    _save(
        agreement,
        actor,
        f"Version {latest.number} put to the CRG on {format_date(meeting.held_on)} (§5.1.3)",
    )
    logger.info("case %s: terms of reference put to the CRG", lcspr.case.reference)
    return agreement


@transaction.atomic
def terms_agreement_record(
    *,
    lcspr: Lcspr,
    actor: User | None,
    agreed: bool,
    changes_asked: str = "",
    number: int | None = None,
) -> TermsAgreement:
    """The CRG's decision on the version put to it (§5.1.3, §5.3.1): agreed on the
    meeting's date, or not agreed with what to change. The Reviewer and the Panel are
    told (email and dashboard). `number` is the version the person saw (the page always
    sends it): a different version now before the CRG is refused, never recorded."""
    require(actor, lcspr.case.partnership, Action.RECORD_CRG_AGREEMENT, ONLY_RECORDERS)
    lcspr = _lcspr_locked(lcspr)
    agreement = (
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("meeting", "version")
        .filter(lcspr=lcspr, outcome=AgreementOutcome.PENDING)
        .first()
    )
    if agreement is None:
        raise ApplicationError(NOTHING_PENDING)
    if number is not None and agreement.version.number != number:
        raise ApplicationError(STALE, field="number")
    if agreement.meeting.held_on > timezone.localdate():
        raise ApplicationError(BEFORE_MEETING.format(day=format_date(agreement.meeting.held_on)))
    if not agreed and not changes_asked.strip():
        raise ApplicationError(CHANGES_NEEDED, field="changes_asked")
    agreement.outcome = AgreementOutcome.AGREED if agreed else AgreementOutcome.NOT_AGREED
    agreement.decided_on = agreement.meeting.held_on
    agreement.changes_asked = "" if agreed else changes_asked.strip()
    agreement.recorded_at = timezone.now()
    agreement.recorded_by = actor
    _save(
        agreement,
        actor,
        f"The CRG agreed version {agreement.version.number} (§5.1.3)"
        if agreed
        else f"The CRG did not agree version {agreement.version.number}",
    )
    _notify_review_team(agreement)
    logger.info(
        "case %s: the CRG's decision on the terms of reference recorded", lcspr.case.reference
    )
    return agreement


def _notify_review_team(agreement: TermsAgreement) -> None:
    """The Reviewer and the Panel members appointed now: a notice each (their dashboard
    item), and its email queued after the commit."""
    from reviews.tasks import terms_notice_email

    partnership = agreement.lcspr.case.partnership
    users = (
        Appointment.objects.for_partnership(partnership)
        .filter(lcspr=agreement.lcspr, ended_on=None)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in users:
        notice, created = TermsNotice.objects.for_partnership(partnership).get_or_create(
            agreement=agreement, user_id=user_id
        )
        if created:
            enqueue_on_commit(
                terms_notice_email, partnership_id=partnership.pk, notice_id=notice.pk
            )


def terms_notice_email_send(*, partnership_id: int, notice_id: int) -> int:
    """Tell one member of the review team what the CRG decided: case reference and a
    link only. Claimed before sending (cases/services/mail.py), so sent once."""
    notice = claim(
        TermsNotice.objects.for_partnership(partnership_id).select_related(
            "agreement__lcspr__case", "agreement__version", "user"
        ),
        pk=notice_id,
        stamp="email_sent_at",
        reason="Terms of reference decision emailed to the review team",
    )
    if notice is None:
        return 0
    agreement = notice.agreement
    reference = agreement.lcspr.case.reference
    if not notice.user.email:
        return 0
    agreed = agreement.outcome == AgreementOutcome.AGREED
    with sending(notice, stamp="email_sent_at"):
        send_mail(
            subject=f"Case {reference}: the CRG "
            + (
                "agreed the terms of reference"
                if agreed
                else "did not agree the terms of reference"
            ),
            message=render_to_string(
                "emails/terms_decision.txt",
                {
                    "reference": reference,
                    "agreed": agreed,
                    "number": agreement.version.number,
                    "decided_on": agreement.decided_on,
                    "url": settings.SITE_URL
                    + reverse("lcspr_terms", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=[notice.user.email],
        )
    logger.info("case %s: terms of reference decision emailed", reference)
    return 1


def unsent_terms_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: notices whose email was not sent (lost job, outage)."""
    ids = (
        TermsNotice.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: terms_notice_email_send(partnership_id=p, notice_id=pk) for pk in ids]
    )


@transaction.atomic
def terms_minor_accept(*, lcspr: Lcspr, actor: User | None, number: int) -> TermsVersion:
    """A wording change after agreement, accepted as minor by the Business Office or the
    chair: in force without going back to the CRG. A significant change cannot be
    (§5.3.1)."""
    require(actor, lcspr.case.partnership, Action.RECORD_CRG_AGREEMENT, ONLY_RECORDERS)
    lcspr = _lcspr_locked(lcspr)
    latest = selectors.terms_latest(lcspr)
    in_force = selectors.terms_in_force(lcspr)
    if in_force is None:
        raise ApplicationError(NOTHING_AGREED)
    if latest is None or latest.number != number:
        raise ApplicationError(STALE)
    if latest.pk == in_force.pk:
        raise ApplicationError(ALREADY_IN_FORCE.format(number=latest.number))
    if terms_significant_change(in_force, latest):
        raise ApplicationError(SIGNIFICANT_NOT_MINOR.format(number=latest.number))
    latest.minor_accepted_at = timezone.now()
    latest.minor_accepted_by = actor
    _save(latest, actor, f"Version {latest.number} accepted as a minor change")
    pending = selectors.terms_pending(lcspr)
    if pending is not None and pending.version.number <= latest.number:
        # What was before the CRG is overtaken: it no longer needs its decision.
        pending.outcome = AgreementOutcome.NOT_AGREED
        pending.changes_asked = "Withdrawn: a later version was accepted as a minor change."
        pending.recorded_at = timezone.now()
        pending.recorded_by = actor
        _save(pending, actor, "Withdrawn from the CRG: overtaken by a minor change")
    return latest


# --- Issues referred to the CRG (§5.1.2) --------------------------------------------------------


@transaction.atomic
def issue_refer(
    *, lcspr: Lcspr, actor: User | None, issue: str, meeting: CrgMeeting | None
) -> ReferredIssue:
    """An issue the Panel or Reviewer cannot resolve, for the CRG to decide (§5.1.2)."""
    require(actor, lcspr.case.partnership, Action.DRAFT_TERMS_OF_REFERENCE, ONLY_DRAFTERS)
    if not issue.strip():
        raise ApplicationError(ISSUE_NEEDED, field="issue")
    meeting = _meeting_ahead(lcspr, meeting, "meeting")
    row = ReferredIssue(lcspr=lcspr, issue=issue.strip(), meeting=meeting, referred_by=actor)
    _save(row, actor, "Issue referred to the CRG (§5.1.2)")
    logger.info("case %s: an issue referred to the CRG", lcspr.case.reference)
    return row


@transaction.atomic
def issue_decision_record(
    *, issue: ReferredIssue, actor: User | None, version: int, decision: str
) -> ReferredIssue:
    partnership = issue.lcspr.case.partnership
    require(actor, partnership, Action.RECORD_CRG_AGREEMENT, ONLY_RECORDERS)
    issue = (
        ReferredIssue.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("meeting", "lcspr__case")
        .get(pk=issue.pk)
    )
    if issue.version != version:
        raise ApplicationError(STALE)
    if issue.decided_on is not None:
        raise ApplicationError(ISSUE_DECIDED)
    if issue.meeting.held_on > timezone.localdate():
        raise ApplicationError(BEFORE_MEETING.format(day=format_date(issue.meeting.held_on)))
    if not decision.strip():
        raise ApplicationError(DECISION_NEEDED, field="decision")
    issue.decision = decision.strip()
    issue.decided_on = issue.meeting.held_on
    issue.decided_by = actor
    issue.version += 1
    _save(issue, actor, "The CRG's decision on a referred issue (§5.1.2)")
    return issue


# --- Parallel investigations and reviews (§5.6) ------------------------------------------------


def _may_edit_parallel(actor: User | None, partnership) -> None:
    if actor is None:
        return
    if not (
        user_can(actor, partnership, Action.DRAFT_TERMS_OF_REFERENCE)
        or user_can(actor, partnership, Action.MANAGE_REVIEW)
    ):
        raise ApplicationError(
            "Only the Panel, the Reviewer, the Business Office or the chair record parallel "
            "processes."
        )


def _check_process(details: dict) -> dict:
    kind = details.get("kind", "")
    if kind not in ParallelKind.values:
        raise ApplicationError("Choose what kind of process it is.", field="kind")
    if kind == ParallelKind.OTHER and not details.get("other_description", "").strip():
        raise ApplicationError(OTHER_KIND_NEEDED, field="other_description")
    if kind != ParallelKind.OTHER:
        details["other_description"] = ""
    if not details.get("lead", "").strip():
        raise ApplicationError(LEAD_NEEDED, field="lead")
    if details.get("status") not in ParallelStatus.values:
        raise ApplicationError("Choose its status.", field="status")
    if details["status"] == ParallelStatus.CONCLUDED:
        ended_on = details.get("ended_on")
        if ended_on is None:
            raise ApplicationError(ENDED_ON_NEEDED, field="ended_on")
        if ended_on > timezone.localdate():
            raise ApplicationError(ENDED_IN_FUTURE, field="ended_on")
    else:
        details["ended_on"] = None
    return details


PROCESS_FIELDS = (
    "kind",
    "other_description",
    "lead",
    "contact",
    "status",
    "effect_on_timing",
    "effect_on_family",
    "ended_on",
)


@transaction.atomic
def parallel_process_add(*, lcspr: Lcspr, actor: User | None, **details) -> ParallelProcess:
    """A parallel investigation or review (§5.6.1, footnote 16), its lead and contact,
    status and how it affects the review's timing and the family's engagement (§5.5.3)."""
    _may_edit_parallel(actor, lcspr.case.partnership)
    details = _check_process(details)
    process = ParallelProcess(
        lcspr=lcspr,
        created_by=actor,
        **{
            name: details.get(name) or ("" if name != "ended_on" else None)
            for name in PROCESS_FIELDS
        },
    )
    _save(process, actor, "Parallel process recorded (§5.6)")
    logger.info("case %s: parallel process recorded", lcspr.case.reference)
    return process


@transaction.atomic
def parallel_process_update(
    *, process: ParallelProcess, actor: User | None, version: int, **details
) -> ParallelProcess:
    """A change to a parallel process, or its end (status concluded, with the date). The
    history keeps each earlier state."""
    partnership = process.lcspr.case.partnership
    _may_edit_parallel(actor, partnership)
    process = (
        ParallelProcess.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .get(pk=process.pk)
    )
    if process.version != version:
        raise ApplicationError(STALE)
    details = _check_process(details)
    for name in PROCESS_FIELDS:
        setattr(process, name, details.get(name) or ("" if name != "ended_on" else None))
    process.version += 1
    _save(
        process,
        actor,
        "Parallel process concluded"
        if process.status == ParallelStatus.CONCLUDED
        else "Parallel process updated",
    )
    return process
