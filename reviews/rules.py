"""Rules of the LCSPR that selectors and services share (selectors never import services)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from cases import selectors as case_selectors
from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import (
    RECEIVED_STATUSES,
    Deadline,
    DeadlineStatus,
    Membership,
    RequestStatus,
    Role,
    User,
)
from cases.timescales import TIMESCALES_BY_KIND, work_out
from rapidreview.models import CrgMeeting, MeetingKind
from reviews.models import Appointment, Delay, Lcspr, StandingItem
from reviews.models.terms import (
    SIGNIFICANT_FIELDS,
    CollectionTool,
    LegalAdvice,
    TermsVersion,
)

# --- issue 13: setting up the review and its people ------------------------------------

CONFLICT = (
    "Someone else changed this while you were editing it. Check what is saved now, then save again."
)


class ReviewConflict(ApplicationError):
    """The record changed since the form was opened (its `version`): shown as a conflict,
    never a silent overwrite."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)


# --- issue 13: terms of reference (§5) ---------------------------------------------------


@dataclass(frozen=True)
class TermsSection:
    key: str
    title: str


# The terms of reference's sections, in the order of the framework (§5.1-§5.7).
TERMS_SECTIONS = (
    TermsSection("early_input", "The CRG's early input and the Scrutineer's issues (§5.1)"),
    TermsSection("scoping", "Scoping period (§5.2)"),
    TermsSection("kloe", "Key lines of enquiry (§5.3)"),
    TermsSection("methodology", "Methodology and information collection (§5.4, §8.1.3)"),
    TermsSection("family", "How the child and family will contribute (§5.5)"),
    TermsSection("legal", "Legal advice (§5.7)"),
)


def terms_section_lines(version: TermsVersion | None) -> dict[str, list[str]]:
    """Each section of a version as lines of text: what the page compares (difflib) and
    what decides which sections changed."""
    if version is None:
        return {section.key: [] for section in TERMS_SECTIONS}
    tools = dict(CollectionTool.choices)

    def labelled(label, text):
        lines = [line for line in (text or "").splitlines() if line.strip()]
        return [f"{label}: {lines[0]}", *lines[1:]] if lines else []

    return {
        "early_input": labelled("CRG's early input", version.crg_early_input)
        + labelled("Independent Scrutineer's issues", version.scrutineer_issues),
        "scoping": [
            f"From: {format_date(version.scoping_start) or 'not set'}",
            f"To: {format_date(version.scoping_end) or 'not set'}",
            *labelled("Reason", version.scoping_reason),
        ],
        "kloe": [f"{n}. {line}" for n, line in enumerate(version.key_lines_of_enquiry, 1)],
        "methodology": labelled("Methodology", version.methodology)
        + [f"Tool: {tools.get(tool, tool)}" for tool in version.collection_tools]
        + labelled("Other method", version.other_method)
        + labelled("Its reason", version.other_method_reason),
        "family": labelled("Invitation to contribute", version.family_invitation)
        + labelled("Support needed", version.family_support),
        "legal": [
            line
            for line in (
                f"Legal advice: {LegalAdvice(version.legal_advice).label}"
                if version.legal_advice
                else "",
                f"Asked of: {version.legal_advice_from}" if version.legal_advice_from else "",
                f"When: {version.legal_advice_when}" if version.legal_advice_when else "",
            )
            if line
        ],
    }


def terms_changed_sections(before: TermsVersion | None, after: TermsVersion) -> list[str]:
    """The keys of the sections that differ between two versions."""
    old, new = terms_section_lines(before), terms_section_lines(after)
    return [section.key for section in TERMS_SECTIONS if old[section.key] != new[section.key]]


def terms_significant_change(in_force: TermsVersion | None, draft: TermsVersion) -> bool:
    """Whether a draft changes what the CRG agreed in a way it must approve (§5.3.1): the
    key lines of enquiry, the scoping period or the methodology. Nothing is a change
    before anything was agreed."""
    if in_force is None:
        return False
    return any(getattr(in_force, f) != getattr(draft, f) for f in SIGNIFICANT_FIELDS)


def crg_meeting_takes_business(meeting: CrgMeeting, today: date) -> bool:
    """A CRG meeting the terms of reference or an issue can be put to (§5.1.2-§5.1.3):
    ahead, not cancelled, and one that takes place (a diarised slot only once needed)."""
    return (
        meeting.held_on > today
        and not meeting.is_cancelled
        and meeting.kind != MeetingKind.REQUEST_PARAMETERS
        and meeting.takes_place
    )


