"""The office's side of the agencies' submissions to the LCSPR (§8.2-8.7): each agency's
Safeguarding Lead (§8.2.2), the formal requests from the agreed methodology (§8.2.1,
§8.3.1), the Panel's quality assurance (§8.7) and, during the review, the §2.1.7
escalation by the Reviewer or a Panel member.

A submission is a `cases.InformationRequest` with purpose LCSPR, so the portal, the
chronology, attachments, sharing decisions, chases and escalations are the Rapid Review's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import (
    Agency,
    Case,
    Deadline,
    DeadlineStatus,
    InformationRequest,
    ReplyKind,
    RequestPurpose,
    RequestStatus,
    Stage,
    SubmissionKind,
    User,
)
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.deadline import dated_item_close, dated_item_set
from cases.services.information_request import agency_portal_emails
from cases.services.mail import claim, sending, unsent_send
from reviews.models import Lcspr, PanelMeeting, QaOutcome, SafeguardingLead, SubmissionReview
from reviews.rules import submission_deadline_kind
from reviews.selectors.terms import terms_in_force, terms_pending

logger = logging.getLogger(__name__)

ONLY_OFFICE = "Only the Business Office asks agencies for their submissions (§8.2.1)."
ONLY_OFFICE_LEADS = "Only the Business Office keeps the agencies' Safeguarding Leads (§8.2.2)."
ONLY_PANEL = (
    "Only the Case Review Panel, chaired by the Reviewer, quality-assures a submission (§8.7)."
)
NOT_AN_LCSPR = "Submissions are asked for while the case is an LCSPR (§8.2.1)."
TERMS_NOT_AGREED = (
    "The terms of reference are not agreed yet: the Case Review Group agrees them (§5.1.3), "
    "and their methodology says what to ask agencies for (§8.2.1)."
)
TERMS_BEFORE_CRG = (
    "The terms of reference are before the Case Review Group on {day}: it agrees them "
    "(§5.1.3), and their methodology says what to ask agencies for (§8.2.1)."
)
NO_AGENCY = "Choose at least one agency."
NOT_PARTNERSHIP_AGENCY = "Choose agencies that work with this partnership."
ALREADY_ASKED = "A submission has already been asked of {names}: open it from the list."
DUE_AFTER_TODAY = "The due date must be after today."
DUE_NOT_WORKING_DAY = (
    "The due date must be a working day: not a weekend, bank holiday or closure day."
)
NAME_IN_NOTE = (
    "The note names the child or a member of the family: use the pseudonym ({pseudonyms}) "
    "or say who they are to the child. Requests go by case reference only."
)
CONFLICT = (
    "Someone else changed this submission since you opened the page: check what it says "
    "now, then record the decision again."
)
LEAD_CONFLICT = (
    "Someone else changed this Safeguarding Lead since you opened the page: check what is "
    "saved now, then save again."
)
NOT_SUBMITTED = "Only a submitted submission can be quality-assured (§8.7)."
ASKED_FOR_NEEDED = "Say what more information the agency should give."
RESPOND_BY_NEEDED = "Give the date the agency should respond by."
WHY_MEET_NEEDED = "Say what the panel wants to discuss with the agency."
MEETING_NEEDED = "Choose the panel meeting the agency is invited to."
MEETING_NOT_AHEAD = "Choose one of this review's panel meetings still to come."


# --- Safeguarding Leads (§8.2.2) ------------------------------------------------------


@transaction.atomic
def safeguarding_lead_save(
    *,
    partnership,
    agency: Agency,
    name: str,
    job_title: str,
    email: str,
    phone: str = "",
    version: int,
    actor: User | None,
) -> SafeguardingLead:
    """Name (or change) the agency's Safeguarding Lead for this partnership (§8.2.2).
    `version` is what the page showed (0 when nobody was named): another's save in
    between is a conflict, and nothing is saved."""
    require(actor, partnership, Action.MANAGE_REQUESTS, ONLY_OFFICE_LEADS)
    if not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(NOT_PARTNERSHIP_AGENCY)
    lead = (
        SafeguardingLead.objects.for_partnership(partnership)
        .select_for_update()
        .filter(agency=agency)
        .first()
    )
    if (lead.version if lead else 0) != version:
        raise ApplicationError(LEAD_CONFLICT, field="version")
    if lead is None:
        lead = SafeguardingLead(partnership=partnership, agency=agency, version=0)
    lead.name, lead.job_title = name.strip(), job_title.strip()
    lead.email, lead.phone = email.strip(), phone.strip()
    lead.version += 1
    lead.updated_by = actor
    _save(lead, actor, "Safeguarding Lead named (§8.2.2)")
    logger.info("partnership %s: safeguarding lead of agency %s saved", partnership.slug, agency.pk)
    return lead


def _lead_email(request: InformationRequest) -> list[str]:
    lead = (
        SafeguardingLead.objects.for_partnership(request.case.partnership)
        .filter(agency_id=request.agency_id)
        .exclude(email="")
        .first()
    )
    return [lead.email] if lead else []


def agency_contacts(request: InformationRequest) -> list[str]:
    """The agency's portal users and its Safeguarding Lead (§8.2.2)."""
    return sorted(set(agency_portal_emails(request.agency_id)) | set(_lead_email(request)))


