"""Demo data: the real LLR agencies, demo users and a few cases in each partnership.

Idempotent: running it again changes nothing that is already there.
"""

import datetime
import io
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import selectors, services
from cases.management.demo_clock import demo_clock as _demo_clock
from cases.management.demo_clock import real_today
from cases.management.demo_history import Cast as HistoryCast
from cases.management.demo_history import history_make
from cases.models import (
    AbuseOrNeglect,
    Agency,
    AgencyKind,
    CareStatus,
    Case,
    ChildRole,
    ChronologyEntry,
    CombinedSummary,
    Criterion,
    Deadline,
    DeadlineStatus,
    IncidentKind,
    InformationRequest,
    Involvement,
    Membership,
    Partnership,
    RequestPurpose,
    Role,
    Stage,
    SubmissionKind,
    User,
)
from cases.services import ChildDetails, NotificationDetails, ReferralDetails, ReplyDetails
from cases.tenancy import Scope
from cases.timescales import NOT_DUTIES

# The demo users' authenticator key (README: add it to an app, or run `make code`).
DEMO_TOTP_KEY_HEX = b"lcspr-demo-totp-key!".hex()

BOTH = ("leicester", "leicestershire-rutland")
AGENCIES = [
    ("Leicestershire Police", AgencyKind.POLICE, BOTH),
    (
        "Leicester, Leicestershire and Rutland Integrated Care Board",
        AgencyKind.INTEGRATED_CARE_BOARD,
        BOTH,
    ),
    ("Leicester City Council", AgencyKind.LOCAL_AUTHORITY, ("leicester",)),
    ("Leicestershire County Council", AgencyKind.LOCAL_AUTHORITY, ("leicestershire-rutland",)),
    ("Rutland County Council", AgencyKind.LOCAL_AUTHORITY, ("leicestershire-rutland",)),
    ("University Hospitals of Leicester NHS Trust", AgencyKind.HEALTH_TRUST, BOTH),
    ("Leicestershire Partnership NHS Trust", AgencyKind.HEALTH_TRUST, BOTH),
    ("Probation Service – Leicester, Leicestershire and Rutland", AgencyKind.PROBATION, BOTH),
    (
        "Leicester City Council Education Safeguarding (Education representative)",
        AgencyKind.EDUCATION_REPRESENTATIVE,
        ("leicester",),
    ),
    (
        "Leicestershire and Rutland Education Safeguarding (Education representative)",
        AgencyKind.EDUCATION_REPRESENTATIVE,
        ("leicestershire-rutland",),
    ),
    ("Riverside Primary Academy (demo school)", AgencyKind.SCHOOL, ("leicester",)),
    (
        "Charnwood Heights Secondary School (demo school)",
        AgencyKind.SCHOOL,
        ("leicestershire-rutland",),
    ),
    ("Oakham Vale Primary School (demo school)", AgencyKind.SCHOOL, ("leicestershire-rutland",)),
]

# The partner agency each CRG member represents, for which they confirm decisions (§4.6.1).
REPRESENTS = {
    ("police-crg", "leicester"): "Leicestershire Police",
    ("police-crg", "leicestershire-rutland"): "Leicestershire Police",
    ("leicester-la-crg", "leicester"): "Leicester City Council",
    ("lr-la-crg", "leicestershire-rutland"): "Leicestershire County Council",
}

# Cross-partnership reporting (issue 17): the other partnerships whose figures a joint
# reporting membership sees, by (username, partnership slug).
REPORTS_ON = {("llr-reporting", "leicester"): ["leicestershire-rutland"]}

# username, full name, memberships as (role, partnership slug or None, agency name or None)
USERS = [
    ("leicester-office", "Priya Shah", [(Role.BUSINESS_OFFICE, "leicester", None)]),
    ("lr-office", "Tom Ellis", [(Role.BUSINESS_OFFICE, "leicestershire-rutland", None)]),
    ("leicester-chair", "Dr Ruth Adeyemi", [(Role.CRG_CHAIR, "leicester", None)]),
    ("lr-chair", "Mark Holloway", [(Role.CRG_CHAIR, "leicestershire-rutland", None)]),
    # The Safeguarding Partners' representatives on each CRG, who confirm its decisions
    # (§4.6.1): the police serve both partnerships, each has its own Local Authority.
    (
        "police-crg",
        "DCI Amira Hussain",
        [
            (Role.CRG_MEMBER, "leicester", None),
            (Role.CRG_MEMBER, "leicestershire-rutland", None),
        ],
    ),
    ("leicester-la-crg", "Grace Okafor", [(Role.CRG_MEMBER, "leicester", None)]),
    ("lr-la-crg", "Owen Pritchard", [(Role.CRG_MEMBER, "leicestershire-rutland", None)]),
    (
        "scrutineer",
        "Helen Carter",
        [
            (Role.INDEPENDENT_SCRUTINEER, "leicester", None),
            (Role.INDEPENDENT_SCRUTINEER, "leicestershire-rutland", None),
        ],
    ),
    # An independent Reviewer (§6.1.1), appointed to one Leicester LCSPR: the only case
    # they see (§2.1.6).
    ("reviewer", "Dr Simon Clarke", [(Role.REVIEWER, "leicester", None)]),
    # Leicestershire & Rutland's independent Reviewer, and each review's Case Review Panel
    # (§6.2.1): a representative of each Safeguarding Partner. The Police and the ICB
    # serve both partnerships; each Local Authority has its own. Each sees only the cases
    # of the reviews they are appointed to (§2.1.6).
    ("lr-reviewer", "Dr Nadia Brooks", [(Role.REVIEWER, "leicestershire-rutland", None)]),
    ("leicester-panel", "Karen Whitfield", [(Role.PANEL_MEMBER, "leicester", None)]),
    ("lr-panel", "Paul Jennings", [(Role.PANEL_MEMBER, "leicestershire-rutland", None)]),
    (
        "panel-police",
        "DI Rachel Moore",
        [
            (Role.PANEL_MEMBER, "leicester", None),
            (Role.PANEL_MEMBER, "leicestershire-rutland", None),
        ],
    ),
    (
        "panel-icb",
        "Hannah Price",
        [
            (Role.PANEL_MEMBER, "leicester", None),
            (Role.PANEL_MEMBER, "leicestershire-rutland", None),
        ],
    ),
    # Issue 16: the independent Reviewers who wrote the reviews now ready for publication,
    # and L&R's Local Authority member of that review's Panel: each sees only that one case.
    ("published-reviewer", "Dr Elaine Whitcombe", [(Role.REVIEWER, "leicester", None)]),
    (
        "lr-published-reviewer",
        "Dr Martin Osei",
        [(Role.REVIEWER, "leicestershire-rutland", None)],
    ),
    ("lr-published-panel", "Siobhan Reilly", [(Role.PANEL_MEMBER, "leicestershire-rutland", None)]),
    # Issue 16: the Reviewer of Leicester's second review at publication (PENDING_CASE).
    ("pending-reviewer", "Dr Priya Raman", [(Role.REVIEWER, "leicester", None)]),
    # Each partnership's admin, who keeps its local rules, theme codes (§8.8) and notice
    # addresses (§3.1.3, §10.5.1).
    ("leicester-admin", "Lena Ward", [(Role.PARTNERSHIP_ADMIN, "leicester", None)]),
    ("lr-admin", "Gareth Lowe", [(Role.PARTNERSHIP_ADMIN, "leicestershire-rutland", None)]),
    # issue 17: the joint executive's reporting account. Its membership is Leicester's; it
    # reports on L&R too (REPORTS_ON): both partnerships' figures, never a case.
    ("llr-reporting", "Dr Kiran Okafor", [(Role.JOINT_REPORTING, "leicester", None)]),
    ("police-portal", "DS Sam Patel", [(Role.AGENCY_USER, None, "Leicestershire Police")]),
    (
        "school-portal",
        "Jo Bennett",
        [(Role.AGENCY_USER, None, "Riverside Primary Academy (demo school)")],
    ),
]

# The agencies each partnership usually asks first (§4.3.1): its Safeguarding
# Partners, the health trusts, and (Leicestershire & Rutland) the Education
# representatives, through whom school information comes (§4.4 footnote 15).
USUAL_AGENCIES = {
    "leicester": [
        "Leicestershire Police",
        "Leicester, Leicestershire and Rutland Integrated Care Board",
        "Leicester City Council",
        "University Hospitals of Leicester NHS Trust",
        "Leicestershire Partnership NHS Trust",
    ],
    "leicestershire-rutland": [
        "Leicestershire Police",
        "Leicester, Leicestershire and Rutland Integrated Care Board",
        "Leicestershire County Council",
        "University Hospitals of Leicester NHS Trust",
        "Leicestershire Partnership NHS Trust",
        "Leicestershire and Rutland Education Safeguarding (Education representative)",
    ],
}
LOCAL_AUTHORITY = {
    "leicester": "Leicester City Council",
    "leicestershire-rutland": "Leicestershire County Council",
}
# Invented names, so that tests can prove they never reach a log, an email or a URL.
DEMO_CHILD_NAMES = [
    ("Wren Demo-Marsh", "Rowan Demo-Marsh"),
    ("Kai Demo-Ashworth", None),
    ("Noor Demo-Bexley", "Sami Demo-Bexley"),
    ("Isla Demo-Thorne", None),
    ("Ruby Demo-Castell", None),
    ("Leo Demo-Farrant", None),
    ("Maya Demo-Quill", None),
    ("Theo Demo-Lindqvist", "Ada Demo-Lindqvist"),
    ("Zara Demo-Okonkwo", None),
    ("Finn Demo-Harrowby", None),  # issue 16: Leicester's pending publication (PENDING_CASE)
]
SUMMARIES = [
    "Child A, aged 3, was admitted to hospital with a head injury; the explanation given "
    "does not fit the injury. Child B, a sibling, lives in the same household.",
    "Child A, aged 15, was found seriously injured after going missing from home for "
    "three days; concerns about exploitation had been raised at school.",
    "Child A, aged 9 months, was brought to the emergency department with fractures of "
    "different ages. The family had recently moved into the area.",
    "Child A, aged 12, died at home; neglect is suspected. The family were known to "
    "several agencies.",
    "Child A, aged 6, was seriously harmed by a parent's partner.",
    "Child A, aged 16 and looked after by the Local Authority, died; the circumstances "
    "are being investigated.",
    "Child A, aged 3, was admitted to hospital malnourished; health appointments had "
    "been missed for a year.",
    "Child A, aged 5, was seriously injured at home; Child B, a sibling, was present. "
    "A parent's mental health had been a concern to several agencies.",
    "Child A, aged 7, suffered a serious head injury; the family had moved between two "
    "Local Authority areas.",
    "Child A, aged 4, was seriously harmed by a parent's new partner; the school had seen "
    "bruises twice.",
]

# Demo cases per partnership: (days ago received, the stages it went through, led by
# the office user?)
CASES = [
    (3, [Stage.RAPID_REVIEW], True),
    (12, [Stage.RAPID_REVIEW], True),
    (25, [Stage.REFERRAL_DECISION], True),
    (35, [Stage.RAPID_REVIEW, Stage.LCSPR], False),  # the LCSPR just decided
    (200, [Stage.RAPID_REVIEW, Stage.LCSPR, Stage.PUBLICATION], True),
    (120, [Stage.RAPID_REVIEW, Stage.CLOSED], False),
]
OFFICE_USER = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
# The review team of the LCSPR with agreed terms of reference, per partnership: its
# external Reviewer (§6.1.1) and its Panel (§6.2.1) as (username, agency represented).
# Issue 14's demo story on each partnership's furthest review: the evidence gathered, or a
# family that declined to take part (§7.4.2).
EVIDENCE_STORY = {"leicester": "gathered", "leicestershire-rutland": "declined"}
REVIEWER_USER = {"leicester": "reviewer", "leicestershire-rutland": "lr-reviewer"}
PANEL_USERS = {
    "leicester": [
        ("panel-police", "Leicestershire Police"),
        ("panel-icb", "Leicester, Leicestershire and Rutland Integrated Care Board"),
        ("leicester-panel", "Leicester City Council"),
    ],
    "leicestershire-rutland": [
        ("panel-police", "Leicestershire Police"),
        ("panel-icb", "Leicester, Leicestershire and Rutland Integrated Care Board"),
        ("lr-panel", "Leicestershire County Council"),
    ],
}
CHAIR_USER = {"leicester": "leicester-chair", "leicestershire-rutland": "lr-chair"}
LOCAL_AUTHORITY_CRG_USER = {"leicester": "leicester-la-crg", "leicestershire-rutland": "lr-la-crg"}

# Rapid Reviews already held, per partnership (§4.4-4.8): (index into DEMO_CHILD_NAMES and
# SUMMARIES, days ago the notification was received, working days after it that the
# meeting was held and the report sent, the decision). The 15 working days to send the
# report (`rapid_review_complete`, §3.1.2) are kept by the first two and missed by the
# third. The newest open Rapid Review's future meeting is set by `_calendar`.
HELD_RAPID_REVIEWS = [
    (6, 80, 9, 11, "proceed"),
    (7, 55, 10, 13, "not_proceed"),
    (8, 40, 12, 18, "proceed"),
]


# The family of the review furthest on (issue 14, §7), invented like the children's names
# so that tests can prove they never reach a log, an email or a URL: (relationship as the
# case file records it, name) per partnership, and the network's own additions.
DEMO_FAMILY = {
    "leicester": [("Mother", "Leanne Demo-Quill"), ("Father", "Craig Demo-Pryce")],
    "leicestershire-rutland": [("Mother", "Kelly Demo-Quill"), ("Father", "Ryan Demo-Quill")],
}
DEMO_NETWORK_ADDED = ("Margaret Demo-Quill", "Dean Demo-Hollis", "Tyler Demo-Quill")
DEMO_FAMILY_NAMES = [name for family in DEMO_FAMILY.values() for _, name in family] + list(
    DEMO_NETWORK_ADDED
)

# Issue 15's demo story on the same review: three drafts written in the product and taken
# through QA and the CRG to the partnership's approval, or one draft uploaded from Word.
REPORT_STORY = {"leicester": "approval", "leicestershire-rutland": "word"}
# What the second Leicester draft says that the anonymisation guard must find (§9.1.3): the
# half-brother's first name (the network's, DEMO_NETWORK_ADDED) and the school asked for
# information (`_submissions`). The third draft says "Child A's half-brother" and "the school".
REPORT_SIBLING_FIRST_NAME = DEMO_NETWORK_ADDED[2].split()[0]
REPORT_SCHOOL = "Riverside Primary Academy (demo school)"

