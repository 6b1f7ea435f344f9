"""The six-month clock's writes (§3.1.2-§3.1.3): recording a delay as soon as it arises,
putting it to the CRG and minuting its consideration, ending it, and sending the notice
to the National Panel and the Secretary of State when it will prevent publication within
six months.

The statutory `lcspr_complete` deadline never moves: a delay sets the revised expected
date beside it (cases.Deadline.expected_date), which the LCSPR page and the Deadlines tab
show.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.mail_queue import enqueue_on_commit
from cases.models import Deadline, Membership, Role, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.mail import claim, sending, unsent_send
from rapidreview.models import CrgMeeting
from reviews.documents import clock as documents
from reviews.models import Delay, DelayNotice, Lcspr
from reviews.rules import (
    REVISED_DATE_NEEDED,
    REVISED_DATE_TOO_EARLY,
    ReviewConflict,
    delay_names_check,
    notice_due,
    six_month_deadline,
    statutory_six_month_date,
)
from reviews.selectors.clock import notice_addresses

logger = logging.getLogger(__name__)

ONLY_OFFICE = "Only the Business Office or the CRG chair records the review's delays."
ONLY_MINUTED = "Only the Business Office or the CRG chair records the CRG's consideration."
DELAY_CONFLICT = (
    "Someone else changed this delay after you opened it. Nothing you typed has been saved "
    "yet: check the delay as it is now, below, then save again."
)
NO_ADDRESS = (
    "The partnership has no email address for the {missing}. The partnership admin sets "
    "it in the configuration (Partnerships), then the notice can be sent (§3.1.3)."
)
NOTICE_NOT_NEEDED = (
    "This delay does not prevent publication within six months, so no notice is sent (§3.1.3)."
)
NOTICE_ALREADY_SENT = "The notice with this revised date has already been sent."
CONSIDERED_BEFORE_MEETING = (
    "The date cannot be before the CRG meeting the delay was put to, {day} (§3.1.3)."
)


def _check(
    *,
    lcspr: Lcspr,
    arose_on: date,
    asked_by: str,
    reason: str,
    holds_up: str,
    prevents_publication: bool,
    revised_expected_on: date | None,
) -> None:
    if arose_on > timezone.localdate():
        raise ApplicationError("The date it arose cannot be in the future.", field="arose_on")
    if arose_on < lcspr.decided_on:
        raise ApplicationError(
            f"The date it arose cannot be before the decision to review, "
            f"{format_date(lcspr.decided_on)}.",
            field="arose_on",
        )
    for field, value, message in (
        ("asked_by", asked_by, "Say who asked for the delay."),
        ("reason", reason, "Give the reason for the delay (§3.1.3)."),
        ("holds_up", holds_up, "Say what the delay holds up."),
    ):
        if not value.strip():
            raise ApplicationError(message, field=field)
    delay_names_check(lcspr, reason=reason, holds_up=holds_up, asked_by=asked_by)
    if prevents_publication:
        if revised_expected_on is None:
            raise ApplicationError(REVISED_DATE_NEEDED, field="revised_expected_on")
        statutory = statutory_six_month_date(lcspr)
        if revised_expected_on <= statutory:
            raise ApplicationError(
                REVISED_DATE_TOO_EARLY.format(statutory=format_date(statutory)),
                field="revised_expected_on",
            )


def expected_date_sync(*, lcspr: Lcspr, actor: User | None) -> Deadline | None:
    """Show the latest revised expected date of the review's delays that prevent
    publication within six months beside the statutory date (§3.1.3), which itself never
    moves. A delay once ended still delayed the review: its date stands."""
    deadline = six_month_deadline(lcspr, for_update=True)
    if deadline is None:
        return None
    latest = (
        Delay.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, prevents_publication=True, revised_expected_on__isnull=False)
        .order_by("-revised_expected_on", "-id")
        .first()
    )
    expected = latest.revised_expected_on if latest else None
    why = (
        f"A delay that arose on {format_date(latest.arose_on)} will prevent publication "
        "within six months (§3.1.3)."
        if latest
        else ""
    )
    if (deadline.expected_date, deadline.expected_reason) != (expected, why):
        deadline.expected_date = expected
        deadline.expected_reason = why
        _save(deadline, actor, "Revised expected date after a delay (§3.1.3)")
    return deadline


@transaction.atomic
def delay_record(
    *,
    lcspr: Lcspr,
    actor: User | None,
    arose_on: date,
    asked_by: str,
    reason: str,
    holds_up: str,
    prevents_publication: bool,
    revised_expected_on: date | None = None,
) -> Delay:
    """Record a delay as soon as it arises (§3.1.3)."""
    require(actor, lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_OFFICE)
    fields = {
        "arose_on": arose_on,
        "asked_by": asked_by.strip(),
        "reason": reason.strip(),
        "holds_up": holds_up.strip(),
        "prevents_publication": prevents_publication,
        "revised_expected_on": revised_expected_on if prevents_publication else None,
    }
    _check(lcspr=lcspr, **fields)
    delay = Delay(lcspr=lcspr, recorded_by=actor, **fields)
    _save(delay, actor, "Delay recorded (§3.1.3)")
    expected_date_sync(lcspr=lcspr, actor=actor)
    from reviews.tasks import delay_recorded_email

    enqueue_on_commit(
        delay_recorded_email, partnership_id=lcspr.case.partnership_id, delay_id=delay.pk
    )
    logger.info("case %s: LCSPR delay recorded", lcspr.case.reference)
    return delay


def crg_chairs(partnership) -> list[User]:
    """Whom a delay is reported to for the CRG (§3.1.3): the partnership's CRG chairs."""
    memberships = Membership.objects.filter(
        partnership=partnership, role=Role.CRG_CHAIR, is_active=True, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships if m.user.email]


