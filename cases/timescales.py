"""The statutory timescales: one declarative table, each row citing its framework paragraph.

Nothing else in the code holds a timescale. A row whose offset is a local
variant reads it from the partnership's `offset_field`, and does not apply to a
partnership that leaves it empty (never a check of the partnership's slug).

A path the framework gives no timescale has no row, so no deadline is shown for it:
the CRG's consideration of a looked-after child's or care leaver's death notified to
the Secretary of State and Ofsted (§1.3.5). If the CRG finds the serious-incident
criteria apply, the Rapid Review's rows run from its decision, when the partnership
became aware of a serious incident (§4.2.2).
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from cases.dates import format_date
from cases.workdays import SATURDAY, SUNDAY, NonWorkingDay, WorkingCalendar

ONE_DAY = timedelta(days=1)
WEEKEND = (SATURDAY, SUNDAY)


class Event(StrEnum):
    NOTIFICATION_RECEIVED = "notification_received"
    REFERRAL_RECEIVED = "referral_received"
    LCSPR_DECISION = "lcspr_decision"
    PUBLICATION_PLANNED = "publication_planned"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    Event.NOTIFICATION_RECEIVED: "Local Authority notification received",
    Event.REFERRAL_RECEIVED: "Referral received",
    Event.LCSPR_DECISION: "Decision to hold an LCSPR",
    Event.PUBLICATION_PLANNED: "Planned publication date",
    Event.PUBLISHED: "Report published",
}


class Unit(StrEnum):
    WORKING_DAYS = "working days"
    CALENDAR_MONTHS = "calendar months"


class Direction(StrEnum):
    NO_LATER_THAN = "no later than"  # a non-working day moves back
    NOT_BEFORE = "not before"  # a non-working day moves forward


@dataclass(frozen=True)
class Timescale:
    kind: str
    title: str
    event: Event
    offset: int | None  # negative counts back from the event
    unit: Unit
    direction: Direction
    seed: str
    offset_field: str | None = None  # a Partnership field holding the offset
    # Paragraphs quoted where "how this date was worked out" needs them (a conflict).
    quotes: tuple[str, ...] = ()

    def offset_for(self, partnership) -> int | None:
        return getattr(partnership, self.offset_field) if self.offset_field else self.offset

    def applies_to(self, partnership) -> bool:
        return self.offset_for(partnership) is not None


TIMESCALES: tuple[Timescale, ...] = (
    Timescale(
        kind="information_request_sent",
        title="Information requests sent to agencies",
        event=Event.NOTIFICATION_RECEIVED,
        offset=None,
        offset_field="information_request_working_days",
        unit=Unit.WORKING_DAYS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.3.3",
    ),
    Timescale(
        kind="rapid_review_meeting_earliest",
        title="Rapid Review meeting: earliest date",
        event=Event.NOTIFICATION_RECEIVED,
        offset=7,
        unit=Unit.WORKING_DAYS,
        direction=Direction.NOT_BEFORE,
        seed="§4.4.2",
    ),
    Timescale(
        kind="rapid_review_meeting_latest",
        title="Rapid Review meeting: latest date",
        event=Event.NOTIFICATION_RECEIVED,
        offset=13,
        unit=Unit.WORKING_DAYS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.4.2",
    ),
    Timescale(
        kind="rapid_review_complete",
        title="Rapid Review complete and sent to the National Panel",
        event=Event.NOTIFICATION_RECEIVED,
        offset=15,
        unit=Unit.WORKING_DAYS,
        direction=Direction.NO_LATER_THAN,
        seed="§3.1.2, §4.2.2",
    ),
    Timescale(
        kind="decision_notified",
        title="Decision notified to the National Panel",
        event=Event.NOTIFICATION_RECEIVED,
        offset=15,
        unit=Unit.WORKING_DAYS,
        direction=Direction.NO_LATER_THAN,
        seed="§1.6.3, §4.8.1",
    ),
    Timescale(
        kind="referral_shared_with_local_authority",
        title="Referral shared with the Local Authority's CRG representative",
        event=Event.REFERRAL_RECEIVED,
        offset=1,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.9, §4.1.6",
    ),
    Timescale(
        kind="referral_first_discussion",
        title="Referral discussed at a CRG meeting",
        event=Event.REFERRAL_RECEIVED,
        offset=1,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.9",
    ),
    Timescale(
        kind="referral_information_request_sent",
        title="Information Request Letter sent to agencies, if the CRG asks for it",
        event=Event.REFERRAL_RECEIVED,
        offset=1,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.9",
    ),
    Timescale(
        kind="referral_decision",
        title="Decision on the referral",
        event=Event.REFERRAL_RECEIVED,
        offset=2,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§4.9",
        quotes=(
            "§3.1.2: “A Rapid Review and decision on all referrals should be made within the "
            "timescales outlined in guidance from the national Child Safeguarding Practice "
            "Review Panel (currently within 15 working days)”.",
            "§4.9, a referral with no Local Authority notification: “Within two months of "
            "receiving the referral […] At the next scheduled Case Review Group meeting, the "
            "group considers the case as a potential Local Child Safeguarding Practice "
            "Review”.",
            "The two disagree for a referral with no notification; this date follows §4.9, "
            "the path written for it, and the decision is taken at the next scheduled CRG "
            "meeting after the first discussion.",
        ),
    ),
    Timescale(
        kind="referral_decision_notified",
        title="Decision on the referral notified to the National Panel",
        event=Event.REFERRAL_RECEIVED,
        offset=2,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§1.6.3, §4.9",
    ),
    Timescale(
        kind="lcspr_complete",
        title="LCSPR complete",
        event=Event.LCSPR_DECISION,
        offset=6,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NO_LATER_THAN,
        seed="§3.1.2",
    ),
    Timescale(
        kind="report_sent_to_national_panel",
        title="Final report sent to the National Panel, Ofsted and DfE",
        event=Event.PUBLICATION_PLANNED,
        offset=-7,
        unit=Unit.WORKING_DAYS,
        direction=Direction.NO_LATER_THAN,
        seed="§10.5.1",
    ),
    Timescale(
        kind="publication_available_until",
        title="Report published for at least a year (earliest take-down)",
        event=Event.PUBLISHED,
        offset=12,
        unit=Unit.CALENDAR_MONTHS,
        direction=Direction.NOT_BEFORE,
        seed="§10.5.2",
    ),
)
TIMESCALES_BY_KIND = {t.kind: t for t in TIMESCALES}


def add_months(day: date, months: int) -> date:
    """The same day of the month, `months` later, clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Working:
    """How a date was worked out, for people to check."""

    timescale: Timescale
    start: date
    offset: int
    counted_to: date  # before moving off a non-working day
    due: date
    skipped: list[NonWorkingDay]

    @property
    def moved(self) -> bool:
        return self.counted_to != self.due

    def explanation(self) -> str:
        t = self.timescale
        sign = "after" if self.offset >= 0 else "before"
        text = f"{abs(self.offset)} {t.unit} {sign} {format_date(self.start, weekday=True)}"
        if self.moved:
            way = "back" if t.direction == Direction.NO_LATER_THAN else "forward"
            counted_to = format_date(self.counted_to, weekday=True)
            text += f"; {counted_to} is not a working day, so moved {way}"
        return f"{text} ({t.direction}, {t.seed})"

    @property
    def skipped_heading(self) -> str:
        return "Moved past" if self.moved else "Not counted"

    @property
    def skipped_lines(self) -> list[str]:
        """Bank holidays (by the `holidays` package's names) and closure days by name and
        date, then weekend days as a count: a holiday on a weekend is a weekend day."""
        named = [
            f"{d.reason}, {format_date(d.day, weekday=True)}"
            for d in self.skipped
            if d.day.weekday() not in WEEKEND
        ]
        weekend = len(self.skipped) - len(named)
        if weekend:
            named.append(f"{weekend} weekend day{'' if weekend == 1 else 's'}")
        return named


