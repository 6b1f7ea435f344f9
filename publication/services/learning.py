"""Writes of the learning (§11.2-11.5, §12): the dissemination plan's briefings, the CRG's
review of a national review, and the National Panel's requests about one with the
Business Office's support. Each checks MANAGE_LEARNING, runs in one transaction, keeps
history with a reason, and guards concurrent edits with `version`."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Partnership, User
from cases.permissions import Action, require
from cases.services.mail import claim, sending, unsent_send
from publication.models import (
    ActionPlan,
    Briefing,
    NationalReview,
    NationalReviewRequest,
    NationalReviewSupport,
)
from publication.selectors.learning import crg_chairs
from rapidreview.models import CrgMeeting

logger = logging.getLogger(__name__)

NOT_ALLOWED = "Only the Business Office or the CRG chair can record the partnership's learning."
CONFLICT = (
    "Someone else changed this record since you opened it. Check what is shown now, then "
    "save again."
)
DELIVERED_IN_FUTURE = "The date delivered cannot be in the future."
REACH_WITHOUT_DELIVERY = "Give the date it was delivered before the number of people reached."
CONTACT_NOT_CHAIR = "The main point of contact must be a CRG chair of this partnership (§12.3)."
CRG_BEFORE_PARTNERS = (
    "The CRG is informed after the Safeguarding Partners (§12.3): give the date the "
    "partners were informed first, or a CRG date on or after it."
)
BEFORE_RECEIVED = "This date cannot be before the request was received."
IN_FUTURE = "This date cannot be in the future."
MEETING_NOT_OURS = "Choose one of this partnership's CRG meetings."
PLAN_NOT_OURS = "Choose one of this partnership's action plans."


class LearningConflict(ApplicationError):
    """The record changed since the form was opened: a visible conflict, never an
    overwrite."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)


def _save(row, actor: User | None, reason: str) -> None:
    row.full_clean()
    row._history_user = actor
    row._change_reason = reason
    row.save()


def _locked(model, row, partnership: Partnership, version: int | None):
    current = model.objects.for_partnership(partnership).select_for_update().get(pk=row.pk)
    if version is not None and current.version != version:
        raise LearningConflict()
    return current


def _not_future(day: date | None, field: str, message: str = IN_FUTURE) -> None:
    if day is not None and day > timezone.localdate():
        raise ApplicationError(message, field=field)


# --- The dissemination plan (§11.2-11.3) -----------------------------------------------


def _briefing_check(partnership: Partnership, values: dict) -> None:
    plan = values.get("plan")
    if plan is not None and plan.partnership_id != partnership.pk:
        raise ApplicationError(PLAN_NOT_OURS, field="plan")
    _not_future(values.get("delivered_on"), "delivered_on", DELIVERED_IN_FUTURE)
    if values.get("reach") is not None and values.get("delivered_on") is None:
        raise ApplicationError(REACH_WITHOUT_DELIVERY, field="delivered_on")


@transaction.atomic
def briefing_create(
    *,
    partnership: Partnership,
    actor: User | None,
    kind: str,
    title: str,
    audience: str,
    planned_on: date,
    plan: ActionPlan | None = None,
    delivered_on: date | None = None,
    delivery: str = "",
    reach: int | None = None,
    note: str = "",
) -> Briefing:
    """§11.3.2: one item of the plan for sharing the learning: its audience and date,
    and once it has happened, how it was delivered and whom it reached."""
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    values = {
        "kind": kind,
        "title": title,
        "audience": audience,
        "planned_on": planned_on,
        "plan": plan,
        "delivered_on": delivered_on,
        "delivery": delivery,
        "reach": reach,
        "note": note,
    }
    _briefing_check(partnership, values)
    briefing = Briefing(partnership=partnership, recorded_by=actor, **values)
    _save(briefing, actor, "Briefing planned (§11.3.2)")
    logger.info("briefing %s planned for partnership %s", briefing.pk, partnership.slug)
    return briefing


@transaction.atomic
def briefing_update(*, briefing: Briefing, actor: User | None, version: int, **values) -> Briefing:
    """Change a briefing, or record its delivery and reach."""
    partnership = briefing.partnership
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    briefing = _locked(Briefing, briefing, partnership, version)
    _briefing_check(partnership, values)
    delivered_now = briefing.delivered_on is None and values.get("delivered_on") is not None
    for field, value in values.items():
        setattr(briefing, field, value)
    briefing.version += 1
    _save(briefing, actor, "Briefing delivered (§11.3.2)" if delivered_now else "Briefing changed")
    return briefing


# --- National reviews (§11.5.1) ----------------------------------------------------------


def _review_check(partnership: Partnership, values: dict) -> None:
    meeting = values.get("crg_meeting")
    if meeting is not None and meeting.partnership_id != partnership.pk:
        raise ApplicationError(MEETING_NOT_OURS, field="crg_meeting")
    _not_future(values.get("published_on"), "published_on")
    _not_future(values.get("considered_on"), "considered_on")
    if meeting is not None and values.get("considered_on") is None:
        values["considered_on"] = (
            meeting.held_on if meeting.held_on <= timezone.localdate() else None
        )


@transaction.atomic
def national_review_create(
    *,
    partnership: Partnership,
    actor: User | None,
    title: str,
    published_on: date,
    themes: str,
    crg_meeting: CrgMeeting | None = None,
    considered_on: date | None = None,
    local_application: str = "",
) -> NationalReview:
    """§11.5.1: a national review the CRG considers, its themes, and how the CRG agreed
    to apply its learning locally."""
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    values = {
        "title": title,
        "published_on": published_on,
        "themes": themes,
        "crg_meeting": crg_meeting,
        "considered_on": considered_on,
        "local_application": local_application,
    }
    _review_check(partnership, values)
    review = NationalReview(partnership=partnership, recorded_by=actor, **values)
    _save(review, actor, "National review recorded (§11.5.1)")
    return review