# issue 13: panel -------------------------------------------------------------------------

SIX_MONTH_KIND = "lcspr_complete"  # the statutory date of §3.1.2, worked out by cases


def six_month_deadline(lcspr: Lcspr, *, for_update: bool = False) -> Deadline | None:
    """The review's statutory six-month deadline (§3.1.2) as the deadline engine made it
    from the decision: the one reader of it (the date, the clock, the revised expected
    date beside it)."""
    deadlines = Deadline.objects.for_partnership(lcspr.case.partnership).filter(
        case_id=lcspr.case_id, kind=SIX_MONTH_KIND
    )
    if for_update:
        deadlines = deadlines.select_for_update(of=("self",))
    return deadlines.select_related("case__partnership").first()


def six_month_date(lcspr: Lcspr) -> date | None:
    """The review's statutory six-month date (§3.1.2), as the deadline engine set it."""
    deadline = six_month_deadline(lcspr)
    return deadline.due_date if deadline else None


def statutory_six_month_date(lcspr: Lcspr) -> date:
    """The six-month date (§3.1.2) a delay is judged against and its notice states
    (§3.1.3): the deadline's, or where there is none (not scheduled, or the timescale since
    turned off) the same statutory rule worked out from the decision, by the function the
    deadline engine uses. Never a revised expected date."""
    deadline = six_month_deadline(lcspr)
    if deadline is not None:
        return deadline.due_date
    partnership = lcspr.case.partnership
    calendar = case_selectors.working_calendar(partnership=partnership)
    return work_out(TIMESCALES_BY_KIND[SIX_MONTH_KIND], partnership, lcspr.decided_on, calendar).due


# The agenda items no panel meeting may skip, in the order they are taken.
STANDING_AGENDA = (
    StandingItem.DECLARATIONS,  # §1.5.8
    StandingItem.FAMILY_ENGAGEMENT,  # §7.1.3
    StandingItem.IMMEDIATE_ACTION,  # §11.2.1
)


def partnership_people(lcspr: Lcspr, *, also: int | None = None) -> QuerySet[User]:
    """Who may own a panel action: the review's current Reviewer and Panel members, and
    the partnership's Business Office. `also`: one more user's id, kept whoever they are
    now (a record being changed keeps the person it already names)."""
    partnership = lcspr.case.partnership
    appointed = Appointment.objects.for_partnership(partnership).filter(lcspr=lcspr, ended_on=None)
    office = Membership.objects.filter(
        partnership=partnership, role=Role.BUSINESS_OFFICE, is_active=True
    )
    ours = Q(is_active=True) & (
        Q(pk__in=appointed.values("user_id")) | Q(pk__in=office.values("user_id"))
    )
    if also is not None:
        ours |= Q(pk=also)
    return User.objects.filter(ours).order_by("first_name", "last_name", "username")


# --- The six-month clock (§3.1.2-§3.1.3) ---------------------------------------------

REVISED_DATE_NEEDED = (
    "Enter the revised expected date: a delay that prevents publication within six months "
    "is notified with it (§3.1.3)."
)
REVISED_DATE_TOO_EARLY = (
    "The revised expected date must be after the six-month date, {statutory} (§3.1.2): "
    "a delay that still allows publication within six months needs no notice."
)


