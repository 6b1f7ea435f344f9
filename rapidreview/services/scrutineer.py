"""The Independent Scrutineer's part (§4.7): advice in the meeting, written advice asked
for before it when they cannot attend, the decision sent to them afterwards, and their
reply, which may lead the chair to reopen the discussion with the partners."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from rapidreview import selectors
from rapidreview.models import AdviceKind, RapidReview, ScrutineerAdvice, SignOff
from rapidreview.services.decision import ONLY_RECORDERS, _not_future, review_locked

logger = logging.getLogger(__name__)

NOT_A_CONCERN = "Only a reply to the decision that raises a concern reopens the discussion."
ALREADY_REOPENED = "The chair reopened this discussion on {day}."
REOPENING_NOTE_NEEDED = "Say how the discussion is reopened with the Safeguarding Partners."
CONCERN_NEEDED = "Say whether the reply raises a concern about the decision (§4.7.5)."


@transaction.atomic
def scrutineer_attendance_record(
    *, review: RapidReview, actor: User | None, attending: bool
) -> RapidReview:
    """Whether the Scrutineer will attend (§4.7.1). If not, their written advice is asked
    for before the meeting (§4.7.4), by email, once."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    if review.meeting is None:
        raise ApplicationError("Set the meeting first.")
    if review.decision:
        raise ApplicationError("The decision is recorded: the meeting has been held.")
    review.scrutineer_attending = attending
    review.version += 1
    _save(
        review,
        actor,
        "The Independent Scrutineer will attend (§4.7.1)"
        if attending
        else "The Independent Scrutineer cannot attend: written advice asked for (§4.7.4)",
    )
    if not attending and review.scrutineer_advice_requested_at is None:
        from rapidreview.tasks import scrutineer_advice_request_email

        enqueue_on_commit(
            scrutineer_advice_request_email,
            partnership_id=review.case.partnership_id,
            review_id=review.pk,
        )
    return review


