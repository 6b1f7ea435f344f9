"""The publication plan (§10.2-10.4) and the decision to publish or withhold (§10.1.1).

The plan opens only once the final report is approved by the CRG and the partnership
(§10.2.1). Opening it makes the review's Publication and one task per plan step, each
with an owner (by default the case's lead officer) and a due date, each an own dated item
(`publication_task:<step>`) that the reminder engine chases until the step is done.
Every save names the Publication's version it was read at: a stale one is a conflict.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import DeadlineStatus, User
from cases.permissions import Action, require
from cases.selectors import working_calendar
from cases.services.common import validated_save as _save
from cases.services.deadline import (
    dated_item_close,
    dated_item_set,
    deadline_complete,
    deadlines_schedule,
)
from cases.services.mail import claim, sending, unsent_send
from cases.timescales import Event
from publication.models import (
    PlanStep,
    Publication,
    PublicationContact,
    PublicationTask,
    PublishChoice,
)
from publication.rules.plan import earliest_publication_date
from publication.selectors import plan as selectors
from reviews import anonymisation as guard_rules
from reviews.models import Lcspr
from reviews.selectors.report_guard import restricted_data
from reviews.services.report_guard import pdf_chunks

logger = logging.getLogger(__name__)

ONLY_OFFICE = "Only the Business Office or the CRG chair manage the publication (§10)."
CONFLICT = (
    "Someone changed the publication plan while you were editing: check what is shown now "
    "and save again if your change is still needed."
)
PUBLISHED_ALREADY = "The report is published: the plan can no longer change."
OWNER_NOT_OURS = "Choose an owner from the Business Office or the CRG chairs."
DONE_IN_FUTURE = "A step cannot be done on a future date."
DUE_NEEDED = "Enter the date the step is due."
CONTACT_NOT_INVOLVED = "Only an agency involved in the review has contacts here (§10.2.1)."
TOO_CLOSE = (
    "The planned publication date must be {earliest} or later: seven working days after "
    "the pack {sent} to the National Panel, Ofsted and the DfE (§10.5.1)."
)
PLANNED_NEEDED = "Enter the planned publication date."
REASON_NEEDED = "Say why publishing the report is inappropriate: the reason is recorded (§10.1.1)."
CHOICE_NEEDED = "Choose whether to publish the report or only the improvements to be made."
DECISION_AFTER_NOTICE = (
    "The pack has already gone to the National Panel, Ofsted and the DfE: the decision can "
    "no longer change."
)
NOT_ANONYMOUS = (
    "The improvements-only document was not kept: the anonymisation guard found what is "
    "listed below in it (§9.1.3). Correct the recommendations or the action plan, then "
    "record the decision again."
)

# How long each step has when the plan opens, in working days (the office can move them).
STEP_WORKING_DAYS = {
    PlanStep.CONTACTS: 5,
    PlanStep.FAMILY: 10,
    PlanStep.PRACTITIONERS: 10,
    PlanStep.MEDIA: 5,
    PlanStep.DATE: 10,
}
STEP_SEED = {
    PlanStep.CONTACTS: "§10.2.1",
    PlanStep.FAMILY: "§10.3.2",
    PlanStep.PRACTITIONERS: "§10.3.3",
    PlanStep.MEDIA: "§10.4.1",
    PlanStep.DATE: "§10.5.1",
}


def _locked(publication: Publication, version: int | None = None) -> Publication:
    """The publication's row, locked; a version other than the stored one is a conflict."""
    current = (
        Publication.objects.for_partnership(publication.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=publication.pk)
    )
    if version is not None and current.version != version:
        raise ApplicationError(CONFLICT, field="version")
    if current.published_on is not None:
        raise ApplicationError(PUBLISHED_ALREADY)
    return current


def _bump(publication: Publication, actor, reason: str) -> None:
    publication.version += 1
    _save(publication, actor, reason)


# --- Opening the plan (§10.2.1) ---------------------------------------------------------


@transaction.atomic
def publication_open(*, lcspr: Lcspr, actor: User | None) -> Publication:
    """Open the plan once the final report is approved (§10.2.1). Opening it again changes
    nothing and returns the plan already open."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    lcspr = (
        Lcspr.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("case__partnership", "case__lead_officer")
        .get(pk=lcspr.pk)
    )
    existing = selectors.publication_of(lcspr)
    if existing is not None:
        return existing
    why = selectors.why_not_open(lcspr)
    if why:
        raise ApplicationError(why)
    publication = Publication(lcspr=lcspr, opened_by=actor)
    _save(publication, actor, "Publication plan opened (§10.2.1)")
    case = lcspr.case
    owner = case.lead_officer or actor
    calendar = working_calendar(partnership=partnership)
    today = timezone.localdate()
    for step in PlanStep:
        task = PublicationTask(
            publication=publication,
            step=step,
            owner=owner,
            due_on=calendar.add(today, STEP_WORKING_DAYS[step]),
        )
        _save(task, actor, "Plan step made when the plan opened")
        _dated_item(task, actor, "Publication plan opened")
        _tell_owner(task)
    logger.info("case %s: publication plan opened", case.reference)
    return publication


def _dated_item(task: PublicationTask, actor, reason: str) -> None:
    """The step's own dated item, chased by the reminder engine until the step is done."""
    case = task.publication.lcspr.case
    dated_item_set(
        case=case,
        kind=selectors.task_kind(task.step),
        title=f"Publication plan: {PlanStep(task.step).label}",
        seed=STEP_SEED[PlanStep(task.step)],
        due_date=task.due_on,
        responsible=task.owner,
        actor=actor,
        reason=reason,
    )