# The sections of Leicester's drafts (reviews.services.report_drafts.DEFAULT_HEADINGS' keys)
# as each draft writes them; a draft starts as a copy of the one before. Only pseudonyms.
REPORT_DRAFT_1 = {
    "overview": "Child A, aged 3, was admitted to hospital malnourished. Health appointments "
    "had been missed for a year, and the family had moved into the area two years before.",
    "methods": "A systems-based review: the agencies' information reports, a combined "
    "chronology, conversations with practitioners and with Child A's mother, and a "
    "learning workshop.",
    "kloes": "Information about the family was held by several agencies but was not brought "
    "together.\n\nThe concerns staff at the school gate raised were recorded but not shared "
    "with health visitors.\n\nThe move between services was not planned for.",
}
REPORT_DRAFT_2 = {
    "daily_life": "Child A's half-brother "
    + REPORT_SIBLING_FIRST_NAME
    + " walked her to "
    + REPORT_SCHOOL
    + " most mornings; staff noticed she seemed small for her age.",
    "protected_characteristics": "The family's language and culture were recorded; no "
    "interpreter was needed.",
    "direct_work": "Nobody spoke with Child A alone in the year before the admission.",
    "context_systems": "Health visiting caseloads were high and appointments were sent by "
    "letter only.",
    "decisions": "Each missed appointment was closed on its own, without a view of the whole year.",
    "agencies_together": "The referral and the missed appointments sat in two systems.",
    "practice_in_general": "The audit of missed appointments shows the same pattern across "
    "the area.",
    "prevent_harm": "A single view of missed health appointments for children under five.",
    "good_practice": "The health visitor followed up the first missed appointment by phone.",
    "views": "Child A's mother spoke with the Reviewer; the father did not take part while "
    "the criminal investigation continues.",
    "practitioners_events": "Practitioners at the workshop described the pressure of "
    "letter-only follow-up.",
    "research": "The National Panel's review of neglect in young children.",
    "other_reports": "The partnership's audit of missed health appointments.",
    "agencies_learn": "Agencies must bring missed appointments and concerns together.",
    "recommendations": "Two recommendations, each with its owner, measure and date.",
}
REPORT_DRAFT_3 = {
    "daily_life": "Child A's half-brother walked her to school most mornings; staff "
    "noticed she seemed small for her age.",
}
# Leicester's findings (§9.2.1), each with its recommendation (§9.2.2): title, text,
# action, measure of success (the second has none: not yet SMART).
REPORT_FINDINGS = [
    (
        "Missed appointments were not seen together",
        "Each missed health appointment was closed on its own, so a year of them was not "
        "seen as neglect.",
        "Bring every missed health appointment of a child under five into one view shared "
        "with children's social care.",
        "An audit in six months finds every child with two or more missed appointments discussed.",
    ),
    (
        "Concerns from school were not heard by health",
        "Staff raised concerns about Child A's size that never reached the health visitor.",
        "Give school staff a direct route to the health visiting team.",
        "",
    ),
]
# Leicestershire & Rutland's Word draft: (heading, paragraphs), and the page of the draft
# that addresses each point of the minimum content it covers (§9.1.2); the rest is missing.
REPORT_WORD_DRAFT = [
    (
        "Overview",
        [
            "Child A, aged 3, was admitted to hospital malnourished. Health appointments "
            "had been missed for a year.",
        ],
    ),
    (
        "How the review was carried out",
        [
            "A systems-based review of the agencies' information reports and a combined "
            "chronology.",
            "The parents declined to take part; their reasons are recorded.",
        ],
    ),
    (
        "Child A's daily life",
        ["Child A lived with her parents; nobody spoke with her alone."],
    ),
    (
        "The views of the family",
        [
            "The parents did not wish to go over events again; they may be asked again "
            "before the report is shared.",
        ],
    ),
]
REPORT_WORD_PAGES = {"overview": "Page 1", "methods": "Page 1", "daily_life": "Page 2"}

# Issue 16: each partnership's review at publication (`CASES`' case received 200 days ago)
# has a final report, made through issue 15's services on past days. Its Reviewer and Panel
# (§6.1.1, §6.2.1): (username, agency represented).
PUBLISHED_REVIEWER_USER = {
    "leicester": "published-reviewer",
    "leicestershire-rutland": "lr-published-reviewer",
}
PUBLISHED_PANEL_USERS = {
    "leicester": [
        ("panel-police", "Leicestershire Police"),
        ("panel-icb", "Leicester, Leicestershire and Rutland Integrated Care Board"),
        ("leicester-panel", "Leicester City Council"),
    ],
    "leicestershire-rutland": [
        ("panel-police", "Leicestershire Police"),
        ("panel-icb", "Leicester, Leicestershire and Rutland Integrated Care Board"),
        ("lr-published-panel", "Leicestershire County Council"),
    ],
}
# The two key themes of the published reviews (§8.8.1): (theme code, title, description).
PUBLISHED_THEMES = [
    (
        "domestic-abuse",
        "A parent's new partner",
        "How agencies saw the risk a new partner in the household posed to Child A.",
    ),
    (
        "information-sharing",
        "Sharing what each agency knew",
        "Why what the school saw and what the Police knew were not brought together.",
    ),
]
# Their findings (§9.2.1), each answering the key line of enquiry of the same position, with
# one agreed SMART recommendation (§9.2.2): (title, text, owner: "la", "police" or a health
# trust's name, action, measure of success, days from today it is due). The first is due
# before today, so that its action can be shown overdue once the plan is made (§11.3).
PUBLISHED_HEALTH_TRUST = "University Hospitals of Leicester NHS Trust"
PUBLISHED_FINDINGS = [
    (
        "The new partner's history was not shared",
        "The Police knew of the partner's violence in a previous relationship; children's "
        "social care did not ask, and the Police did not tell them, when he moved in.",
        "police",
        "Check every adult who joins the household of a child on a plan against Police "
        "records, and share what is found within two working days.",
        "An audit of twenty new household members finds every check made and shared in time.",
        -10,
    ),
    (
        "Bruises seen at school were not heard by health",
        "Staff recorded bruises on Child A twice; the school nurse and the GP did not learn "
        "of them, so the hospital treated the later injury without that history.",
        PUBLISHED_HEALTH_TRUST,
        "Give school staff a direct route to the safeguarding health team, and record every "
        "concern passed along it.",
        "Every concern a school passes on is seen by the safeguarding health team within one "
        "working day, for three months running.",
        60,
    ),
    (
        "The move between services was not planned for",
        "When the family moved across the city, Child A's case was closed by one team before "
        "the next had opened it.",
        "la",
        "Hand over every child's case between teams at a meeting, before the first team closes it.",
        "No child's case is closed before the next team has met the family, in a six-month audit.",
        150,
    ),
]
# The published reports' sections (reviews.services.report_drafts.DEFAULT_HEADINGS' keys):
# every point of the minimum content (§9.1.2), with the pseudonym only (§9.1.3).
PUBLISHED_REPORT = {
    "overview": "Child A, aged 6, was seriously harmed by a parent's new partner, who had moved "
    "into the household three months before.",
    "methods": "A systems-based review: the agencies' information reports, a combined "
    "chronology, conversations with practitioners and a learning event.",
    "kloes": "Information about the new partner was held by the Police but was not asked for "
    "or shared.\n\nWhat the school saw did not reach health.\n\nThe move between teams was "
    "not planned for.",
    "daily_life": "Child A enjoyed school and football; staff described a cheerful child who "
    "became quieter in the months before.",
    "protected_characteristics": "The family's language, culture and faith were recorded; no "
    "interpreter was needed.",
    "direct_work": "Child A was seen alone once, at school, and spoke of being scared at home.",
    "context_systems": "The teams were short of staff and cases were closed to manage demand.",
    "decisions": "Each concern was judged on its own, without the history other agencies held.",
    "agencies_together": "The Police, the school and health each held part of the picture.",
    "practice_in_general": "An audit found the same gap in checks on new household members.",
    "prevent_harm": "Checks on every adult joining a child's household, shared promptly.",
    "good_practice": "The class teacher recorded each concern clearly and the same day.",
    "views": "Child A's parent spoke with the Reviewer about the help the family needed.",
    "practitioners_events": "Practitioners described closing cases to manage their caseloads.",
    "research": "The National Panel's review of harm by adults new to a child's household.",
    "other_reports": "The partnership's audit of checks on new household members.",
    "agencies_learn": "Agencies must ask about, and share, what they know of new adults.",
    "recommendations": "Three recommendations, for the Police, the health trust and the Local "
    "Authority, each with its measure of success and its date.",
}

# Where the demo sends the notice of an LCSPR's delay (§3.1.3): plausible, undeliverable.
DEMO_NATIONAL_PANEL_EMAIL = "national-review-panel@notices.example"
DEMO_SECRETARY_OF_STATE_EMAIL = "secretary-of-state@notices.example"
# Issue 16: where the demo's publication pack (§10.5.1) and NSPCC submission (§10.5.3) go:
# the same reserved domain, never the real Ofsted, DfE or NSPCC mailboxes (the fields'
# defaults, which the demo replaces).
DEMO_PUBLICATION_EMAILS = {
    "ofsted_email": "ofsted-notices@notices.example",
    "dfe_email": "dfe-notices@notices.example",
    "nspcc_email": "nspcc-repository@notices.example",
}
# Issue 16's demo stories on the reviews at publication (§10-§12): Leicester's first review
# published with its action plan part-complete, L&R's published as improvements only; and a
# second Leicester review (index into DEMO_CHILD_NAMES and SUMMARIES, days ago received)
# whose notice went yesterday, its planned date the earliest allowed (§10.5.1).
PUBLICATION_STORY = {"leicester": "report", "leicestershire-rutland": "improvements"}
# The partnerships whose demo logs a national review's learning and a §12.3 request.
NATIONAL_REVIEW_STORY = {"leicester"}
PENDING_CASE = ("leicester", 9, 190)
PENDING_REVIEWER_USER = "pending-reviewer"
# Where each partnership publishes (§10.5.2): an example website, not a real one.
DEMO_WEBSITE = {
    "leicester": "https://www.leicester-safeguarding.example/reviews/",
    "leicestershire-rutland": "https://www.lr-safeguarding.example/reviews/",
}


