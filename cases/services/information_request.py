"""Information requests: sent by the Business Office, answered in the agency portal,
chased, returned or accepted, and escalated as §2.1.7 says (§4.1.7, §4.3, §2.1.6)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.file_store import stored_file
from cases.mail_queue import enqueue_on_commit
from cases.models import (
    Agency,
    AgencyKind,
    Attachment,
    Case,
    ChronologyEntry,
    Deadline,
    DeadlineStatus,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    InformationSharingDecision,
    Involvement,
    Membership,
    Referral,
    ReplyKind,
    RequestPurpose,
    RequestStatus,
    Role,
    SchoolRequestRoute,
    Stage,
    SubmissionKind,
    User,
)
from cases.permissions import Action, require, user_can
from cases.services.common import validated_save as _save
from cases.services.mail import (
    SharedRendering,
    claim,
    claim_batch,
    deliver,
    send_each,
    sending,
)
from cases.tenancy import Scope

logger = logging.getLogger(__name__)

# Where a request may be sent from: a Rapid Review, or a referral the CRG wants
# information on (§4.1.7, §4.9).
REQUEST_STAGES = frozenset({Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION})

CONFLICT = (
    "Someone else saved this reply after you opened it. Nothing you typed has been "
    "saved yet: your version is below. Open the reply again in a new tab to see theirs, "
    "then save what you need."
)
SUBMIT_CONFLICT = (
    "Your draft was saved, but someone else changed the reply before it could be "
    "submitted. Open the reply again to check it, then submit."
)
ESCALATION_AFTER_REPLY = (
    "The agency has replied, so there is nothing to escalate. If the reply is not enough, "
    "return it for more information."
)
NOT_OPEN_FOR_AGENCY = "This reply has been submitted and can no longer be changed."
# §4.9: on the referral path, letters go only once the CRG thinks the case might meet
# the criteria.
REFERRAL_NOT_DECIDED = (
    "Record on the referral's progress that the Case Review Group wants agencies' "
    "information before sending requests (§4.9)."
)
REPLY_DUE_NOT_WORKING_DAY = (
    "The reply deadline must be a working day: not a weekend, bank holiday or closure day."
)
SCHOOLS_VIA_REPRESENTATIVES = (
    "In this partnership, requests to schools go via the Education representatives "
    "(§4.4 footnote 15): choose them instead of {names}."
)
HOLIDAY_EXCEPTION_ONLY_DIRECT = (
    "A school-holiday exception applies only where requests go directly to schools "
    "(§4.4 footnote 15)."
)

# Uploads: what agencies send (documents, spreadsheets, scans), checked by content.
UPLOAD_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
}
UPLOAD_TYPE_REFUSED = (
    "The file must be a PDF, Word (.docx), Excel (.xlsx), ODT, PNG, JPEG or text file."
)
UPLOAD_CONTENT_MISMATCH = "The file's contents do not match its type ({extension})."
UPLOAD_TOO_BIG = "The file must be smaller than {size}."
UPLOAD_EMPTY = "The file is empty."
ORIGINAL_KEPT = "The email or document the reply came in is kept with the reply."


class ReplyConflict(ApplicationError):
    """The reply changed since the form was opened: nothing was saved."""


# --- The Business Office ------------------------------------------------------------


# A suggestion for the letter's deadline, not a statutory timescale: replies back a
# working day before the earliest Rapid Review meeting date leave time to analyse
# them (§4.4.2); referrals, with a month to the first CRG meeting, get longer.
SUGGESTED_REPLY_WORKING_DAYS = {Stage.RAPID_REVIEW: 5, Stage.REFERRAL_DECISION: 10}


def reply_due_suggestion(*, case: Case, today: date) -> date:
    from cases.selectors import working_calendar

    cal = working_calendar(partnership=case.partnership)
    suggested = cal.add(today, SUGGESTED_REPLY_WORKING_DAYS.get(case.stage, 5))
    earliest_meeting = (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind="rapid_review_meeting_earliest")
        .values_list("due_date", flat=True)
        .first()
    )
    if earliest_meeting is not None:
        suggested = min(suggested, cal.subtract(earliest_meeting, 1))
    return max(suggested, cal.add(today, 1))


def _check_reply_due(partnership, reply_due_on: date) -> None:
    from cases.selectors import working_calendar

    if reply_due_on <= timezone.localdate():
        raise ApplicationError("The reply deadline must be after today.", field="reply_due_on")
    if not working_calendar(partnership=partnership).is_working_day(reply_due_on):
        raise ApplicationError(REPLY_DUE_NOT_WORKING_DAY, field="reply_due_on")


def agencies_for_requests(*, case: Case):
    """The agencies a request may go to from this case's partnership, by the school route."""
    agencies = Agency.objects.filter(partnerships=case.partnership)
    if case.partnership.school_request_route == SchoolRequestRoute.VIA_EDUCATION_REPRESENTATIVES:
        agencies = agencies.exclude(kind=AgencyKind.SCHOOL)
    return agencies.order_by(Lower("name"))


