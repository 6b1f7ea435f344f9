"""The Rapid Review's part of a case's timeline and of its next action (registered with
`cases.case_sources`): each event credited to the person who did it."""

from __future__ import annotations

from django.utils import timezone

from cases import selectors as case_selectors
from cases.case_sources import NextAction, TimelineEvent, register_actions, register_events
from cases.dates import format_date
from cases.models import Case
from rapidreview import selectors
from rapidreview.models import (
    Attendance,
    CrgMeeting,
    ImmediateAction,
    Invitation,
    OutcomeNotice,
    RapidReview,
    ScrutineerAdvice,
    SignOff,
    SignOffRole,
)
from rapidreview.rules import PARTNER_SIGN_OFF_WORKING_DAYS


def _who(user) -> str:
    return str(user) if user else "System"


def _review(case: Case) -> RapidReview | None:
    return selectors.rapid_review(case=case)


# The fields of the review whose setting is an event: (field, title for the new value).
_RECORDED = [
    ("decision", lambda r: f"Decision recorded: {r.get_decision_display()}"),
    ("scrutineer_sent_on", lambda r: "Decision sent to the Independent Scrutineer (§4.7.5)"),
    ("signed_off_at", lambda r: "Decision signed off by everyone who must sign (§4.6.2)"),
    ("report_sent_on", lambda r: "Rapid Review Report sent to the National Panel (§4.8.1)"),
    ("decision_notified_on", lambda r: "Decision notified to the National Panel (§1.6.3)"),
]


@register_events
def rapid_review_events(case: Case) -> list[TimelineEvent]:
    review = _review(case)
    if review is None:
        return []
    partnership = case.partnership
    records = list(review.history.select_related("history_user").order_by("history_date"))
    meetings = {
        m.pk: m
        for m in CrgMeeting.objects.for_partnership(partnership).filter(
            pk__in={r.meeting_id for r in records} | {r.parameters_meeting_id for r in records}
        )
    }
    events = []
    for older, record in zip([None, *records], records, strict=False):
        by = _who(record.history_user)
        for field, label in (
            ("parameters_meeting_id", "Meeting to agree the request parameters set for"),
            ("meeting_id", "Meeting set for"),
        ):
            value = getattr(record, field)
            if value and value != getattr(older, field, None):
                events.append(
                    TimelineEvent(record.history_date, f"{label} {meetings[value]}", by, "")
                )
        for field, title in _RECORDED:
            value = getattr(record, field)
            if value and value != getattr(older, field, None):
                reason = f"On {format_date(value)}" if field.endswith("_on") else ""
                events.append(TimelineEvent(record.history_date, title(record), by, reason))
    for invitation in Invitation.objects.for_partnership(partnership).filter(review=review):
        invitee = invitation.agency.name if invitation.agency_id else str(invitation.user)
        events.append(
            TimelineEvent(
                invitation.sent_at,
                f"Papers sent to {invitee}",
                _who(invitation.sent_by),
                invitation.get_kind_display(),
            )
        )
    if review.meeting_id:
        for attendance in Attendance.objects.for_partnership(partnership).filter(
            meeting_id=review.meeting_id
        ):
            recorded = attendance.history.select_related("history_user").earliest()
            events.append(
                TimelineEvent(
                    recorded.history_date,
                    f"Attendance recorded: {attendance.name}"
                    + ("" if attendance.present else " (apologies)"),
                    _who(attendance.recorded_by or recorded.history_user),
                    attendance.capacity,
                )
            )
    for advice in ScrutineerAdvice.objects.for_partnership(partnership).filter(review=review):
        events.append(
            TimelineEvent(
                advice.created_at,
                "Independent Scrutineer's advice recorded",
                _who(advice.recorded_by),
                advice.get_kind_display(),
            )
        )
        if advice.reopened_at:
            events.append(
                TimelineEvent(
                    advice.reopened_at,
                    "Discussion reopened with the partners after the Scrutineer's advice",
                    _who(advice.reopened_by),
                    "",
                )
            )
    for sign_off in SignOff.objects.for_partnership(partnership).filter(review=review):
        role = sign_off.get_role_display()
        if sign_off.on_behalf_reason:
            title, reason = f"Sign-off recorded for {role} by the chair", sign_off.on_behalf_reason
        else:
            title, reason = f"Signed off as {role}", ""
        events.append(TimelineEvent(sign_off.signed_at, title, _who(sign_off.user), reason))
    for notice in OutcomeNotice.objects.for_partnership(partnership).filter(review=review):
        events.append(
            TimelineEvent(
                notice.sent_at,
                f"Outcome sent to {notice.agency.name}",
                _who(notice.sent_by),
                "The referrer (§4.8.2)" if notice.is_referrer else "",
            )
        )
    return events


@register_actions
def rapid_review_actions(case: Case) -> list[NextAction]:
    """The meeting itself, the Scrutineer's written advice it waits for, the signatures
    still missing and the immediate safety actions still open."""
    review = _review(case)
    if review is None:
        return []
    today = timezone.localdate()
    meeting = review.meeting
    actions = []
    if meeting and not review.decision:
        actions.append(NextAction(meeting.held_on, "Rapid Review meeting", "Case Review Group"))
        if selectors.scrutineer_advice_awaited(review):
            actions.append(
                NextAction(
                    meeting.held_on,
                    "Written advice before the meeting (§4.7.4)",
                    "Independent Scrutineer",
                    meeting.held_on < today,
                )
            )
    if meeting and review.decision and not review.is_signed_off:
        signed = set(
            SignOff.objects.for_partnership(case.partnership)
            .filter(review=review)
            .values_list("role", flat=True)
        )
        missing = [r for r in selectors.sign_off_roles_needed(review) if r not in signed]
        if missing:
            due = case_selectors.working_calendar(partnership=case.partnership).add(
                meeting.held_on, PARTNER_SIGN_OFF_WORKING_DAYS
            )
            actions.append(
                NextAction(
                    due,
                    "Sign off the decision",
                    ", ".join(SignOffRole(role).label for role in missing),
                    due < today,
                )
            )
    for action in ImmediateAction.objects.for_partnership(case.partnership).filter(
        review=review, done_on__isnull=True
    ):
        actions.append(
            NextAction(
                action.due_on, "Immediate safety action", action.owner, action.due_on < today
            )
        )
    return actions