def _tell_owner(task: PublicationTask) -> None:
    if task.owner_id is None:
        return
    from publication.tasks import publication_task_email

    enqueue_on_commit(
        publication_task_email,
        partnership_id=task.publication.lcspr.case.partnership_id,
        task_id=task.pk,
    )


def _step_done(publication: Publication, step: str, actor, on: date | None = None) -> None:
    """A step whose record is complete is done: its dated item is closed, met or missed."""
    task = selectors.task_get(publication, step)
    if task is None or task.done_on is not None:
        return
    on = on or timezone.localdate()
    task.done_on = on
    task.version += 1
    _save(task, actor, "Plan step done")
    dated_item_close(
        case=publication.lcspr.case, kind=selectors.task_kind(step), actor=actor, done_on=on
    )


@transaction.atomic
def publication_task_update(
    *,
    publication: Publication,
    step: str,
    owner: User | None,
    due_on: date | None,
    done_on: date | None,
    note: str,
    version: int,
    actor: User | None,
) -> PublicationTask:
    """Give a step its owner and date, or record it done. A new owner is told (email and
    dashboard); the dated item follows the date; a done step closes it."""
    partnership = publication.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication)
    task = (
        PublicationTask.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .get(publication=publication, step=step)
    )
    if task.version != version:
        raise ApplicationError(CONFLICT, field="version")
    if owner is None or not selectors.owners(partnership).filter(pk=owner.pk).exists():
        raise ApplicationError(OWNER_NOT_OURS, field="owner")
    if due_on is None:
        raise ApplicationError(DUE_NEEDED, field="due_on")
    if done_on is not None and done_on > timezone.localdate():
        raise ApplicationError(DONE_IN_FUTURE, field="done_on")
    new_owner = task.owner_id != owner.pk
    task.owner, task.due_on, task.note = owner, due_on, note.strip()
    if new_owner:
        task.email_sent_at = None
    task.version += 1
    _save(task, actor, "Plan step changed")
    if task.done_on is None:
        _dated_item(task, actor, "Plan step's owner or date changed")
        if new_owner:
            _tell_owner(task)
    if done_on is not None and task.done_on is None:
        _step_done(publication, step, actor, done_on)
        task.refresh_from_db()
    return task


# --- The plan's records (§10.2.1, §10.3.2-10.3.3, §10.4.1) -------------------------------


@dataclass
class ContactRow:
    agency_id: int
    strategic_lead_name: str = ""
    strategic_lead_email: str = ""
    media_lead_name: str = ""
    media_lead_email: str = ""


@transaction.atomic
def publication_contacts_save(
    *, publication: Publication, rows: list[ContactRow], version: int, actor: User | None
) -> Publication:
    """Each involved agency's strategic lead and media or communications lead (§10.2.1).
    Once every involved agency has both, the step is done."""
    lcspr = publication.lcspr
    require(actor, lcspr.case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication, version)
    involved = {a.pk for a in selectors.involved_agencies(lcspr)}
    existing = selectors.contacts(publication)
    for row in rows:
        if row.agency_id not in involved:
            raise ApplicationError(CONTACT_NOT_INVOLVED)
        contact = existing.get(row.agency_id) or PublicationContact(
            publication=publication, agency_id=row.agency_id
        )
        values = {
            "strategic_lead_name": row.strategic_lead_name.strip(),
            "strategic_lead_email": row.strategic_lead_email.strip(),
            "media_lead_name": row.media_lead_name.strip(),
            "media_lead_email": row.media_lead_email.strip(),
        }
        if contact.pk and all(getattr(contact, k) == v for k, v in values.items()):
            continue
        for key, value in values.items():
            setattr(contact, key, value)
        if contact.pk:
            contact.version += 1
        try:
            _save(contact, actor, "Agency's publication contacts")
        except ApplicationError as error:
            raise ApplicationError(
                error.message, field=f"{error.field}_{row.agency_id}" if error.field else None
            ) from None
        existing[row.agency_id] = contact
    _bump(publication, actor, "Agencies' publication contacts recorded (§10.2.1)")
    if involved and all(
        (c := existing.get(pk)) is not None and c.strategic_lead_name and c.media_lead_name
        for pk in involved
    ):
        _step_done(publication, PlanStep.CONTACTS, actor)
    return publication