def scrutineer_advice_request_email_send(*, partnership_id: int, review_id: int) -> int:
    """Ask the Scrutineer for written advice before the meeting (§4.7.4): by case
    reference only. The review's stamp is claimed and committed before the send
    (cases/services/mail.py), so it is sent once and a hung mail server locks nothing."""
    review = claim(
        RapidReview.objects.for_partnership(partnership_id)
        .filter(scrutineer_attending=False)
        .select_related("case__partnership", "meeting"),
        pk=review_id,
        stamp="scrutineer_advice_requested_at",
        reason="Written advice asked of the Independent Scrutineer (§4.7.4)",
    )
    if review is None:
        return 0
    recipients = [u.email for u in selectors.scrutineers(review.case.partnership) if u.email]
    reference = review.case.reference
    if recipients:
        with sending(review, stamp="scrutineer_advice_requested_at"):
            send_mail(
                subject=f"Case {reference}: your written advice is asked for before the meeting",
                message=render_to_string(
                    "emails/scrutineer_advice_request.txt",
                    {
                        "reference": reference,
                        "meeting": review.meeting,
                        "url": settings.SITE_URL + reverse("dashboard"),
                        "product_name": settings.PRODUCT_NAME,
                    },
                ),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("case %s: written advice asked of %d Scrutineers", reference, len(recipients))
    return len(recipients)


@transaction.atomic
def scrutineer_advice_record(
    *,
    review: RapidReview,
    actor: User | None,
    kind: str,
    advice: str,
    received_on: date,
    raises_concern: bool | None = None,
) -> ScrutineerAdvice:
    """The Independent Scrutineer's advice: given in the meeting when the chair asks
    (§4.7.2), written beforehand and fed in by the Business Office (§4.7.4), or their
    reply once the decision was sent to them after the meeting (§4.7.5), which can come
    after the decision is signed off."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    if kind not in AdviceKind.values:
        raise ApplicationError("Choose when the advice was given.", field="kind")
    if not advice.strip():
        raise ApplicationError("Enter the advice.", field="advice")
    _not_future(received_on, "received_on")
    meeting_day = review.meeting.held_on if review.meeting else None
    if kind == AdviceKind.IN_MEETING and received_on != meeting_day:
        raise ApplicationError(
            "Advice given in the meeting is dated the day of the meeting.", field="received_on"
        )
    if kind == AdviceKind.WRITTEN_BEFORE and meeting_day and received_on > meeting_day:
        raise ApplicationError(
            "Written advice is sent before the meeting (§4.7.4).", field="received_on"
        )
    if kind == AdviceKind.REPLY_AFTER:
        if review.scrutineer_sent_on is None:
            raise ApplicationError(
                "Record sending the decision to the Scrutineer first (§4.7.5).", field="kind"
            )
        if received_on < review.scrutineer_sent_on:
            raise ApplicationError(
                "The reply cannot come before the decision was sent.", field="received_on"
            )
        if raises_concern is None:
            raise ApplicationError(CONCERN_NEEDED, field="raises_concern")
    item = ScrutineerAdvice(
        review=review,
        kind=kind,
        advice=advice.strip(),
        received_on=received_on,
        raises_concern=bool(raises_concern) and kind == AdviceKind.REPLY_AFTER,
        recorded_by=actor,
    )
    _save(item, actor, f"{AdviceKind(kind).label}")
    return item


@transaction.atomic
def scrutineer_decision_sent(*, review: RapidReview, actor: User | None, sent_on: date):
    """§4.7.5: the decision and its rationale sent to a Scrutineer who was not there."""
    require(actor, review.case.partnership, Action.RECORD_DECISION, ONLY_RECORDERS)
    review = review_locked(review)
    if not review.decision:
        raise ApplicationError("Record the decision before sending it to the Scrutineer.")
    if review.scrutineer_sent_on:
        raise ApplicationError(
            f"Its sending on {format_date(review.scrutineer_sent_on)} is already recorded."
        )
    _not_future(sent_on, "sent_on")
    if sent_on < review.decided_on:
        raise ApplicationError("The decision cannot be sent before it was made.", field="sent_on")
    review.scrutineer_sent_on = sent_on
    review.version += 1
    _save(review, actor, "Decision and rationale sent to the Independent Scrutineer (§4.7.5)")
    return review


@transaction.atomic
def discussion_reopen(*, advice: ScrutineerAdvice, actor: User, note: str) -> ScrutineerAdvice:
    """§4.7.5: advice on the decision "could require some further discussion with
    Safeguarding Partners". The chair reopens it, with a note, and the partners who
    signed are told."""
    partnership = advice.review.case.partnership
    require(actor, partnership, Action.APPROVE_DECISION, "Only the CRG chair reopens it.")
    advice = (
        ScrutineerAdvice.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("review__case")
        .get(pk=advice.pk)
    )
    if advice.kind != AdviceKind.REPLY_AFTER or not advice.raises_concern:
        raise ApplicationError(NOT_A_CONCERN)
    if advice.reopened_at:
        raise ApplicationError(ALREADY_REOPENED.format(day=format_date(advice.reopened_at)))
    if not note.strip():
        raise ApplicationError(REOPENING_NOTE_NEEDED, field="note")
    advice.reopened_at = timezone.now()
    advice.reopened_by = actor
    advice.reopening_note = note.strip()
    _save(advice, actor, "The chair reopened the discussion with the partners (§4.7.5)")
    from rapidreview.tasks import discussion_reopened_email

    enqueue_on_commit(discussion_reopened_email, partnership_id=partnership.pk, advice_id=advice.pk)
    return advice


def discussion_reopened_email_send(*, partnership_id: int, advice_id: int) -> int:
    """Tell the partners' representatives who signed the decision that the chair reopened
    the discussion: by case reference only. Claimed before the send, so sent once."""
    advice = claim(
        ScrutineerAdvice.objects.for_partnership(partnership_id)
        .filter(reopened_at__isnull=False)
        .select_related("review__case"),
        pk=advice_id,
        stamp="partners_told_at",
        reason="The partners' representatives told of the reopening",
    )
    if advice is None:
        return 0
    review = advice.review
    signed = SignOff.objects.for_partnership(partnership_id).filter(review=review)
    people = [s.user for s in signed.filter(on_behalf_reason="").select_related("user")]
    # A partner whose sign-off the chair recorded is told through its representatives.
    on_behalf = set(signed.exclude(on_behalf_reason="").values_list("role", flat=True))
    if on_behalf:
        for role, users in selectors.eligible_signers(review=review).items():
            people += users if role in on_behalf else []
    recipients = sorted({u.email for u in people if u.email and u.pk != advice.reopened_by_id})
    reference = review.case.reference
    if recipients:
        with sending(advice, stamp="partners_told_at"):
            send_mail(
                subject=f"Case {reference}: the CRG chair has reopened the decision's discussion",
                message=render_to_string(
                    "emails/discussion_reopened.txt",
                    {
                        "reference": reference,
                        "url": settings.SITE_URL
                        + reverse("rapid_review_scrutineer", kwargs={"reference": reference}),
                        "product_name": settings.PRODUCT_NAME,
                    },
                ),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("case %s: %d representatives told of the reopening", reference, len(recipients))
    return len(recipients)


def unsent_scrutineer_emails_send(*, partnership, before) -> int:
    """The mail sweep's part for the Scrutineer: requests for written advice and notices of
    a reopening still unsent from before `before`. Safe to run twice: each row is claimed."""
    asked = (
        RapidReview.objects.for_partnership(partnership)
        .filter(
            scrutineer_attending=False,
            scrutineer_advice_requested_at__isnull=True,
            decision="",
            updated_at__lt=before,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reopened = (
        ScrutineerAdvice.objects.for_partnership(partnership)
        .filter(partners_told_at__isnull=True, reopened_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: scrutineer_advice_request_email_send(partnership_id=p, review_id=pk)
            for pk in asked
        ]
        + [
            lambda pk=pk: discussion_reopened_email_send(partnership_id=p, advice_id=pk)
            for pk in reopened
        ]
    )