@transaction.atomic
def information_requests_send(
    *,
    case: Case,
    agencies: list[Agency],
    reply_due_on: date,
    actor: User | None,
    letter_note: str = "",
    school_holiday_exception: str = "",
) -> list[InformationRequest]:
    """Send the Information Request Letter and Reply Template (and the chronology template
    where the partnership's variant says so) to each agency (§4.1.7, §4.3.1, §4.3.3)."""
    partnership = case.partnership
    require(actor, partnership, Action.MANAGE_REQUESTS, "Only the Business Office sends requests.")
    # Two people sending at once: the second waits here, then finds the first's requests.
    case = Case.objects.for_partnership(partnership).select_for_update().get(pk=case.pk)
    if case.stage not in REQUEST_STAGES:
        raise ApplicationError(
            "Information requests go out during a Rapid Review or a referral's consideration."
        )
    if case.stage == Stage.REFERRAL_DECISION:
        referral = Referral.objects.for_partnership(partnership).filter(case=case).first()
        if referral is None or referral.request_information is not True:
            raise ApplicationError(REFERRAL_NOT_DECIDED)
    if not agencies:
        raise ApplicationError("Select at least one agency.", field="agencies")
    today = timezone.localdate()
    _check_reply_due(partnership, reply_due_on)
    allowed = set(agencies_for_requests(case=case).values_list("pk", flat=True))
    schools = [a for a in agencies if a.kind == AgencyKind.SCHOOL]
    if schools and partnership.school_request_route != SchoolRequestRoute.DIRECT:
        names = ", ".join(a.name for a in schools)
        raise ApplicationError(SCHOOLS_VIA_REPRESENTATIVES.format(names=names), field="agencies")
    if any(a.pk not in allowed for a in agencies):
        raise ApplicationError("Choose agencies that work with this partnership.", field="agencies")
    if school_holiday_exception.strip() and not (
        schools and partnership.school_request_route == SchoolRequestRoute.DIRECT
    ):
        raise ApplicationError(HOLIDAY_EXCEPTION_ONLY_DIRECT, field="school_holiday_exception")
    already = set(
        InformationRequest.objects.for_partnership(partnership)
        .filter(case=case, agency__in=agencies, purpose=RequestPurpose.RAPID_REVIEW)
        .values_list("agency__name", flat=True)
    )
    if already:
        raise ApplicationError(
            f"A request has already gone to {', '.join(sorted(already))}.", field="agencies"
        )
    now = timezone.now()
    made = []
    for agency in agencies:
        request = InformationRequest(
            case=case,
            agency=agency,
            reply_due_on=reply_due_on,
            letter_note=letter_note.strip(),
            includes_chronology_template=partnership.uses_chronology_template,
            school_holiday_exception=school_holiday_exception.strip()
            if agency.kind == AgencyKind.SCHOOL
            else "",
            sent_at=now,
            sent_by=actor,
        )
        _save(request, actor, "Information request sent (§4.3.3)")
        made.append(request)
    _request_sent_deadline_complete(case=case, on=today, actor=actor)

    from cases.tasks import information_request_email

    for request in made:
        enqueue_on_commit(
            information_request_email, partnership_id=partnership.pk, request_id=request.pk
        )
    logger.info("case %s: %d information requests sent", case.reference, len(made))
    return made


def _request_sent_deadline_complete(*, case: Case, on: date, actor: User | None) -> None:
    """The first requests going out meet (or miss) the local deadline of a notification
    (§4.3.3), or on the referral path the one-month Information Request Letter (§4.9)."""
    from cases.services.deadline import deadline_complete

    for deadline in Deadline.objects.for_partnership(case.partnership).filter(
        case=case,
        kind__in=["information_request_sent", "referral_information_request_sent"],
        status=DeadlineStatus.OPEN,
    ):
        deadline_complete(deadline=deadline, on=on, actor=actor)


