"""The meeting's papers and invitations (§4.5, §4.7.1), and what follows a signed-off
decision: the report to the National Panel, the decision notified (§1.6.3), and the
outcome sent to every agency involved (§4.8)."""

from __future__ import annotations

import hashlib
import logging
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
from cases.models import (
    AccessAction,
    Agency,
    Case,
    Deadline,
    DeadlineStatus,
    InformationRequest,
    Membership,
    Notification,
    Referral,
    RequestPurpose,
    Stage,
    User,
)
from cases.permissions import Action, require
from cases.services.access import access_record
from cases.services.case import case_stage_set
from cases.services.common import validated_save as _save
from cases.services.deadline import deadline_complete
from cases.services.information_request import agency_portal_users
from cases.services.mail import claim, sending, unsent_send
from cases.tenancy import Scope
from cases.timescales import DECISION_NOTIFIED
from rapidreview import documents
from rapidreview.models import (
    OTHER_DELIVERY_METHODS,
    Decision,
    Delivery,
    DeliveryMethod,
    Invitation,
    InviteeKind,
    OutcomeNotice,
    RapidReview,
)
from rapidreview.rules import DECIDING_STAGES, MEMBER_INVITEE_ROLES
from rapidreview.services.decision import review_locked

logger = logging.getLogger(__name__)

NOT_SIGNED_OFF = "The decision must be signed off first."


@transaction.atomic
def invitations_send(
    *,
    review: RapidReview,
    actor: User | None,
    agencies: list[Agency] = (),
    users: list[User] = (),
) -> list[Invitation]:
    """Invite agencies (their portal users) and CRG members and the Independent
    Scrutineer by name to the meeting, with its papers (§4.5.2, §4.7.1). Someone
    already invited is not invited twice; each new invitation is emailed once."""
    partnership = review.case.partnership
    require(actor, partnership, Action.SEND_RAPID_REVIEW_PAPERS, "Only the Business Office.")
    review = review_locked(review)
    if review.meeting is None:
        raise ApplicationError("Set the meeting before sending its papers (§4.4.2).")
    if review.is_signed_off:
        raise ApplicationError("The decision is signed off: the meeting is over.")
    if not agencies and not users:
        raise ApplicationError("Choose who to invite.", field="agencies")
    existing = Invitation.objects.for_partnership(partnership).filter(review=review)
    invited_agencies = set(existing.values_list("agency_id", flat=True))
    invited_users = set(existing.values_list("user_id", flat=True))
    made = []
    for agency in agencies:
        if not agency.partnerships.filter(pk=partnership.pk).exists():
            raise ApplicationError("Choose agencies that work with this partnership.")
        if agency.pk not in invited_agencies:
            made.append(Invitation(review=review, kind=InviteeKind.AGENCY, agency=agency))
    for user in users:
        role = (
            Membership.objects.filter(
                user=user,
                partnership=partnership,
                role__in=MEMBER_INVITEE_ROLES,
                is_active=True,
                user__is_active=True,
            )
            .values_list("role", flat=True)
            .first()
        )
        if role is None:
            raise ApplicationError("Choose members of this partnership's Case Review Group.")
        if user.pk not in invited_users:
            made.append(Invitation(review=review, kind=MEMBER_INVITEE_ROLES[role], user=user))
    for invitation in made:
        invitation.sent_by = actor
        _save(invitation, actor, "Invited to the Rapid Review meeting with its papers (§4.5.2)")
        from rapidreview.tasks import invitation_email

        enqueue_on_commit(
            invitation_email, partnership_id=partnership.pk, invitation_id=invitation.pk
        )
    logger.info("case %s: %d invitations sent", review.case.reference, len(made))
    return made


def invitation_recipients(invitation: Invitation) -> list[User]:
    """Whom the system can email an invitation: the agency's portal users, or the person."""
    if invitation.agency_id:
        return agency_portal_users(invitation.agency_id)
    return [invitation.user] if invitation.user.email else []


def _deliveries_record(recipients: list[User], **sent) -> None:
    """Each person an invitation or outcome was emailed to, and when (issue 12)."""
    row = sent.get("invitation") or sent.get("outcome")
    with transaction.atomic():
        for user in recipients:
            delivery = Delivery(
                review_id=row.review_id,
                method=DeliveryMethod.PORTAL_EMAIL,
                recipient=user,
                delivered_on=timezone.localdate(),
                **sent,
            )
            _save(delivery, None, "Emailed")