ARRANGEMENT_FIELDS = (
    "family_wishes",
    "family_discussed_on",
    "family_discussion",
    "practitioner_arrangements",
    "practitioner_senior_manager",
    "media_contact_name",
    "media_contact_role",
    "media_contact_email",
    "media_contact_phone",
)


@transaction.atomic
def publication_arrangements_save(
    *, publication: Publication, values: dict, version: int, actor: User | None
) -> Publication:
    """The family's wishes and how the arrangements were discussed with them (§10.3.2),
    how practitioners are told and supported and by which senior manager (§10.3.3), and
    the one central media contact (§10.4.1). Each step is done once its record is."""
    require(actor, publication.lcspr.case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication, version)
    if values.get("family_discussed_on") and values["family_discussed_on"] > timezone.localdate():
        raise ApplicationError(
            "The discussion with the family cannot be on a future date.",
            field="family_discussed_on",
        )
    for key in ARRANGEMENT_FIELDS:
        value = values.get(key)
        setattr(publication, key, value if key == "family_discussed_on" else (value or "").strip())
    _bump(publication, actor, "Publication arrangements recorded (§10.3-10.4)")
    p = publication
    if p.family_wishes and p.family_discussed_on and p.family_discussion:
        _step_done(p, PlanStep.FAMILY, actor)
    if p.practitioner_arrangements and p.practitioner_senior_manager:
        _step_done(p, PlanStep.PRACTITIONERS, actor)
    if p.media_contact_name and (p.media_contact_email or p.media_contact_phone):
        _step_done(p, PlanStep.MEDIA, actor)
    return p


def earliest_planned_date(publication: Publication, *, today: date | None = None) -> date:
    """§10.5.1: seven working days after the pack was sent, or, before it is, after
    today (the earliest it could still go)."""
    notice = selectors.latest_notice(publication)
    sent_on = notice.sent_on if notice else (today or timezone.localdate())
    calendar = working_calendar(partnership=publication.lcspr.case.partnership)
    return earliest_publication_date(sent_on, calendar)