def information_request_email_send(*, partnership_id: int, request_id: int) -> int:
    """Email the agency's portal users that a request is waiting: the case reference, the
    deadline and a link, never case content. The request's row alone is claimed and
    committed before the send (cases/services/mail.py), so a second run sends nothing
    more and a hung mail server holds no case or agency row."""
    request = claim(
        InformationRequest.objects.for_partnership(partnership_id).select_related("case", "agency"),
        pk=request_id,
        stamp="email_sent_at",
        reason="Emailed to the agency's portal users",
    )
    if request is None:
        return 0
    recipients = agency_portal_emails(request.agency_id)
    context = {
        "request": request,
        "reference": request.case.reference,
        "url": settings.SITE_URL + reverse("portal_request", kwargs={"pk": request.pk}),
        "product_name": settings.PRODUCT_NAME,
    }
    if recipients:
        with sending(request, stamp="email_sent_at"):
            send_mail(
                subject=f"Information request for case {request.case.reference}",
                message=render_to_string("emails/information_request.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("request %s: emailed %d portal users", request.pk, len(recipients))
    return len(recipients)


def agency_portal_emails(agency_id: int) -> list[str]:
    return sorted({user.email for user in agency_portal_users(agency_id)})


def agencies_portal_emails(agency_ids) -> dict[int, list[str]]:
    """`agency_portal_emails` of several agencies in one query: {agency id: emails}."""
    emails = {agency_id: set() for agency_id in agency_ids}
    if emails:
        for agency_id, email in (
            Membership.objects.filter(
                agency_id__in=emails, role=Role.AGENCY_USER, is_active=True, user__is_active=True
            )
            .exclude(user__email="")
            .values_list("agency_id", "user__email")
        ):
            emails[agency_id].add(email)
    return {agency_id: sorted(found) for agency_id, found in emails.items()}


def agency_portal_users(agency_id: int) -> list[User]:
    """The agency's portal users who can be emailed."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            agency_id=agency_id, role=Role.AGENCY_USER, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__email")
    ]


def _locked(request: InformationRequest) -> InformationRequest:
    """The request's row, locked for this transaction: its status is judged as it is now."""
    return (
        InformationRequest.objects.for_partnership(request.case.partnership)
        .select_for_update()
        .select_related("case__partnership", "agency")
        .get(pk=request.pk)
    )


@transaction.atomic
def information_request_return(
    *, request: InformationRequest, actor: User | None, reason: str, reply_due_on: date
) -> InformationRequest:
    """Send a submitted reply back to the agency for more information, by a new deadline."""
    require(actor, request.case.partnership, Action.MANAGE_REQUESTS, "Only the Business Office.")
    if not reason.strip():
        raise ApplicationError("Say what more information the agency should give.", field="reason")
    _check_reply_due(request.case.partnership, reply_due_on)
    current = _locked(request)
    if current.purpose == RequestPurpose.LCSPR:
        raise ApplicationError(PANEL_QUALITY_ASSURES)
    if current.status != RequestStatus.SUBMITTED:
        raise ApplicationError("Only a submitted reply can be returned.")
    current.status = RequestStatus.RETURNED
    current.return_reason = reason.strip()
    current.reply_due_on = reply_due_on
    current.version += 1
    # The reason is case content: it stays in return_reason, not in the audit line.
    _save(current, actor, "Returned for more information")
    return current


@transaction.atomic
def information_request_accept(
    *, request: InformationRequest, actor: User | None
) -> InformationRequest:
    require(actor, request.case.partnership, Action.MANAGE_REQUESTS, "Only the Business Office.")
    current = _locked(request)
    if current.purpose == RequestPurpose.LCSPR:
        raise ApplicationError(PANEL_QUALITY_ASSURES)
    if current.status != RequestStatus.SUBMITTED:
        raise ApplicationError("Only a submitted reply can be accepted.")
    current.status = RequestStatus.ACCEPTED
    current.accepted_at = timezone.now()
    current.version += 1
    _save(current, actor, "Reply accepted")
    return current


# §8.7: an LCSPR submission is accepted or returned by the Panel, chaired by the Reviewer.
PANEL_QUALITY_ASSURES = (
    "The Panel, chaired by the Reviewer, quality-assures an LCSPR submission (§8.7): "
    "record its decision on the submission's page."
)
ESCALATION_ROLES_LCSPR = (
    "Only the Business Office, or the Reviewer or a Panel member of this review, escalates an "
    "agency's submission (§2.1.7)."
)


def _require_escalation(actor: User | None, request: InformationRequest) -> None:
    """§2.1.7: the Business Office escalates; during the review (an LCSPR submission) the
    Reviewer or a Panel member appointed to this review, and declared (§1.5.8), may too."""
    partnership = request.case.partnership
    if request.purpose == RequestPurpose.LCSPR and actor is not None:
        if user_can(actor, partnership, Action.MANAGE_REQUESTS):
            return
        appointed = (
            Case.objects.for_partnership(partnership)
            .filter(
                pk=request.case_id,
                lcspr__appointments__user=actor,
                lcspr__appointments__ended_on=None,
                lcspr__appointments__declared_at__isnull=False,
            )
            .exists()
        )
        if appointed and user_can(actor, partnership, Action.RUN_PANEL_MEETINGS):
            return
        raise ApplicationError(ESCALATION_ROLES_LCSPR)
    require(actor, partnership, Action.MANAGE_REQUESTS, "Only the Business Office.")


ESCALATION_NOT_YET_DUE = (
    "The reply is not due until {due}: escalate silence only once the deadline has passed (§2.1.7)."
)


@transaction.atomic
def escalation_record(
    *,
    request: InformationRequest,
    cause: str,
    note: str,
    escalated_on: date,
    actor: User | None,
) -> Escalation:
    """The next step of §2.1.7 for a refused or unanswered request, in order."""
    _require_escalation(actor, request)
    current = _locked(request)  # two people escalating at once take the steps in turn
    if current.is_received:
        raise ApplicationError(ESCALATION_AFTER_REPLY)
    if escalated_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="escalated_on")
    if escalated_on < timezone.localdate(current.sent_at):
        raise ApplicationError(
            "The date cannot be before the request was sent.", field="escalated_on"
        )
    if cause == EscalationCause.SILENCE and escalated_on <= current.reply_due_on:
        raise ApplicationError(
            ESCALATION_NOT_YET_DUE.format(due=format_date(current.reply_due_on)), field="cause"
        )
    if not note.strip():
        raise ApplicationError("Say what was done and with whom.", field="note")
    done = list(
        Escalation.objects.for_partnership(current.case.partnership)
        .filter(request=current)
        .order_by("step")
    )
    if done and done[-1].resolved:
        raise ApplicationError("The escalation was resolved: there is nothing more to escalate.")
    if done and escalated_on < done[-1].escalated_on:
        raise ApplicationError(
            "The date cannot be before the previous step's.", field="escalated_on"
        )
    step = len(done) + 1
    if step > EscalationStep.SAFEGUARDING_PARTNERS:
        raise ApplicationError(
            "Every step of §2.1.7 has been taken: the Safeguarding Partners have it."
        )
    escalation = Escalation(
        request=current,
        step=step,
        cause=cause,
        note=note.strip(),
        escalated_on=escalated_on,
        recorded_by=actor,
    )
    _save(escalation, actor, "Escalated (§2.1.7)")
    return escalation


@transaction.atomic
def escalation_resolve(*, request: InformationRequest, actor: User | None) -> Escalation:
    """§2.1.7: the Case Review Group (or the Safeguarding Partners) resolved it."""
    require(actor, request.case.partnership, Action.MANAGE_REQUESTS, "Only the Business Office.")
    _locked(request)
    latest = (
        Escalation.objects.for_partnership(request.case.partnership)
        .filter(request=request)
        .order_by("-step")
        .first()
    )
    if latest is None or latest.resolved:
        raise ApplicationError("There is no open escalation to resolve.")
    latest.resolved = True
    _save(latest, actor, "Escalation resolved (§2.1.7)")
    return latest


# --- The agency portal ------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyDetails:
    reply_kind: str = ReplyKind.REPLY
    involvement: str = ""
    involvement_summary: str = ""
    dates_and_contacts: str = ""
    actions_taken: str = ""
    concerns: str = ""
    facts: str = ""
    opinion: str = ""
    records_secured: bool | None = None
    records_secured_on: date | None = None
    records_nominated_representative: str = ""
    completed_by: str = ""
    # An LCSPR information report (§8.5.1).
    systems_learning: str = ""
    agency_learning: str = ""
    multi_agency_learning: str = ""


REPLY_FIELDS = list(ReplyDetails.__dataclass_fields__)


def _require_agency(scope: Scope, request: InformationRequest) -> None:
    """The addressed agency, or the Business Office once it is entering the agency's reply
    for it (`reply_on_behalf_start`)."""
    if scope.agency is not None:
        if scope.agency.pk == request.agency_id:
            return
    elif (
        request.is_entered_on_behalf
        and scope.partnership.pk == request.case.partnership_id
        and scope.can(Action.MANAGE_REQUESTS)
    ):
        return
    raise ApplicationError("Only the agency the request is addressed to can reply.")


ORIGINAL_REQUIRED = "Attach the email or document the agency's reply came in."
AGENCY_DRAFTING = (
    "The agency has started its reply in the portal: ask it to submit it there, so that "
    "its draft stays its own."
)


@transaction.atomic
def reply_on_behalf_start(
    *, scope: Scope, request: InformationRequest, original
) -> InformationRequest:
    """A reply came by email (or post) from an agency: the Business Office attaches the
    original and from then on enters the reply in the portal's forms for the agency,
    marked as entered on its behalf. A returned reply may come back the same way."""
    require(
        scope.user,
        request.case.partnership,
        Action.MANAGE_REQUESTS,
        "Only the Business Office enters a reply for an agency.",
    )
    current = _locked(request)
    if not current.is_open_for_agency:
        raise ApplicationError(NOT_OPEN_FOR_AGENCY)
    if current.status == RequestStatus.IN_PROGRESS and not current.is_entered_on_behalf:
        raise ApplicationError(AGENCY_DRAFTING)
    if not original:
        raise ApplicationError(ORIGINAL_REQUIRED, field="file")
    _attachment_store(current, original, scope.user, is_original=True)
    if not current.is_entered_on_behalf:
        current.entered_on_behalf_by = scope.user
        current.entered_on_behalf_at = timezone.now()
    if current.status == RequestStatus.NOT_STARTED:
        current.status = RequestStatus.IN_PROGRESS
    _save(
        current, scope.user, "Reply received: entered by the Business Office on the agency's behalf"
    )
    logger.info("request %s: reply entered on the agency's behalf", current.pk)
    return current


def _lock_for_change(request: InformationRequest, version: int) -> InformationRequest:
    """Lock the row and refuse if it changed since the form was opened."""
    current = (
        InformationRequest.objects.for_partnership(request.case.partnership)
        .select_for_update()
        .get(pk=request.pk)
    )
    if current.version != version:
        raise ReplyConflict(CONFLICT)
    if not current.is_open_for_agency:
        raise ApplicationError(NOT_OPEN_FOR_AGENCY)
    return current


@transaction.atomic
def reply_save(
    *, scope: Scope, request: InformationRequest, details: ReplyDetails, version: int
) -> InformationRequest:
    """Save the reply as a draft; the version the form was opened at must still be current."""
    _require_agency(scope, request)
    current = _lock_for_change(request, version)
    if details.records_secured_on and details.records_secured_on > timezone.localdate():
        raise ApplicationError(
            "The date records were secured cannot be in the future.", field="records_secured_on"
        )
    for name in REPLY_FIELDS:
        value = getattr(details, name)
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    if current.status == RequestStatus.NOT_STARTED:
        current.status = RequestStatus.IN_PROGRESS
    current.version += 1
    _save(current, scope.user, "Draft reply saved")
    return current


# What a submitted reply must hold, by kind (§4.3.2 basic facts; §8.6.1 factual summary).
REQUIRED_TO_SUBMIT = {
    ReplyKind.REPLY: {
        "involvement": "Say whether your agency was involved with the child or family.",
        "involvement_summary": "Describe your agency's involvement.",
        "facts": "Set out the facts known to your agency (§2.1.6).",
        "completed_by": "Give the name and role of the person completing the reply.",
    },
    ReplyKind.FACTUAL_SUMMARY: {
        "involvement": "Say how far your agency was involved with the child or family.",
        "involvement_summary": "Set out your agency's involvement (§8.6.1).",
        "completed_by": "Give the name and role of the person completing the reply.",
    },
}
FACTUAL_SUMMARY_NEEDS_LIMITED_INVOLVEMENT = (
    "A Factual Summary is for an agency whose involvement was limited (§8.6.1): answer "
    "'Limited' or 'None', or send the full reply."
)
RECORDS_SECURED_REQUIRED = "Say whether your agency has secured its records (§4.3.5)."
RECORDS_SECURED_DETAILS = "Give the date the records were secured and the nominated representative."


def reply_problems(
    request: InformationRequest, *, response_note: str = "", no_practitioners_confirmed=False
) -> dict[str, str]:
    """What stops the reply being submitted, by field."""
    if request.purpose == RequestPurpose.LCSPR:
        return submission_problems(
            request,
            response_note=response_note,
            no_practitioners_confirmed=no_practitioners_confirmed,
        )
    problems = {
        field: message
        for field, message in REQUIRED_TO_SUBMIT[request.reply_kind].items()
        if not getattr(request, field)
    }
    if request.reply_kind == ReplyKind.FACTUAL_SUMMARY and request.involvement == Involvement.YES:
        problems["involvement"] = FACTUAL_SUMMARY_NEEDS_LIMITED_INVOLVEMENT
    if request.records_secured is None:
        problems["records_secured"] = RECORDS_SECURED_REQUIRED
    elif request.records_secured and not (
        request.records_secured_on and request.records_nominated_representative
    ):
        problems["records_secured_on"] = RECORDS_SECURED_DETAILS
    return problems


class ReplyIncomplete(ApplicationError):
    """The draft was saved, but it lacks what a submitted reply must hold."""

    def __init__(self, problems: dict[str, str], version: int):
        super().__init__("Your reply has been saved as a draft but is not complete.")
        self.problems = problems
        self.version = version


def reply_submit(
    *,
    scope: Scope,
    request: InformationRequest,
    details: ReplyDetails,
    version: int,
    response_note: str = "",
    no_practitioners_confirmed: bool = False,
) -> InformationRequest:
    """Save, then submit to the Business Office. An incomplete reply stays saved as a
    draft (its own transaction), and the user is told what is missing. An LCSPR
    submission returned by the Panel (§8.7.2) is resubmitted with `response_note`, the
    agency's answer to what was asked; one naming nobody for the workshop needs
    `no_practitioners_confirmed` (§8.10.1)."""
    saved = reply_save(scope=scope, request=request, details=details, version=version)
    problems = reply_problems(
        saved, response_note=response_note, no_practitioners_confirmed=no_practitioners_confirmed
    )
    if problems:
        raise ReplyIncomplete(problems, version=saved.version)
    with transaction.atomic():
        try:
            current = _lock_for_change(saved, saved.version)
        except ReplyConflict:
            raise ReplyConflict(SUBMIT_CONFLICT) from None
        asked = _qa_asked(current)  # judged while the submission is still returned
        current.status = RequestStatus.SUBMITTED
        current.submitted_at = timezone.now()
        current.submitted_by = scope.user
        current.version += 1
        _save(current, scope.user, _submitted_reason(current, no_practitioners_confirmed))
        if asked is not None:
            _qa_answer(current, asked, response_note, scope.user)
    logger.info("request %s: reply submitted", current.pk)
    return current


# --- An LCSPR submission (§8.4-8.7, §8.10.1) -------------------------------------------

# What a submitted LCSPR submission must hold, by the kind asked for.
COMPLETED_BY_REQUIRED = "Give the name and role of the person completing the submission."
SUBMISSION_REQUIRED = {
    SubmissionKind.CHRONOLOGY: {"completed_by": COMPLETED_BY_REQUIRED},
    SubmissionKind.INFORMATION_REPORT: {
        "involvement_summary": "Describe your agency's involvement with the child and family "
        "(§8.5.1).",
        "systems_learning": "Set out the systems learning from your agency's involvement (§8.5.1).",
        "agency_learning": "Set out the potential learning for your agency (§8.5.1).",
        "multi_agency_learning": "Set out the potential learning for multi-agency "
        "arrangements (§8.5.1).",
        "actions_taken": "Say what actions your agency has already undertaken (§8.5.1).",
        "completed_by": COMPLETED_BY_REQUIRED,
    },
    SubmissionKind.FACTUAL_SUMMARY: {
        "involvement_summary": "Set out your agency's involvement with the child and family "
        "(§8.6.1).",
        "completed_by": COMPLETED_BY_REQUIRED,
    },
}
CHRONOLOGY_EMPTY = "Add at least one event to the chronology before submitting it (§8.4.1)."
NO_PRACTITIONERS_UNCONFIRMED = (
    "Name the practitioners and line managers who had direct involvement with the child "
    "and family, to be invited to the learning workshop (§8.10.1), or confirm that there "
    "is no one to invite to the workshop."
)
QA_RESPONSE_REQUIRED = (
    "Say what you have added in answer to the Panel's request for more information (§8.7.2)."
)
# The kinds the workshop's invitees are named with (§8.10.1: "alongside the chronology
# and/or Information Report"); a factual summary is for limited involvement (§8.6.1).
NAMES_PRACTITIONERS = frozenset({SubmissionKind.CHRONOLOGY, SubmissionKind.INFORMATION_REPORT})


def submission_problems(
    request: InformationRequest, *, response_note: str = "", no_practitioners_confirmed=False
) -> dict[str, str]:
    """What stops an LCSPR submission being submitted, by field ("chronology",
    "no_practitioners" and "response_note" name what is not a reply field)."""
    from reviews.models import NamedPractitioner
    from reviews.selectors.practitioners import qa_awaiting_answer

    partnership = request.case.partnership
    problems = {
        field: message
        for field, message in SUBMISSION_REQUIRED.get(request.submission_kind, {}).items()
        if not getattr(request, field)
    }
    if (
        request.submission_kind == SubmissionKind.CHRONOLOGY
        and not ChronologyEntry.objects.for_partnership(partnership)
        .filter(request=request, is_organisational_change=False)
        .exists()
    ):
        problems["chronology"] = CHRONOLOGY_EMPTY
    if (
        request.submission_kind in NAMES_PRACTITIONERS
        and not no_practitioners_confirmed
        and not NamedPractitioner.objects.for_partnership(partnership)
        .filter(request=request)
        .exists()
    ):
        problems["no_practitioners"] = NO_PRACTITIONERS_UNCONFIRMED
    if qa_awaiting_answer(request=request) is not None and not response_note.strip():
        problems["response_note"] = QA_RESPONSE_REQUIRED
    return problems


def _submitted_reason(request: InformationRequest, no_practitioners_confirmed: bool) -> str:
    if request.purpose != RequestPurpose.LCSPR:
        return "Reply submitted"
    if no_practitioners_confirmed and request.submission_kind in NAMES_PRACTITIONERS:
        return "Submission submitted: the agency confirmed no one to invite to the workshop"
    return "Submission submitted"


def _qa_asked(request: InformationRequest):
    """The Panel's request for more information the agency is answering, if any."""
    from reviews.selectors.practitioners import qa_awaiting_answer

    return qa_awaiting_answer(request=request)


def _qa_answer(request: InformationRequest, asked, response_note: str, actor: User) -> None:
    """The agency's answer fills the Panel's open request for more information (§8.7.2)."""
    from reviews.models import SubmissionReview

    review = SubmissionReview.objects.for_partnership(request.case.partnership).get(pk=asked.pk)
    review.agency_response = response_note.strip()
    review.responded_at = timezone.now()
    review.responded_by = actor
    _save(review, actor, "The agency answered the Panel's request (§8.7.2)")


@transaction.atomic
def reply_part_change(*, scope: Scope, request: InformationRequest) -> InformationRequest:
    """The request locked, for a part of the reply kept in another app (the LCSPR's named
    practitioners): the agency's own while open, or the office's entering it for them."""
    current = _agency_change(scope, request)
    _touch(current, scope.user)
    return current


def _agency_change(scope: Scope, request: InformationRequest) -> InformationRequest:
    """Lock the request and check, as it is now, that the agency may still change it:
    a colleague may have submitted it since this page was opened."""
    _require_agency(scope, request)
    current = _locked(request)
    if not current.is_open_for_agency:
        raise ApplicationError(NOT_OPEN_FOR_AGENCY)
    return current


@transaction.atomic
def chronology_entry_add(
    *,
    scope: Scope,
    request: InformationRequest,
    happened_on: date,
    source: str,
    event: str,
    happened_at=None,
    agency_response: str = "",
    analysis: str = "",
    expected_practice: str = "",
    concerning: str = "",
    is_organisational_change: bool = False,
) -> ChronologyEntry:
    request = _agency_change(scope, request)
    if happened_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="happened_on")
    _check_concerning(request, concerning, is_organisational_change)
    entry = ChronologyEntry(
        request=request,
        happened_on=happened_on,
        happened_at=happened_at,
        concerning="" if is_organisational_change else concerning.strip(),
        is_organisational_change=is_organisational_change,
        source=source.strip(),
        event=event.strip(),
        agency_response=agency_response.strip(),
        analysis=analysis.strip(),
        expected_practice=expected_practice,
        created_by=scope.user,
    )
    _save(entry, scope.user, "Chronology entry added")
    _touch(request, scope.user)
    return entry