def delay_recorded_email_send(*, partnership_id: int, delay_id: int) -> int:
    """Tell the CRG chairs that a delay is there for the CRG to consider (§3.1.3): by case
    reference only, with a link to the page. Claimed before the send, so sent once. A
    partnership with no chair to email is left unsent: the dashboard still lists it."""
    rows = Delay.objects.for_partnership(partnership_id).select_related("lcspr__case__partnership")
    waiting = rows.filter(pk=delay_id, crg_told_at__isnull=True).first()
    if waiting is None:
        return 0
    if not crg_chairs(waiting.lcspr.case.partnership):
        logger.info("case %s: no CRG chair to email of a delay", waiting.lcspr.case.reference)
        return 0
    delay = claim(rows, pk=delay_id, stamp="crg_told_at", reason="The CRG chair told by email")
    if delay is None:
        return 0
    case = delay.lcspr.case
    recipients = crg_chairs(case.partnership)
    context = {
        "reference": case.reference,
        "arose_on": delay.arose_on,
        "url": settings.SITE_URL + reverse("lcspr_clock", kwargs={"reference": case.reference}),
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(delay, stamp="crg_told_at"):
        send_mail(
            subject=f"Case {case.reference}: a delay to the LCSPR for the CRG to consider",
            message=render_to_string("emails/lcspr_delay_recorded.txt", context),
            from_email=None,
            recipient_list=sorted({user.email for user in recipients}),
        )
    logger.info("case %s: a delay emailed to %d CRG chairs", case.reference, len(recipients))
    return len(recipients)


def _locked(delay: Delay, version: int | None = None) -> Delay:
    current = (
        Delay.objects.for_partnership(delay.lcspr.case.partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case__partnership")
        .get(pk=delay.pk)
    )
    if version is not None and current.version != version:
        raise ReviewConflict(DELAY_CONFLICT)
    return current


@transaction.atomic
def delay_update(
    *,
    delay: Delay,
    actor: User | None,
    version: int,
    arose_on: date,
    asked_by: str,
    reason: str,
    holds_up: str,
    prevents_publication: bool,
    revised_expected_on: date | None = None,
) -> Delay:
    """Correct a delay or revise its expected date: a new revised date makes a new notice
    due (§3.1.3). Two people changing it at once: the second gets a conflict."""
    require(actor, delay.lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_OFFICE)
    delay = _locked(delay, version)
    fields = {
        "arose_on": arose_on,
        "asked_by": asked_by.strip(),
        "reason": reason.strip(),
        "holds_up": holds_up.strip(),
        "prevents_publication": prevents_publication,
        "revised_expected_on": revised_expected_on if prevents_publication else None,
    }
    _check(lcspr=delay.lcspr, **fields)
    for name, value in fields.items():
        setattr(delay, name, value)
    delay.version += 1
    _save(delay, actor, "Delay changed (§3.1.3)")
    expected_date_sync(lcspr=delay.lcspr, actor=actor)
    return delay


@transaction.atomic
def delay_put_to_crg(*, delay: Delay, actor: User | None, meeting: CrgMeeting) -> Delay:
    """Put the delay on a CRG meeting's business for its consideration (§3.1.3)."""
    partnership = delay.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_REVIEW, ONLY_OFFICE)
    delay = _locked(delay)
    if delay.is_considered:
        raise ApplicationError("The CRG has already considered this delay.")
    if meeting.partnership_id != partnership.pk:
        raise ApplicationError("Choose one of this partnership's CRG meetings.", field="meeting")
    if meeting.is_cancelled:
        raise ApplicationError("That meeting is cancelled: choose another.", field="meeting")
    if meeting.held_on < delay.arose_on:
        raise ApplicationError(
            "Choose a meeting on or after the day the delay arose.", field="meeting"
        )
    delay.crg_meeting = meeting
    delay.version += 1
    _save(delay, actor, f"Put to the CRG meeting of {format_date(meeting.held_on)} (§3.1.3)")
    return delay


@transaction.atomic
def delay_consideration_record(
    *, delay: Delay, actor: User | None, considered_on: date, decision: str
) -> Delay:
    """What the CRG decided about the delay, minuted by the office or the chair (§3.1.3)."""
    require(actor, delay.lcspr.case.partnership, Action.RECORD_CRG_AGREEMENT, ONLY_MINUTED)
    delay = _locked(delay)
    if delay.crg_meeting is None:
        raise ApplicationError("Put the delay to a CRG meeting first.")
    if delay.is_considered:
        raise ApplicationError("The CRG's consideration is already recorded.")
    if considered_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="considered_on")
    if considered_on < delay.arose_on:
        raise ApplicationError(
            "The CRG cannot have considered the delay before it arose.", field="considered_on"
        )
    if considered_on < delay.crg_meeting.held_on:
        raise ApplicationError(
            CONSIDERED_BEFORE_MEETING.format(day=format_date(delay.crg_meeting.held_on)),
            field="considered_on",
        )
    if not decision.strip():
        raise ApplicationError("Say what the CRG decided.", field="decision")
    delay.crg_considered_on = considered_on
    delay.crg_decision = decision.strip()
    delay.crg_recorded_by = actor
    delay.version += 1
    _save(delay, actor, "The CRG's consideration of the delay recorded (§3.1.3)")
    return delay