class Command(BaseCommand):
    help = "Create the demo agencies, users and cases (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data has known passwords: it is only loaded with DEBUG=1 or DEMO=1, "
                "never in production."
            )
        password = settings.DEMO_PASSWORD
        partnerships = {p.slug: p for p in Partnership.objects.all()}
        agencies = self._agencies(partnerships)
        users = {
            username: self._user(username, full_name, password, roles, partnerships, agencies)
            for username, full_name, roles in USERS
        }
        self._superuser(password)
        opened = 0
        for slug, partnership in partnerships.items():
            if Case.objects.for_partnership(partnership).exists():
                continue
            office = users[OFFICE_USER[slug]]
            partnership.usual_agencies.set([agencies[name] for name in USUAL_AGENCIES[slug]])
            for index, (days_ago, stages, led) in enumerate(CASES):
                opened += 1
                case = self._intake(
                    partnership,
                    index,
                    received_on=timezone.localdate() - timedelta(days=days_ago),
                    referral=stages[0] == Stage.REFERRAL_DECISION,
                    office=office,
                    lead=office if led else None,
                    agencies=agencies,
                )
                if Stage.LCSPR in stages or Stage.CLOSED in stages:
                    self._duties_done(case, office)
                for stage in stages[1:]:
                    services.case_stage_set(
                        case=case, stage=stage, actor=office, reason="Demo: moved on"
                    )
                self._deadlines(case, stages, office)
            self._requests(partnership, office, agencies, users)
            self._calendar(partnership, office)
        for partnership in partnerships.values():
            self._delay_notice_addresses(partnership)
            self._publication_addresses(partnership)
        for partnership in partnerships.values():
            # A separate check, so that a demo database seeded before these existed gains
            # them too; a partnership with a signed-off Rapid Review already has them.
            if self._rapid_reviews_held_exist(partnership):
                continue
            opened += len(HELD_RAPID_REVIEWS)
            self._rapid_reviews_held(partnership, agencies, users)
        for partnership in partnerships.values():
            # The LCSPRs the held Rapid Reviews opened, at two points of their six months
            # (the one opened by `CASES` is just decided: no basis, no team yet).
            self._lcsprs_under_way(partnership, agencies, users)
        # Issue 16: Leicester's second review at publication, for the pending story.
        opened += self._pending_case(partnerships, agencies, users)
        for partnership in partnerships.values():
            # Issue 16: the review at publication, its report final.
            self._publication_ready(partnership, agencies, users)
        for partnership in partnerships.values():
            # Issue 16's demo: publication, action plans and learning (§10-§12).
            self._published(partnership, agencies, users)
            self._learning_logged(partnership, agencies, users)
        self._pending_publication(partnerships[PENDING_CASE[0]], users)
        for partnership in partnerships.values():
            # Issue 17: two financial years and this one of history, for the reports. Last,
            # so that the stories above find the demo's own cases, meetings and reviews.
            opened += history_make(partnership, self._history_cast(partnership, agencies, users))
        self.stdout.write(
            f"Demo data ready: {len(agencies)} agencies, {len(users)} users, "
            f"{opened} new cases. Demo password: "
            f"{'from DEMO_PASSWORD' if password != settings.DEMO_PASSWORD_DEFAULT else password}"
        )

    def _history_cast(self, partnership, agencies, users):
        """Who the history's stories have (cases/management/demo_history.py): the demo's
        own people and agencies."""
        slug = partnership.slug
        return HistoryCast(
            office=users[OFFICE_USER[slug]],
            chair=users[CHAIR_USER[slug]],
            police_member=users["police-crg"],
            la_member=users[LOCAL_AUTHORITY_CRG_USER[slug]],
            police_portal=users["police-portal"],
            police=agencies["Leicestershire Police"],
            local_authority=agencies[LOCAL_AUTHORITY[slug]],
            trust=agencies["University Hospitals of Leicester NHS Trust"],
            referrer=agencies["Leicestershire Partnership NHS Trust"],
        )

    def _intake(
        self, partnership, index, *, received_on, referral, office, lead, agencies, names=None
    ):
        """A demo notification or referral, with invented children (§4.1): those of
        DEMO_CHILD_NAMES[index], or `names` ((subject, sibling or None)) if given."""
        subject, sibling = names or DEMO_CHILD_NAMES[index]
        children = [
            ChildDetails(
                role=ChildRole.SUBJECT,
                local_authority_reference=f"DEMO-{index + 1:03d}",
                name=subject,
                date_of_birth=received_on - timedelta(days=365 * (3 + 2 * (index % 6))),
            )
        ]
        if sibling:
            children.append(ChildDetails(role=ChildRole.SIBLING, name=sibling))
        if referral:
            return services.referral_record(
                partnership=partnership,
                details=ReferralDetails(
                    received_on=received_on,
                    summary=SUMMARIES[index],
                    referring_agency=agencies["Leicestershire Partnership NHS Trust"],
                    referrer_name="Named nurse for safeguarding (demo)",
                    criteria=(Criterion.AGENCIES_WORKING_TOGETHER, Criterion.SINGLE_AGENCY),
                    reasons="Several agencies knew of the family; information may not have "
                    "been shared when the family moved.",
                ),
                children=children,
                actor=office,
                lead_officer=lead,
            )
        return services.notification_record(
            partnership=partnership,
            details=NotificationDetails(
                received_on=received_on,
                summary=SUMMARIES[index],
                notifying_authority=agencies[LOCAL_AUTHORITY[partnership.slug]],
                notified_national_panel_on=received_on,
                incident_kind=IncidentKind.DEATH if index in (3, 5) else IncidentKind.SERIOUS_HARM,
                abuse_or_neglect=AbuseOrNeglect.SUSPECTED,
                incident_on=received_on - timedelta(days=1),
                # §1.3.5: a looked-after child's death has its own notifications.
                care_status=CareStatus.LOOKED_AFTER if index == 5 else CareStatus.NEITHER,
                secretary_of_state_notified_on=received_on if index == 5 else None,
                ofsted_notified_on=received_on if index == 5 else None,
            ),
            children=children,
            actor=office,
            lead_officer=lead,
        )

    def _requests(self, partnership, office, agencies, users):
        """Information requests on the two open Rapid Reviews, some answered (§4.3)."""
        open_reviews = list(
            Case.objects.for_partnership(partnership)
            .filter(stage=Stage.RAPID_REVIEW)
            .order_by("opened_on")
        )
        older, newer = open_reviews[0], open_reviews[-1]
        asked = list(partnership.usual_agencies.all())
        school = agencies["Riverside Primary Academy (demo school)"]
        if partnership.school_request_route == "direct" and school in set(
            Agency.objects.filter(partnerships=partnership)
        ):
            asked.append(school)
        today = timezone.localdate()
        services.information_requests_send(
            case=older,
            agencies=asked,
            reply_due_on=services.reply_due_suggestion(case=older, today=today),
            letter_note="Please include any contact in the last two years.",
            actor=office,
        )
        services.information_requests_send(
            case=newer,
            agencies=[agencies["Leicestershire Police"]],
            reply_due_on=services.reply_due_suggestion(case=newer, today=today),
            actor=office,
        )
        police = users["police-portal"]
        scope = Scope(user=police, membership=police.memberships.get())
        (request,) = selectors.case_requests(case=older).filter(
            agency__name="Leicestershire Police"
        )
        if partnership.uses_chronology_template:
            for days, event, response in (
                (
                    60,
                    "Domestic incident reported by a neighbour.",
                    "Officers attended; a DASH risk assessment was completed (standard risk).",
                ),
                (
                    20,
                    "Child A seen with a bruise by officers at an unrelated call.",
                    "Referral made to children's social care the same day.",
                ),
            ):
                services.chronology_entry_add(
                    scope=scope,
                    request=request,
                    happened_on=today - timedelta(days=days),
                    source="Police incident log (demo)",
                    event=event,
                    agency_response=response,
                )
        services.reply_submit(
            scope=scope,
            request=request,
            details=ReplyDetails(
                involvement=Involvement.YES,
                involvement_summary="Two attendances at the family home in the last year.",
                dates_and_contacts="Attendances recorded in the incident log; officer in "
                "the case DC Demo.",
                actions_taken="Risk assessments completed; one referral to children's social care.",
                concerns="Repeat domestic incidents in the household.",
                facts="Two recorded incidents; one referral made.",
                opinion="The risk to the children may have been underestimated.",
                records_secured=True,
                records_secured_on=today,
                records_nominated_representative="Detective Inspector, Public Protection",
                completed_by="DS Sam Patel, Public Protection Unit",
            ),
            version=request.version,
        )
        if school in asked:
            teacher = users["school-portal"]
            (school_request,) = selectors.case_requests(case=older).filter(agency=school)
            services.reply_save(
                scope=Scope(user=teacher, membership=teacher.memberships.get()),
                request=school_request,
                details=ReplyDetails(
                    involvement=Involvement.YES,
                    involvement_summary="Child B attends the school (draft).",
                ),
                version=school_request.version,
            )
        services.combined_summary_save(
            case=older,
            actor=office,
            background="Child A was admitted to hospital with an injury the explanation "
            "did not fit. Agencies were asked for their involvement with the family.",
            collation_notes="",
            version=1,
        )

    def _calendar(self, partnership, office):
        """The CRG's monthly meetings, with a diarised slot between each (§4.4.1), and the
        newest Rapid Review set for the next monthly meeting (§4.4.2)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import MeetingKind

        today = timezone.localdate()
        made = []
        for month in range(4):
            monthly = today + timedelta(days=7 + 28 * month)
            made.append((MeetingKind.MONTHLY, monthly))
            made.append((MeetingKind.DIARISED, monthly + timedelta(days=14)))
        window_slot = None
        for kind, day in made:
            while day.weekday() >= 5:  # meetings fall on working days
                day += timedelta(days=1)
            meeting = rapid_review_services.crg_meeting_create(
                partnership=partnership,
                kind=kind,
                held_on=day,
                starts_at=datetime.time(10, 0),
                location="Online (demo)",
                actor=office,
            )
            window_slot = window_slot or meeting
        review_case = (
            Case.objects.for_partnership(partnership)
            .filter(stage=Stage.RAPID_REVIEW)
            .order_by("-opened_on")
            .first()
        )
        rapid_review_services.rapid_review_meeting_set(
            case=review_case,
            meeting=window_slot,
            actor=office,
            version=1,
            reason="Demo: the next scheduled meeting",
        )

    def _rapid_reviews_held_exist(self, partnership):
        from rapidreview.models import RapidReview

        return (
            RapidReview.objects.for_partnership(partnership)
            .filter(signed_off_at__isnull=False)
            .exists()
        )

    def _rapid_reviews_held(self, partnership, agencies, users):
        """Rapid Reviews of the past months, each told through the services as it happened:
        the meeting set in its window and held, quorate, minuted, decided and signed off,
        then the report sent, the decision notified and the outcome sent (§4.4-4.8)."""
        cal = selectors.working_calendar(partnership=partnership)
        today = timezone.localdate()
        for index, days_ago, meeting_after, report_after, decision in HELD_RAPID_REVIEWS:
            received_on = today - timedelta(days=days_ago)
            held_on = cal.add(received_on, meeting_after)
            sent_on = cal.add(received_on, report_after)
            with _demo_clock(received_on):
                case = self._intake(
                    partnership,
                    index,
                    received_on=received_on,
                    referral=False,
                    office=users[OFFICE_USER[partnership.slug]],
                    lead=users[OFFICE_USER[partnership.slug]],
                    agencies=agencies,
                )
                review = self._meeting_set(case, held_on, agencies, users)
            with _demo_clock(held_on):
                self._meeting_held(review, decision, agencies, users)
            with _demo_clock(sent_on):
                self._after_the_meeting(review, sent_on, users)

    def _meeting_set(self, case, held_on, agencies, users):
        """On the day of the notification: a diarised slot in the 7-13 working-day window
        (§4.4.1, §4.4.2), and the papers sent to the agencies and the CRG (§4.5.2)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import MeetingKind

        partnership = case.partnership
        office = users[OFFICE_USER[partnership.slug]]
        if deadline := self._open_deadline(case, "information_request_sent"):
            # §4.3.3 (where the variant says): the open Rapid Reviews show the requests
            # themselves; here only the duty's date is kept.
            services.deadline_complete(deadline=deadline, on=case.opened_on, actor=office)
        meeting = rapid_review_services.crg_meeting_create(
            partnership=partnership,
            kind=MeetingKind.DIARISED,
            held_on=held_on,
            starts_at=datetime.time(10, 0),
            location="Online (demo)",
            actor=office,
        )
        review = rapid_review_services.rapid_review_for(case=case)
        review = rapid_review_services.rapid_review_meeting_set(
            case=case, meeting=meeting, actor=office, version=review.version
        )
        rapid_review_services.invitations_send(
            review=review,
            actor=office,
            agencies=[agencies[name] for name in self._attending_agencies(partnership)],
            users=[users[CHAIR_USER[partnership.slug]], users["scrutineer"]],
        )
        return review

    def _attending_agencies(self, partnership):
        return [
            "Leicestershire Police",
            LOCAL_AUTHORITY[partnership.slug],
            "University Hospitals of Leicester NHS Trust",
        ]

    def _meeting_held(self, review, decision, agencies, users):
        """On the meeting day: a quorate meeting (§4.6.1) with declarations (§1.5.8), the
        Scrutineer's advice (§4.7.2), the record and the decision (§4.6.2), sections 2 and
        3 of the Combined Summary (§4.6.3), signed by the chair and each Safeguarding
        Partner present; proceeding opens the LCSPR and its six months (§3.1.2)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import DECISION_CRITERIA, AdviceKind, CriterionFinding, Decision

        case, meeting = review.case, review.meeting
        slug = case.partnership.slug
        office = users[OFFICE_USER[slug]]
        chair = users[CHAIR_USER[slug]]
        police, local_authority = users["police-crg"], users[LOCAL_AUTHORITY_CRG_USER[slug]]
        police_agency, la_agency, trust = (
            agencies[name] for name in self._attending_agencies(case.partnership)
        )
        for name, capacity, agency in (
            (chair.get_full_name(), "CRG chair", None),
            (police.get_full_name(), "Detective Chief Inspector, Public Protection", police_agency),
            (
                local_authority.get_full_name(),
                "Head of Safeguarding, Children's Services",
                la_agency,
            ),
            ("Anita Rowe", "Named Nurse for Safeguarding Children", trust),
            (users["scrutineer"].get_full_name(), "Independent Scrutineer", None),
            (office.get_full_name(), "Business Office (minutes)", None),
        ):
            rapid_review_services.attendance_record(
                meeting=meeting,
                actor=office,
                name=name,
                capacity=capacity,
                agency=agency,
                declaration="none",
                confidentiality_agreed=True,
            )
        proceed = decision == Decision.PROCEED
        rapid_review_services.scrutineer_advice_record(
            review=review,
            actor=office,
            kind=AdviceKind.IN_MEETING,
            advice="The chronology shows missed chances to share information; the decision "
            + ("to review is well founded." if proceed else "not to review is reasonable."),
            received_on=meeting.held_on,
        )
        review = self._refreshed(review)
        review = rapid_review_services.record_save(
            review=review,
            actor=office,
            version=review.version,
            facts_reviewed="The facts set out in the Combined Summary and the agencies' replies.",
            immediate_learning="Health and education did not share attendance concerns.",
            learning_sharing="A 7-minute briefing through the partnership's newsletter.",
            improvement_potential="Good potential to improve information sharing when "
            "families move between services.",
        )
        if proceed:
            action = rapid_review_services.immediate_action_add(
                review=review,
                actor=office,
                action="Visit the child's siblings at home and review their safety plan.",
                owner="Duty social worker, Children's Social Care",
                due_on=meeting.held_on + timedelta(days=3),
            )
            rapid_review_services.immediate_action_done(
                item=action, actor=office, done_on=meeting.held_on
            )
        else:
            rapid_review_services.no_immediate_action_record(
                review=self._refreshed(review), actor=office
            )
        services.combined_summary_save(
            case=case,
            actor=office,
            background="The child's history as the agencies' replies describe it.",
            collation_notes="",
            version=self._summary_version(case),
        )
        rapid_review_services.summary_sections_agree(
            case=case,
            actor=office,
            version=self._summary_version(case),
            section_2="The analysis agreed at the meeting.",
            section_3="The conclusions agreed at the meeting.",
        )
        finding = CriterionFinding.MET if proceed else CriterionFinding.NOT_MET
        rationale = (
            "The chronology and the agencies' replies show it."
            if proceed
            else "Nothing in the agencies' replies points to it."
        )
        review = self._refreshed(review)
        review = rapid_review_services.decision_record(
            review=review,
            actor=office,
            version=review.version,
            details=rapid_review_services.DecisionDetails(
                decision=decision,
                rationale="The criteria are met: agencies held information they did not share."
                if proceed
                else "Agencies worked well together; the learning is being acted on already.",
                criteria={
                    c.value: {"finding": finding, "rationale": rationale} for c in DECISION_CRITERIA
                },
                key_lines_of_enquiry="How agencies shared information about the family\n"
                "How concerns raised by the school were heard"
                if proceed
                else "",
                dissemination=""
                if proceed
                else "A 7-minute briefing to every agency, and a learning event for practitioners.",
                other_learning_processes=""
                if proceed
                else "A single-agency review by the health trust.",
            ),
        )
        for role, signer in (
            ("chair", chair),
            ("police", police),
            ("local_authority", local_authority),
        ):
            rapid_review_services.decision_sign(
                review=self._refreshed(review), actor=signer, role=role
            )

    def _after_the_meeting(self, review, sent_on, users):
        """The Rapid Review Report to the National Panel (§4.8.1), the decision notified
        (§1.6.3) and the outcome to every agency involved (§4.8.2)."""
        from rapidreview import services as rapid_review_services

        office = users[OFFICE_USER[review.case.partnership.slug]]
        review = self._refreshed(review)
        rapid_review_services.report_sent_record(review=review, actor=office, sent_on=sent_on)
        rapid_review_services.decision_notified_record(
            review=review, actor=office, notified_on=sent_on
        )
        rapid_review_services.outcomes_send(review=review, actor=office)

    def _refreshed(self, review):
        review.refresh_from_db()
        return review

    def _summary_version(self, case):
        summary = (
            CombinedSummary.objects.for_partnership(case.partnership).filter(case=case).first()
        )
        return summary.version if summary else 1

    def _delay_notice_addresses(self, partnership):
        """Where the notice of an LCSPR's delay goes (§3.1.3), if the admin has set none:
        the demo's own addresses (a reserved domain), never the real bodies'."""
        fields = {
            "national_panel_email": DEMO_NATIONAL_PANEL_EMAIL,
            "secretary_of_state_email": DEMO_SECRETARY_OF_STATE_EMAIL,
        }
        unset = [name for name in fields if not getattr(partnership, name)]
        for name in unset:
            setattr(partnership, name, fields[name])
        if unset:
            partnership.save(update_fields=unset)

    def _publication_addresses(self, partnership):
        """Where the publication pack (§10.5.1) and the NSPCC submission (§10.5.3) go, if
        the admin has set none: the demo's reserved-domain addresses, never the real
        Ofsted, DfE or NSPCC mailboxes."""
        unset = [
            name
            for name in DEMO_PUBLICATION_EMAILS
            if getattr(partnership, name) in ("", Partnership._meta.get_field(name).default)
        ]
        for name in unset:
            setattr(partnership, name, DEMO_PUBLICATION_EMAILS[name])
        if unset:
            partnership.save(update_fields=unset)

    def _lcsprs_under_way(self, partnership, agencies, users):
        """The LCSPRs the held Rapid Reviews opened: the older with its terms of reference
        agreed, its team and a panel meeting held; the newer delayed, the CRG having
        considered the delay and the notice sent (§3.1.3). Each is skipped once it has
        its story, so a second run changes nothing."""
        from reviews.models import Lcspr

        running = list(
            Lcspr.objects.for_partnership(partnership)
            .filter(case__stage=Stage.LCSPR, case__rapid_review__signed_off_at__isnull=False)
            .select_related("case__partnership")
            .order_by("decided_on", "id")
        )
        if len(running) < 2:
            return
        self._terms_agreed(running[0], agencies, users)
        self._delayed(running[-1], agencies, users)
        # Issue 14: the review's evidence, on the review furthest on.
        if EVIDENCE_STORY[partnership.slug] == "gathered":
            self._evidence_gathered(running[0], agencies, users)
        else:
            self._family_declined(running[0], users)
        # Issue 15: the report, on the same review.
        if REPORT_STORY[partnership.slug] == "approval":
            self._report_written(running[0], agencies, users)
        else:
            self._report_uploaded(running[0], users)

    def _past_crg_meeting(self, partnership, day, office):
        """A CRG monthly meeting on `day` (a working day on or after it), created while it
        was ahead, as the calendar's are (the services refuse a meeting in the past)."""
        from rapidreview import services as rapid_review_services
        from rapidreview.models import MeetingKind

        while day.weekday() >= 5:
            day += timedelta(days=1)
        with _demo_clock(day - timedelta(days=14)):
            return rapid_review_services.crg_meeting_create(
                partnership=partnership,
                kind=MeetingKind.MONTHLY,
                held_on=day,
                starts_at=datetime.time(14, 0),
                location="Online (demo)",
                actor=office,
            )

    def _terms_agreed(self, lcspr, agencies, users, *, reviewer=None, panel=None, ahead=True):
        """A review some weeks in: its external Reviewer and a Panel of all three
        Safeguarding Partners, declared (§6.1.1, §6.2.1, §1.5.8); the Police liaison
        (§6.2.3); terms of reference agreed by the CRG (§5.1.3) with a scoping period,
        key lines of enquiry, the methodology and a criminal investigation alongside
        (§5.2-§5.6); a panel meeting held and minuted with an action, the family's
        coordinator named (§7.1.3), and a learning event and the next meeting ahead (§5.8).
        `reviewer` (a username) and `panel` ((username, agency name) pairs) name another
        team than the partnership's usual one; `ahead=False`, for a review long past them,
        leaves out the action and what is ahead."""
        from reviews import services as review_services
        from reviews.models import (
            Appointment,
            AppointmentRole,
            AttendanceStatus,
            CollectionTool,
            LegalAdvice,
            MilestoneKind,
            ParallelKind,
            ParallelStatus,
            StandingItem,
            TermsVersion,
        )

        case = lcspr.case
        partnership = case.partnership
        if TermsVersion.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            return
        slug = partnership.slug
        office = users[OFFICE_USER[slug]]
        today = timezone.localdate()
        decided = lcspr.decided_on
        appointed_on = min(decided + timedelta(days=7), today)
        team = []
        reviewer = users[reviewer or REVIEWER_USER[slug]]
        panel = panel or PANEL_USERS[slug]
        # A demo database whose Reviewer was appointed elsewhere keeps that: they see one
        # review only (§2.1.6).
        if not Appointment.objects.for_partnership(partnership).filter(user=reviewer).exists():
            with _demo_clock(appointed_on):
                team.append(
                    review_services.appointment_make(
                        lcspr=lcspr,
                        user=reviewer,
                        role=AppointmentRole.REVIEWER,
                        appointed_on=appointed_on,
                        actor=office,
                        is_external=True,
                    )
                )
        with _demo_clock(appointed_on):
            for username, agency_name in panel:
                team.append(
                    review_services.appointment_make(
                        lcspr=lcspr,
                        user=users[username],
                        role=AppointmentRole.PANEL_MEMBER,
                        appointed_on=appointed_on,
                        actor=office,
                        agency=agencies[agency_name],
                    )
                )
            # Each appointee declares as themselves (§1.5.8), as on their declaration page.
            for appointment in team:
                review_services.declaration_make(
                    appointment=appointment,
                    actor=appointment.user,
                    has_conflict=False,
                    conflict_details="",
                    confidentiality_agreed=True,
                )
            review_services.police_liaison_save(
                lcspr=lcspr,
                actor=office,
                senior_investigating_officer="DCI Major Crime Unit, Leicestershire Police (demo)",
                crown_prosecution_service_contact="CPS East Midlands, Complex Casework Unit",
                family_liaison="A Family Liaison Officer is with the parents; the review "
                "goes through them before contacting the family.",
                version=0,
            )
            review_services.parallel_process_add(
                lcspr=lcspr,
                actor=office,
                kind=ParallelKind.CRIMINAL,
                lead="Leicestershire Police, Major Crime Unit",
                contact="The Senior Investigating Officer, through the Police liaison",
                status=ParallelStatus.UNDER_WAY,
                effect_on_timing="Practitioners who are witnesses are spoken to after "
                "their statements are taken.",
                effect_on_family="The family are approached through the Family Liaison Officer.",
            )
        agreed_on = self._past_crg_meeting(partnership, decided + timedelta(days=28), office)
        with _demo_clock(agreed_on.held_on - timedelta(days=10)):
            version = review_services.terms_version_save(
                lcspr=lcspr,
                actor=office,
                based_on=0,
                draft=review_services.TermsDraft(
                    crg_early_input="Look at how concerns raised by the school were heard.",
                    scoping_start=decided - timedelta(days=2 * 365),
                    scoping_end=decided - timedelta(days=30),
                    scoping_reason="The two years before the incident, from when the family "
                    "moved into the area (§5.2.1).",
                    key_lines_of_enquiry=[
                        "How agencies shared information about the family",
                        "How concerns raised by the school were heard",
                        "Whether the family's move between services was planned for",
                    ],
                    methodology="A systems-based review (§8.1): agencies' information "
                    "reports and a combined chronology, conversations with practitioners "
                    "and a learning event.",
                    collection_tools=[
                        CollectionTool.KEY_EVENTS_CHRONOLOGY,
                        CollectionTool.INFORMATION_REPORTS,
                    ],
                    family_invitation="The parents are invited by letter, through the "
                    "Family Liaison Officer, once the Police agree.",
                    family_support="An independent advocate is offered.",
                    legal_advice=LegalAdvice.LATER,
                    legal_advice_from="The partnership's legal adviser",
                    legal_advice_when="Before the draft report is shared with the family",
                ),
            )
            review_services.terms_put_to_crg(
                lcspr=lcspr, actor=office, number=version.number, meeting=agreed_on
            )
        with _demo_clock(agreed_on.held_on):
            review_services.terms_agreement_record(lcspr=lcspr, actor=office, agreed=True)
        held_on = min(agreed_on.held_on + timedelta(days=7), today - timedelta(days=1))
        with _demo_clock(agreed_on.held_on):
            meeting = review_services.panel_meeting_schedule(
                lcspr=lcspr, held_on=held_on, actor=office, owner=reviewer
            )
        local_authority_member = users[panel[-1][0]]
        with _demo_clock(held_on):
            answers = {
                StandingItem.DECLARATIONS: "Everyone present has declared; no conflict of "
                "interest.",
                StandingItem.FAMILY_ENGAGEMENT: "The family are approached through the "
                "Family Liaison Officer once the Police agree.",
                StandingItem.IMMEDIATE_ACTION: "None needed: the actions from the Rapid "
                "Review are in hand.",
            }
            review_services.minutes_save(
                meeting=meeting,
                version=meeting.version,
                answers={item.pk: answers.get(item.standing, "") for item in meeting.agenda.all()},
                attendance={appointment.user_id: AttendanceStatus.PRESENT for appointment in team},
                decisions="Agencies send their information reports within four weeks.",
                minutes="The panel agreed the plan for the information reports and the "
                "practitioner conversations.",
                record=True,
                actor=office,
            )
            if ahead:
                review_services.panel_action_add(
                    meeting=meeting,
                    description="Ask each agency for its information report.",
                    owner=local_authority_member,
                    due_on=today + timedelta(days=14),
                    actor=office,
                )
            review_services.family_coordinator_name(
                lcspr=lcspr,
                name="Sarah Collins",
                role="Family Liaison Officer",
                agency=agencies["Leicestershire Police"],
                version=0,
                actor=office,
            )
        if not ahead:
            return
        review_services.panel_meeting_schedule(
            lcspr=lcspr, held_on=today + timedelta(days=21), actor=office, owner=reviewer
        )
        review_services.milestone_add(
            lcspr=lcspr,
            kind=MilestoneKind.LEARNING_EVENT,
            due_on=today + timedelta(days=42),
            actor=office,
            owner=reviewer,
            notes="Practitioners from every agency involved.",
        )

    # --- Issue 14: the review's evidence (§7, §8) ------------------------------------------

    def _panel_held_on(self, lcspr):
        """The day the review's first panel meeting was held (`_terms_agreed`): the
        evidence is gathered after it."""
        from reviews.models import PanelMeeting

        held = (
            PanelMeeting.objects.for_partnership(lcspr.case.partnership)
            .filter(lcspr=lcspr, minutes_recorded_at__isnull=False)
            .select_related("milestone")
            .order_by("milestone__due_on")
            .first()
        )
        return held.held_on if held else lcspr.decided_on

    def _scope(self, user):
        return Scope(user=user, membership=user.memberships.get())

    def _review_lead(self, lcspr, office):
        """The review's Reviewer, who chairs the Panel and holds the conversations (§7.4.1,
        §8.7); the Business Office where the demo database appointed them elsewhere."""
        from reviews.selectors.family import reviewer

        appointment = reviewer(lcspr=lcspr)
        return appointment.user if appointment else office

    def _evidence_gathered(self, lcspr, agencies, users):
        """The Leicester review some weeks after its first panel meeting, each part made
        through the services on its own day: the family network with both genograms and
        the family's engagement (§7); three agencies' submissions at three points
        (§8.2-8.7); two key themes (§8.8); and the learning workshop planned (§8.9-8.11).
        Each part is skipped once it has its story, so a second run changes nothing."""
        from reviews.models import GenogramUpload, KeyTheme, NetworkMember, Workshop
        from reviews.selectors.terms import terms_in_force

        partnership = lcspr.case.partnership
        if terms_in_force(lcspr) is None:
            return  # agencies are asked once the terms are agreed (§8.2.1)
        held_on = self._panel_held_on(lcspr)
        today = timezone.localdate()

        def day(n):
            return min(held_on + timedelta(days=n), today)

        def has(model):
            return model.objects.for_partnership(partnership).filter(lcspr=lcspr).exists()

        if not has(NetworkMember):
            self._family_engaged(lcspr, users, day)
        if not has(GenogramUpload):
            self._genogram_uploaded(lcspr, agencies, users, day)
        asked = InformationRequest.objects.for_partnership(partnership).filter(
            case=lcspr.case, purpose=RequestPurpose.LCSPR
        )
        if not asked.exists():
            self._submissions(lcspr, agencies, users, day)
        if not has(KeyTheme):
            self._key_themes(lcspr, users, day)
        if not has(Workshop):
            self._workshop_planned(lcspr, users, day)

    def _family_into_case(self, lcspr, office):
        """The parents, recorded in the case's restricted file by the Business Office, as
        any case's family members are, then brought into the review's network."""
        from reviews import services as review_services

        case = lcspr.case
        for relationship, name in DEMO_FAMILY[case.partnership.slug]:
            services.family_member_add(
                case=case,
                actor=office,
                relationship=relationship,
                details=services.IdentityDetails(name=name),
            )
        review_services.network_bring_in(lcspr=lcspr, actor=office)
        return {member.relationship: member for member in _network(lcspr)}

    def _family_engaged(self, lcspr, users, day):
        """The family network (§7.1.2, §7.2.1): the case's child and parents brought in,
        the maternal grandmother (deceased), the mother's partner and the child's
        half-brother added, with their households and couples, so that the genogram draws
        the family; the first contact with the mother (§7.3.2); the Reviewer's conversation
        with her (§7.4.1); the father not taking part, with the reason (§7.4.2)."""
        from reviews import services as review_services
        from reviews.models import (
            CoupleKind,
            Delivery,
            NonParticipationReason,
            Participation,
            Sex,
        )

        office = users[OFFICE_USER["leicester"]]
        lead = self._review_lead(lcspr, office)
        home, flat = "Mother's home", "Father's flat"
        with _demo_clock(day(1)):
            people = self._family_into_case(lcspr, office)
            mother, father = people["Mother"], people["Father"]
            (child,) = [m for m in people.values() if m.is_subject_child]
            grandmother = review_services.network_member_add(
                lcspr=lcspr,
                actor=office,
                name=DEMO_NETWORK_ADDED[0],
                relationship="Maternal grandmother",
                sex=Sex.FEMALE,
                age=61,
                is_deceased=True,
                support_notes="Died two years ago; the mother's main support until then.",
            )
            partner = review_services.network_member_add(
                lcspr=lcspr,
                actor=office,
                name=DEMO_NETWORK_ADDED[1],
                relationship="Mother's partner",
                sex=Sex.MALE,
                age=34,
                household=home,
            )
            review_services.network_member_add(
                lcspr=lcspr,
                actor=office,
                name=DEMO_NETWORK_ADDED[2],
                relationship="Half-brother",
                sex=Sex.MALE,
                age=8,
                is_surviving_child=True,
                mother=mother,
                household=home,
                needs_child_participation_support=True,
                support_notes="Would speak to the Reviewer with his teacher present.",
            )
            review_services.network_member_update(
                member=mother,
                actor=office,
                version=mother.version,
                sex=Sex.FEMALE,
                age=27,
                mother=grandmother,
                household=home,
                language="English",
                needs_domestic_abuse_specialist=True,
                support_notes="An independent domestic violence adviser is offered.",
            )
            review_services.network_member_update(
                member=father, actor=office, version=father.version, sex=Sex.MALE, household=flat
            )
            review_services.network_member_update(
                member=child,
                actor=office,
                version=child.version,
                sex=Sex.FEMALE,
                mother=mother,
                father=father,
                household=home,
            )
            review_services.couple_add(
                lcspr=lcspr, actor=office, first=mother, second=father, kind=CoupleKind.SEPARATED
            )
            review_services.couple_add(
                lcspr=lcspr, actor=office, first=mother, second=partner, kind=CoupleKind.PARTNERS
            )
        with _demo_clock(day(3)):
            review_services.initial_contact_record(
                member=mother,
                actor=office,
                version=0,
                made_by="Sarah Collins, Family Liaison Officer, Leicestershire Police",
                made_on=day(3),
                letter_delivery=Delivery.HAND_DELIVERED,
                leaflet_delivery=Delivery.HAND_DELIVERED,
                response="Agreed to meet the Reviewer at home, with her adviser present.",
            )
            mother.refresh_from_db()
            review_services.participation_record(
                member=mother,
                actor=office,
                version=mother.version,
                participation=Participation.TAKING_PART,
            )
            father.refresh_from_db()
            review_services.participation_record(
                member=father,
                actor=office,
                version=father.version,
                participation=Participation.NOT_TAKING_PART,
                non_participation_reason=NonParticipationReason.PARALLEL_INVESTIGATION,
                non_participation_detail="He is a witness in the criminal investigation: the "
                "Police asked that the review does not approach him before the charging "
                "decision.",
            )
        with _demo_clock(day(18)):
            review_services.conversation_record(
                lcspr=lcspr,
                actor=lead,
                held_on=day(18),
                members=[mother],
                held_by=lead,
                held_by_name="" if lead != office else "The Reviewer",
                note="Met at home with her adviser. She described the months before Child A's "
                "admission, the missed health appointments and the help she asked for.",
            )

    def _genogram_uploaded(self, lcspr, agencies, users, day):
        """The Local Authority's own genogram from its assessment (§7.2.1), uploaded by the
        Business Office for it: a drawing with no names, beside the one the product draws."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from reviews import services as review_services

        with _demo_clock(day(5)):
            review_services.genogram_upload_add(
                lcspr=lcspr,
                actor=users[OFFICE_USER["leicester"]],
                upload=SimpleUploadedFile(
                    "local-authority-genogram.png", _genogram_png(), content_type="image/png"
                ),
                agency=agencies[LOCAL_AUTHORITY["leicester"]],
                note="From the Local Authority's child and family assessment (demo).",
            )

    def _submissions(self, lcspr, agencies, users, day):
        """The agencies' Safeguarding Leads (§8.2.2) and three submissions asked for from
        the methodology (§8.2.1): the Police's chronology with analysis (§8.4.1), imported
        from the template spreadsheet and submitted in the portal with the practitioners
        to invite (§8.10.1); the Local Authority's information report (§8.5.1), which came
        by email and was entered by the office, returned by the Panel for more information
        (§8.7); and the school's factual summary (§8.6.1), submitted in the portal."""
        from reviews import services as review_services
        from reviews.models import QaOutcome
        from reviews.services.submissions import due_suggestion

        partnership = lcspr.case.partnership
        today = timezone.localdate()  # the Panel's date for the answer is ahead of it
        office = users[OFFICE_USER["leicester"]]
        police = agencies["Leicestershire Police"]
        council = agencies[LOCAL_AUTHORITY["leicester"]]
        school = agencies["Riverside Primary Academy (demo school)"]
        with _demo_clock(day(1)):
            for agency, name, job_title in (
                (police, "DI Mark Wilson", "Detective Inspector, Public Protection"),
                (council, "Lorna Hughes", "Head of Service, Safeguarding and Quality"),
                (school, "Jo Bennett", "Designated Safeguarding Lead"),
            ):
                review_services.safeguarding_lead_save(
                    partnership=partnership,
                    agency=agency,
                    name=name,
                    job_title=job_title,
                    email=f"{name.split()[-1].lower()}.safeguarding@agencies.example",
                    version=0,
                    actor=office,
                )
            asked = review_services.submissions_request(
                lcspr=lcspr,
                asks=[
                    review_services.SubmissionAsk(
                        agency=police, kind=SubmissionKind.CHRONOLOGY, with_analysis=True
                    ),
                    review_services.SubmissionAsk(
                        agency=council, kind=SubmissionKind.INFORMATION_REPORT
                    ),
                    review_services.SubmissionAsk(
                        agency=school, kind=SubmissionKind.FACTUAL_SUMMARY
                    ),
                ],
                due_on=due_suggestion(partnership=partnership, today=day(1)),
                note="Please cover the scoping period in the terms of reference.",
                actor=office,
            )
        chronology, report, summary = asked
        with _demo_clock(day(6)):
            teacher = self._scope(users["school-portal"])
            summary.refresh_from_db()
            services.reply_submit(
                scope=teacher,
                request=summary,
                details=ReplyDetails(
                    reply_kind=summary.reply_kind,
                    involvement=Involvement.LIMITED,
                    involvement_summary="Child A's half-brother attends the school. Staff "
                    "saw Child A at the school gate twice and noted she seemed small for "
                    "her age; no referral was made.",
                    completed_by="Jo Bennett, Designated Safeguarding Lead",
                ),
                version=summary.version,
            )
        self._police_chronology(lcspr, chronology, users, day)
        with _demo_clock(day(12)):
            self._report_entered_for_council(report, office)
        lead = self._review_lead(lcspr, office)
        with _demo_clock(day(20)):
            report.refresh_from_db()
            review_services.submission_review_record(
                request=report,
                outcome=QaOutcome.MORE_INFORMATION,
                version=report.version,
                actor=lead,
                asked_for="Say what the duty team did with the health visitor's referral "
                "about missed appointments, and when Child A was last seen by a social worker.",
                respond_by=selectors.working_calendar(partnership=partnership).add(today, 10),
            )

    def _police_chronology(self, lcspr, request, users, day):
        """The Police fill in the template they downloaded and import it (the product's
        spreadsheet import: rows checked, then confirmed), name the practitioners to
        invite to the workshop, and submit."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from reviews import services as review_services

        police = self._scope(users["police-portal"])
        case = lcspr.case
        decided = lcspr.decided_on
        concerning = selectors.chronology_concerning_options(case=case)
        with _demo_clock(day(8)):
            request.refresh_from_db()
            staged = services.chronology_import_stage(
                scope=police,
                request=request,
                upload=SimpleUploadedFile(
                    "police-chronology.xlsx",
                    _filled_template(
                        services.chronology_template_xlsx(request=request, concerning=concerning),
                        [
                            (
                                decided - timedelta(days=610),
                                "22:40",
                                "The family",
                                "Police incident log (demo)",
                                "Neighbour reported shouting at the family home.",
                                "Officers attended; words only; DASH risk assessment standard.",
                                "A standard risk was reasonable on what was known.",
                                "Yes",
                            ),
                            (
                                decided - timedelta(days=430),
                                "01:15",
                                "Mother",
                                "Police incident log (demo)",
                                "Mother reported her former partner at the door, refusing to "
                                "leave.",
                                "Attended; he had left. No referral to children's social care.",
                                "A child under one lived there: a referral was expected.",
                                "No",
                            ),
                            (
                                decided - timedelta(days=220),
                                "15:30",
                                "Child A",
                                "Public Protection Unit referral record (demo)",
                                "Child A seen by officers at an unrelated call; thin and unkempt.",
                                "Referral to children's social care the same day.",
                                "A prompt referral.",
                                "Yes",
                            ),
                            (
                                decided - timedelta(days=45),
                                "",
                                "Child A",
                                "Major Crime Unit log (demo)",
                                "Child A admitted to hospital malnourished; investigation opened.",
                                "Strategy discussion attended; criminal investigation begun.",
                                "",
                                "Unclear",
                            ),
                        ],
                    ),
                    content_type="application/vnd.openxmlformats-officedocument"
                    ".spreadsheetml.sheet",
                ),
                concerning=concerning,
            )
            services.chronology_import_confirm(scope=police, staged=staged)
            for name, job_title, is_line_manager, involvement, direct in (
                (
                    "PC Daniel Reeves",
                    "Police Constable, Response",
                    False,
                    "Attended both domestic incidents at the family home.",
                    True,
                ),
                (
                    "DS Laura Finch",
                    "Detective Sergeant, Public Protection Unit",
                    True,
                    "Supervised the referral to children's social care.",
                    True,
                ),
                ("Alex Morgan", "Force Control Room call handler", False, "", False),
            ):
                review_services.practitioner_add(
                    scope=police,
                    request=request,
                    name=name,
                    job_title=job_title,
                    email=f"{name.split()[-1].lower()}@police.example",
                    is_line_manager=is_line_manager,
                    direct_involvement=direct,
                    involvement=involvement,
                )
        with _demo_clock(day(10)):
            request.refresh_from_db()
            services.reply_submit(
                scope=police,
                request=request,
                details=ReplyDetails(
                    reply_kind=request.reply_kind,
                    involvement=Involvement.YES,
                    involvement_summary="Three attendances and one referral in the scoping "
                    "period; the chronology sets them out.",
                    completed_by="DS Sam Patel, Public Protection Unit",
                ),
                version=request.version,
            )

    def _report_entered_for_council(self, request, office):
        """The Local Authority emailed its information report: the office attaches the
        email and enters the report for it (§8.5.1), naming the social worker, and submits."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from reviews import services as review_services

        scope = self._scope(office)
        request.refresh_from_db()
        request = services.reply_on_behalf_start(
            scope=scope,
            request=request,
            original=SimpleUploadedFile(
                "information-report-email.txt",
                b"Please find our information report for the review attached (demo).\n",
                content_type="text/plain",
            ),
        )
        review_services.practitioner_add(
            scope=scope,
            request=request,
            name="Amara Lewis",
            job_title="Social Worker, Duty and Assessment",
            email="amara.lewis@council.example",
            involvement="Completed the assessment after the Police referral.",
        )
        request.refresh_from_db()
        services.reply_submit(
            scope=scope,
            request=request,
            details=ReplyDetails(
                reply_kind=request.reply_kind,
                involvement=Involvement.YES,
                involvement_summary="A referral from the Police led to an assessment; the case "
                "was closed with advice.",
                systems_learning="Referrals closed with advice are not checked against "
                "health information.",
                agency_learning="Assessments should see the child and speak to the health visitor.",
                multi_agency_learning="Health and social care did not share missed appointments.",
                actions_taken="Duty managers now check health records before closing a referral.",
                completed_by="Lorna Hughes, Head of Service (entered by the Business Office)",
            ),
            version=request.version,
        )

    def _key_themes(self, lcspr, users, day):
        """Two key themes the Panel named, coded from the partnership's list (§8.8.1), and
        the Police's first event in Child A's life tagged with the first."""
        from reviews import services as review_services
        from reviews.models import ThemeCode

        partnership = lcspr.case.partnership
        review_services.starting_themes_give(partnership)  # the list every partnership has
        lead = self._review_lead(lcspr, users[OFFICE_USER["leicester"]])
        codes = {
            theme.code: theme
            for theme in ThemeCode.objects.for_partnership(partnership).filter(is_active=True)
        }
        with _demo_clock(day(22)):
            neglect = review_services.key_theme_add(
                lcspr=lcspr,
                code=codes["neglect"],
                title="Missed health appointments and neglect",
                description="How agencies recognised a young child's growth and health "
                "needs going unmet.",
                actor=lead,
            )
            review_services.key_theme_add(
                lcspr=lcspr,
                code=codes["information-sharing"],
                title="Sharing what each agency knew",
                description="Why the referral and the missed appointments were not "
                "brought together.",
                actor=lead,
            )
            entry = (
                ChronologyEntry.objects.for_partnership(partnership)
                .filter(request__case=lcspr.case, concerning="Child A")
                .order_by("happened_on")
                .first()
            )
            if entry is not None:
                review_services.entries_tag(theme=neglect, entries=[entry])

    def _workshop_planned(self, lcspr, users, day):
        """The learning workshop (§8.9-8.11): one half day on the timetable's learning
        event, more than 15 working days ahead (§8.10.3), with the key themes shared
        (§8.8.2) and the practitioners the agencies named with direct involvement invited
        (§8.10.1-8.10.2). The invitations are left for the team to send from its page."""
        from reviews import services as review_services
        from reviews.models import Milestone, MilestoneKind
        from reviews.services.workshop import SessionTimes

        partnership = lcspr.case.partnership
        lead = self._review_lead(lcspr, users[OFFICE_USER["leicester"]])
        cal = selectors.working_calendar(partnership=partnership)
        planned_on = day(24)
        event = (
            Milestone.objects.for_partnership(partnership)
            .filter(lcspr=lcspr, kind=MilestoneKind.LEARNING_EVENT, cancelled_on=None)
            .order_by("due_on")
            .first()
        )
        earliest = cal.add(timezone.localdate(), 20)
        on = max(event.due_on if event else earliest, earliest)
        while not cal.is_working_day(on):
            on += timedelta(days=1)
        with _demo_clock(planned_on):
            review_services.workshop_plan(
                lcspr=lcspr,
                version=0,
                is_held=True,
                not_held_reason="",
                place="City Hall, Leicester: Committee Room 2 (demo)",
                sessions=[
                    SessionTimes(day=on, starts=datetime.time(9, 30), ends=datetime.time(13))
                ],
                share_themes=True,
                actor=lead,
            )
            review_services.invitees_add_direct(lcspr=lcspr, actor=lead)

    def _family_declined(self, lcspr, users):
        """Leicestershire & Rutland's review: the parents, approached through the Family
        Liaison Officer, declined to take part; the reason and what they said are kept
        for the report (§7.3.1, §7.4.2). Skipped once the network exists."""
        from reviews import services as review_services
        from reviews.models import Delivery, NonParticipationReason, Participation
        from reviews.selectors.terms import terms_in_force

        partnership = lcspr.case.partnership
        if terms_in_force(lcspr) is None or _network(lcspr).exists():
            return
        office = users[OFFICE_USER[partnership.slug]]
        held_on = self._panel_held_on(lcspr)
        today = timezone.localdate()
        with _demo_clock(min(held_on + timedelta(days=1), today)):
            people = self._family_into_case(lcspr, office)
        contacted_on = min(held_on + timedelta(days=4), today)
        with _demo_clock(contacted_on):
            review_services.initial_contact_record(
                member=people["Mother"],
                actor=office,
                version=0,
                made_by="Sarah Collins, Family Liaison Officer, Leicestershire Police",
                made_on=contacted_on,
                letter_delivery=Delivery.SIGNED_FOR,
                leaflet_delivery=Delivery.SIGNED_FOR,
                response="The parents thanked the review but do not want to take part.",
            )
            for member in _network(lcspr):
                if member.is_subject_child:
                    reason = NonParticipationReason.OTHER
                    detail = "Aged 3, Child A is too young to be spoken to; the parents "
                    detail += "declined for the family."
                else:
                    reason = NonParticipationReason.THEIR_CHOICE
                    detail = "Told the Family Liaison Officer they could not face going over "
                    detail += "events again; they may be asked again before the report is "
                    detail += "shared."
                review_services.participation_record(
                    member=member,
                    actor=office,
                    version=member.version,
                    participation=Participation.NOT_TAKING_PART,
                    non_participation_reason=reason,
                    non_participation_detail=detail,
                )

    # --- Issue 15: the report (§9) ----------------------------------------------------------

    def _report_written(self, lcspr, agencies, users):
        """Leicester's report: three drafts written in the product (§9.1), the second with
        two anonymisation hits (the half-brother's first name and the school's name,
        §9.1.3) that the third fixes; where the third addresses the minimum content
        (§9.1.2); the Panel's comments, one resolved; two findings with SMART
        recommendations, one agreed (§9.2); the Panel's QA passed on draft 3 (§9.1.4), the
        CRG's approval at its last meeting signed off by the chair, and the partnership's
        approval under way: the Police have confirmed, the Local Authority and the ICB not
        yet (§9.1.5). Skipped once the review has a draft, so a second run changes nothing."""
        from reviews.models import ReportDraft
        from reviews.selectors.terms import terms_in_force

        partnership = lcspr.case.partnership
        if terms_in_force(lcspr) is None:
            return
        if ReportDraft.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            return
        slug = partnership.slug
        office = users[OFFICE_USER[slug]]
        lead = self._review_lead(lcspr, office)
        panel = users[PANEL_USERS[slug][0][0]]
        # The CRG met on the last working day before today; the drafts came the week before.
        crg_day = timezone.localdate() - timedelta(days=1)
        while crg_day.weekday() >= 5:
            crg_day -= timedelta(days=1)

        def before(n):
            return crg_day - timedelta(days=n)

        with _demo_clock(before(9)):
            self._findings(lcspr, agencies, lead)
        drafts = []
        for n, (when, text) in enumerate(
            ((before(8), REPORT_DRAFT_1), (before(6), REPORT_DRAFT_2), (before(4), REPORT_DRAFT_3)),
            start=1,
        ):
            with _demo_clock(when):
                drafts.append(self._draft_written(lcspr, lead, text, f"Draft {n}"))
        _first, second, third = drafts
        self._report_comments(second, third, panel, lead, before)
        with _demo_clock(before(4)):
            self._checklist_filled(third, lead)
        self._report_approved(lcspr, third, crg_day, before, users, agencies)

    def _findings(self, lcspr, agencies, lead):
        """Two findings, each answering a key theme and a line of enquiry (§9.2.1), and a
        recommendation for each: the first SMART and agreed, the second still a draft that
        lacks its measure of success (§9.1.2 footnote 22)."""
        from reviews import services as review_services
        from reviews.selectors.findings import kloes_in_force, review_key_themes

        themes = review_key_themes(lcspr)
        kloes = kloes_in_force(lcspr)
        if not themes or not kloes:
            return
        council = agencies[LOCAL_AUTHORITY[lcspr.case.partnership.slug]]
        due = timezone.localdate() + timedelta(days=180)
        for index, (title, text, action, measure) in enumerate(REPORT_FINDINGS):
            finding = review_services.finding_add(
                lcspr=lcspr,
                title=title,
                text=text,
                themes=[themes[index % len(themes)]],
                kloes=[kloes[index % len(kloes)]],
                actor=lead,
            )
            recommendation = review_services.recommendation_add(
                finding=finding,
                action=action,
                owner_agency=council if index == 0 else None,
                owner_group="" if index == 0 else "The partnership's Health sub-group",
                measure=measure,
                due_on=due,
                actor=lead,
            )
            if index == 0:
                review_services.recommendation_update(
                    recommendation=recommendation,
                    finding=finding,
                    action=action,
                    owner_agency=council,
                    owner_group="",
                    measure=measure,
                    due_on=due,
                    agreed=True,
                    version=recommendation.version,
                    actor=lead,
                )

    def _draft_written(self, lcspr, lead, text, note):
        """The next draft, written in the product section by section, and finished: the
        anonymisation guard reads it (§9.1.3)."""
        from reviews.models import ReportSection
        from reviews.services import report_drafts

        draft = report_drafts.report_draft_start(lcspr=lcspr, actor=lead)
        sections = {
            section.heading: section
            for section in ReportSection.objects.for_partnership(lcspr.case.partnership).filter(
                draft=draft
            )
        }
        for key, body in text.items():
            section = sections[report_drafts.DEFAULT_HEADINGS[key]]
            report_drafts.report_section_update(
                section=section,
                heading=section.heading,
                body=body,
                version=section.version,
                actor=lead,
            )
        return report_drafts.report_draft_finish(draft=draft, note=note, actor=lead)

    def _report_comments(self, second, third, panel, lead, before):
        """The Panel comments on the second and third drafts; the Reviewer resolves the
        first comment once the third draft answers it."""
        from reviews.models import ReportSection
        from reviews.services import report_drafts

        def section(draft, key):
            return (
                ReportSection.objects.for_partnership(draft.lcspr.case.partnership)
                .filter(draft=draft, heading=report_drafts.DEFAULT_HEADINGS[key])
                .get()
            )

        with _demo_clock(before(5)):
            comment = report_drafts.report_comment_add(
                draft=second,
                section=section(second, "daily_life"),
                body="This paragraph could identify the family: say who walked Child A to "
                "school without naming them or the school.",
                actor=panel,
            )
        with _demo_clock(before(4)):
            report_drafts.report_comment_resolve(comment=comment, actor=lead)
            report_drafts.report_comment_add(
                draft=third,
                section=section(third, "good_practice"),
                body="The health visitor's follow-up could be described in more detail.",
                actor=panel,
            )

    def _checklist_filled(self, draft, lead):
        """Where the draft addresses each point of the minimum content (§9.1.2): every
        point, the lines of enquiry in the analysis section."""
        from reviews.checklist import KLOE_PREFIX
        from reviews.selectors.report import report_checklist
        from reviews.services import report_drafts

        headings = report_drafts.DEFAULT_HEADINGS
        locations = {
            point.key: headings["kloes"]
            if point.key.startswith(KLOE_PREFIX)
            else headings.get(point.key, "")
            for point in report_checklist(draft.lcspr)
        }
        draft.refresh_from_db()
        report_drafts.report_checklist_save(
            draft=draft, locations=locations, version=draft.version, actor=lead
        )

    def _report_approved(self, lcspr, draft, crg_day, before, users, agencies):
        """The Panel's QA passed on the draft (§9.1.4); put to the CRG's meeting and
        approved at it, a quorate meeting, the chair signing it off; the Police's approval
        for the partnership, the other two partners' still awaited (§9.1.5)."""
        from rapidreview import services as rapid_review_services
        from reviews.models import ReportCrgApproval, SafeguardingPartner
        from reviews.services import report_approval

        partnership = lcspr.case.partnership
        slug = partnership.slug
        office = users[OFFICE_USER[slug]]
        chair = users[CHAIR_USER[slug]]
        panel = users[PANEL_USERS[slug][0][0]]
        meeting = self._past_crg_meeting(partnership, crg_day, office)
        with _demo_clock(before(3)):
            report_approval.report_qa_record(
                lcspr=lcspr,
                actor=panel,
                number=draft.number,
                answers=report_approval.QaAnswers(
                    meets_terms=True,
                    succinct=True,
                    focused=True,
                    passed=True,
                    focused_note="The recommendations are few and each names its owner.",
                ),
            )
        with _demo_clock(before(2)):
            report_approval.report_put_to_crg(
                lcspr=lcspr, actor=office, number=draft.number, meeting=meeting
            )
        police, local_authority = users["police-crg"], users[LOCAL_AUTHORITY_CRG_USER[slug]]
        police_agency, la_agency, trust = (
            agencies[name] for name in self._attending_agencies(partnership)
        )
        with _demo_clock(crg_day):
            for name, capacity, agency in (
                (chair.get_full_name(), "CRG chair", None),
                (
                    police.get_full_name(),
                    "Detective Chief Inspector, Public Protection",
                    police_agency,
                ),
                (
                    local_authority.get_full_name(),
                    "Head of Safeguarding, Children's Services",
                    la_agency,
                ),
                ("Anita Rowe", "Named Nurse for Safeguarding Children", trust),
                (office.get_full_name(), "Business Office (minutes)", None),
            ):
                rapid_review_services.attendance_record(
                    meeting=meeting,
                    actor=office,
                    name=name,
                    capacity=capacity,
                    agency=agency,
                    declaration="none",
                    confidentiality_agreed=True,
                )
            pending = (
                ReportCrgApproval.objects.for_partnership(partnership)
                .filter(lcspr=lcspr, draft=draft)
                .get()
            )
            report_approval.report_crg_outcome_record(
                lcspr=lcspr,
                actor=office,
                number=draft.number,
                version=pending.version,
                approved=True,
            )
            report_approval.report_crg_sign(lcspr=lcspr, actor=chair, number=draft.number)
        report_approval.report_partner_confirm(
            lcspr=lcspr,
            actor=police,
            number=draft.number,
            partner=SafeguardingPartner.POLICE,
        )

    def _report_uploaded(self, lcspr, users):
        """Leicestershire & Rutland's report: the Reviewer's first draft uploaded from Word
        (§9.1), headings and paragraphs with the pseudonym only, and where it addresses
        some of the minimum content by page: several points are still missing (§9.1.2).
        Skipped once the review has a draft."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from reviews.models import ReportDraft
        from reviews.selectors.terms import terms_in_force
        from reviews.services import report_drafts

        partnership = lcspr.case.partnership
        if terms_in_force(lcspr) is None:
            return
        if ReportDraft.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            return
        lead = self._review_lead(lcspr, users[OFFICE_USER[partnership.slug]])
        on = min(self._panel_held_on(lcspr) + timedelta(days=14), timezone.localdate())
        with _demo_clock(on):
            draft = report_drafts.report_draft_upload(
                lcspr=lcspr,
                upload=SimpleUploadedFile(
                    "report-draft-1.docx",
                    _word_draft(REPORT_WORD_DRAFT),
                    content_type="application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document",
                ),
                note="First draft, written in Word",
                actor=lead,
            )
            headings = report_drafts.DEFAULT_HEADINGS
            report_drafts.report_checklist_save(
                draft=draft,
                locations={key: page for key, page in REPORT_WORD_PAGES.items() if key in headings},
                version=draft.version,
                actor=lead,
            )

    def _delayed(self, lcspr, agencies, users):
        """A review the Police asked to wait (§3.1.3): the delay recorded as it arose,
        considered by the CRG at its next meeting, and, as it will prevent publication
        within six months, the notice sent to the National Panel and the Secretary of
        State with the revised expected date."""
        from reviews import services as review_services
        from reviews.models import Delay, ParallelKind, ParallelStatus

        case = lcspr.case
        partnership = case.partnership
        if Delay.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            return
        office = users[OFFICE_USER[partnership.slug]]
        today = timezone.localdate()
        arose_on = min(lcspr.decided_on + timedelta(days=5), today)
        statutory = self._open_deadline(case, "lcspr_complete").due_date
        with _demo_clock(arose_on):
            review_services.parallel_process_add(
                lcspr=lcspr,
                actor=office,
                kind=ParallelKind.CRIMINAL,
                lead="Leicestershire Police, Public Protection Unit",
                contact="The officer in the case, through the Police liaison",
                status=ParallelStatus.UNDER_WAY,
                effect_on_timing="The family and two practitioners who are witnesses are "
                "not approached until the charging decision.",
            )
            delay = review_services.delay_record(
                lcspr=lcspr,
                actor=office,
                arose_on=arose_on,
                asked_by="The Senior Investigating Officer, Leicestershire Police",
                reason="The Police asked the review not to involve the family or the "
                "practitioners who are witnesses until the charging decision is made.",
                holds_up="Involving the parents and two practitioners in the review.",
                prevents_publication=True,
                revised_expected_on=statutory + timedelta(days=91),
            )
        meeting = self._past_crg_meeting(
            partnership, min(arose_on + timedelta(days=7), today - timedelta(days=3)), office
        )
        with _demo_clock(arose_on):
            delay = review_services.delay_put_to_crg(delay=delay, actor=office, meeting=meeting)
        with _demo_clock(meeting.held_on):
            delay = review_services.delay_consideration_record(
                delay=delay,
                actor=office,
                considered_on=meeting.held_on,
                decision="The CRG agreed to the delay: the review gathers the agencies' "
                "information meanwhile. The National Panel and the Secretary of State are "
                "to be told.",
            )
            review_services.delay_notice_send(delay=delay, actor=office)

    # --- Issue 16: reviews ready for publication ---------------------------------------------

    def _publication_ready_lcsprs(self, partnership):
        """The partnership's reviews at the publication stage (`CASES`), oldest first, each
        with its report final once `_publication_ready` has run: publication (§10) is
        layered on these."""
        from reviews.models import Lcspr

        return list(
            Lcspr.objects.for_partnership(partnership)
            .filter(case__stage=Stage.PUBLICATION)
            .select_related("case__partnership")
            .order_by("decided_on", "id")
        )

    def _publication_ready(self, partnership, agencies, users):
        """Each review at publication, told through the services on the past days since its
        decision (some six months ago): its Reviewer and Panel, terms of reference agreed
        (§5-§6); two key themes (§8.8.1); three findings, each with an agreed SMART
        recommendation owned by another agency (§9.2); one draft written with the pseudonym
        only and its checklist filled (§9.1.2-9.1.3); the Panel's QA passed, the CRG's
        approval at a past meeting signed off by the chair, all three Safeguarding
        Partners' approval (§9.1.4-9.1.5); and the report marked final with the Reviewer's
        name (§10.5.2). Its `lcspr_complete` stays open: publication completes it
        (§3.1.3). Each part is skipped once it is there, so a second run changes nothing."""
        slug = partnership.slug
        for index, lcspr in enumerate(self._publication_ready_lcsprs(partnership)):
            # A Reviewer sees one review only (§2.1.6): the second has its own.
            reviewer = PUBLISHED_REVIEWER_USER[slug] if index == 0 else PENDING_REVIEWER_USER
            self._report_made_final(lcspr, agencies, users, reviewer=reviewer)

    def _report_made_final(self, lcspr, agencies, users, *, reviewer):
        """One review at publication told as `_publication_ready` tells each, `reviewer`
        (a username) its Reviewer. Each part is skipped once it is there."""
        from reviews.models import KeyTheme, ReportDraft
        from reviews.selectors.report_approval import report_is_final
        from reviews.selectors.terms import terms_in_force

        partnership = lcspr.case.partnership
        slug = partnership.slug
        yesterday = timezone.localdate() - timedelta(days=1)
        decided = lcspr.decided_on

        def day(n):
            return min(decided + timedelta(days=n), yesterday)

        self._terms_agreed(
            lcspr,
            agencies,
            users,
            reviewer=reviewer,
            panel=PUBLISHED_PANEL_USERS[slug],
            ahead=False,
        )
        if terms_in_force(lcspr) is None:
            return
        lead = self._review_lead(lcspr, users[OFFICE_USER[slug]])
        if not KeyTheme.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            with _demo_clock(day(60)):
                self._published_themes(lcspr, lead)
        if not ReportDraft.objects.for_partnership(partnership).filter(lcspr=lcspr).exists():
            self._published_report_approved(lcspr, agencies, users, lead, day)
        if not report_is_final(lcspr):
            self._published_report_final(lcspr, users, day)

    def ready_review_add(self, partnership, *, child_name, reviewer, index=9, days_ago=185):
        """For tests, on a database `seed_demo` has loaded: one more review at publication
        in `partnership`, made through the services as the demo makes its own
        (`_publication_case_add`, `_report_made_final`), its report final and no
        publication begun. Its child is `child_name` (invented, not in DEMO_CHILD_NAMES);
        `reviewer` ((username, full name)) is a new Reviewer of the partnership, since a
        Reviewer sees one review only (§2.1.6). Returns the review (an Lcspr)."""
        from reviews.models import Lcspr

        partnerships = {p.slug: p for p in Partnership.objects.all()}
        agencies = self._agencies(partnerships)
        username, full_name = reviewer
        roles = [(Role.REVIEWER, partnership.slug, None)]
        self._user(username, full_name, settings.DEMO_PASSWORD, roles, partnerships, agencies)
        users = {user.username: user for user in User.objects.all()}
        with transaction.atomic():
            case = self._publication_case_add(
                partnership, index, days_ago, agencies, users, names=(child_name, None)
            )
            lcspr = Lcspr.objects.for_partnership(partnership).get(case=case)
            self._report_made_final(lcspr, agencies, users, reviewer=username)
        return lcspr

    def _published_themes(self, lcspr, lead):
        """The review's two key themes, coded from the partnership's list (§8.8.1)."""
        from reviews import services as review_services
        from reviews.models import ThemeCode

        partnership = lcspr.case.partnership
        review_services.starting_themes_give(partnership)  # the list every partnership has
        codes = {
            theme.code: theme
            for theme in ThemeCode.objects.for_partnership(partnership).filter(is_active=True)
        }
        for code, title, description in PUBLISHED_THEMES:
            review_services.key_theme_add(
                lcspr=lcspr, code=codes[code], title=title, description=description, actor=lead
            )

    def _published_findings(self, lcspr, agencies, lead, today):
        """Three findings, each answering a key theme and the line of enquiry of its
        position (§9.2.1), each with one SMART recommendation agreed (§9.2.2) and owned
        by another agency: the Police, a health trust, the Local Authority. The
        recommendations are due some days from `today`, the real day the demo is loaded
        (the first before it): each was ahead on the day it was written."""
        from reviews import services as review_services
        from reviews.selectors.findings import kloes_in_force, review_key_themes

        themes = review_key_themes(lcspr)
        kloes = kloes_in_force(lcspr)
        owners = {
            "police": agencies["Leicestershire Police"],
            "la": agencies[LOCAL_AUTHORITY[lcspr.case.partnership.slug]],
        }
        for index, (title, text, owner, action, measure, due_in) in enumerate(PUBLISHED_FINDINGS):
            finding = review_services.finding_add(
                lcspr=lcspr,
                title=title,
                text=text,
                themes=[themes[index % len(themes)]],
                kloes=[kloes[index % len(kloes)]],
                actor=lead,
            )
            agency = owners.get(owner) or agencies[owner]
            due = today + timedelta(days=due_in)
            recommendation = review_services.recommendation_add(
                finding=finding,
                action=action,
                owner_agency=agency,
                owner_group="",
                measure=measure,
                due_on=due,
                actor=lead,
            )
            review_services.recommendation_update(
                recommendation=recommendation,
                finding=finding,
                action=action,
                owner_agency=agency,
                owner_group="",
                measure=measure,
                due_on=due,
                agreed=True,
                version=recommendation.version,
                actor=lead,
            )

    def _published_report_approved(self, lcspr, agencies, users, lead, day):
        """The findings, one draft written in the product and finished clean of the
        anonymisation guard's hits, its checklist filled; then `_report_approved`'s QA,
        CRG approval and the Police's confirmation, and the other two Safeguarding
        Partners' approval, the Local Authority's representative confirming and the
        office recording the ICB's (§9.1.4-9.1.5)."""
        from reviews.models import SafeguardingPartner
        from reviews.services import report_approval

        slug = lcspr.case.partnership.slug
        office = users[OFFICE_USER[slug]]
        today = timezone.localdate()  # the real day, read before the clock is set back
        with _demo_clock(day(90)):
            self._published_findings(lcspr, agencies, lead, today)
        with _demo_clock(day(100)):
            draft = self._draft_written(lcspr, lead, PUBLISHED_REPORT, "Draft 1")
            self._checklist_filled(draft, lead)
        crg_day = day(120)
        while crg_day.weekday() >= 5:
            crg_day -= timedelta(days=1)

        def before(n):
            return crg_day - timedelta(days=n)

        self._report_approved(lcspr, draft, crg_day, before, users, agencies)
        with _demo_clock(crg_day + timedelta(days=5)):
            report_approval.report_partner_confirm(
                lcspr=lcspr,
                actor=users[LOCAL_AUTHORITY_CRG_USER[slug]],
                number=draft.number,
                partner=SafeguardingPartner.LOCAL_AUTHORITY,
            )
            report_approval.report_partner_confirm(
                lcspr=lcspr,
                actor=office,
                number=draft.number,
                partner=SafeguardingPartner.INTEGRATED_CARE_BOARD,
                name="Dr Fiona Grant, Director of Nursing and Quality, the ICB",
            )

    def _published_report_final(self, lcspr, users, day):
        """The approved draft marked final by the Business Office, with the Reviewer's name
        on its PDF (§9.1.5, §10.5.2); the guard reads the PDF first (§9.1.3)."""
        from reviews.selectors.report_approval import approval_state
        from reviews.services import report_approval

        state = approval_state(lcspr)
        if state.draft is None:
            return
        on = day(130)  # a week after the partners' approval (`_published_report_approved`)
        while on.weekday() >= 5:
            on -= timedelta(days=1)
        with _demo_clock(on):
            result = report_approval.report_mark_final(
                lcspr=lcspr,
                actor=users[OFFICE_USER[lcspr.case.partnership.slug]],
                number=state.draft.number,
            )
        if result.final is None:
            raise CommandError(
                f"Case {lcspr.case.reference}: the demo report has anonymisation hits in its PDF."
            )

    # --- Issue 16: the demo's publication, action plan and learning stories ----------------

    def _pending_case(self, partnerships, agencies, users):
        """Leicester's second review at publication (PENDING_CASE), made as `CASES` makes
        its review at publication; `_publication_ready` then gives it its final report.
        Added once: skipped when the partnership has it (or has no demo cases yet)."""
        slug, index, days_ago = PENDING_CASE
        partnership = partnerships.get(slug)
        if partnership is None or len(self._publication_ready_lcsprs(partnership)) != 1:
            return 0
        self._publication_case_add(partnership, index, days_ago, agencies, users)
        return 1

    def _publication_case_add(self, partnership, index, days_ago, agencies, users, names=None):
        """A case received `days_ago` days ago, its children those of `_intake`, taken as
        `CASES` takes its own through the Rapid Review and the LCSPR to publication."""
        office = users[OFFICE_USER[partnership.slug]]
        stages = [Stage.RAPID_REVIEW, Stage.LCSPR, Stage.PUBLICATION]
        case = self._intake(
            partnership,
            index,
            received_on=timezone.localdate() - timedelta(days=days_ago),
            referral=False,
            office=office,
            lead=office,
            agencies=agencies,
            names=names,
        )
        self._duties_done(case, office)
        for stage in stages[1:]:
            services.case_stage_set(case=case, stage=stage, actor=office, reason="Demo: moved on")
        self._deadlines(case, stages, office)
        return case

    def _publication_of(self, lcspr):
        from publication.selectors import plan as plan_selectors

        return plan_selectors.publication_of(lcspr)

    def _fresh(self, publication):
        from publication.models import Publication

        return Publication.objects.for_partnership(publication.lcspr.case.partnership).get(
            pk=publication.pk
        )

    def _published(self, partnership, agencies, users):
        """The partnership's first review at publication taken through §10 on past days:
        the plan opened, each agency's leads, the family's wishes, the practitioners'
        support and the media contact recorded (§10.2-10.4); the action plan made from the
        report's recommendations (§10.1.2); the decision (Leicester: publish the report;
        L&R: only the improvements, with the reason, footnote 23); the planned date; the
        pack sent well over seven working days ahead (§10.5.1); Leicester's Police action
        closed with the portal user's evidence and an audit's RAG ratings (§11.3-11.4);
        publication on the example website and the NSPCC decision (§10.5.2-10.5.3); and
        Leicester's briefings (§11.3.2). Skipped once the publication exists."""
        from reviews.selectors.report_approval import report_is_final

        lcsprs = self._publication_ready_lcsprs(partnership)
        if not lcsprs or not report_is_final(lcsprs[0]) or self._publication_of(lcsprs[0]):
            return
        from publication.models import PublishChoice, SentBy
        from publication.services import notice as notice_services
        from publication.services import plan as plan_services

        lcspr, slug = lcsprs[0], partnership.slug
        office = users[OFFICE_USER[slug]]
        improvements = PUBLICATION_STORY[slug] == "improvements"
        with _demo_clock(_working_day_ago(45)):
            publication = plan_services.publication_open(lcspr=lcspr, actor=office)
        with _demo_clock(_working_day_ago(44)):
            self._plan_recorded(publication, office)
        with _demo_clock(_working_day_ago(40)):
            plan, actions = self._action_plan_made(lcspr, office, improvements=improvements)
        with _demo_clock(_working_day_ago(38)):
            publication = self._fresh(publication)
            result = plan_services.publication_decide(
                publication=publication,
                choice=PublishChoice.IMPROVEMENTS_ONLY if improvements else PublishChoice.REPORT,
                reason=(
                    "Child A's family asked that the report not be published: the details "
                    "of the harm would identify Child A's sibling at school. The partnership "
                    "publishes the improvements to be made instead (footnote 23)."
                    if improvements
                    else ""
                ),
                version=publication.version,
                actor=office,
            )
            if result.publication is None:
                raise CommandError(
                    f"Case {lcspr.case.reference}: the demo improvements document has "
                    "anonymisation hits."
                )
        with _demo_clock(_working_day_ago(30)):
            publication = self._fresh(publication)
            plan_services.publication_date_set(
                publication=publication,
                planned_on=_working_day_ago(4),
                version=publication.version,
                actor=office,
            )
        if not improvements and not partnership.email_publication_pack:
            # Leicester sends its pack by email from the product (§10.5.1): the outbox,
            # or the console in development, shows it with the report attached.
            partnership.email_publication_pack = True
            partnership.save(update_fields=["email_publication_pack"])
        by_email = partnership.email_publication_pack
        sent_on = _working_day_ago(20)
        with _demo_clock(sent_on):
            notice_services.panel_notice_send(
                publication=self._fresh(publication),
                actor=office,
                sent_by=SentBy.EMAIL if by_email else SentBy.OTHER,
                sent_on=sent_on,
                note="" if by_email else "Sent by the partnership's secure email.",
            )
        if not improvements:
            self._action_closed_with_evidence(actions[1], users, office)
            with _demo_clock(_working_day_ago(14)):
                self._audit(plan, office)
        self._publication_recorded(publication, office, improvements=improvements)
        if not improvements:
            self._briefings(partnership, plan, office)

    def _plan_recorded(self, publication, office):
        """Each involved agency's strategic and media leads (§10.2.1), the family's wishes
        (§10.3.2), the practitioners' support (§10.3.3) and the media contact (§10.4.1)."""
        from django.utils.text import slugify

        from publication.selectors import plan as plan_selectors
        from publication.services import plan as plan_services

        lcspr = publication.lcspr
        rows = [
            plan_services.ContactRow(
                agency_id=agency.pk,
                strategic_lead_name="Head of Safeguarding (demo)",
                strategic_lead_email=f"safeguarding@{slugify(agency.name)[:40]}.example",
                media_lead_name="Communications Manager (demo)",
                media_lead_email=f"press@{slugify(agency.name)[:40]}.example",
            )
            for agency in plan_selectors.involved_agencies(lcspr)
        ]
        publication = plan_services.publication_contacts_save(
            publication=publication, rows=rows, version=publication.version, actor=office
        )
        publication = self._fresh(publication)
        slug = lcspr.case.partnership.slug
        plan_services.publication_arrangements_save(
            publication=publication,
            values={
                "family_wishes": "Child A's parent asked to read the report first and to be "
                "told the date a week ahead.",
                "family_discussed_on": timezone.localdate(),
                "family_discussion": "The Reviewer and the family's coordinator met the parent "
                "at home and went through the arrangements.",
                "practitioner_arrangements": "Managers tell the practitioners involved the date "
                "a week ahead, with a briefing and time with the wellbeing service.",
                "practitioner_senior_manager": "Head of Service, Children's Social Care",
                "media_contact_name": "Partnership Communications Lead (demo)",
                "media_contact_role": "Communications, the Safeguarding Partnership",
                "media_contact_email": f"media@{DEMO_WEBSITE[slug].split('/')[2][4:]}",
                "media_contact_phone": "",
            },
            version=publication.version,
            actor=office,
        )

    def _action_plan_made(self, lcspr, office, *, improvements):
        """The action plan opened from the report's agreed recommendations (§10.1.2): each
        accepted with a SMART action carrying the recommendation's owner, measure and date,
        Leicester's Police one with a second (due before today); on L&R's, the Local Authority's
        recommendation not accepted, with the statement published with the plan. Returns
        the plan and Leicester's two Police actions: the one due 10 days ago, the other."""
        from publication.models import PlanRecommendation, Response
        from publication.services import action_plans

        partnership = lcspr.case.partnership
        plan, _ = action_plans.lcspr_plan_open(lcspr=lcspr, actor=office)
        recommendations = list(
            PlanRecommendation.objects.for_partnership(partnership)
            .filter(plan=plan)
            .select_related("source_recommendation__owner_agency")
            .order_by("order")
        )
        police = []
        for index, rec in enumerate(recommendations):
            source = rec.source_recommendation
            if improvements and index == len(recommendations) - 1:
                action_plans.recommendation_respond(
                    recommendation=rec,
                    response=Response.NOT_ACCEPTED,
                    statement="Since its restructure the Local Authority hands over every case "
                    "at a meeting between the two teams; the partnership will check this in "
                    "its annual audit rather than add a new action.",
                    version=rec.version,
                    actor=office,
                )
                continue
            action = action_plans.action_add(
                recommendation=rec,
                text=source.action,
                owner_agency=source.owner_agency,
                lead_name="Safeguarding Lead (demo)",
                lead_email="",
                measure=source.measure,
                due_on=source.due_on,
                actor=office,
            )
            if index == 0 and not improvements:
                police.append(action)
                police.append(
                    action_plans.action_add(
                        recommendation=rec,
                        text="Brief every public protection officer on the check and on "
                        "sharing what it finds with children's social care.",
                        owner_agency=source.owner_agency,
                        lead_name="Detective Inspector, Public Protection (demo)",
                        lead_email="",
                        measure="Every officer of the public protection unit briefed, the "
                        "attendance kept.",
                        due_on=_working_day_ago(15),
                        actor=office,
                    )
                )
        return plan, police

    def _action_closed_with_evidence(self, action, users, office):
        """The Police's portal user reports the briefings done, with the attendance list as
        evidence (§11.3.3); the office closes the action on that evidence (§11.4.1)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from publication.models import PlanAction
        from publication.services import action_plans, action_updates

        partnership = action.plan.partnership
        with _demo_clock(_working_day_ago(18)):
            action_updates.action_update_add(
                action=action,
                progress="All 42 officers of the public protection unit were briefed in "
                "three sessions; the attendance list is attached.",
                impact="Officers now share what the check finds within two working days: 9 "
                "of the 10 checks since were shared in time.",
                actor=users["police-portal"],
                on_behalf=False,
                upload=SimpleUploadedFile(
                    "briefing-attendance.txt",
                    b"Public protection unit: briefing on checks of new household members\n"
                    b"Session 1: 15 officers\nSession 2: 14 officers\nSession 3: 13 officers\n"
                    b"Total: 42 of 42 officers briefed\n",
                    content_type="text/plain",
                ),
                description="Attendance of the three briefings",
            )
        with _demo_clock(_working_day_ago(17)):
            action = PlanAction.objects.for_partnership(partnership).get(pk=action.pk)
            action_plans.action_close(
                action=action,
                note="Closed on the attendance list: every officer briefed.",
                version=action.version,
                actor=office,
            )

    def _audit(self, plan, office):
        """An audit of progress with a RAG rating for each open action (§11.4.1)."""
        from publication.models import ActionStatus, PlanAction, Rag
        from publication.services import audits

        ratings = {}
        for action in (
            PlanAction.objects.for_partnership(plan.partnership)
            .filter(plan=plan, status=ActionStatus.OPEN)
            .order_by("due_on")
        ):
            if action.due_on < timezone.localdate() + timedelta(days=14):
                ratings[action.pk] = (Rag.AMBER, "Checks started; the audit of them is not done.")
            else:
                ratings[action.pk] = (Rag.GREEN, "On track.")
        audits.audit_record(
            plan=plan,
            held_on=timezone.localdate(),
            note="Quarterly audit of progress at the CRG.",
            ratings=ratings,
            actor=office,
            today=timezone.localdate(),
        )

    def _publication_recorded(self, publication, office, *, improvements):
        """Published four working days ago on the example website, the Reviewer named as
        the final report has it (§10.5.2); and the NSPCC decision (§10.5.3)."""
        from publication.models import NspccChoice
        from publication.selectors import plan as plan_selectors
        from publication.services import record

        slug = publication.lcspr.case.partnership.slug
        with _demo_clock(_working_day_ago(4)):
            publication = self._fresh(publication)
            name, anonymous = plan_selectors.reviewer_default(publication)
            record.publication_record(
                publication=publication,
                published_on=timezone.localdate(),
                url=DEMO_WEBSITE[slug]
                + ("improvements-after-a-review/" if improvements else "learning-from-a-review/"),
                reviewer_name=name,
                anonymous_reviewer=anonymous,
                version=publication.version,
                actor=office,
            )
        with _demo_clock(_working_day_ago(3)):
            publication = self._fresh(publication)
            record.nspcc_record(
                publication=publication,
                choice=NspccChoice.DO_NOT_SUBMIT if improvements else NspccChoice.SUBMIT,
                reason=(
                    "Only the improvements are published: there is no report to submit."
                    if improvements
                    else "Published in full: the repository shares its learning nationally."
                ),
                submitted_on=None if improvements else timezone.localdate(),
                version=publication.version,
                actor=office,
            )

    def _briefings(self, partnership, plan, office):
        """The plan for sharing the learning (§11.3.2): a seven-minute briefing delivered,
        with its reach, and a multi-agency event planned."""
        from publication.models import BriefingKind
        from publication.services import learning

        with _demo_clock(_working_day_ago(2)):
            learning.briefing_create(
                partnership=partnership,
                actor=office,
                kind=BriefingKind.SEVEN_MINUTE,
                title="Seven-minute briefing: a new adult in the household",
                audience="Practitioners of every agency",
                planned_on=timezone.localdate(),
                plan=plan,
                delivered_on=timezone.localdate(),
                delivery="Sent to every agency's safeguarding leads and read at team meetings.",
                reach=140,
            )
        learning.briefing_create(
            partnership=partnership,
            actor=office,
            kind=BriefingKind.MULTI_AGENCY,
            title="Multi-agency learning event: sharing what each agency knows",
            audience="Frontline practitioners and managers",
            planned_on=timezone.localdate() + timedelta(days=21),
            plan=plan,
        )

    def _learning_logged(self, partnership, agencies, users):
        """Leicester's CRG considered a national review at its latest past meeting: its
        themes, the local application agreed and an action plan with one action (§11.5.1);
        and the National Panel's request about a national review, the CRG chair its main
        point of contact, with the office's support (§12.3). Skipped once it exists."""
        from publication.models import NationalReview, SupportKind
        from publication.services import action_plans, learning
        from rapidreview.models import CrgMeeting

        slug = partnership.slug
        if slug not in NATIONAL_REVIEW_STORY:
            return
        if NationalReview.objects.for_partnership(partnership).exists():
            return
        today = timezone.localdate()
        meeting = (
            CrgMeeting.objects.for_partnership(partnership)
            .filter(held_on__lt=today - timedelta(days=7))
            .order_by("-held_on")
            .first()
        )
        if meeting is None:
            return
        office = users[OFFICE_USER[slug]]
        with _demo_clock(meeting.held_on + timedelta(days=1)):
            review = learning.national_review_create(
                partnership=partnership,
                actor=office,
                title="The Myth of Invisible Men: safeguarding children under 1 from "
                "non-accidental injury caused by male carers",
                published_on=datetime.date(2021, 9, 8),
                themes="Men in a baby's household unseen by services; services built around "
                "mothers; what is known of a man's history not shared.",
                crg_meeting=meeting,
                local_application="Every agency asks about, and records, the men in a baby's "
                "household; health visitors invite fathers to every contact.",
            )
            plan = action_plans.national_review_plan_open(national_review=review, actor=office)
            rec = action_plans.plan_recommendation_add(
                plan=plan,
                number="1",
                text="Record the men in a baby's household at every health contact.",
                actor=office,
            )
            action_plans.action_add(
                recommendation=rec,
                text="Add the household's men to the health visitors' first-visit record.",
                owner_agency=agencies["Leicestershire Partnership NHS Trust"],
                lead_name="Named Nurse for Safeguarding (demo)",
                lead_email="",
                measure="An audit of fifty first visits finds every man in the household recorded.",
                due_on=today + timedelta(days=90),
                actor=office,
            )
        chair = User.objects.get(username=CHAIR_USER[slug])
        with _demo_clock(_working_day_ago(10)):
            request = learning.review_request_create(
                partnership=partnership,
                actor=office,
                title="National review of harm to children by adults new to the household",
                received_on=_working_day_ago(20),
                parameters="The Panel asks for the partnership's reviews since 2024 that "
                "involved a new adult in the household, and for local attendance at two "
                "practitioner events.",
                contact=chair,
                partners_informed_on=_working_day_ago(19),
                crg_informed_on=_working_day_ago(15),
            )
            learning.review_support_add(
                request=request,
                actor=office,
                kind=SupportKind.INFORMATION,
                on=timezone.localdate(),
                description="The published report and action plan sent to the Panel's review team.",
            )

    def _pending_publication(self, partnership, users):
        """Leicester's second review at publication: the plan opened, the decision to
        publish the report, the pack sent yesterday (a working day) and the planned date
        set to the earliest allowed, seven working days after it (§10.5.1), so that an
        earlier date is refused. Skipped once its publication exists."""
        from reviews.selectors.report_approval import report_is_final

        lcsprs = self._publication_ready_lcsprs(partnership)
        if len(lcsprs) < 2 or not report_is_final(lcsprs[1]) or self._publication_of(lcsprs[1]):
            return
        from publication.models import PublishChoice, SentBy
        from publication.services import notice as notice_services
        from publication.services import plan as plan_services

        lcspr, office = lcsprs[1], users[OFFICE_USER[partnership.slug]]
        with _demo_clock(_working_day_ago(8)):
            publication = plan_services.publication_open(lcspr=lcspr, actor=office)
            publication = self._fresh(publication)
            plan_services.publication_decide(
                publication=publication,
                choice=PublishChoice.REPORT,
                reason="",
                version=publication.version,
                actor=office,
            )
        sent_on = _working_day_ago(1)
        with _demo_clock(sent_on):
            by_email = partnership.email_publication_pack
            notice_services.panel_notice_send(
                publication=self._fresh(publication),
                actor=office,
                sent_by=SentBy.EMAIL if by_email else SentBy.OTHER,
                sent_on=sent_on,
                note="" if by_email else "Sent by the partnership's secure email.",
            )
            publication = self._fresh(publication)
            plan_services.publication_date_set(
                publication=publication,
                planned_on=plan_services.earliest_planned_date(publication),
                version=publication.version,
                actor=office,
            )

    def _open_deadline(self, case, kind):
        return (
            Deadline.objects.for_partnership(case.partnership)
            .filter(case=case, kind=kind, status=DeadlineStatus.OPEN)
            .first()
        )

    def _duties_done(self, case, office):
        """The Rapid Review is over: its duties were done, the decision notified among
        them, so that the case may close (§1.6.3)."""
        for deadline in selectors.case_deadlines(case=case):
            if deadline.status == "open" and deadline.kind not in NOT_DUTIES:
                services.deadline_complete(
                    deadline=deadline, on=min(deadline.due_date, timezone.localdate()), actor=office
                )

    def _deadlines(self, case, stages, office):
        """The statutory dates the demo case's story reached after the Rapid Review."""
        if Stage.LCSPR in stages:
            from reviews.services import lcspr_open

            lcspr_open(
                case=case,
                decided_on=case.opened_on + timedelta(days=21),
                key_lines_of_enquiry="",
                actor=office,
            )
        # A review at publication gets its final report from `_publication_ready`; its
        # `lcspr_complete` stays open: publication completes it (§3.1.3), and the
        # publication plan schedules Event.PUBLICATION_PLANNED.

    def _agencies(self, partnerships):
        agencies = {}
        for name, kind, serves in AGENCIES:
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind})
            wanted = {partnerships[slug] for slug in serves}
            if set(agency.partnerships.all()) != wanted:
                agency.partnerships.set(wanted)
            agencies[name] = agency
        return agencies

    def _user(self, username, full_name, password, roles, partnerships, agencies):
        first, _, last = full_name.rpartition(" ")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:  # an existing user's password is theirs; never reset it
            user.set_password(password)
            # A partnership admin reaches /admin/, scoped to their partnership there.
            user.is_staff = any(role == Role.PARTNERSHIP_ADMIN for role, _, _ in roles)
            user._change_reason = "Demo user"
            user.save()
            self._demo_authenticator(user)
        for role, slug, agency_name in roles:
            membership, _ = Membership.objects.get_or_create(
                user=user,
                role=role,
                partnership=partnerships.get(slug),
                agency=agencies.get(agency_name),
            )
            represents = REPRESENTS.get((username, slug))
            if represents and membership.represents_id is None:
                membership.represents = agencies[represents]
                membership._change_reason = "Demo: the partner agency they represent on the CRG"
                membership.save(update_fields=["represents"])
            reports_on = REPORTS_ON.get((username, slug))
            if reports_on and not membership.reports_on.exists():
                membership.reports_on.set([partnerships[other] for other in reports_on])
        return user

    def _superuser(self, password):
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Demo",
                "last_name": "Admin",
            },
        )
        if created:
            admin.set_password(password)
            admin._change_reason = "Demo configuration user"
            admin.save()
            self._demo_authenticator(admin)

    def _demo_authenticator(self, user):
        """Every account needs two factors: demo users share one published app key."""
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
        )