CONCERNING_UNKNOWN = (
    "Choose who the event concerns from the list: a child by pseudonym, a family member by "
    "relationship, or the family."
)


def _check_concerning(request: InformationRequest, concerning: str, organisational: bool) -> None:
    """Who an LCSPR event concerns is one the request names, never a typed name (§8.4.3)."""
    from cases.selectors import chronology_concerning_options

    if organisational and request.purpose != RequestPurpose.LCSPR:
        raise ApplicationError("Only an LCSPR chronology has organisational changes (§8.4.1).")
    if concerning.strip() and concerning.strip() not in chronology_concerning_options(
        case=request.case
    ):
        raise ApplicationError(CONCERNING_UNKNOWN, field="concerning")


ENTRY_CONFLICT = (
    "Someone else changed this entry after you opened it. Nothing you typed has been saved "
    "yet: your version is below. Open the chronology in a new tab to see theirs, then save "
    "what you need."
)
ENTRY_GONE = "This chronology entry has been removed, so there is nothing to change."


@transaction.atomic
def chronology_entry_edit(
    *,
    scope: Scope,
    entry: ChronologyEntry,
    version: int,
    happened_on: date,
    source: str,
    event: str,
    happened_at=None,
    agency_response: str = "",
    analysis: str = "",
    expected_practice: str = "",
    concerning: str | None = None,
) -> ChronologyEntry:
    """Change an entry of the agency's chronology (§8.4.1) while the reply is open; the
    version the form was opened at must still be current."""
    _agency_change(scope, entry.request)
    current = (
        ChronologyEntry.objects.for_partnership(entry.request.case.partnership)
        .select_for_update()
        .filter(pk=entry.pk)
        .first()
    )
    if current is None:
        raise ApplicationError(ENTRY_GONE)
    if current.version != version:
        raise ApplicationError(ENTRY_CONFLICT)
    if happened_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="happened_on")
    if concerning is not None and not current.is_organisational_change:
        _check_concerning(entry.request, concerning, False)
        current.concerning = concerning.strip()
    current.happened_on = happened_on
    current.happened_at = happened_at
    current.source = source.strip()
    current.event = event.strip()
    current.agency_response = agency_response.strip()
    current.analysis = analysis.strip()
    current.expected_practice = expected_practice
    current.version += 1
    _save(current, scope.user, "Chronology entry changed")
    return current