def plural(n: int, word: str) -> str:
    """ "1 month", "3 months"."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def delay_holds_up_publication(delay: Delay) -> bool:
    """An open delay that will prevent publication within six months (§3.1.3)."""
    return delay.resolved_on is None and delay.prevents_publication


def six_month_passed_unmet(deadline: Deadline | None, today: date) -> bool:
    """The six-month date (§3.1.2) has passed with the review not complete: missed, or
    still open after its due date."""
    return deadline is not None and (
        deadline.status == DeadlineStatus.MISSED
        or (deadline.status == DeadlineStatus.OPEN and deadline.due_date < today)
    )


def six_month_at_risk(*, delays: Iterable[Delay], deadline: Deadline | None, today: date) -> bool:
    """Whether the review's six-month date is at risk: one of its delays holds up
    publication (§3.1.3), or the date passed unmet (§3.1.2). `six_month_at_risk_q` is the
    same rule as a filter of LCSPRs (tests/reviews/test_clock.py checks that they agree)."""
    return any(delay_holds_up_publication(d) for d in delays) or six_month_passed_unmet(
        deadline, today
    )


def six_month_at_risk_q(today: date) -> Q:
    """`six_month_at_risk` as a condition on LCSPRs, read through their own relations."""
    holds_up = Q(delays__resolved_on__isnull=True, delays__prevents_publication=True)
    passed = Q(case__deadlines__kind=SIX_MONTH_KIND) & (
        Q(case__deadlines__status=DeadlineStatus.MISSED)
        | Q(case__deadlines__status=DeadlineStatus.OPEN, case__deadlines__due_date__lt=today)
    )
    return holds_up | passed


# Free text of a delay that leaves the restricted case file (§3.1.3): the reason goes in
# the notice to the National Panel and the Secretary of State; all three are on the
# clock's page for the CRG, the Reviewer and the Panel.
DELAY_TEXTS = (
    ("reason", "The reason for the delay"),
    ("holds_up", "What it holds up"),
    ("asked_by", "Who asked for the delay"),
)
NAME_IN_DELAY = (
    "{what} names the child or a member of the family: use the pseudonym ({pseudonyms}), "
    "or say who they are to the child (for example, the child's mother). The notice goes "
    "to the National Panel and the Secretary of State, by case reference only (§3.1.3)."
)


def delay_names_check(lcspr: Lcspr, **texts: str) -> None:
    """Refuse, naming the field, a delay's text (`reason`, `holds_up`, `asked_by`) that
    holds the name of the case's child or a family member, or a part of one. The error
    never repeats the name."""
    case = lcspr.case
    names = case_selectors.person_names(partnership=case.partnership, case=case)
    for field, what in DELAY_TEXTS:
        if field in texts and names.found_in(texts[field]):
            pseudonyms = ", ".join(names.pseudonyms) or "Child A"
            raise ApplicationError(
                NAME_IN_DELAY.format(what=what, pseudonyms=pseudonyms), field=field
            )


def notice_due(delay, sent_dates) -> bool:
    """Whether the notice of this delay (§3.1.3) is still to be sent: it will prevent
    publication within six months and no notice has gone with its current revised
    date. `sent_dates` are the revised dates of the notices sent for it."""
    return (
        delay.prevents_publication
        and delay.revised_expected_on is not None
        and delay.revised_expected_on not in set(sent_dates)
    )


# --- issue 14: agency submissions (§8.2-8.7) -------------------------------------------

# What each of the terms' collection tools asks an agency for (§8.2.1, §5.4.2): the first
# the terms name is the one the request form pre-selects.
TOOL_KINDS = {
    CollectionTool.KEY_EVENTS_CHRONOLOGY: "chronology",
    CollectionTool.ORGANISATIONAL_CHRONOLOGY: "chronology",
    CollectionTool.INFORMATION_REPORTS: "information_report",
    CollectionTool.FACTUAL_SUMMARIES: "factual_summary",
}


def submission_kind_from_tools(tools) -> str:
    """The submission kind the agreed methodology points to (§8.2.1), or "" if none."""
    for tool in tools or ():
        if tool in TOOL_KINDS:
            return TOOL_KINDS[tool]
    return ""


def submission_deadline_kind(request_id: int, round_: int = 0) -> str:
    """The own dated item that carries a submission's due date (cases/services/deadline.py):
    the first request's, then one for each time the Panel asks for more information (§8.7),
    so that a date met stays met in the history."""
    kind = f"lcspr_submission:{request_id}"
    return f"{kind}:{round_}" if round_ else kind


# --- issue 14: chron (the multi-agency chronology and key themes, §8.4.3, §8.8) ---------

# §8.4.3: a period with no agency contact longer than this is shown as a gap, unless the
# Reviewer or Panel set another threshold on the review (Lcspr.chronology_gap_days).
CHRONOLOGY_GAP_DAYS_DEFAULT = 28
# §8.8.1: the key themes should be "as few as practicable": above this many, the Panel
# records why.
KEY_THEMES_WITHOUT_REASON = 5

# The partnership's starting theme list (§8.8): the themes the National Child
# Safeguarding Practice Review Panel's annual reports use, and a few more that reviews
# commonly name. (code, label, description). reviews/migrations/0011_chron.py keeps its
# own copy for the partnerships that existed then.
STARTING_THEMES = (
    ("neglect", "Neglect", "Persistent failure to meet the child's basic needs."),
    ("domestic-abuse", "Domestic abuse", "Abuse between adults in the household."),
    (
        "parental-mental-health",
        "Parental mental health",
        "A parent's or carer's mental ill health.",
    ),
    (
        "parental-substance-misuse",
        "Parental substance misuse",
        "A parent's or carer's misuse of drugs or alcohol.",
    ),
    (
        "child-sexual-abuse",
        "Child sexual abuse",
        "Sexual abuse of the child, in or outside the family.",
    ),
    ("child-sexual-exploitation", "Child sexual exploitation", "The child exploited sexually."),
    (
        "child-criminal-exploitation",
        "Child criminal exploitation",
        "The child exploited into crime, such as county lines.",
    ),
    ("suid", "Sudden unexpected infant death", "The sudden and unexpected death of an infant."),
    ("safe-sleep", "Safe sleep", "Advice on and practice of safe sleeping for infants."),
    (
        "non-accidental-injury",
        "Non-accidental injury",
        "Physical harm to the child, including to infants.",
    ),
    (
        "information-sharing",
        "Multi-agency information sharing",
        "How agencies shared what they knew with each other.",
    ),
    (
        "voice-of-the-child",
        "The voice of the child",
        "Whether the child was seen, heard and their lived experience understood.",
    ),
    (
        "adolescent-risk-outside-home",
        "Adolescent risk outside the home",
        "Risks to young people outside the family (extra-familial harm).",
    ),
    (
        "housing-and-transience",
        "Housing and transience",
        "Housing, frequent moves and families moving between areas.",
    ),
    (
        "professional-curiosity",
        "Professional curiosity and challenge",
        "Professionals asking questions, and challenging each other's views.",
    ),
    (
        "child-mental-health",
        "Children's mental health and self-harm",
        "The child's own mental health, self-harm or suicide.",
    ),
    (
        "disability",
        "Children with disabilities",
        "The needs and safeguarding of disabled children.",
    ),
)
# --- The reflective learning workshop (§8.9-8.12) -----------------------------------------

# §8.10.3: invitations go "giving plenty of notice". The product reads that as at least 15
# working days of the partnership's calendar before the workshop's first half day, and
# warns (it does not refuse) when an invitation goes out with less.
WORKSHOP_NOTICE_WORKING_DAYS = 15
# §8.11.1: "normally ... over half a day, although a more complex case may require an
# additional half day": at most two sessions, each at most a half day.
WORKSHOP_MAX_SESSIONS = 2
WORKSHOP_HALF_DAY_MINUTES = 4 * 60 + 30

SHORT_NOTICE = (
    "Invitations sent today give {days} working days' notice of the workshop on {day}: "
    'fewer than the {need} working days the partnership allows for "plenty of notice" '
    "(§8.10.3)."
)


def workshop_notice_days(calendar, *, sent_on: date, event_on: date) -> int:
    """Working days from the day the invitations go out to the workshop's first day."""
    return calendar.between(sent_on, event_on)


