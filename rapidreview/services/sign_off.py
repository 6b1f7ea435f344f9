"""Telling the signers: each person who can sign a decision is asked, by email and on
their dashboard, once for each time their signature is needed; a Safeguarding Partner
whose sign-off the chair recorded is told so (§4.6.1, §4.6.2)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.mail_queue import enqueue_on_commit
from cases.models import User
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from rapidreview import selectors
from rapidreview.models import RapidReview, SignOff, SignOffRequest, SignOffRole

logger = logging.getLogger(__name__)


def sign_off_requests_make(
    *, review: RapidReview, actor: User | None, again: set[int] = frozenset()
) -> list[SignOffRequest]:
    """Ask everyone who can give a missing signature, once the record is ready to sign.

    `again`: the people whose signatures a change has just voided, asked anew. Called
    inside the transaction that changed the review; the emails go after it commits."""
    if review.is_signed_off or not selectors.sign_off_readiness(review).ready:
        return []
    partnership = review.case.partnership
    signed = set(
        SignOff.objects.for_partnership(partnership)
        .filter(review=review)
        .values_list("role", flat=True)
    )
    people = {
        user.pk: user
        for role, users in selectors.eligible_signers(review=review).items()
        if role not in signed
        for user in users
    }
    asked = {
        r.user_id: r
        for r in SignOffRequest.objects.for_partnership(partnership).filter(review=review)
    }
    now = timezone.now()
    made = []
    for pk, user in people.items():
        request = asked.get(pk)
        if request is None:
            request = SignOffRequest(review=review, user=user, requested_at=now)
            _save(request, actor, "Asked to sign the decision (§4.6.1)")
        elif pk in again:
            request.requested_at, request.email_sent_at = now, None
            _save(request, actor, "Asked to sign again: the record changed after they signed")
        else:
            continue
        made.append(request)
    from rapidreview.tasks import sign_off_request_email

    for request in made:
        enqueue_on_commit(
            sign_off_request_email, partnership_id=partnership.pk, request_id=request.pk
        )
    return made


def sign_off_request_email_send(*, partnership_id: int, request_id: int) -> int:
    """Email one signer that a decision waits for them: by case reference only. Its row
    alone is claimed and committed before the send (cases/services/mail.py), so it is
    sent once and a hung mail server locks nothing."""
    request = claim(
        SignOffRequest.objects.for_partnership(partnership_id).select_related(
            "review__case", "user"
        ),
        pk=request_id,
        stamp="email_sent_at",
        reason="Emailed",
    )
    if request is None or request.review.is_signed_off or not request.user.email:
        return 0
    reference = request.review.case.reference
    with sending(request, stamp="email_sent_at"):
        send_mail(
            subject=f"Case {reference}: the Rapid Review decision is waiting for your sign-off",
            message=render_to_string(
                "emails/sign_off_request.txt",
                {
                    "reference": reference,
                    "url": settings.SITE_URL
                    + reverse("rapid_review_sign_off", kwargs={"reference": reference}),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=[request.user.email],
        )
    logger.info("case %s: sign-off request %s emailed", reference, request_id)
    return 1


def partner_told_email_send(*, partnership_id: int, sign_off_id: int) -> int:
    """Tell a Safeguarding Partner's representatives that the chair recorded their
    sign-off (§4.6.2): by case reference only; the reason is read in the product."""
    sign_off = claim(
        SignOff.objects.for_partnership(partnership_id)
        .exclude(on_behalf_reason="")
        .select_related("review__case__partnership", "review__meeting"),
        pk=sign_off_id,
        stamp="partner_told_at",
        reason="The partner's representatives told",
    )
    if sign_off is None:
        return 0
    review = sign_off.review
    people = selectors.eligible_signers(review=review).get(sign_off.role, [])
    recipients = [user.email for user in people if user.email]
    reference = review.case.reference
    if recipients:
        with sending(sign_off, stamp="partner_told_at"):
            send_mail(
                subject=f"Case {reference}: the CRG chair recorded your sign-off",
                message=render_to_string(
                    "emails/sign_off_recorded_for_partner.txt",
                    {
                        "reference": reference,
                        "partner": SignOffRole(sign_off.role).label,
                        "url": settings.SITE_URL
                        + reverse("rapid_review_sign_off", kwargs={"reference": reference}),
                        "product_name": settings.PRODUCT_NAME,
                    },
                ),
                from_email=None,
                recipient_list=recipients,
            )
    logger.info("case %s: %d partner representatives told", reference, len(recipients))
    return len(recipients)


def unsent_sign_off_emails_send(*, partnership, before) -> int:
    """The mail sweep's part for sign-offs: requests and partners' notices still unsent
    from before `before`. Safe to run twice: each row is claimed."""
    requests = (
        SignOffRequest.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, requested_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recorded = (
        SignOff.objects.for_partnership(partnership)
        .filter(partner_told_at__isnull=True, signed_at__lt=before)
        .exclude(on_behalf_reason="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: sign_off_request_email_send(partnership_id=p, request_id=pk)
            for pk in requests
        ]
        + [
            lambda pk=pk: partner_told_email_send(partnership_id=p, sign_off_id=pk)
            for pk in recorded
        ]
    )