@transaction.atomic
def national_review_update(
    *, review: NationalReview, actor: User | None, version: int, **values
) -> NationalReview:
    partnership = review.partnership
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    review = _locked(NationalReview, review, partnership, version)
    _review_check(partnership, values)
    for field, value in values.items():
        setattr(review, field, value)
    review.version += 1
    _save(review, actor, "National review changed (§11.5.1)")
    return review


# --- The National Panel's requests about a national review (§12.3) ----------------------


def _request_check(partnership: Partnership, values: dict) -> None:
    contact = values.get("contact")
    if contact is not None and contact not in crg_chairs(partnership):
        raise ApplicationError(CONTACT_NOT_CHAIR, field="contact")
    received = values["received_on"]
    _not_future(received, "received_on")
    for field in ("partners_informed_on", "crg_informed_on"):
        day = values.get(field)
        _not_future(day, field)
        if day is not None and day < received:
            raise ApplicationError(BEFORE_RECEIVED, field=field)
    partners, crg = values.get("partners_informed_on"), values.get("crg_informed_on")
    if crg is not None and (partners is None or crg < partners):
        raise ApplicationError(CRG_BEFORE_PARTNERS, field="crg_informed_on")


def _tell_contact(request: NationalReviewRequest) -> None:
    from publication.tasks import national_review_contact_email

    enqueue_on_commit(
        national_review_contact_email,
        partnership_id=request.partnership_id,
        request_id=request.pk,
    )


@transaction.atomic
def review_request_create(
    *,
    partnership: Partnership,
    actor: User | None,
    title: str,
    received_on: date,
    parameters: str,
    contact: User | None,
    partners_informed_on: date | None = None,
    crg_informed_on: date | None = None,
    note: str = "",
) -> NationalReviewRequest:
    """§12.3: a request from the National Panel about a national review. The Safeguarding
    Partners are informed, then the CRG; the CRG chair is the main point of contact and is
    told so (an email, and the request on their dashboard)."""
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    values = {
        "title": title,
        "received_on": received_on,
        "parameters": parameters,
        "contact": contact,
        "partners_informed_on": partners_informed_on,
        "crg_informed_on": crg_informed_on,
        "note": note,
    }
    _request_check(partnership, values)
    request = NationalReviewRequest(partnership=partnership, recorded_by=actor, **values)
    _save(request, actor, "National Panel's request about a national review recorded (§12.3)")
    if contact is not None:
        _tell_contact(request)
    logger.info("national review request %s recorded", request.pk)
    return request


@transaction.atomic
def review_request_update(
    *, request: NationalReviewRequest, actor: User | None, version: int, **values
) -> NationalReviewRequest:
    """Change the request, or record when the partners and the CRG were informed. A new
    point of contact is told, as the first was."""
    partnership = request.partnership
    require(actor, partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    request = _locked(NationalReviewRequest, request, partnership, version)
    _request_check(partnership, values)
    new_contact = values.get("contact") is not None and values["contact"].pk != request.contact_id
    for field, value in values.items():
        setattr(request, field, value)
    if new_contact:
        request.contact_told_at = None
    request.version += 1
    _save(request, actor, "National review request changed (§12.3)")
    if new_contact:
        _tell_contact(request)
    return request


@transaction.atomic
def review_support_add(
    *,
    request: NationalReviewRequest,
    actor: User | None,
    kind: str,
    on: date,
    description: str,
) -> NationalReviewSupport:
    """§12.3: what the Business Office did to support the national review: information
    supplied, or local attendance at its meetings."""
    require(actor, request.partnership, Action.MANAGE_LEARNING, NOT_ALLOWED)
    _not_future(on, "on")
    if on < request.received_on:
        raise ApplicationError(BEFORE_RECEIVED, field="on")
    support = NationalReviewSupport(
        request=request, kind=kind, on=on, description=description, recorded_by=actor
    )
    _save(support, actor, "Support for a national review recorded (§12.3)")
    return support


def review_request_contact_email_send(*, partnership_id: int, request_id: int) -> int:
    """Tell the CRG chair they are the main point of contact for the request (§12.3). The
    request's row is claimed and committed first (cases/services/mail.py); a second run
    sends nothing more."""
    rows = NationalReviewRequest.objects.for_partnership(partnership_id).select_related(
        "contact", "partnership"
    )
    request = claim(
        rows.filter(contact__isnull=False),
        pk=request_id,
        stamp="contact_told_at",
        reason="CRG chair told they are the point of contact",
    )
    if request is None or not request.contact.email:
        return 0
    from django.urls import reverse

    context = {
        "request": request,
        "partnership": request.partnership,
        "product_name": settings.PRODUCT_NAME,
        "url": settings.SITE_URL + reverse("national_review_request", kwargs={"pk": request.pk}),
    }
    with sending(request, stamp="contact_told_at"):
        send_mail(
            subject=f"{request.partnership.name}: you are the point of contact for a "
            "national review request",
            message=render_to_string("emails/national_review_contact.txt", context),
            from_email=None,
            recipient_list=[request.contact.email],
        )
    logger.info("national review request %s: CRG chair told", request.pk)
    return 1


def unsent_contact_emails_send(*, partnership, before) -> int:
    """The mail sweep: the CRG chairs not yet told of requests recorded before `before`
    (their job was lost to a broker outage, or gave up)."""
    ids = (
        NationalReviewRequest.objects.for_partnership(partnership)
        .filter(contact__isnull=False, contact_told_at__isnull=True, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: review_request_contact_email_send(partnership_id=p, request_id=pk)
            for pk in ids
        ]
    )