def invitation_email_send(*, partnership_id: int, invitation_id: int) -> int:
    """Email one invitation: the case reference, the meeting date and a link to the
    papers, never case content. Its row alone is claimed and committed before the send
    (cases/services/mail.py), so it is sent once and a hung mail server locks nothing.
    An invitation nobody can be emailed is left unsent, for the office to send another
    way (`delivery_record`), rather than stamped as emailed to no one."""
    rows = Invitation.objects.for_partnership(partnership_id).select_related(
        "review__case", "review__meeting", "user"
    )
    waiting = rows.filter(pk=invitation_id, email_sent_at__isnull=True).first()
    if waiting is None:
        return 0
    if not invitation_recipients(waiting):
        logger.info("invitation %s: nobody to email", invitation_id)
        return 0
    invitation = claim(rows, pk=invitation_id, stamp="email_sent_at", reason="Invitation emailed")
    if invitation is None:
        return 0
    recipients = invitation_recipients(invitation)
    if invitation.agency_id:
        url = reverse("portal_papers")
    else:
        url = reverse("invitation_papers", kwargs={"pk": invitation.pk})
    reference = invitation.review.case.reference
    context = {
        "reference": reference,
        "meeting": invitation.review.meeting,
        "url": settings.SITE_URL + url,
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(invitation, stamp="email_sent_at"):
        send_mail(
            subject=f"Rapid Review meeting papers for case {reference}",
            message=render_to_string("emails/rapid_review_invitation.txt", context),
            from_email=None,
            recipient_list=sorted({user.email for user in recipients}),
        )
    _deliveries_record(recipients, invitation=invitation)
    logger.info("invitation %s: emailed %d people", invitation_id, len(recipients))
    return len(recipients)


@transaction.atomic
def papers_opened(*, invitation: Invitation, request, document: str) -> Invitation:
    """Log an invitee's opening of the papers: on the invitation (its row locked, so
    that two openings at once both count) and in the access log."""
    now = timezone.now()
    invitation = (
        Invitation.objects.for_partnership(invitation.review.case.partnership)
        .select_for_update(of=("self",))
        .select_related("review__case")
        .get(pk=invitation.pk)
    )
    invitation.opened_count += 1
    invitation.first_opened_at = invitation.first_opened_at or now
    invitation.last_opened_at = now
    invitation._history_user = request.user
    invitation._change_reason = f"Papers opened: {document}"
    invitation.save(update_fields=["opened_count", "first_opened_at", "last_opened_at"])
    access_record(
        request=request,
        action=AccessAction.DOWNLOAD,
        scope=request.scope,
        object_type="rapid_review_papers",
        object_reference=invitation.review.case.reference,
        route=request.resolver_match.view_name if request.resolver_match else "",
        status_code=200,
        purpose=f"Rapid Review meeting papers: {document}",
    )
    return invitation


def _signed_off(review: RapidReview) -> RapidReview:
    review = review_locked(review)
    if not review.is_signed_off:
        raise ApplicationError(NOT_SIGNED_OFF)
    return review


def _check_day(day: date, review: RapidReview, field: str) -> None:
    if day > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field=field)
    if day < review.decided_on:
        raise ApplicationError("The date cannot be before the decision.", field=field)


@transaction.atomic
def report_sent_record(*, review: RapidReview, actor: User | None, sent_on: date) -> RapidReview:
    """§4.8.1: the Rapid Review Report sent to the National Panel, which meets or misses
    the 15-working-day `rapid_review_complete` deadline (§3.1.2, §4.2.2). On the referral
    path, the completed Combined Summary goes instead, when proceeding (§4.9)."""
    require(
        actor, review.case.partnership, Action.SEND_RAPID_REVIEW_PAPERS, "Only the Business Office."
    )
    review = _signed_off(review)
    if review.report_sent_on:
        raise ApplicationError("Its sending is already recorded.")
    _check_day(sent_on, review, "sent_on")
    deadline = (
        Deadline.objects.for_partnership(review.case.partnership)
        .filter(case=review.case, kind="rapid_review_complete")
        .first()
    )
    if deadline is None and review.decision != Decision.PROCEED:
        raise ApplicationError(
            "A referral the CRG decided not to take further is not sent to the National "
            "Panel (§4.9)."
        )
    # §4.8.1: the exact file sent is kept, with its hash; later downloads serve it.
    pdf = documents.rapid_review_report_pdf(case=review.case, review=review)
    review.report_file.save(f"{review.case.reference}.pdf", ContentFile(pdf), save=False)
    review.report_sha256 = hashlib.sha256(pdf).hexdigest()
    review.report_sent_on = sent_on
    review.version += 1
    _save(
        review,
        actor,
        "Rapid Review Report sent to the National Panel (§4.8.1)"
        if deadline
        else "Completed Combined Summary sent to the National Panel (§4.9)",
    )
    if deadline is not None and deadline.status == DeadlineStatus.OPEN:
        deadline_complete(deadline=deadline, on=sent_on, actor=actor)
    return review


