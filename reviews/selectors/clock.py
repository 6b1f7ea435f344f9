"""Reading the six-month clock (§3.1.2-§3.1.3): the `lcspr_complete` date and how long is
left, the review's delays, the CRG's consideration of them and the notices sent.

The task "The six-month clock" on the LCSPR page, its summary rows, its business at CRG
meetings and its work on the dashboard are registered here (reviews/apps.py imports
this module).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.models import Deadline, DeadlineStatus, Partnership
from cases.permissions import Action
from cases.tenancy import Scope
from cases.timescales import add_months
from rapidreview import meeting_business
from rapidreview.models import CrgMeeting
from reviews import workspace
from reviews.models import Delay, DelayNotice, Lcspr
from reviews.rules import (
    notice_due,
    plural,
    six_month_at_risk,
    six_month_at_risk_q,
    six_month_deadline,
)

TASK_URL = "lcspr_clock"


def months_left(today: date, due: date) -> int:
    """Whole calendar months from today to the due date (0 when under a month)."""
    months = 0
    while add_months(today, months + 1) <= due:
        months += 1
    return months


@dataclass(frozen=True)
class Clock:
    """The six-month date as people read it."""

    deadline: Deadline | None
    state: str  # as the Deadlines tab: open, due soon, due today, overdue, met, missed...
    label: str  # "84 working days left", "Met on ...", ...
    months_left: int | None
    tag_colour: str

    @property
    def due_on(self) -> date | None:
        return self.deadline.due_date if self.deadline else None

    @property
    def expected_on(self) -> date | None:
        return self.deadline.expected_date if self.deadline else None

    @property
    def passed_unmet(self) -> bool:
        return self.state in {"overdue", "missed"}


def clock(lcspr: Lcspr, *, today: date | None = None) -> Clock:
    """The `lcspr_complete` date, its status and the working days and months left, in
    the partnership's working calendar."""
    today = today or timezone.localdate()
    deadline = six_month_deadline(lcspr)
    if deadline is None:
        return Clock(None, "none", "Not scheduled", None, "grey")
    [view] = case_selectors.deadline_views(deadlines=[deadline], today=today)
    months = (
        months_left(today, deadline.due_date)
        if deadline.status == DeadlineStatus.OPEN and deadline.due_date > today
        else None
    )
    return Clock(deadline, view.state, view.label, months, view.tag_colour)


def delays(lcspr: Lcspr) -> QuerySet[Delay]:
    """The review's delays, oldest first, each with its meeting and its notices."""
    partnership = lcspr.case.partnership
    return (
        Delay.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .select_related("crg_meeting", "recorded_by", "crg_recorded_by")
        .prefetch_related(
            Prefetch(
                "notices",
                queryset=DelayNotice.objects.for_partnership(partnership).select_related("sent_by"),
            )
        )
    )


def delay_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> Delay:
    """One delay of this review the scope may see; 404 otherwise."""
    delay = (
        Delay.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("lcspr__case__partnership", "crg_meeting")
        .first()
    )
    if delay is None:
        raise Http404("No such delay.")
    return delay


def notice_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> DelayNotice:
    notice = (
        DelayNotice.objects.visible_to(scope)
        .filter(delay__lcspr=lcspr, pk=pk)
        .select_related("delay__lcspr__case__partnership")
        .first()
    )
    if notice is None:
        raise Http404("No such notice.")
    return notice


def notices(lcspr: Lcspr) -> QuerySet[DelayNotice]:
    """The notices sent for the review's delays (§3.1.3), oldest first."""
    return (
        DelayNotice.objects.for_partnership(lcspr.case.partnership)
        .filter(delay__lcspr=lcspr)
        .select_related("sent_by", "delay")
    )


def sent_dates(delay: Delay) -> list[date]:
    """The revised dates the notices of this delay were sent with."""
    return [notice.revised_expected_on for notice in delay.notices.all()]


def delay_notice_due(delay: Delay) -> bool:
    return notice_due(delay, sent_dates(delay))


def delay_notices_sent(lcspr: Lcspr) -> list[date]:
    """The dates the notices of the review's delays were sent (for the API's
    `delay_notices`), oldest first."""
    return [timezone.localdate(n.sent_at) for n in notices(lcspr)]


def at_risk(lcspr: Lcspr, *, today: date | None = None) -> bool:
    """Whether the six-month date is at risk (`reviews.rules.six_month_at_risk`)."""
    return six_month_at_risk(
        delays=Delay.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr),
        deadline=six_month_deadline(lcspr),
        today=today or timezone.localdate(),
    )


def at_risk_filter(
    lcsprs: QuerySet[Lcspr], *, at_risk: bool = True, today: date | None = None
) -> QuerySet[Lcspr]:
    """The same rule (`reviews.rules.six_month_at_risk_q`) as a filter of a scoped
    queryset of LCSPRs, for the API's list. It reads the delays and the six-month deadline
    through the LCSPRs' own relations, so the scope of `lcsprs` is the scope of every row
    it looks at."""
    risky = lcsprs.filter(six_month_at_risk_q(today or timezone.localdate())).values("pk")
    return lcsprs.filter(pk__in=risky) if at_risk else lcsprs.exclude(pk__in=risky)