@transaction.atomic
def delay_resolve(*, delay: Delay, actor: User | None, resolved_on: date, note: str) -> Delay:
    """The delay has ended. Its revised expected date stands: the time is not given back."""
    require(actor, delay.lcspr.case.partnership, Action.MANAGE_REVIEW, ONLY_OFFICE)
    delay = _locked(delay)
    if not delay.is_open:
        raise ApplicationError("This delay has already ended.")
    if resolved_on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="resolved_on")
    if resolved_on < delay.arose_on:
        raise ApplicationError("A delay cannot end before it arose.", field="resolved_on")
    if not note.strip():
        raise ApplicationError("Say how the delay ended.", field="note")
    delay.resolved_on = resolved_on
    delay.resolution = note.strip()
    delay.version += 1
    _save(delay, actor, "Delay ended")
    return delay


@transaction.atomic
def delay_notice_send(*, delay: Delay, actor: User | None) -> DelayNotice:
    """Send the notice of the delay to the National Panel and the Secretary of State with
    its reason and revised expected date (§3.1.3): a PDF, emailed to the partnership's
    addresses for them through the mail queue. Sending it twice sends one notice (one per
    revised date)."""
    partnership = delay.lcspr.case.partnership
    require(actor, partnership, Action.MANAGE_REVIEW, "Only the Business Office or the chair.")
    delay = _locked(delay)
    if not delay.prevents_publication or delay.revised_expected_on is None:
        raise ApplicationError(NOTICE_NOT_NEEDED)
    sent = list(
        DelayNotice.objects.for_partnership(partnership)
        .filter(delay=delay)
        .values_list("revised_expected_on", flat=True)
    )
    if not notice_due(delay, sent):
        raise ApplicationError(NOTICE_ALREADY_SENT)
    # Again here: a name may have been added to the case since the delay was recorded.
    delay_names_check(
        delay.lcspr, reason=delay.reason, holds_up=delay.holds_up, asked_by=delay.asked_by
    )
    addresses = notice_addresses(partnership)
    if addresses["missing"]:
        raise ApplicationError(NO_ADDRESS.format(missing=" and the ".join(addresses["missing"])))
    notice = DelayNotice(
        delay=delay,
        reason=delay.reason,
        statutory_date=statutory_six_month_date(delay.lcspr),
        revised_expected_on=delay.revised_expected_on,
        recipients=addresses["to"],
        sent_by=actor,
    )
    try:
        with transaction.atomic():
            _save(notice, actor, "Notice of the delay sent (§3.1.3)")
    except IntegrityError:
        raise ApplicationError(NOTICE_ALREADY_SENT) from None
    from reviews.tasks import delay_notice_email

    enqueue_on_commit(delay_notice_email, partnership_id=partnership.pk, notice_id=notice.pk)
    logger.info("case %s: notice of the LCSPR's delay sent", delay.lcspr.case.reference)
    return notice