@transaction.atomic
def decision_notified_record(
    *, review: RapidReview, actor: User | None, notified_on: date
) -> RapidReview:
    """§1.6.3: every decision about commissioning an LCSPR is notified to the National
    Panel. Recording it meets (or misses) its deadline, and a decision not to proceed
    then closes the case."""
    require(
        actor, review.case.partnership, Action.SEND_RAPID_REVIEW_PAPERS, "Only the Business Office."
    )
    review = _signed_off(review)
    if review.decision_notified_on:
        raise ApplicationError("The notification is already recorded.")
    _check_day(notified_on, review, "notified_on")
    review.decision_notified_on = notified_on
    review.version += 1
    _save(review, actor, "Decision notified to the National Panel (§1.6.3)")
    case = review.case
    deadline = (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind__in=DECISION_NOTIFIED, status=DeadlineStatus.OPEN)
        .first()
    )
    if deadline is not None:
        deadline_complete(deadline=deadline, on=notified_on, actor=actor)
    if review.decision == Decision.NOT_PROCEED:
        case = Case.objects.for_partnership(case.partnership).select_for_update().get(pk=case.pk)
        if case.stage in DECIDING_STAGES:
            case_stage_set(
                case=case,
                stage=Stage.CLOSED,
                actor=actor,
                reason=f"The CRG decided on {format_date(review.decided_on)} not to proceed to "
                "an LCSPR, and the decision is notified to the National Panel (§1.6.3)",
            )
    return review


def agencies_involved(review: RapidReview) -> list[tuple[Agency, bool]]:
    """Every agency involved (§4.8.2): asked for information, invited, the notifying
    Local Authority, and the referrer, each with whether it referred."""
    partnership = review.case.partnership
    ids = set(
        InformationRequest.objects.for_partnership(partnership)
        .filter(case=review.case, purpose=RequestPurpose.RAPID_REVIEW)
        .values_list("agency_id", flat=True)
    )
    ids |= set(
        Invitation.objects.for_partnership(partnership)
        .filter(review=review, agency__isnull=False)
        .values_list("agency_id", flat=True)
    )
    notifying = (
        Notification.objects.for_partnership(partnership)
        .filter(case=review.case)
        .values_list("notifying_authority_id", flat=True)
        .first()
    )
    referrer = (
        Referral.objects.for_partnership(partnership)
        .filter(case=review.case)
        .values_list("referring_agency_id", flat=True)
        .first()
    )
    ids |= {notifying, referrer} - {None}
    return [(agency, agency.pk == referrer) for agency in Agency.objects.filter(pk__in=ids)]


@transaction.atomic
def outcomes_send(*, review: RapidReview, actor: User | None) -> list[OutcomeNotice]:
    """§4.8.2-4.8.3: the outcome to every agency involved, the referrer included, each
    reminded to notify its own inspectorate. An agency already sent it is not sent it
    again; a run after more agencies became involved sends only to them."""
    require(
        actor, review.case.partnership, Action.SEND_RAPID_REVIEW_PAPERS, "Only the Business Office."
    )
    review = _signed_off(review)
    partnership = review.case.partnership
    sent = set(
        OutcomeNotice.objects.for_partnership(partnership)
        .filter(review=review)
        .values_list("agency_id", flat=True)
    )
    made = []
    for agency, is_referrer in agencies_involved(review):
        if agency.pk in sent:
            continue
        notice = OutcomeNotice(review=review, agency=agency, is_referrer=is_referrer, sent_by=actor)
        _save(notice, actor, "Outcome of the Rapid Review sent (§4.8.2)")
        made.append(notice)
        from rapidreview.tasks import outcome_email

        enqueue_on_commit(outcome_email, partnership_id=partnership.pk, notice_id=notice.pk)
    if not made and not sent:
        raise ApplicationError("No agency is involved in this case yet.")
    if made:
        review.outcomes_sent_at = timezone.now()
        review.version += 1
        _save(review, actor, f"Outcome sent to {len(made)} agencies (§4.8.2)")
    return made