def notice_addresses(partnership: Partnership) -> dict:
    """Where the notice goes (§3.1.3): the partnership's configured addresses, and which
    are missing (named so that the page can say who sets them)."""
    addresses = {
        "National Panel": partnership.national_panel_email,
        "Secretary of State": partnership.secretary_of_state_email,
    }
    return {
        "to": sorted({a for a in addresses.values() if a}),
        "missing": [who for who, address in addresses.items() if not address],
    }


def meetings_for_delay(*, scope: Scope, delay: Delay) -> list[CrgMeeting]:
    """The CRG meetings a delay can be put to (§3.1.3): the calendar's meetings, not
    cancelled, from the day it arose on."""
    meetings = CrgMeeting.objects.visible_to(scope).filter(
        held_on__gte=delay.arose_on, cancelled_at__isnull=True
    )
    return [m for m in meetings.order_by("held_on", "starts_at", "id") if m.takes_place]


# --- The LCSPR page, CRG meetings and the dashboard ------------------------------------


def _clock_status(lcspr: Lcspr) -> workspace.TaskStatus:
    """On track / Delay to consider / Notice to send / Notice sent on ... (§3.1.3)."""
    the_clock = clock(lcspr)
    rows = list(delays(lcspr))
    to_do = [
        hint
        for hint, pending in (
            ("Delay to consider", any(not d.is_considered for d in rows)),
            ("Notice to send", any(delay_notice_due(d) for d in rows)),
        )
        if pending
    ]
    if to_do:
        return workspace.TaskStatus(workspace.TaskState.ATTENTION, "; ".join(to_do))
    if the_clock.state == "met":
        return workspace.TaskStatus(workspace.TaskState.COMPLETED, the_clock.label)
    if the_clock.passed_unmet:
        return workspace.TaskStatus(
            workspace.TaskState.ATTENTION, "The six-month date has passed (§3.1.2)"
        )
    sent = [n.sent_at for d in rows for n in d.notices.all()]
    if sent:
        last = format_date(timezone.localdate(max(sent)))
        return workspace.TaskStatus(workspace.TaskState.IN_PROGRESS, f"Notice sent on {last}")
    return workspace.TaskStatus(workspace.TaskState.IN_PROGRESS, "On track")


workspace.register(
    workspace.Task(
        order=60,
        key="clock",
        title="The six-month clock",
        url_name=TASK_URL,
        status=_clock_status,
    )
)


def clock_hint(the_clock: Clock) -> str:
    """ "84 working days left (4 months)", or the status once met or passed."""
    if the_clock.months_left is None:
        return the_clock.label
    return f"{the_clock.label} ({plural(the_clock.months_left, 'month')})"


@workspace.register_summary
def _clock_summary(lcspr: Lcspr) -> list[workspace.SummaryRow]:
    the_clock = clock(lcspr)
    if the_clock.deadline is None:
        return [workspace.SummaryRow(60, "Six-month date (§3.1.2)", "Not scheduled")]
    rows = [
        workspace.SummaryRow(
            60,
            "Six-month date (§3.1.2)",
            format_date(the_clock.due_on, weekday=True),
            clock_hint(the_clock),
        )
    ]
    if the_clock.expected_on:
        rows.append(
            workspace.SummaryRow(
                61,
                "Revised expected date (§3.1.3)",
                format_date(the_clock.expected_on, weekday=True),
                "After a delay; the six-month date itself does not move.",
            )
        )
    return rows


@meeting_business.register
def _delays_at_meeting(meeting: CrgMeeting, scope: Scope) -> list[meeting_business.BusinessItem]:
    """The delays put to this CRG meeting for its consideration (§3.1.3)."""
    rows = (
        Delay.objects.visible_to(scope)
        .filter(crg_meeting=meeting)
        .select_related("lcspr__case")
        .order_by("arose_on", "id")
    )
    return [
        meeting_business.BusinessItem(
            case_reference=d.lcspr.case.reference,
            title=f"Consider a delay to the LCSPR that arose on {format_date(d.arose_on)} (§3.1.3)",
            url=reverse(TASK_URL, kwargs={"reference": d.lcspr.case.reference}),
            decided=d.is_considered,
        )
        for d in rows
    ]


@register_work
def _clock_work(scope: Scope) -> list[WorkItem]:
    """For the Business Office and the chair: delays to put to (or minute from) the CRG,
    and notices to send (§3.1.3)."""
    if not scope.can(Action.MANAGE_REVIEW):
        return []
    rows = (
        Delay.objects.visible_to(scope)
        .select_related("lcspr__case", "crg_meeting")
        .prefetch_related("notices")
        .order_by("arose_on", "id")
    )
    items = []
    for d in rows:
        reference = d.lcspr.case.reference
        url = reverse(TASK_URL, kwargs={"reference": reference})
        if delay_notice_due(d):
            items.append(
                WorkItem(
                    reference,
                    "Send the notice of the LCSPR's delay to the National Panel and the "
                    "Secretary of State (§3.1.3)",
                    url,
                )
            )
        if d.crg_meeting_id is None:
            items.append(WorkItem(reference, "Put the LCSPR's delay to the CRG (§3.1.3)", url))
        elif not d.is_considered:
            items.append(
                WorkItem(
                    reference,
                    "Record the CRG's consideration of the LCSPR's delay (§3.1.3)",
                    url,
                    due_on=d.crg_meeting.held_on,
                )
            )
    return items