@transaction.atomic
def chronology_entry_remove(*, scope: Scope, entry: ChronologyEntry) -> None:
    request = _agency_change(scope, entry.request)
    entry._history_user = scope.user
    entry._change_reason = "Chronology entry removed"
    entry.delete()
    _touch(request, scope.user)


def _touch(request: InformationRequest, actor: User) -> None:
    """Adding a part of the reply starts it. The version is the reply text's own: a
    chronology entry or a document cannot overwrite it, so they leave it alone."""
    if request.status == RequestStatus.NOT_STARTED:  # `request` is the locked row
        request.status = RequestStatus.IN_PROGRESS
        request._history_user = actor
        request._change_reason = "Reply started"
        request.save(update_fields=["status", "updated_at"])


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The read may stop in the middle of a character: that is still text.
        return error.start >= len(head) - 3
    return True


def _check_upload(upload) -> tuple[str, str]:
    """(extension, content type) of an acceptable file; otherwise the reason it is refused."""
    import os

    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in UPLOAD_TYPES:
        raise ApplicationError(UPLOAD_TYPE_REFUSED, field="file")
    if upload.size == 0:
        raise ApplicationError(UPLOAD_EMPTY, field="file")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES)),
            field="file",
        )
    content_type, signatures = UPLOAD_TYPES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures and not any(head.startswith(s) for s in signatures):
        raise ApplicationError(UPLOAD_CONTENT_MISMATCH.format(extension=extension), field="file")
    if not signatures and (b"\x00" in head or not _is_utf8(head)):
        raise ApplicationError(UPLOAD_CONTENT_MISMATCH.format(extension=extension), field="file")
    return extension, content_type