@transaction.atomic
def publication_date_set(
    *, publication: Publication, planned_on: date | None, version: int, actor: User | None
) -> Publication:
    """The planned publication date, no earlier than seven working days after the pack is
    sent (§10.5.1). It schedules `report_sent_to_national_panel`, due seven working days
    before it."""
    require(actor, publication.lcspr.case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    publication = _locked(publication, version)
    if planned_on is None:
        raise ApplicationError(PLANNED_NEEDED, field="planned_on")
    earliest = earliest_planned_date(publication)
    if planned_on < earliest:
        sent = (
            "was sent"
            if selectors.latest_notice(publication)
            else "is sent, at the earliest today,"
        )
        raise ApplicationError(
            TOO_CLOSE.format(earliest=format_date(earliest), sent=sent), field="planned_on"
        )
    publication.planned_on = planned_on
    _bump(publication, actor, f"Planned publication date {format_date(planned_on)} (§10.5.1)")
    deadlines_schedule(
        case=publication.lcspr.case,
        event=Event.PUBLICATION_PLANNED,
        event_date=planned_on,
        actor=actor,
        reason="Planned publication date set",
    )
    notice = selectors.latest_notice(publication)
    if notice is not None:  # the pack went before the date was set
        sent_deadline_complete(publication, notice.sent_on, actor)
    _step_done(publication, PlanStep.DATE, actor)
    return publication


def sent_deadline_complete(publication: Publication, on: date, actor) -> None:
    """The pack sent completes `report_sent_to_national_panel` (§10.5.1) where it exists:
    met if sent by its date, missed if after."""
    deadline = selectors.deadline_of(publication.lcspr, "report_sent_to_national_panel")
    if deadline is not None and deadline.status == DeadlineStatus.OPEN:
        deadline_complete(deadline=deadline, on=on, actor=actor)


# --- Publish or withhold (§10.1.1, footnote 23) -----------------------------------------


@dataclass
class DecisionResult:
    """Recorded (`publication`), or not, with what the guard found in the improvements
    document (`hits`: kind and location only)."""

    publication: Publication | None
    hits: list[guard_rules.Hit] = field(default_factory=list)


def improvements_check(*, lcspr: Lcspr, pdf: bytes) -> list[guard_rules.Hit]:
    """The anonymisation guard's matching (reviews/anonymisation.py) over the
    improvements document, plus the case reference, which no published document carries."""
    chunks = pdf_chunks(pdf)
    hits = guard_rules.scan(restricted_data(lcspr), chunks)
    reference = lcspr.case.reference
    for chunk in chunks:
        at = chunk.text.lower().find(reference.lower())
        if at >= 0:
            hits.append(
                guard_rules.Hit(
                    kind=guard_rules.NEVER_PUBLISH,
                    found=reference,
                    context=reference,
                    location=chunk.location,
                    start=at,
                )
            )
    return hits


def publication_decide(
    *,
    publication: Publication,
    choice: str,
    reason: str,
    version: int,
    actor: User | None,
) -> DecisionResult:
    """Publish the report, or only the information about the improvements to be made
    where the partnership judges publishing the report inappropriate (§10.1.1, footnote
    23), with the reason. For the latter the improvements document is made from the
    agreed recommendations and the action plan, and kept with its SHA-256 only if the
    anonymisation guard finds nothing in it. Refused once the pack has gone."""
    from publication.documents.plan import improvements_pdf

    lcspr = publication.lcspr
    require(actor, lcspr.case.partnership, Action.MANAGE_PUBLICATION, ONLY_OFFICE)
    if choice not in PublishChoice.values:
        raise ApplicationError(CHOICE_NEEDED, field="choice")
    reason = reason.strip()
    if choice == PublishChoice.IMPROVEMENTS_ONLY and not reason:
        raise ApplicationError(REASON_NEEDED, field="choice_reason")
    _check_decidable(publication, version)
    pdf = b""
    if choice == PublishChoice.IMPROVEMENTS_ONLY:
        today = timezone.localdate()
        pdf = improvements_pdf(lcspr=lcspr, dated=today)
        hits = improvements_check(lcspr=lcspr, pdf=pdf)
        if hits:
            logger.info(
                "case %s: improvements document held back by the guard", lcspr.case.reference
            )
            return DecisionResult(None, hits)
    with transaction.atomic():
        current = _check_decidable(publication, version, lock=True)
        current.choice, current.choice_reason = choice, reason
        current.decided_on, current.decided_by = timezone.localdate(), actor
        if pdf:
            current.improvements_file.save("improvements.pdf", ContentFile(pdf), save=False)
            current.improvements_sha256 = hashlib.sha256(pdf).hexdigest()
            current.improvements_made_at = timezone.now()
        _bump(current, actor, f"Decided: {PublishChoice(choice).label} (§10.1.1)")
    logger.info("case %s: publication decision recorded", lcspr.case.reference)
    return DecisionResult(current)


def _check_decidable(publication: Publication, version: int, *, lock=False) -> Publication:
    if lock:
        current = _locked(publication, version)
    else:
        current = (
            Publication.objects.for_partnership(publication.lcspr.case.partnership)
            .select_related("lcspr__case__partnership")
            .get(pk=publication.pk)
        )
        if current.version != version:
            raise ApplicationError(CONFLICT, field="version")
        if current.published_on is not None:
            raise ApplicationError(PUBLISHED_ALREADY)
    if selectors.latest_notice(current) is not None:
        raise ApplicationError(DECISION_AFTER_NOTICE)
    return current


# --- Telling a step's owner ----------------------------------------------------------------


def publication_task_email_send(*, partnership_id: int, task_id: int) -> int:
    """Tell the owner the plan step is theirs: the case reference, the step, the due date
    and a link, nothing of the case. Claimed before the send: it goes once."""
    rows = PublicationTask.objects.for_partnership(partnership_id).select_related(
        "publication__lcspr__case", "owner"
    )
    waiting = rows.filter(pk=task_id, email_sent_at__isnull=True, done_on__isnull=True).first()
    if waiting is None or waiting.owner is None or not waiting.owner.email:
        return 0
    task = claim(rows, pk=task_id, stamp="email_sent_at", reason="Step's owner emailed")
    if task is None:
        return 0
    reference = task.publication.lcspr.case.reference
    with sending(task, stamp="email_sent_at"):
        send_mail(
            # Named in the subject: one owner of two steps gets two emails, told apart.
            subject=f'Case {reference}: the publication plan step "{PlanStep(task.step).label}" '
            "is yours",
            message=render_to_string(
                "emails/publication_task.txt",
                {
                    "reference": reference,
                    "step": PlanStep(task.step).label,
                    "due_on": format_date(task.due_on),
                    "url": settings.SITE_URL
                    + reverse("lcspr_publication", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=[task.owner.email],
        )
    logger.info("case %s: publication step owner emailed", reference)
    return 1


def unsent_publication_task_emails_send(*, partnership, before) -> int:
    """For the mail sweep: steps whose owner's email was not sent."""
    ids = (
        PublicationTask.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, done_on__isnull=True, owner__isnull=False)
        .filter(publication__opened_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: publication_task_email_send(partnership_id=p, task_id=pk) for pk in ids]
    )