# --- Asking for submissions (§8.2.1, §8.3.1) -------------------------------------------


@dataclass(frozen=True)
class SubmissionAsk:
    """What one agency is asked for."""

    agency: Agency
    kind: str  # SubmissionKind
    with_analysis: bool = False
    with_organisational_changes: bool = False


def terms_refusal(lcspr: Lcspr) -> str:
    """Why requests cannot go yet, naming who must act; "" once the terms are agreed."""
    if terms_in_force(lcspr) is not None:
        return ""
    pending = terms_pending(lcspr)
    if pending is not None:
        return TERMS_BEFORE_CRG.format(day=format_date(pending.meeting.held_on))
    return TERMS_NOT_AGREED


def _check_due(partnership, due_on: date) -> None:
    if due_on <= timezone.localdate():
        raise ApplicationError(DUE_AFTER_TODAY, field="due_on")
    if not case_selectors.working_calendar(partnership=partnership).is_working_day(due_on):
        raise ApplicationError(DUE_NOT_WORKING_DAY, field="due_on")


def due_suggestion(*, partnership, today: date | None = None) -> date:
    """A working day four weeks of working days ahead: time to compile a chronology of the
    scoping period (§8.4.1) within the review's six months (§3.1.2). A suggestion only."""
    today = today or timezone.localdate()
    return case_selectors.working_calendar(partnership=partnership).add(today, 20)


@transaction.atomic
def submissions_request(
    *,
    lcspr: Lcspr,
    asks: list[SubmissionAsk],
    due_on: date,
    note: str,
    actor: User | None,
) -> list[InformationRequest]:
    """Formally ask each agency for its submission (§8.2.1): a chronology (§8.4.1), an
    information report (§8.5.1) or a factual summary (§8.6.1), each with its template,
    letter and guidance (§8.4.2, §8.5.2) through the portal, by a working-day due date the
    engine reminds of. Once per agency: asking again is refused, naming the agency."""
    case = lcspr.case
    partnership = case.partnership
    require(actor, partnership, Action.MANAGE_REQUESTS, ONLY_OFFICE)
    # Two people sending at once: the second waits here, then finds the first's requests.
    case = Case.objects.for_partnership(partnership).select_for_update().get(pk=case.pk)
    if case.stage != Stage.LCSPR:
        raise ApplicationError(NOT_AN_LCSPR)
    if refusal := terms_refusal(lcspr):
        raise ApplicationError(refusal)
    if not asks:
        raise ApplicationError(NO_AGENCY, field="agencies")
    allowed = set(Agency.objects.filter(partnerships=partnership).values_list("pk", flat=True))
    if any(ask.agency.pk not in allowed for ask in asks):
        raise ApplicationError(NOT_PARTNERSHIP_AGENCY, field="agencies")
    if any(ask.kind not in SubmissionKind.values for ask in asks):
        raise ApplicationError("Choose what each agency is asked for.", field="agencies")
    _check_due(partnership, due_on)
    names = case_selectors.person_names(partnership=partnership, case=case)
    if names.found_in(note):
        pseudonyms = ", ".join(names.pseudonyms) or "Child A"
        raise ApplicationError(NAME_IN_NOTE.format(pseudonyms=pseudonyms), field="note")
    already = sorted(
        InformationRequest.objects.for_partnership(partnership)
        .filter(
            case=case,
            purpose=RequestPurpose.LCSPR,
            agency__in=[ask.agency for ask in asks],
        )
        .values_list("agency__name", flat=True)
    )
    if already:
        raise ApplicationError(ALREADY_ASKED.format(names=", ".join(already)), field="agencies")
    now = timezone.now()
    made = []
    for ask in asks:
        chronology = ask.kind == SubmissionKind.CHRONOLOGY
        request = InformationRequest(
            case=case,
            agency=ask.agency,
            purpose=RequestPurpose.LCSPR,
            submission_kind=ask.kind,
            with_analysis=chronology and ask.with_analysis,
            with_organisational_changes=chronology and ask.with_organisational_changes,
            includes_chronology_template=chronology,
            reply_kind=ReplyKind.FACTUAL_SUMMARY
            if ask.kind == SubmissionKind.FACTUAL_SUMMARY
            else ReplyKind.REPLY,
            reply_due_on=due_on,
            letter_note=note.strip(),
            sent_at=now,
            sent_by=actor,
        )
        _save(request, actor, "Submission asked for (§8.2.1)")
        _due_item_set(request, due_on, actor, "Submission asked for (§8.2.1)")
        made.append(request)
    from reviews.tasks import submission_request_email

    for request in made:
        enqueue_on_commit(
            submission_request_email, partnership_id=partnership.pk, request_id=request.pk
        )
    logger.info("case %s: %d submissions asked for", case.reference, len(made))
    return made


