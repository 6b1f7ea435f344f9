"""The publication record (§10.5.2-10.5.3): the date published, where, the Reviewer's name
unless published anonymously, the action plan published alongside (§10.1.2) frozen as a
PDF; the NSPCC National Repository decision and submission; requests for an archived
report. Recording publication completes `lcspr_complete` (met or missed against the six
months, §3.1.3) and starts `publication_available_until` (at least a year, §10.5.2)."""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import DeadlineStatus, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.deadline import deadline_complete, deadlines_schedule
from cases.timescales import Event
from publication.models import ArchiveRequest, NspccChoice, Publication
from publication.selectors import plan as selectors
from publication.services.plan import CONFLICT, ONLY_OFFICE, _locked

logger = logging.getLogger(__name__)

NO_NOTICE = (
    "The pack has not been sent to the National Panel, Ofsted and the DfE yet: it must go "
    "at least seven working days before publication (§10.5.1)."
)
TOO_EARLY = (
    "The report cannot be published before {earliest}: seven working days after the pack "
    "was sent on {sent} (§10.5.1)."
)
IN_FUTURE = "Record the publication once it has happened: the date cannot be in the future."
PUBLISHED_NEEDED = "Enter the date it was published."
URL_NEEDED = "Enter the address of the published report on the partnership's website."
REVIEWER_NEEDED = "Enter the Reviewer's name, or say it was published anonymously (§10.5.2)."
NSPCC_CHOICE_NEEDED = "Choose whether to submit the report to the NSPCC National Repository."
NSPCC_REASON_NEEDED = "Give the reason for the decision (§10.5.3)."
NSPCC_NOT_PUBLISHED = "A report is submitted to the NSPCC once it is published (§10.5.3)."
NSPCC_SUBMIT_NOT_CHOSEN = "Record a submission only for a report the partnership decided to submit."
NSPCC_NO_ADDRESS = (
    "The partnership has no address for the NSPCC National Repository: the partnership admin "
    "sets it (§10.5.3)."
)
TITLE_NOT_ANONYMOUS = (
    "The title names someone or something the anonymisation guard looks for, or the case "
    "reference: give a title with neither (§9.1.3)."
)
REQUESTER_NEEDED = "Enter who asked for the archived report."
RECEIVED_NEEDED = "Enter the date the request was received."


@transaction.atomic
def publication_record(
    *,
    publication: Publication,
    published_on: date | None,
    url: str,
    reviewer_name: str,
    anonymous_reviewer: bool,
    version: int,
    actor: User | None,
    public_title: str = "",
) -> Publication:
    """Record the report published (§10.5.2): not before seven working days after the pack
    was sent (§10.5.1), not in the future. The case's action plan, if it has one, is frozen
    into a PDF published alongside (§10.1.2). The public page's title is read by the
    anonymisation guard's matching first (§9.1.3): it is published too."""
    from publication.documents.plan import action_plan_pdf

    case = publication.lcspr.case
    require(actor, case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication, version)
    if published_on is None:
        raise ApplicationError(PUBLISHED_NEEDED, field="published_on")
    notice = selectors.latest_notice(publication)
    if notice is None:
        raise ApplicationError(NO_NOTICE)
    earliest = selectors.earliest_allowed(publication)
    if published_on < earliest:
        raise ApplicationError(
            TOO_EARLY.format(earliest=format_date(earliest), sent=format_date(notice.sent_on)),
            field="published_on",
        )
    if published_on > timezone.localdate():
        raise ApplicationError(IN_FUTURE, field="published_on")
    if not url.strip():
        raise ApplicationError(URL_NEEDED, field="url")
    reviewer_name = "" if anonymous_reviewer else reviewer_name.strip()
    if not anonymous_reviewer and not reviewer_name:
        raise ApplicationError(REVIEWER_NEEDED, field="reviewer_name")
    publication.published_on, publication.url = published_on, url.strip()
    public_title = public_title.strip()
    if public_title and _title_hits(publication.lcspr, public_title):
        raise ApplicationError(TITLE_NOT_ANONYMOUS, field="public_title")
    publication.reviewer_name, publication.anonymous_reviewer = reviewer_name, anonymous_reviewer
    publication.public_title = public_title
    publication.recorded_by = actor
    plan = selectors.action_plan_of(publication.lcspr)
    if plan is not None:
        pdf = action_plan_pdf(plan=plan, dated=published_on)
        publication.action_plan_file.save("action-plan.pdf", ContentFile(pdf), save=False)
        publication.action_plan_sha256 = hashlib.sha256(pdf).hexdigest()
    publication.version += 1
    _save(publication, actor, f"Published on {format_date(published_on)} (§10.5.2)")
    complete = selectors.deadline_of(publication.lcspr, "lcspr_complete")
    if complete is not None and complete.status == DeadlineStatus.OPEN:
        deadline_complete(deadline=complete, on=published_on, actor=actor)  # §3.1.3
    deadlines_schedule(
        case=case,
        event=Event.PUBLISHED,
        event_date=published_on,
        actor=actor,
        reason="Report published",
    )
    logger.info("case %s: publication recorded", case.reference)
    return publication