def outcome_email_send(*, partnership_id: int, notice_id: int) -> int:
    """Email an agency's portal users that the outcome is in the portal: by reference
    only. Its row alone is claimed and committed before the send (cases/services/mail.py),
    so it is sent once and a hung mail server locks nothing. An agency with nobody on the
    portal is left unsent, for the office to send it another way (`delivery_record`)."""
    rows = OutcomeNotice.objects.for_partnership(partnership_id).select_related("review__case")
    waiting = rows.filter(pk=notice_id, email_sent_at__isnull=True).first()
    if waiting is None:
        return 0
    if not agency_portal_users(waiting.agency_id):
        logger.info("outcome %s: nobody on the portal to email", notice_id)
        return 0
    notice = claim(
        rows,
        pk=notice_id,
        stamp="email_sent_at",
        reason="Outcome emailed to the agency's portal users",
    )
    if notice is None:
        return 0
    recipients = agency_portal_users(notice.agency_id)
    reference = notice.review.case.reference
    context = {
        "reference": reference,
        "url": settings.SITE_URL + reverse("portal_outcome", kwargs={"pk": notice.pk}),
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(notice, stamp="email_sent_at"):
        send_mail(
            subject=f"Outcome of the Rapid Review for case {reference}",
            message=render_to_string("emails/rapid_review_outcome.txt", context),
            from_email=None,
            recipient_list=sorted({user.email for user in recipients}),
        )
    _deliveries_record(recipients, outcome=notice)
    logger.info("outcome %s: emailed %d portal users", notice_id, len(recipients))
    return len(recipients)


@transaction.atomic
def outcome_read(*, notice: OutcomeNotice, scope: Scope) -> OutcomeNotice:
    """The agency's first reading of its outcome letter in the portal (§4.8.2); later
    readings leave the first one as it was."""
    if scope.agency is None or scope.agency.pk != notice.agency_id:
        raise ApplicationError("Only the agency the outcome was sent to reads it here.")
    current = (
        OutcomeNotice.objects.for_partnership(notice.review.case.partnership)
        .select_for_update(of=("self",))
        .get(pk=notice.pk)
    )
    if current.read_at is None:
        current.read_at = timezone.now()
        current._history_user = scope.user
        current._change_reason = "Read in the agency portal (§4.8.2)"
        current.save(update_fields=["read_at"])
    notice.read_at = current.read_at
    return notice


def unsent_rapid_review_emails_send(*, partnership, before) -> int:
    """Send the invitations and outcome notices of the partnership still unsent from
    before `before` (see cases.services.mail.unsent_emails_send). Safe to run twice."""
    # Those the office sent another way are not emailed as well.
    invitations = (
        Invitation.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, sent_at__lt=before, deliveries__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    notices = (
        OutcomeNotice.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, sent_at__lt=before, deliveries__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [
            lambda pk=pk: invitation_email_send(partnership_id=p, invitation_id=pk)
            for pk in invitations
        ]
        + [lambda pk=pk: outcome_email_send(partnership_id=p, notice_id=pk) for pk in notices]
    )


DELIVERY_ALREADY_RECORDED = "It has already been sent: there is nothing more to record."


@transaction.atomic
def delivery_record(
    *,
    actor: User | None,
    method: str,
    delivered_on: date,
    invitation: Invitation | None = None,
    outcome: OutcomeNotice | None = None,
) -> Delivery:
    """The office sent an invitation or an outcome another way (email outside the system,
    post, by hand, phone) to an agency or person nobody could email (issue 12)."""
    model, row = (Invitation, invitation) if invitation is not None else (OutcomeNotice, outcome)
    partnership = row.review.case.partnership
    require(actor, partnership, Action.SEND_RAPID_REVIEW_PAPERS, "Only the Business Office.")
    row = model.objects.for_partnership(partnership).select_for_update().get(pk=row.pk)
    sent = {"invitation": row} if model is Invitation else {"outcome": row}
    if row.email_sent_at or Delivery.objects.for_partnership(partnership).filter(**sent).exists():
        raise ApplicationError(DELIVERY_ALREADY_RECORDED)
    if method not in dict(OTHER_DELIVERY_METHODS):
        raise ApplicationError("Select how it was sent.", field="method")
    if delivered_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="delivered_on")
    ready_on = timezone.localdate(row.sent_at)
    if delivered_on < ready_on:
        raise ApplicationError(
            f"The date cannot be before {format_date(ready_on)}, when it was ready to send.",
            field="delivered_on",
        )
    delivery = Delivery(
        review=row.review, method=method, delivered_on=delivered_on, recorded_by=actor, **sent
    )
    what = "Invitation" if model is Invitation else "Outcome"
    _save(delivery, actor, f"{what} sent another way: {delivery.get_method_display()}")
    return delivery