@transaction.atomic
def attachment_add(*, scope: Scope, request: InformationRequest, upload) -> Attachment:
    """Store an agency's document outside the web root, under a random name."""
    request = _agency_change(scope, request)
    attachment = _attachment_store(request, upload, scope.user)
    _touch(request, scope.user)
    return attachment


def _attachment_store(
    request: InformationRequest, upload, actor: User, *, is_original: bool = False
) -> Attachment:
    _, content_type = _check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "document").replace("/", "_").replace("\\", "_")[-200:]
    attachment = Attachment(
        request=request,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        is_original=is_original,
    )
    with stored_file(
        attachment.file,
        name,
        upload,
        subject=f"case {request.case.reference}",
        what="the original reply" if is_original else "an agency's document",
    ):
        reason = (
            "Original reply attached by the Business Office" if is_original else "Document attached"
        )
        _save(attachment, actor, reason)
    return attachment


@transaction.atomic
def attachment_remove(*, scope: Scope, attachment: Attachment) -> Attachment:
    """Withdraw a document before submission; the file is kept, as the history says."""
    request = _agency_change(scope, attachment.request)
    if attachment.is_original:
        raise ApplicationError(ORIGINAL_KEPT)
    attachment.removed_at = timezone.now()
    _save(attachment, scope.user, "Document withdrawn")
    _touch(request, scope.user)
    return attachment