def work_out(timescale: Timescale, partnership, start: date, cal: WorkingCalendar) -> Working:
    offset = timescale.offset_for(partnership)
    if timescale.unit == Unit.WORKING_DAYS:
        # A working day by construction, unless the offset is 0 (day 0 is any day).
        counted_to = cal.add(start, offset) if offset >= 0 else cal.subtract(start, -offset)
    else:
        counted_to = add_months(start, offset)
    if timescale.direction == Direction.NO_LATER_THAN:
        due = cal.previous_working_day(counted_to)
    else:
        due = cal.next_working_day(counted_to)
    if timescale.unit == Unit.WORKING_DAYS and counted_to == due:
        skipped = cal.non_working_days(start, counted_to)
    else:  # the non-working days the date moved across, if it moved
        low, high = min(counted_to, due), max(counted_to, due)
        skipped = cal.non_working_days(low - ONE_DAY, high + ONE_DAY) if low != high else []
    return Working(timescale, start, offset, counted_to, due, skipped)


# Earliest dates ("not before") are shown with the others but are not duties that
# can be missed, so dashboards and reminders leave them out.
NOT_DUTIES = frozenset(t.kind for t in TIMESCALES if t.direction == Direction.NOT_BEFORE)

# §1.6.3: every decision about commissioning an LCSPR is notified to the National Panel,
# so a case does not close while one of these is open.
DECISION_NOTIFIED = frozenset({"decision_notified", "referral_decision_notified"})

# Timescales that open a window with another: the window's first day is stored on
# the deadline of its last day (§4.4.2).
WINDOW_STARTS = {"rapid_review_meeting_latest": "rapid_review_meeting_earliest"}


def timescales_for(partnership, event: Event, start: date, cal: WorkingCalendar) -> list[Working]:
    """Every timescale the event starts for this partnership, worked out."""
    return [
        work_out(t, partnership, start, cal)
        for t in TIMESCALES
        if t.event == event and t.applies_to(partnership)
    ]