def _title_hits(lcspr, title: str) -> bool:
    """Whether the title names what the guard looks for, or carries the case reference."""
    from reviews import anonymisation
    from reviews.selectors.report_guard import restricted_data

    if lcspr.case.reference.lower() in title.lower():
        return True
    chunk = anonymisation.Chunk(location="The public title", text=title)
    return bool(anonymisation.scan(restricted_data(lcspr), [chunk]))


def _published(publication: Publication, version: int | None) -> Publication:
    """The published publication's row, locked (its plan is frozen, its NSPCC record not)."""
    current = (
        Publication.objects.for_partnership(publication.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=publication.pk)
    )
    if version is not None and current.version != version:
        raise ApplicationError(CONFLICT, field="version")
    return current


@transaction.atomic
def nspcc_record(
    *,
    publication: Publication,
    choice: str,
    reason: str,
    submitted_on: date | None,
    version: int,
    actor: User | None,
) -> Publication:
    """§10.5.3: whether to submit the published report to the NSPCC National Repository,
    decided for this case with its reason, and the submission: the date, and the checksum
    of the file sent to the partnership's NSPCC address (the pack's file)."""
    partnership = publication.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _published(publication, version)
    if choice not in NspccChoice.values:
        raise ApplicationError(NSPCC_CHOICE_NEEDED, field="nspcc_choice")
    if not reason.strip():
        raise ApplicationError(NSPCC_REASON_NEEDED, field="nspcc_reason")
    publication.nspcc_choice, publication.nspcc_reason = choice, reason.strip()
    if submitted_on is not None:
        if choice != NspccChoice.SUBMIT:
            raise ApplicationError(NSPCC_SUBMIT_NOT_CHOSEN, field="nspcc_submitted_on")
        if publication.published_on is None:
            raise ApplicationError(NSPCC_NOT_PUBLISHED, field="nspcc_submitted_on")
        if submitted_on > timezone.localdate():
            raise ApplicationError(IN_FUTURE, field="nspcc_submitted_on")
        if not partnership.nspcc_email:
            raise ApplicationError(NSPCC_NO_ADDRESS)
        pack = selectors.pack_of(publication)
        if pack is None:
            raise ApplicationError(selectors.pack_missing(publication))
        publication.nspcc_submitted_on = submitted_on
        publication.nspcc_sha256 = pack.sha256
    elif choice != NspccChoice.SUBMIT:
        publication.nspcc_submitted_on, publication.nspcc_sha256 = None, ""
    publication.version += 1
    _save(publication, actor, "NSPCC National Repository decision recorded (§10.5.3)")
    return publication


@transaction.atomic
def archive_request_add(
    *,
    publication: Publication,
    requester_name: str,
    requester_organisation: str,
    requester_email: str,
    received_on: date | None,
    answer: str,
    answered_on: date | None,
    answer_note: str,
    actor: User | None,
) -> ArchiveRequest:
    """§10.5.2: a request for the archived report, through the Business Office, logged with
    the requester and the answer."""
    require(actor, publication.lcspr.case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    if not requester_name.strip():
        raise ApplicationError(REQUESTER_NEEDED, field="requester_name")
    if received_on is None:
        raise ApplicationError(RECEIVED_NEEDED, field="received_on")
    today = timezone.localdate()
    if received_on > today or (answered_on and answered_on > today):
        raise ApplicationError(IN_FUTURE, field="received_on")
    if answer and answered_on is None:
        answered_on = today
    row = ArchiveRequest(
        publication=publication,
        requester_name=requester_name.strip(),
        requester_organisation=requester_organisation.strip(),
        requester_email=requester_email.strip(),
        received_on=received_on,
        answer=answer,
        answered_on=answered_on if answer else None,
        answer_note=answer_note.strip(),
        recorded_by=actor,
    )
    _save(row, actor, "Request for the archived report logged (§10.5.2)")
    return row