def workshop_short_notice(calendar, *, sent_on: date, event_on: date) -> str | None:
    """The warning when invitations sent on `sent_on` give less notice than §8.10.3's
    "plenty" (WORKSHOP_NOTICE_WORKING_DAYS working days), or None."""
    days = workshop_notice_days(calendar, sent_on=sent_on, event_on=event_on)
    if days >= WORKSHOP_NOTICE_WORKING_DAYS:
        return None
    return SHORT_NOTICE.format(
        days=max(days, 0), day=format_date(event_on), need=WORKSHOP_NOTICE_WORKING_DAYS
    )


def workshop_session_problem(starts, ends) -> str | None:
    """What is wrong with a session's start and end times (datetime.time) as one half day
    (§8.11.1), or None."""
    minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
    if minutes <= 0:
        return "The end time must be after the start time."
    if minutes > WORKSHOP_HALF_DAY_MINUTES:
        return (
            "A session is half a day (§8.11.1): at most 4 and a half hours. For a complex "
            "case, add a second half day instead."
        )
    return None


# --- issue 14: what the review reads of an agency's submission --------------------------

# An agency's submission is its own until it first submits it (as a Rapid Review reply is);
# once submitted, the review keeps reading it, its chronology and its named practitioners
# while the Panel's request for more information is with the agency (§8.7.2).
SUBMISSION_READ_STATUSES = frozenset({*RECEIVED_STATUSES, RequestStatus.RETURNED})