@transaction.atomic
def sharing_decision_record(
    *, scope: Scope, request: InformationRequest, information: str, decision: str, reason: str
) -> InformationSharingDecision:
    """§2.1.6: every information-sharing decision is recorded with its reason, as part of
    the reply (so, like the rest of it, before it is submitted)."""
    request = _agency_change(scope, request)
    if not reason.strip():
        raise ApplicationError("Give the reason for this decision (§2.1.6).", field="reason")
    record = InformationSharingDecision(
        request=request,
        information=information.strip(),
        decision=decision,
        reason=reason.strip(),
        decided_by=scope.user,
    )
    _save(record, scope.user, "Information-sharing decision recorded (§2.1.6)")
    return record


# --- Chasing (the daily sweep) ------------------------------------------------------------

CHASED_STATUSES = (RequestStatus.NOT_STARTED, RequestStatus.IN_PROGRESS, RequestStatus.RETURNED)


def _chased(prefix: str) -> Q:
    """A Rapid Review's request is chased while its case is at a request stage; once the
    case has moved on (an LCSPR, closed) it is not. An LCSPR submission (§8.2) is chased
    while the case is an LCSPR."""
    return Q(
        **{
            f"{prefix}purpose": RequestPurpose.RAPID_REVIEW,
            f"{prefix}case__stage__in": REQUEST_STAGES,
        }
    ) | Q(**{f"{prefix}purpose": RequestPurpose.LCSPR, f"{prefix}case__stage": Stage.LCSPR})