def delay_notice_email_send(*, partnership_id: int, notice_id: int) -> int:
    """Email one notice with its PDF: by case reference only, never the child's name. Its
    row is claimed and committed before the send (cases/services/mail.py), so it goes
    once however often this runs."""
    rows = DelayNotice.objects.for_partnership(partnership_id).select_related(
        "delay__lcspr__case__partnership"
    )
    notice = claim(rows, pk=notice_id, stamp="email_sent_at", reason="Notice of the delay emailed")
    if notice is None:
        return 0
    case = notice.delay.lcspr.case
    context = {
        "reference": case.reference,
        "partnership": case.partnership,
        "notice": notice,
        "product_name": settings.PRODUCT_NAME,
    }
    with sending(notice, stamp="email_sent_at"):
        message = EmailMessage(
            subject=f"Case {case.reference}: delay to a Local Child Safeguarding Practice Review",
            body=render_to_string("emails/lcspr_delay_notice.txt", context),
            to=list(notice.recipients),
        )
        message.attach(
            f"{case.reference}-delay-notice.pdf",
            documents.delay_notice_pdf(notice=notice),
            "application/pdf",
        )
        message.send()
    logger.info("case %s: notice of the delay emailed", case.reference)
    return len(notice.recipients)


def unsent_delay_notices_send(*, partnership, before) -> int:
    """The mail sweep: notices of the partnership still unemailed from before `before`,
    and delays the CRG chairs were not yet told of."""
    ids = (
        DelayNotice.objects.for_partnership(partnership)
        .filter(email_sent_at__isnull=True, sent_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    delays = (
        Delay.objects.for_partnership(partnership)
        .filter(crg_told_at__isnull=True, recorded_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    p = partnership.pk
    return unsent_send(
        [lambda pk=pk: delay_notice_email_send(partnership_id=p, notice_id=pk) for pk in ids]
        + [lambda pk=pk: delay_recorded_email_send(partnership_id=p, delay_id=pk) for pk in delays]
    )