def _working_day_ago(days):
    """The day `days` days before the real today (even under `_demo_clock`), or the Friday
    before it if that is a weekend."""
    day = real_today() - timedelta(days=days)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _network(lcspr):
    """The review's family network, in its order."""
    from reviews.models import NetworkMember

    return (
        NetworkMember.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .order_by("order", "id")
    )


def _filled_template(template: bytes, rows) -> bytes:
    """The product's chronology template (its own columns, in its order) with `rows`
    typed under the header row, as an agency fills it in: an XLSX, in memory."""
    from openpyxl import load_workbook

    from cases.services.chronology_import import CHRONOLOGY_SHEET

    book = load_workbook(io.BytesIO(template))
    sheet = book[CHRONOLOGY_SHEET]
    headers = [cell.value for cell in sheet[1]]
    keys = (
        "Date",
        "Time",
        "Concerning",
        "Source",
        "Event",
        "Agency response",
        "Analysis",
        "Expected practice",
    )
    for row in rows:
        values = dict(zip(keys, row, strict=True))  # the Date a date cell, as Excel keeps it
        sheet.append([values.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _genogram_png() -> bytes:
    """A small genogram as an agency might draw one, without names: the parents (a
    square and a circle, separated), and the child (a circle) below them."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 20, 70, 60), outline="black", width=3)  # the father
    draw.ellipse((170, 20, 210, 60), outline="black", width=3)  # the mother
    draw.line((70, 40, 170, 40), fill="black", width=3)
    draw.line((110, 30, 130, 50), fill="black", width=3)  # separated
    draw.line((120, 40, 120, 100), fill="black", width=3)
    draw.ellipse((100, 100, 140, 140), outline="black", width=6)  # the child, in bold
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _word_draft(parts) -> bytes:
    """A Word draft (.docx) with a heading and paragraphs for each part, as a Reviewer
    writes one."""
    import docx

    document = docx.Document()
    for heading, paragraphs in parts:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