def request_chases_make(*, partnership, today: date) -> int:
    """Chase unanswered requests at the partnership's reminder thresholds, and daily once
    overdue; the unique constraint makes each chase once, however often the sweep runs.
    A sweep that missed a day (beat, Redis or the worker down) chases for the threshold
    most recently crossed on its next run; older thresholds are not sent in bulk.

    The chases already made are read in one query and only the new ones written, in bulk
    with their history; a sweep running at the same time that made some of them first
    (the unique constraint refuses the INSERT) makes this one read again and retry.
    Returns how many this run made."""
    from cases.models import RequestChase
    from cases.selectors import working_calendar

    cal = working_calendar(partnership=partnership)
    thresholds = {int(n) for n in partnership.reminder_working_days}
    horizon = cal.add(today, max(thresholds, default=0))
    open_requests = (
        InformationRequest.objects.for_partnership(partnership)
        .filter(
            _chased(""),
            status__in=CHASED_STATUSES,
            reply_due_on__lte=horizon,
            case__withdrawn_at__isnull=True,
        )
        .values_list("pk", "reply_due_on")
    )
    due = set()
    for pk, reply_due_on in open_requests.iterator(chunk_size=5000):
        left = cal.between(today, reply_due_on)
        threshold = left if left < 0 else min((t for t in thresholds if t >= left), default=None)
        if threshold is not None:
            due.add((pk, reply_due_on, threshold))
    made = []
    for attempt in range(3):
        existing = set(
            RequestChase.objects.for_partnership(partnership)
            .filter(
                reply_due_on__lte=horizon,
                request__status__in=CHASED_STATUSES,
                request__reply_due_on__lte=horizon,
            )
            .values_list("request_id", "reply_due_on", "threshold")
        )
        new = sorted(due - existing)
        if not new:
            break
        try:
            with transaction.atomic():
                made = bulk_create_with_history(
                    [
                        RequestChase(request_id=pk, reply_due_on=on, threshold=threshold)
                        for pk, on, threshold in new
                    ],
                    RequestChase,
                    batch_size=2000,
                    default_change_reason="Chase made by the daily sweep",
                )
            break
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("partnership %s: another sweep made chases at once", partnership.slug)
    logger.info("partnership %s: %d request chases made", partnership.slug, len(made))
    return len(made)


def request_chases_send(
    *, partnership, limit: int = 200, today: date | None = None, before: datetime | None = None
) -> int:
    """Email each unsent chase to the agency's portal users (and, once overdue, to the
    case's lead officer or the Business Office, who may escalate under §2.1.7); only those
    made before `before`, for the mail sweep.

    Only chases of replies still awaited are sent. Each batch is claimed with SKIP LOCKED
    and committed before the sends (cases/services/mail.py); its emails go over one
    connection, each template rendered once per distinct message. A refused address is
    logged and left for the next sweep without holding up (or resending) the others.
    """
    from cases.models import RequestChase
    from cases.selectors import working_calendar

    pending = RequestChase.objects.for_partnership(partnership).filter(
        _chased("request__"),
        email_sent_at__isnull=True,
        request__status__in=CHASED_STATUSES,
        request__case__withdrawn_at__isnull=True,
    )
    if before is not None:
        pending = pending.filter(created_at__lt=before)
    ids = list(pending.order_by("id").values_list("pk", flat=True))
    sent = 0
    office = _office_emails(partnership)
    cal = working_calendar(partnership=partnership)
    today = today or timezone.localdate()
    rendering = SharedRendering()
    portal_emails: dict[int, list[str]] = {}  # by agency, read once a run

    def days_left(chase) -> int:
        """A chase made late (its sweep missed the day) says how long is left now."""
        if chase.threshold < 0:
            return -chase.threshold
        return max(0, min(chase.threshold, cal.between(today, chase.reply_due_on)))

    # Someone who has left must not get case references: the office hears instead.
    staff = set(
        Membership.objects.filter(
            partnership=partnership, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    for start in range(0, len(ids), limit):
        # Claimed and committed before the sends, so a hung mail server holds no lock.
        batch = claim_batch(
            pending.select_related("request__case__lead_officer", "request__agency"),
            ids=ids[start : start + limit],
            stamp="email_sent_at",
            reason="Chase emailed",
        )
        portal_emails.update(
            agencies_portal_emails({c.request.agency_id for c in batch} - portal_emails.keys())
        )
        sent += send_each(
            batch,
            lambda chase, connection: _chase_email(
                chase, office, staff, days_left, portal_emails, rendering, connection
            ),
        )
    return sent


def _chase_email(
    chase, office: list[str], staff: set[int], days_left, portal_emails, rendering, connection
) -> None:
    """The agency's people get the portal link; once overdue the lead officer (or the
    office) gets the case's request page, in a message of their own.

    The agency's email is the chase: if it fails, the error stops the chase being
    stamped and the next sweep tries again. The staff copy is sent after it; if that
    fails it is logged, so that the agency is not sent the same chase again and again.
    """
    request = chase.request
    reference = request.case.reference
    lcspr = request.purpose == RequestPurpose.LCSPR
    subject = f"{'Submission' if lcspr else 'Information request'} for case {reference}: " + (
        "reply overdue" if chase.threshold < 0 else "reply due"
    )

    def send(recipients, path, *, to_agency):
        if not recipients:
            return
        # The same text for every chase of this agency, date and kind: rendered once, the
        # case reference and the link put in.
        context = {
            "agency_name": request.agency.name,
            "threshold": chase.threshold,
            "reply_due_on": chase.reply_due_on,
            "days": days_left(chase),
            "to_agency": to_agency,
            "product_name": settings.PRODUCT_NAME,
        }
        body = rendering.render(
            "emails/request_chase.txt", context, reference=reference, url=settings.SITE_URL + path
        )
        deliver(EmailMessage(subject=subject, body=body, to=sorted(set(recipients))), connection)

    send(
        portal_emails.get(request.agency_id, []),
        reverse("portal_request", kwargs={"pk": request.pk}),
        to_agency=True,
    )
    if chase.threshold < 0:
        lead = request.case.lead_officer
        try:
            send(
                [lead.email] if lead and lead.email and lead.pk in staff else office,
                reverse(
                    "lcspr_submission" if lcspr else "case_request",
                    kwargs={"reference": reference, "pk": request.pk},
                ),
                to_agency=False,
            )
        except (SMTPException, OSError):
            logger.exception("chase %s: the staff copy failed; the agency's was sent", chase.pk)


def _office_emails(partnership) -> list[str]:
    return list(
        Membership.objects.filter(
            partnership=partnership,
            role=Role.BUSINESS_OFFICE,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