def _due_item_set(
    request: InformationRequest, due_on: date, actor, reason: str, round_: int = 0
) -> None:
    """The submission's due date as an own dated item of the case, which the engine
    reminds of and escalates like the others."""
    dated_item_set(
        case=request.case,
        kind=submission_deadline_kind(request.pk, round_),
        title=f"Submission from {request.agency.name}",
        seed="§8.2.1",
        due_date=due_on,
        responsible=None,
        actor=actor,
        reason=reason,
    )


def submission_request_email_send(*, partnership_id: int, request_id: int) -> int:
    """Email the agency's portal users and its Safeguarding Lead that a submission is
    asked for: the case reference, what kind, the due date and a link; never the child's
    name or the case's content. Claimed and committed before the send: it goes once."""
    rows = InformationRequest.objects.for_partnership(partnership_id).filter(
        purpose=RequestPurpose.LCSPR
    )
    request = claim(
        rows.select_related("case__partnership", "agency"),
        pk=request_id,
        stamp="email_sent_at",
        reason="Emailed to the agency's portal users and Safeguarding Lead",
    )
    if request is None:
        return 0
    recipients = agency_contacts(request)
    context = {
        "reference": request.case.reference,
        "agency": request.agency.name,
        "kind": request.get_submission_kind_display(),
        "due": request.reply_due_on,
        "url": settings.SITE_URL + reverse("portal_request", kwargs={"pk": request.pk}),
        "product_name": settings.PRODUCT_NAME,
    }
    if recipients:
        with sending(request, stamp="email_sent_at"):
            send_mail(
                subject=f"Case {request.case.reference}: your agency's submission to the review",
                message=render_to_string("emails/lcspr_submission_request.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("submission %s: emailed %d people", request.pk, len(recipients))
    return len(recipients)


# --- The Panel's quality assurance (§8.7) ------------------------------------------------


@transaction.atomic
def submission_review_record(
    *,
    request: InformationRequest,
    outcome: str,
    version: int,
    actor: User | None,
    asked_for: str = "",
    respond_by: date | None = None,
    panel_meeting: PanelMeeting | None = None,
) -> SubmissionReview:
    """The Panel's decision on a submitted submission (§8.7.1-8.7.2): accepted; more
    information asked for (what, by when: the request goes back to the agency with a new
    due date, an email and a dashboard item); or the agency invited to one of the review's
    panel meetings. Every decision is kept. `version` is the submission's as the page
    showed it: a change since is a conflict, and nothing is recorded."""
    partnership = request.case.partnership
    require(actor, partnership, Action.RUN_PANEL_MEETINGS, ONLY_PANEL)
    current = (
        InformationRequest.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership", "agency")
        .get(pk=request.pk)
    )
    if current.purpose != RequestPurpose.LCSPR:
        raise ApplicationError(NOT_SUBMITTED)
    if current.version != version:
        raise ApplicationError(CONFLICT, field="version")
    if current.status != RequestStatus.SUBMITTED:
        raise ApplicationError(NOT_SUBMITTED)
    outcome = QaOutcome(outcome)
    review = SubmissionReview(request=current, outcome=outcome, decided_by=actor)
    today = timezone.localdate()
    if outcome == QaOutcome.ACCEPTED:
        current.status = RequestStatus.ACCEPTED
        current.accepted_at = timezone.now()
        _due_items_close(current, actor)
        reason = "Submission accepted by the Panel (§8.7)"
    elif outcome == QaOutcome.MORE_INFORMATION:
        if not asked_for.strip():
            raise ApplicationError(ASKED_FOR_NEEDED, field="asked_for")
        if respond_by is None:
            raise ApplicationError(RESPOND_BY_NEEDED, field="respond_by")
        try:
            _check_due(partnership, respond_by)
        except ApplicationError as error:
            raise ApplicationError(str(error), field="respond_by") from None
        review.asked_for, review.respond_by = asked_for.strip(), respond_by
        current.status = RequestStatus.RETURNED
        # The agency's portal shows what is asked (cases' return_reason), never an email.
        current.return_reason = asked_for.strip()
        current.reply_due_on = respond_by
        rounds = (
            SubmissionReview.objects.for_partnership(partnership)
            .filter(request=current, outcome=QaOutcome.MORE_INFORMATION)
            .count()
        )
        _due_item_set(
            current, respond_by, actor, "More information asked for (§8.7)", round_=rounds + 1
        )
        reason = "More information asked for by the Panel (§8.7)"
    else:
        if not asked_for.strip():
            raise ApplicationError(WHY_MEET_NEEDED, field="asked_for")
        if panel_meeting is None:
            raise ApplicationError(MEETING_NEEDED, field="panel_meeting")
        meeting = (
            PanelMeeting.objects.for_partnership(partnership)
            .filter(
                pk=panel_meeting.pk,
                lcspr__case=current.case,
                milestone__cancelled_on__isnull=True,
                milestone__due_on__gte=today,
            )
            .first()
        )
        if meeting is None:
            raise ApplicationError(MEETING_NOT_AHEAD, field="panel_meeting")
        review.asked_for, review.panel_meeting = asked_for.strip(), meeting
        reason = "Agency invited to a panel meeting (§8.7)"
    current.version += 1
    _save(current, actor, reason)
    _save(review, actor, reason)
    if outcome != QaOutcome.ACCEPTED:
        from reviews.tasks import submission_review_email

        enqueue_on_commit(
            submission_review_email, partnership_id=partnership.pk, review_id=review.pk
        )
    logger.info("submission %s: QA decision %s", current.pk, outcome.value)
    return review


def submission_review_email_send(*, partnership_id: int, review_id: int) -> int:
    """Tell the agency (portal users and Safeguarding Lead) what the Panel decided: the
    case reference, by when or which meeting, and a link; what is asked is in the portal."""
    rows = SubmissionReview.objects.for_partnership(partnership_id).select_related(
        "request__case__partnership", "request__agency", "panel_meeting__milestone"
    )
    review = claim(rows, pk=review_id, stamp="email_sent_at", reason="Agency emailed")
    if review is None:
        return 0
    request = review.request
    recipients = agency_contacts(request)
    reference = request.case.reference
    context = {
        "reference": reference,
        "review": review,
        "more_information": review.outcome == QaOutcome.MORE_INFORMATION,
        "meeting_on": review.panel_meeting.held_on if review.panel_meeting else None,
        "url": settings.SITE_URL + reverse("portal_request", kwargs={"pk": request.pk}),
        "product_name": settings.PRODUCT_NAME,
    }
    subject = (
        f"Case {reference}: more information is asked for on your agency's submission"
        if context["more_information"]
        else f"Case {reference}: your agency is invited to a Case Review Panel meeting"
    )
    if recipients:
        with sending(review, stamp="email_sent_at"):
            send_mail(
                subject=subject,
                message=render_to_string("emails/lcspr_submission_review.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("submission review %s: emailed %d people", review.pk, len(recipients))
    return len(recipients)


def unsent_submission_emails_send(*, partnership, before) -> int:
    """The mail sweep's part: requests and QA decisions whose email is still unsent (their
    job was lost). Safe to run twice: each row is claimed."""
    requests = (
        InformationRequest.objects.for_partnership(partnership)
        .filter(purpose=RequestPurpose.LCSPR, email_sent_at__isnull=True, sent_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reviews = (
        SubmissionReview.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, decided_at__lt=before)
        .exclude(outcome=QaOutcome.ACCEPTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: submission_request_email_send(partnership_id=p, request_id=pk)
            for pk in requests
        ]
        + [
            lambda pk=pk: submission_review_email_send(partnership_id=p, review_id=pk)
            for pk in reviews
        ]
    )


def _due_items_close(request: InformationRequest, actor) -> None:
    """The submission's open dated items met on the day it was submitted."""
    prefix = submission_deadline_kind(request.pk)
    kinds = (
        Deadline.objects.for_partnership(request.case.partnership)
        .filter(case=request.case, status=DeadlineStatus.OPEN)
        .filter(Q(kind=prefix) | Q(kind__startswith=prefix + ":"))
        .values_list("kind", flat=True)
    )
    done_on = timezone.localdate(request.submitted_at or timezone.now())
    for kind in list(kinds):
        dated_item_close(case=request.case, kind=kind, actor=actor, done_on=done_on)


def on_request_saved(sender, instance, **kwargs) -> None:
    """Once an agency submits (in the portal, or the office for it), its due date is met:
    the engine stops reminding of it. Connected in reviews/apps.py."""
    if (
        instance.purpose == RequestPurpose.LCSPR
        and instance.status == RequestStatus.SUBMITTED
        and instance.submitted_at is not None
    ):
        _due_items_close(instance, None)
