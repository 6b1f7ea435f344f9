"""The demo's history (issue 17): each partnership's cases of the two financial years before
the current one and of the current one so far, so that every reporting chart has shape.

Each history case is one `Story`: a notification and its Rapid Review, a referral decided
at a monthly CRG meeting, a referral the Local Authority then notified, a referral found
to raise learning outside a review, or a care leaver's death the CRG considered. Every
step is the product's own service run on the past day it happened (`demo_clock`), so the
deadline engine decides what was met and what was missed: the meeting held outside its
7-13 working-day window (§4.4.2), a report sent after the 15 working days (§3.1.2), a
decision notified late (§1.6.3), a referral decided after its two months (§4.9), requests
sent after L&R's two working days (§4.3.3), replies late or never given and escalated
(§2.1.7). A decision to proceed opens its LCSPR, whose key themes are coded from the
partnership's list (§8.8.1), "Neglect" in three of them, with a finding and an agreed
recommendation; the review then completes, as the demo's own reviews at publication
show in full (§10), its action plan's one action is closed on evidence (§11) and its
case closes.

A few steps are written directly, where the service costs the seed too much (each of
these about a second a story on a loaded machine) for what the history needs, and none
decides a deadline by itself: the Rapid Review Report's sending records its date and
completes `rapid_review_complete` through the engine, but keeps no PDF; an LCSPR's
completion completes `lcspr_complete` through the engine without the publication story;
the meeting's record and sections 2 and 3 of the Combined Summary are written together
before the decision, whose recording and sign-off are the services'; and replies that
came by email are entered for the agencies together, each with its original. The Police
reply through their portal user, as in the demo's own stories.

The stories are a fixed table, the same every run: the history is made once per
partnership, and a second run, which finds it, adds nothing. Children's names are
invented (HISTORY_NAME_PARTS) and only ever in the restricted file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from cases import selectors, services
from cases.management.demo_clock import demo_clock, real_today
from cases.models import (
    AbuseOrNeglect,
    Agency,
    Attachment,
    CareStatus,
    Case,
    Child,
    ChildRole,
    CombinedSummary,
    Criterion,
    Deadline,
    DeadlineStatus,
    EscalationCause,
    IncidentKind,
    InformationRequest,
    Involvement,
    Partnership,
    Referral,
    RequestStatus,
    Stage,
    User,
)
from cases.services import ChildDetails, NotificationDetails, ReferralDetails, ReplyDetails
from cases.services.information_request import REPLY_FIELDS
from cases.tenancy import Scope

# The subject child's local authority reference of every history case begins with this:
# how the history is found again (and so made once).
HISTORY_REFERENCE = "DEMO-H"

NOTIFIED = "notified"  # a Local Authority notification and its Rapid Review (§4.1.4)
CONVERTED = "converted"  # a referral, then the Local Authority's notification (§4.1.6)
REFERRAL = "referral"  # a referral decided at a monthly CRG meeting (§4.9)
LEARNING_OUTSIDE = "learning_outside"  # not a serious case, but learning (§1.4.5)
CARE_LEAVER = "care_leaver"  # a care leaver's death, which the CRG considers (§1.3.5)


@dataclass(frozen=True)
class Story:
    """One history case. `slot` is its month in the financial year (0 is April), before
    each partnership's own turn of the months (`PARTNERSHIP_TURN`); days are working days
    after the notification unless they say otherwise."""

    slot: int
    day: int  # of the month (a referral's before the month's CRG meeting: 1-7)
    path: str = NOTIFIED
    death: bool = False
    looked_after: bool = False
    meeting_after: int = 10  # the Rapid Review meeting: 7-13 is inside the window (§4.4.2)
    report_after: int = 13  # the report sent: 15 is the last day (§3.1.2)
    notified_after: int = 0  # the decision notified, 0 with the report but by day 15 (§1.6.3)
    proceed: bool = False
    requests_after: int = 0  # the requests sent: L&R's limit is 2 (§4.3.3)
    late: str = ""  # the agency whose reply comes after its date: "police" or "trust"
    unanswered: int = 0  # the trust never replies: the escalation steps taken (§2.1.7)
    decided_at: int = 2  # a referral: the monthly meeting after it that decides (3 is late)
    themes: tuple[str, ...] = ()  # an LCSPR's key themes, codes of the partnership's list
    completed_after: int = 0  # calendar days from the decision to the LCSPR's completion
    learning: bool = True  # a care leaver's death: learning taken forward, or nothing more

    @property
    def notified_day(self) -> int:
        return self.notified_after or min(self.report_after, 15)


# The key themes of each history LCSPR, in the order they are decided (§8.8.1): "neglect"
# recurs in three of each partnership's four.
LCSPR_THEMES = (
    ("neglect", "parental-substance-misuse"),
    ("neglect", "information-sharing"),
    ("domestic-abuse", "neglect"),
    ("information-sharing", "voice-of-the-child"),
)
THEME_TITLES = {
    "neglect": ("Neglect that built up over time", "How agencies saw the child's needs go unmet."),
    "parental-substance-misuse": (
        "A parent's drinking",
        "What agencies knew of a parent's alcohol use and how it shaped their care.",
    ),
    "information-sharing": (
        "Sharing what each agency knew",
        "Why what one agency knew did not reach the others.",
    ),
    "domestic-abuse": (
        "Abuse between the adults",
        "How the risk from a parent's partner was seen.",
    ),
    "voice-of-the-child": (
        "The child's own voice",
        "Whether anyone asked the child what life at home was like.",
    ),
}


def year_stories(year: int) -> list[Story]:
    """One financial year's stories: `year` 0 is the one two before the current, 2 the
    current one, whose decisions to proceed would still be under way (the demo's own
    reviews are those), so none proceeds. Each year has its misses; one decision is
    notified late (year 1) and two referrals are decided late (years 0 and 1)."""
    past = year < 2
    themes = (LCSPR_THEMES[2 * year], LCSPR_THEMES[2 * year + 1]) if past else ((), ())
    return [
        Story(0, 6, report_after=12, late="trust"),
        Story(1, 14, death=True, proceed=past, themes=themes[0], completed_after=170),
        Story(2, 3, path=LEARNING_OUTSIDE if year == 1 else REFERRAL),
        Story(3, 20, meeting_after=15, report_after=17),
        Story(4, 3, meeting_after=8, requests_after=3, unanswered=2 if year == 1 else 1),
        Story(
            5, 17, death=True, looked_after=True, meeting_after=11, report_after=15, late="police"
        ),
        Story(6, 2, path=CONVERTED),
        Story(
            7,
            22,
            meeting_after=7,
            report_after=10,
            proceed=past,
            themes=themes[1],
            completed_after=215,
            late="trust",
        ),
        Story(8, 12, path=CARE_LEAVER, learning=year > 0),
        Story(9, 5, meeting_after=13, report_after=19, notified_after=17 if year == 1 else 0),
        Story(10, 4, path=REFERRAL, decided_at=3 if past else 2),
        Story(10, 24, meeting_after=9, report_after=11, requests_after=1),
        Story(11, 15, meeting_after=12, report_after=14),
    ]


# Each partnership's year turned by this many months, so that their charts differ.
PARTNERSHIP_TURN = {"leicester": 0, "leicestershire-rutland": 5}

# Invented names, so that tests can prove they never reach a log, an email or a URL.
HISTORY_FIRST_NAMES = (
    "Elowen",
    "Caspian",
    "Briar",
    "Orrin",
    "Saffi",
    "Tobiah",
    "Marlowe",
    "Isolde",
    "Fennick",
    "Peregrine",
    "Liesl",
    "Ottilie",
    "Rafferty",
    "Sunniva",
    "Teodor",
    "Wilhelmina",
    "Aurelio",
    "Bryony",
    "Cosima",
    "Dashiell",
)
HISTORY_SURNAMES = (
    "Demo-Ashdown",
    "Demo-Brackley",
    "Demo-Carrow",
    "Demo-Dunmore",
    "Demo-Eskdale",
    "Demo-Fairlie",
    "Demo-Garside",
    "Demo-Hebden",
    "Demo-Kilburn",
    "Demo-Lydgate",
    "Demo-Morland",
    "Demo-Penrith",
)
HISTORY_NAME_PARTS = HISTORY_FIRST_NAMES + HISTORY_SURNAMES

HARM_SUMMARIES = (
    "Child A, aged {age}, was admitted to hospital with injuries the family could not "
    "explain; agencies had known the family for a year.",
    "Child A, aged {age}, was seriously injured at home; a parent's drinking had worried "
    "the school.",
    "Child A, aged {age}, was found with burns that had not been treated; health "
    "appointments had been missed.",
    "Child A, aged {age}, was seriously harmed by a parent's partner who had recently moved in.",
    "Child A, aged {age}, went missing and was found seriously hurt; exploitation was suspected.",
)
DEATH_SUMMARY = "Child A, aged {age}, died at home; neglect is suspected."
LOOKED_AFTER_SUMMARY = (
    "Child A, aged {age} and looked after by the Local Authority, died; abuse by an adult "
    "in the placement is suspected."
)
CARE_LEAVER_SUMMARY = (
    "A care leaver, aged 19, died in supported accommodation; no abuse or neglect is known."
)
REFERRAL_SUMMARY = (
    "Child A, aged {age}, was seriously harmed; the health trust asks whether agencies "
    "worked together well before it."
)
AGES = (1, 4, 9, 14, 2, 7, 15, 3, 11, 6, 13, 5, 8)


@dataclass
class Cast:
    """The people and agencies the history's stories need: the demo's own."""

    office: User
    chair: User
    police_member: User  # the Police's representative on the CRG (§4.6.1)
    la_member: User  # the Local Authority's
    police_portal: User
    police: Agency
    local_authority: Agency
    trust: Agency
    referrer: Agency


@dataclass
class Planned:
    """A story placed on its days: each event (day, step) runs as on its day, in order."""

    story: Story
    received_on: date
    events: list = field(default_factory=list)
    state: dict = field(default_factory=dict)

    @property
    def last_day(self) -> date:
        return max(day for day, _ in self.events)


def history_exists(partnership: Partnership) -> bool:
    return (
        Child.objects.for_partnership(partnership)
        .filter(local_authority_reference__startswith=HISTORY_REFERENCE)
        .exists()
    )


def history_cases(partnership: Partnership):
    """The partnership's history cases."""
    return Case.objects.for_partnership(partnership).filter(
        pk__in=Child.objects.for_partnership(partnership)
        .filter(local_authority_reference__startswith=HISTORY_REFERENCE)
        .values("case_id")
    )


def financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def monthly_meeting_day(year: int, month: int) -> date:
    """The history's monthly CRG meeting (§4.4.1): the second Wednesday of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(2 - first.weekday()) % 7 + 7)


def monthly_meetings_after(day: date, count: int) -> list[date]:
    """The next `count` monthly meeting days strictly after `day`."""
    found, year, month = [], day.year, day.month
    while len(found) < count:
        held = monthly_meeting_day(year, month)
        if held > day:
            found.append(held)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


class History:
    """One partnership's history: `plan` places the stories on their days, `make` tells
    each through the services, event by event, as on its day."""

    def __init__(self, partnership: Partnership, cast: Cast | None):
        self.partnership = partnership
        self.cast = cast
        self.cal = selectors.working_calendar(partnership=partnership)
        self.codes: dict = {}

    # --- The plan -------------------------------------------------------------------------

    def plan(self, today: date) -> list[Planned]:
        """Every story of the three financial years whose last step is before `today`,
        in the order received."""
        turn = PARTNERSHIP_TURN.get(self.partnership.slug, 0)
        first_year = financial_year_start(today).year - 2
        planned = []
        for year in range(3):
            for story in year_stories(year):
                month = 3 + (story.slot + turn) % 12  # months from January; April is 3
                day = story.day + (turn % 3 if story.path in (NOTIFIED, CARE_LEAVER) else 0)
                received_on = date(first_year + year + month // 12, month % 12 + 1, day)
                item = Planned(story, received_on)
                item.events = self._events(item)
                if item.last_day < today:
                    planned.append(item)
        planned.sort(key=lambda item: item.received_on)
        for index, item in enumerate(planned):
            item.state["index"] = index
        return planned

    def _events(self, item: Planned) -> list:
        story, received_on, state = item.story, item.received_on, item.state
        if story.path == NOTIFIED:
            return [
                (received_on, lambda: self._notification_open(item, received_on)),
                *self._rapid_review(item, received_on),
            ]
        if story.path == CONVERTED:
            notified_on = self.cal.add(received_on, 4)
            return [
                (received_on, lambda: self._referral_open(item)),
                (notified_on, lambda: self._converted(item, notified_on)),
                *self._rapid_review(item, notified_on),
            ]
        first, *later = monthly_meetings_after(received_on, max(story.decided_at, 1))
        if story.path == CARE_LEAVER:
            return [
                (received_on, lambda: self._care_leaver_open(item, first)),
                (first, lambda: self._care_death_decided(item, first)),
            ]
        if story.path == LEARNING_OUTSIDE:
            notified_on = self.cal.add(first, 2)
            return [
                (received_on, lambda: self._referral_open(item, meetings=[first])),
                (notified_on, lambda: self._learning_outside(item, first, notified_on)),
            ]
        deciding = later[-1]
        reply_due = self.cal.add(first, 10)
        return [
            (received_on, lambda: self._referral_open(item, meetings=[first, *later])),
            (first, lambda: self._referral_discussed(item, first, deciding, reply_due)),
            (self.cal.subtract(reply_due, 2), lambda: self._replies(state, late="")),
            (deciding, lambda: self._decided(item, proceed=False)),
            (self.cal.add(deciding, 2), lambda: self._notified(state)),
        ]

    def _rapid_review(self, item: Planned, notified_on: date) -> list:
        """A Rapid Review from the notification on `notified_on`: the requests and their
        replies, the meeting and its decision, the report and the decision notified, and
        an LCSPR's key themes, finding and completion."""
        story, state, cal = item.story, item.state, self.cal
        sent_on = cal.add(notified_on, story.requests_after)
        # The letter's date: a working day before the earliest meeting (§4.4.2).
        due = max(min(cal.add(sent_on, 5), cal.add(notified_on, 6)), cal.add(sent_on, 1))
        held_on = cal.add(notified_on, story.meeting_after)
        state["unanswered"] = bool(story.unanswered)
        events = [
            (sent_on, lambda: self._requests_sent(state, due)),
            (cal.subtract(due, 1), lambda: self._replies(state, late=story.late, skip=True)),
        ]
        if story.late:
            events.append((cal.add(due, 2), lambda: self._replies(state, late="", only=story.late)))
        for step in range(story.unanswered):
            on = cal.add(due, 1 + 5 * step)
            events.append((on, lambda on=on: self._escalated(state, on)))
        events += [
            (held_on, lambda: self._decided(item, proceed=story.proceed)),
            (cal.add(notified_on, story.report_after), lambda: self._report_sent(state)),
            (cal.add(notified_on, story.notified_day), lambda: self._notified(state)),
        ]
        if story.proceed:
            completed_on = held_on + timedelta(days=story.completed_after)
            # The action is closed in time, or (a review that ran late) late too.
            closed_after = 110 if story.completed_after <= 180 else 130
            events += [
                (held_on + timedelta(days=35), lambda: self._themes(state, story.themes)),
                (completed_on - timedelta(days=20), lambda: self._plan_made(state, completed_on)),
                (completed_on, lambda: self._completed(state)),
                (completed_on + timedelta(days=closed_after), lambda: self._action_done(state)),
            ]
        return events

    # --- Making it ------------------------------------------------------------------------

    def make(self, today: date) -> int:
        """The history, once: returns the number of cases opened."""
        from reviews import services as review_services
        from reviews.models import ThemeCode

        review_services.starting_themes_give(self.partnership)  # the list every one has
        self.codes = {
            theme.code: theme
            for theme in ThemeCode.objects.for_partnership(self.partnership).filter(is_active=True)
        }
        planned = self.plan(today)
        for item in planned:
            for day, step in sorted(item.events, key=lambda event: event[0]):
                with demo_clock(day):
                    step()
        self._notices_stamped()
        return len(planned)

    def _notices_stamped(self) -> None:
        """The history's notices went at the time: the office's new-case email and the
        agencies' request emails are not sent again now (their tasks find them sent)."""
        cases = history_cases(self.partnership).values("pk")
        opened = list(Case.objects.for_partnership(self.partnership).filter(pk__in=cases))
        for case in opened:
            case.opened_notice_sent_at = case.created_at
        _saved_with_history(opened, ["opened_notice_sent_at"], "Demo history: told at the time")
        requests = list(
            InformationRequest.objects.for_partnership(self.partnership).filter(
                case__in=cases, email_sent_at__isnull=True
            )
        )
        for request in requests:
            request.email_sent_at = request.sent_at
        _saved_with_history(requests, ["email_sent_at"], "Demo history: emailed at the time")

    # --- Intake (§4.1) --------------------------------------------------------------------

    def _child(self, item: Planned) -> ChildDetails:
        index = item.state["index"]
        turn = PARTNERSHIP_TURN.get(self.partnership.slug, 0)
        first = HISTORY_FIRST_NAMES[index % len(HISTORY_FIRST_NAMES)]
        surname = HISTORY_SURNAMES[(index + turn) % len(HISTORY_SURNAMES)]
        age = self._age(item)
        return ChildDetails(
            role=ChildRole.SUBJECT,
            local_authority_reference=(
                f"{HISTORY_REFERENCE}-{self.partnership.reference_prefix}-{index + 1:03d}"
            ),
            name=f"{first} {surname}",
            date_of_birth=item.received_on - timedelta(days=365 * age + 40),
        )

    def _age(self, item: Planned) -> int:
        if item.story.path == CARE_LEAVER:
            return 19
        return AGES[item.state["index"] % len(AGES)]

    def _summary(self, item: Planned) -> str:
        story, age = item.story, self._age(item)
        if story.path == CARE_LEAVER:
            return CARE_LEAVER_SUMMARY
        if story.looked_after:
            return LOOKED_AFTER_SUMMARY.format(age=age)
        if story.death:
            return DEATH_SUMMARY.format(age=age)
        if story.path != NOTIFIED:
            return REFERRAL_SUMMARY.format(age=age)
        return HARM_SUMMARIES[item.state["index"] % len(HARM_SUMMARIES)].format(age=age)

    def _details(self, item: Planned, received_on: date) -> NotificationDetails:
        story = item.story
        looked_after = story.looked_after
        return NotificationDetails(
            received_on=received_on,
            summary=self._summary(item),
            notifying_authority=self.cast.local_authority,
            notified_national_panel_on=received_on,
            incident_kind=IncidentKind.DEATH if story.death else IncidentKind.SERIOUS_HARM,
            abuse_or_neglect=AbuseOrNeglect.SUSPECTED,
            incident_on=received_on - timedelta(days=1),
            # §1.3.5: a looked-after child's death has its own notifications.
            care_status=CareStatus.LOOKED_AFTER if looked_after else CareStatus.NEITHER,
            secretary_of_state_notified_on=received_on if looked_after else None,
            ofsted_notified_on=received_on if looked_after else None,
        )

    def _notification_open(self, item: Planned, received_on: date) -> None:
        item.state["case"] = services.notification_record(
            partnership=self.partnership,
            details=self._details(item, received_on),
            children=[self._child(item)],
            actor=self.cast.office,
            lead_officer=self.cast.office,
        )
        self._meeting_set(item, received_on)

    def _care_leaver_open(self, item: Planned, meeting_on: date) -> None:
        """§1.3.5: a care leaver of 19 died; notified to the Secretary of State and Ofsted,
        not the National Panel, and considered by the CRG at its next monthly meeting."""
        received_on = item.received_on
        self._monthly_meetings([meeting_on])
        item.state["case"] = services.notification_record(
            partnership=self.partnership,
            details=NotificationDetails(
                received_on=received_on,
                summary=self._summary(item),
                notifying_authority=self.cast.local_authority,
                incident_kind=IncidentKind.DEATH,
                abuse_or_neglect=AbuseOrNeglect.NOT_KNOWN,
                incident_on=received_on - timedelta(days=2),
                care_status=CareStatus.CARE_LEAVER,
                care_leaver_age=19,
                secretary_of_state_notified_on=received_on,
                ofsted_notified_on=received_on,
            ),
            children=[self._child(item)],
            actor=self.cast.office,
            lead_officer=self.cast.office,
        )

    def _care_death_decided(self, item: Planned, meeting_on: date) -> None:
        from rapidreview import services as rapid_review_services
        from rapidreview.models import CareDeathOutcome

        learning = item.story.learning
        rapid_review_services.care_death_decision_record(
            case=self._case(item.state),
            meeting=self._monthly(meeting_on),
            decided_on=meeting_on,
            outcome=CareDeathOutcome.LEARNING_OUTSIDE_REVIEW
            if learning
            else CareDeathOutcome.NO_FURTHER_ACTION,
            rationale="The accommodation provider's checks on residents are shared with "
            "the partnership's learning and improvement group."
            if learning
            else "The death was from natural causes; no learning for agencies was found.",
            actor=self.cast.office,
        )

    def _referral_open(self, item: Planned, meetings=()) -> None:
        self._monthly_meetings(meetings)
        item.state["case"] = services.referral_record(
            partnership=self.partnership,
            details=ReferralDetails(
                received_on=item.received_on,
                summary=self._summary(item),
                referring_agency=self.cast.referrer,
                referrer_name="Named nurse for safeguarding (demo)",
                criteria=(Criterion.AGENCIES_WORKING_TOGETHER, Criterion.IMPROVEMENTS),
                reasons="Several agencies knew of the family; the referrer asks whether they "
                "shared what they knew.",
            ),
            children=[self._child(item)],
            actor=self.cast.office,
            lead_officer=self.cast.office,
        )

    def _converted(self, item: Planned, notified_on: date) -> None:
        """§4.1.6: the Local Authority notified after the referral."""
        services.referral_convert(
            case=self._case(item.state),
            details=self._details(item, notified_on),
            actor=self.cast.office,
        )
        self._meeting_set(item, notified_on)

    def _referral(self, state) -> Referral:
        return Referral.objects.for_partnership(self.partnership).get(case=state["case"])

    def _referral_discussed(self, item, first, deciding, reply_due) -> None:
        """§4.1.6, §4.9: shared with the Local Authority's representative, discussed at
        the first monthly meeting, which asks the agencies for information; the deciding
        meeting set, after the two months if the story says so (with the reason)."""
        from rapidreview import services as rapid_review_services

        state = item.state
        referral = self._referral(state)
        services.referral_progress_record(
            referral=referral,
            actor=self.cast.office,
            shared_with_local_authority_on=self.cal.add(item.received_on, 2),
            local_authority_representative="Head of Safeguarding (demo)",
            first_crg_meeting_on=first,
            request_information=True,
            request_information_reason="The CRG needs the agencies' involvement to decide.",
            version=referral.version,
        )
        self._requests_sent(
            state, reply_due, agencies=[self.cast.police, self.cast.local_authority]
        )
        review = rapid_review_services.rapid_review_for(case=self._case(state))
        rapid_review_services.rapid_review_meeting_set(
            case=self._case(state),
            meeting=self._monthly(deciding),
            actor=self.cast.office,
            version=review.version,
            reason=""
            if item.story.decided_at < 3
            else "The Police's reply was needed first: the case could not be decided in time.",
        )

    def _learning_outside(self, item, meeting_on, notified_on) -> None:
        """§1.4.5: the CRG found the case is not a serious child safeguarding case but
        raises learning; the finding notified to the National Panel (§1.6.3)."""
        referral = self._referral(item.state)
        services.referral_progress_record(
            referral=referral,
            actor=self.cast.office,
            shared_with_local_authority_on=self.cal.add(item.received_on, 2),
            local_authority_representative="Head of Safeguarding (demo)",
            first_crg_meeting_on=meeting_on,
            request_information=None,
            request_information_reason="",
            version=referral.version,
            learning_outside_review_on=meeting_on,
            learning_outside_review_rationale="The harm was not caused by abuse or neglect; "
            "the learning on hospital discharge goes to the health sub-group.",
            learning_outside_review_notified_on=notified_on,
        )

    # --- The CRG calendar (§4.4.1) --------------------------------------------------------

    def _monthly(self, held_on: date):
        from rapidreview.models import CrgMeeting, MeetingKind

        return (
            CrgMeeting.objects.for_partnership(self.partnership)
            .filter(kind=MeetingKind.MONTHLY, held_on=held_on, cancelled_at__isnull=True)
            .order_by("id")
            .first()
        )

    def _monthly_meetings(self, days) -> None:
        """The monthly meetings on `days`, added to the calendar while ahead if missing."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import MeetingKind

        for held_on in days:
            if self._monthly(held_on) is None:
                rapid_review_services.crg_meeting_create(
                    partnership=self.partnership,
                    kind=MeetingKind.MONTHLY,
                    held_on=held_on,
                    starts_at=time(14, 0),
                    location="Online (demo)",
                    actor=self.cast.office,
                )

    def _meeting_set(self, item: Planned, notified_on: date) -> None:
        """A diarised slot for the Rapid Review (§4.4.1), set on the day of the
        notification: outside the 7-13 working-day window with the reason (§4.4.2)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import MeetingKind

        story = item.story
        meeting = rapid_review_services.crg_meeting_create(
            partnership=self.partnership,
            kind=MeetingKind.DIARISED,
            held_on=self.cal.add(notified_on, story.meeting_after),
            starts_at=time(10, 0),
            location="Online (demo)",
            actor=self.cast.office,
        )
        case = self._case(item.state)
        review = rapid_review_services.rapid_review_for(case=case)
        inside = 7 <= story.meeting_after <= 13
        rapid_review_services.rapid_review_meeting_set(
            case=case,
            meeting=meeting,
            actor=self.cast.office,
            version=review.version,
            reason=""
            if inside
            else "The Police and the Local Authority's representatives could not attend earlier.",
        )

    # --- Information requests (§4.3, §2.1.7) ----------------------------------------------

    def _requests_sent(self, state, due: date, agencies=None) -> None:
        cast = self.cast
        state["requests"] = [
            request.pk
            for request in services.information_requests_send(
                case=self._case(state),
                agencies=agencies or [cast.police, cast.local_authority, cast.trust],
                reply_due_on=due,
                letter_note="Please include any contact in the last two years.",
                actor=cast.office,
            )
        ]

    def _requests(self, state):
        return InformationRequest.objects.for_partnership(self.partnership).filter(
            pk__in=state["requests"]
        )

    def _replies(self, state, *, late: str, skip: bool = False, only: str = "") -> None:
        """The agencies' replies on this day: the Police in the portal, the others by
        email, entered for them by the office. With `skip`, the late agency's and an
        unanswered trust's wait; with `only`, just that agency replies."""
        cast = self.cast
        agency_key = {cast.police.pk: "police", cast.trust.pk: "trust"}
        unanswered = state.get("unanswered", False)  # the trust's never comes
        by_email = []
        for request in self._requests(state).select_related("case"):
            if not request.is_open_for_agency:
                continue
            key = agency_key.get(request.agency_id, "la")
            if only and key != only:
                continue
            if skip and (key == late or (key == "trust" and unanswered)):
                continue
            if key == "police":
                self._reply_in_portal(request)
            else:
                by_email.append(request)
        self._replies_by_email(by_email)

    def _reply_details(self, completed_by: str) -> ReplyDetails:
        return ReplyDetails(
            involvement=Involvement.YES,
            involvement_summary="Contact with the family in the last two years.",
            facts="The contacts recorded in the agency's system (demo).",
            completed_by=completed_by,
            records_secured=True,
            records_secured_on=timezone.localdate(),
            records_nominated_representative="The agency's Safeguarding Lead",
        )

    def _reply_in_portal(self, request) -> None:
        """The Police's reply, submitted by their portal user (§4.3.2)."""
        user = self.cast.police_portal
        services.reply_submit(
            scope=Scope(user=user, membership=user.memberships.get()),
            request=request,
            details=self._reply_details("DS Sam Patel, Public Protection Unit"),
            version=request.version,
        )

    def _replies_by_email(self, requests) -> None:
        """Replies that came by email, entered by the office on each agency's behalf with
        the email kept as the original, as `reply_on_behalf_start` and `reply_submit` leave
        them. Written together, since those services cost the seed a second a story, and a
        reply meets or misses no deadline: the reports read its date against the letter's."""
        if not requests:
            return
        office, now = self.cast.office, timezone.now()
        body = b"Please find our reply to the information request attached (demo).\n"
        originals = []
        for request in requests:
            original = Attachment(
                request=request,
                original_name="reply-by-email.txt",
                content_type="text/plain",
                size=len(body),
                sha256=hashlib.sha256(body).hexdigest(),
                uploaded_by=office,
                is_original=True,
            )
            original.file.save("reply-by-email.txt", ContentFile(body), save=False)
            originals.append(original)
        Attachment.objects.bulk_create(originals)
        details = self._reply_details("Safeguarding Lead (entered by the Business Office)")
        replied = list(
            InformationRequest.objects.for_partnership(self.partnership).filter(
                pk__in=[request.pk for request in requests]
            )
        )
        for request in replied:
            for name in REPLY_FIELDS:
                setattr(request, name, getattr(details, name))
            request.status = RequestStatus.SUBMITTED
            request.submitted_at = request.entered_on_behalf_at = now
            request.submitted_by = request.entered_on_behalf_by = office
            request.version += 1
        _saved_with_history(
            replied,
            [
                *REPLY_FIELDS,
                "status",
                "submitted_at",
                "submitted_by",
                "entered_on_behalf_by",
                "entered_on_behalf_at",
                "version",
            ],
            "Demo history: the reply entered on the agency's behalf",
        )

    def _escalated(self, state, on: date) -> None:
        """§2.1.7: the health trust's silence taken to the next step."""
        request = self._requests(state).get(agency=self.cast.trust)
        services.escalation_record(
            request=request,
            cause=EscalationCause.SILENCE,
            note="The health trust has not replied; the chair is asking its Safeguarding Lead.",
            escalated_on=on,
            actor=self.cast.office,
        )

    # --- The decision (§4.6-4.8) ----------------------------------------------------------

    def _case(self, state) -> Case:
        return Case.objects.for_partnership(self.partnership).get(pk=state["case"].pk)

    def _review(self, state):
        from rapidreview.models import RapidReview

        return (
            RapidReview.objects.for_partnership(self.partnership)
            .select_related("meeting", "case__partnership")
            .get(case=state["case"])
        )

    def _attended(self, meeting) -> None:
        """A quorate meeting (§4.6.1): the Police, the Local Authority and the health
        trust, none declaring a conflict (§1.5.8). A meeting deciding two cases has it once."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import Attendance

        if Attendance.objects.for_partnership(self.partnership).filter(meeting=meeting).exists():
            return
        cast = self.cast
        for name, capacity, agency in (
            (cast.police_member.get_full_name(), "Detective Chief Inspector", cast.police),
            (cast.la_member.get_full_name(), "Head of Safeguarding", cast.local_authority),
            ("Anita Rowe", "Named Nurse for Safeguarding Children", cast.trust),
        ):
            rapid_review_services.attendance_record(
                meeting=meeting,
                actor=cast.office,
                name=name,
                capacity=capacity,
                agency=agency,
                declaration="none",
                confidentiality_agreed=True,
            )

    def _decided(self, item: Planned, *, proceed: bool) -> None:
        """At the meeting: the record (`_record_written`), the decision against every
        criterion and its sign-off by the chair and the Safeguarding Partners present
        (§4.6.2). Proceeding opens the LCSPR (§3.1.2)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import DECISION_CRITERIA, CriterionFinding, Decision

        state, office = item.state, self.cast.office
        review = self._review(state)
        self._attended(review.meeting)
        self._record_written(review)
        finding = CriterionFinding.MET if proceed else CriterionFinding.NOT_MET
        review = self._review(state)
        rapid_review_services.decision_record(
            review=review,
            actor=office,
            version=review.version,
            details=rapid_review_services.DecisionDetails(
                decision=Decision.PROCEED if proceed else Decision.NOT_PROCEED,
                rationale="Agencies held information they did not share."
                if proceed
                else "The learning is known and already being acted on.",
                criteria={
                    c.value: {"finding": finding, "rationale": "As the replies show."}
                    for c in DECISION_CRITERIA
                },
                key_lines_of_enquiry="How agencies shared what they knew" if proceed else "",
                dissemination="" if proceed else "A 7-minute briefing to every agency.",
                other_learning_processes="" if proceed else "None beyond the briefing.",
            ),
        )
        for role, signer in (
            ("chair", self.cast.chair),
            ("police", self.cast.police_member),
            ("local_authority", self.cast.la_member),
        ):
            rapid_review_services.decision_sign(review=self._review(state), actor=signer, role=role)

    def _record_written(self, review) -> None:
        """The meeting's record (§4.6.2), that no immediate action is needed, and sections
        2 and 3 of the Combined Summary agreed (§4.6.3), as `record_save`,
        `no_immediate_action_record` and `summary_sections_agree` leave them: written
        together, since those three services cost the seed a second a story, and they
        meet or miss no deadline. The decision and its sign-off are the services'."""
        from rapidreview.models import RapidReview

        written = RapidReview.objects.for_partnership(self.partnership).get(pk=review.pk)
        written.facts_reviewed = "The facts in the agencies' replies."
        written.improvement_potential = "Some potential: agencies could share concerns sooner."
        written.no_immediate_action = True
        written.version += 1
        _saved_with_history(
            [written],
            ["facts_reviewed", "improvement_potential", "no_immediate_action", "version"],
            "Demo history: the meeting's record",
        )
        CombinedSummary.objects.create(
            case=review.case,
            section_2="The analysis agreed at the meeting.",
            section_3="The conclusions agreed at the meeting.",
            sections_agreed_on=review.meeting.held_on,
            updated_by=self.cast.office,
        )

    def _report_sent(self, state) -> None:
        """§4.8.1: the Rapid Review Report's sending, which meets or misses
        `rapid_review_complete` (§3.1.2). Recorded directly rather than through
        `report_sent_record`, which renders and keeps the PDF (a second a review)."""
        review = self._review(state)
        review.report_sent_on = timezone.localdate()
        review.version += 1
        review._history_user = self.cast.office
        review._change_reason = "Rapid Review Report sent to the National Panel (§4.8.1)"
        review.save(update_fields=["report_sent_on", "version", "updated_at"])
        deadline = self._open_deadline(state, "rapid_review_complete")
        if deadline is not None:
            services.deadline_complete(
                deadline=deadline, on=review.report_sent_on, actor=self.cast.office
            )

    def _notified(self, state) -> None:
        """§1.6.3: the decision notified to the National Panel; not proceeding, the case
        closes."""
        from rapidreview import services as rapid_review_services

        rapid_review_services.decision_notified_record(
            review=self._review(state), actor=self.cast.office, notified_on=timezone.localdate()
        )

    def _open_deadline(self, state, kind: str):
        return (
            Deadline.objects.for_partnership(self.partnership)
            .filter(case=state["case"], kind=kind, status=DeadlineStatus.OPEN)
            .first()
        )

    # --- The LCSPR (§8.8, §9.2, §3.1.2) ---------------------------------------------------

    def _lcspr(self, state):
        from reviews.models import Lcspr

        return Lcspr.objects.for_partnership(self.partnership).get(case=state["case"])

    def _themes(self, state, codes) -> None:
        """The review's key themes, coded from the partnership's list (§8.8.1), and a
        finding on the first with an agreed SMART recommendation (§9.2)."""
        from reviews import services as review_services

        lcspr, office = self._lcspr(state), self.cast.office
        themes = [
            review_services.key_theme_add(
                lcspr=lcspr,
                code=self.codes[code],
                title=THEME_TITLES[code][0],
                description=THEME_TITLES[code][1],
                actor=office,
            )
            for code in codes
        ]
        finding = review_services.finding_add(
            lcspr=lcspr,
            title="Concerns were held by each agency alone",
            text="Each agency saw part of the picture; none saw the whole of it.",
            themes=themes[:1],
            kloes=[],
            actor=office,
        )
        due = timezone.localdate() + timedelta(days=150)
        action = "Share every concern about a child under five with the health visitor."
        measure = "An audit in six months finds every concern shared within a week."
        recommendation = review_services.recommendation_add(
            finding=finding,
            action=action,
            owner_agency=self.cast.local_authority,
            owner_group="",
            measure=measure,
            due_on=due,
            actor=office,
        )
        review_services.recommendation_update(
            recommendation=recommendation,
            finding=finding,
            action=action,
            owner_agency=self.cast.local_authority,
            owner_group="",
            measure=measure,
            due_on=due,
            agreed=True,
            version=recommendation.version,
            actor=office,
        )

    def _plan_made(self, state, completed_on: date) -> None:
        """The action plan made from the review's agreed recommendation, with one SMART
        action due four months after the report (§10.1.2)."""
        from publication.models import PlanRecommendation
        from publication.services import action_plans
        from reviews.models import Recommendation

        office = self.cast.office
        plan, _ = action_plans.lcspr_plan_open(lcspr=self._lcspr(state), actor=office)
        source = Recommendation.objects.for_partnership(self.partnership).get(
            lcspr__case=state["case"]
        )
        recommendation = PlanRecommendation.objects.for_partnership(self.partnership).get(plan=plan)
        state["action"] = action_plans.action_add(
            recommendation=recommendation,
            text=source.action,
            owner_agency=source.owner_agency,
            lead_name="Head of Early Help (demo)",
            lead_email="",
            measure=source.measure,
            due_on=completed_on + timedelta(days=120),
            actor=office,
        )

    def _completed(self, state) -> None:
        """The review completed on this day, met or missed against its six months (§3.1.2,
        §3.1.3): its report published, as the demo's own reviews at publication tell in
        full (§10), and its action plan under way (§11)."""
        office = self.cast.office
        deadline = self._open_deadline(state, "lcspr_complete")
        if deadline is not None:
            services.deadline_complete(deadline=deadline, on=timezone.localdate(), actor=office)
        for stage, reason in (
            (Stage.PUBLICATION, "The review's report was agreed for publication (demo history)"),
            (Stage.LEARNING, "The report was published (demo history)"),
        ):
            services.case_stage_set(
                case=self._case(state), stage=stage, actor=office, reason=reason
            )

    def _action_done(self, state) -> None:
        """The Local Authority's evidence that the action is done, entered by the office
        for it (§11.3.3), the action closed on it (§11.4.1), and the case closed."""
        from publication.models import PlanAction
        from publication.services import action_plans, action_updates

        office = self.cast.office
        action = PlanAction.objects.for_partnership(self.partnership).get(pk=state["action"].pk)
        action_updates.action_update_add(
            action=action,
            progress="Every concern about a child under five is now shared with the health "
            "visitor; the audit is attached.",
            impact="The audit found every concern shared within a week.",
            actor=office,
            on_behalf=True,
            upload=SimpleUploadedFile(
                "audit-summary.txt",
                b"Audit of 20 cases: every concern shared with the health visitor in time.\n",
                content_type="text/plain",
            ),
            description="The audit's summary",
        )
        action.refresh_from_db()
        action_plans.action_close(
            action=action, note="Closed on the audit.", version=action.version, actor=office
        )
        services.case_stage_set(
            case=self._case(state),
            stage=Stage.CLOSED,
            actor=office,
            reason="The action plan is complete (demo history)",
        )


def history_plan(partnership: Partnership, today: date) -> list[Planned]:
    """The stories the partnership's history holds when made on `today`."""
    return History(partnership, cast=None).plan(today)


def history_make(partnership: Partnership, cast: Cast) -> int:
    """The partnership's history, unless it has it: the number of cases opened."""
    if history_exists(partnership):
        return 0
    return History(partnership, cast).make(real_today())


def _saved_with_history(rows: list, fields: list[str], reason: str) -> None:
    """Write the rows' `fields` in one statement, each row's history kept (simple-history's
    bulk_update_with_history), as the services' save() would keep it."""
    if rows:
        bulk_update_with_history(rows, type(rows[0]), fields, default_change_reason=reason)
