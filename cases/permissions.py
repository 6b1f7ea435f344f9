"""What each role may do: one table, checked by `Scope.can(action)` and `user_can(...)`."""

from enum import StrEnum

from cases.models import Membership, Partnership, Role, User


class Action(StrEnum):
    VIEW_CASES = "view_cases"
    READ_API = "read_api"
    OPEN_CASE = "open_case"
    CHANGE_STAGE = "change_stage"
    VIEW_ACCESS_LOG = "view_access_log"
    USE_TIMESCALE_CALCULATOR = "use_timescale_calculator"
    VIEW_RESTRICTED_FILE = "view_restricted_file"
    MANAGE_REQUESTS = "manage_requests"
    REPLY_TO_REQUESTS = "reply_to_requests"
    READ_REQUESTS_API = "read_requests_api"
    MANAGE_MEETINGS = "manage_meetings"
    RECORD_DECISION = "record_decision"
    SEND_RAPID_REVIEW_PAPERS = "send_rapid_review_papers"
    APPROVE_DECISION = "approve_decision"
    CONFIRM_DECISION = "confirm_decision"
    MANAGE_REVIEW = "manage_review"
    DRAFT_TERMS_OF_REFERENCE = "draft_terms_of_reference"
    RECORD_CRG_AGREEMENT = "record_crg_agreement"
    RUN_PANEL_MEETINGS = "run_panel_meetings"
    VIEW_REVIEW_TEAM_RECORDS = "view_review_team_records"
    ENGAGE_FAMILY = "engage_family"
    KEEP_THEME_LIST = "keep_theme_list"
    KEEP_NEVER_PUBLISH_LIST = "keep_never_publish_list"  # issue 15: guard
    ACCEPT_ANONYMISATION_HIT = "accept_anonymisation_hit"  # issue 15: guard
    WRITE_REPORT = "write_report"
    COMMENT_ON_REPORT = "comment_on_report"
    WRITE_FINDINGS = "write_findings"  # issue 15: findings and recommendations (§9.2)
    MANAGE_PUBLICATION = "manage_publication"  # issue 16: publication (§10)
    MANAGE_ACTION_PLANS = "manage_action_plans"  # issue 16: action plans (§10.1.2, §11.4)
    UPDATE_OWN_ACTIONS = "update_own_actions"  # issue 16: an agency's actions (§11.3.3)
    MANAGE_LEARNING = "manage_learning"  # issue 16: dissemination, national reviews (§11-§12)
    VIEW_REPORTS = "view_reports"  # issue 17: the partnership's figures
    VIEW_REPORT_CASES = "view_report_cases"  # issue 17: the cases behind a figure
    SEARCH_LEARNING = "search_learning"  # issue 17: learning search across reviews
    DECIDE_RETENTION = "decide_retention"  # issue 18: archive, keep or erase a closed case


_PARTNERSHIP_ROLES = frozenset(
    role for role in Role if role not in {Role.AGENCY_USER, Role.JOINT_REPORTING}
)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    # Everyone who works for the partnership reads its cases; agency users only
    # ever see the requests addressed to their agency.
    Action.VIEW_CASES: _PARTNERSHIP_ROLES,
    Action.READ_API: _PARTNERSHIP_ROLES,
    # The Business Office logs referrals and notifications (DESIGN.md "Who uses it").
    Action.OPEN_CASE: frozenset({Role.BUSINESS_OFFICE}),
    # Moving a case on follows a CRG decision the Business Office records.
    Action.CHANGE_STAGE: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # The Business Office plans dates; the chair and admin check them.
    Action.USE_TIMESCALE_CALCULATOR: frozenset(
        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.PARTNERSHIP_ADMIN}
    ),
    # Children's names and dates of birth: only those who run and chair the case, and the
    # Reviewer of its LCSPR, who leads the engagement with the family (§7.4.1). A Reviewer
    # sees only the cases of the reviews they are appointed to and have declared for
    # (§1.5.8, §2.1.6), and not this file once they declare a conflict of interest
    # (cases.selectors.appointment_conflicted). Panel members do not meet the family.
    Action.VIEW_RESTRICTED_FILE: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.REVIEWER}),
    # The Business Office sends, chases, returns and accepts information requests
    # and collates the Combined Summary (DESIGN.md "Who uses it").
    Action.MANAGE_REQUESTS: frozenset({Role.BUSINESS_OFFICE}),
    # Agencies reply through the portal, and only to what is addressed to them.
    Action.REPLY_TO_REQUESTS: frozenset({Role.AGENCY_USER}),
    # The partnership's requests, or (for a portal user's token) the agency's own.
    Action.READ_REQUESTS_API: frozenset(Role) - {Role.JOINT_REPORTING},
    # The CRG calendar is kept by the admins and the Business Office, who also set each
    # Rapid Review's meeting (§4.4.1, §4.4.2).
    Action.MANAGE_MEETINGS: frozenset({Role.BUSINESS_OFFICE, Role.PARTNERSHIP_ADMIN}),
    # The meeting's papers, the report to the National Panel and the outcome to agencies
    # are the Business Office's to send (§4.5.2, §4.8).
    Action.SEND_RAPID_REVIEW_PAPERS: frozenset({Role.BUSINESS_OFFICE}),
    # The meeting's record and decision (§4.6.2) are minuted by the Business Office or
    # the chair; the chair approves it and each Safeguarding Partner's representative on
    # the CRG confirms it.
    Action.RECORD_DECISION: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    Action.APPROVE_DECISION: frozenset({Role.CRG_CHAIR}),
    Action.CONFIRM_DECISION: frozenset({Role.CRG_MEMBER}),
    # The LCSPR (§5-§6): the Business Office and the chair set the review up, appoint its
    # Reviewer and Panel, record its delays and send the notice of one (§3.1.3).
    Action.MANAGE_REVIEW: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # The Panel or the Reviewer draft the terms of reference (§5.1.2), with the Business
    # Office; they refer what they cannot resolve to the CRG.
    Action.DRAFT_TERMS_OF_REFERENCE: frozenset(
        {Role.BUSINESS_OFFICE, Role.REVIEWER, Role.PANEL_MEMBER}
    ),
    # The CRG agrees the terms of reference and their significant changes (§5.1.3,
    # §5.3.1), decides referred issues and considers delays (§3.1.3): minuted by the
    # Business Office or the chair, as its decisions are.
    Action.RECORD_CRG_AGREEMENT: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # The Panel's meetings, minutes, actions and swift learning (§7.1.3, §11.2.1), which
    # the Reviewer chairs (§6.1.1) and the Business Office supports.
    Action.RUN_PANEL_MEETINGS: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER, Role.PANEL_MEMBER}),
    # The review team's own records, such as the Police liaison (§6.2.3).
    Action.VIEW_REVIEW_TEAM_RECORDS: frozenset(
        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.REVIEWER, Role.PANEL_MEMBER}
    ),
    # The family's part in the review (§7): its network, genogram, first contact and
    # conversations, read by the review team (VIEW_REVIEW_TEAM_RECORDS) and kept by the
    # Reviewer, who leads the engagement (§7.4.1), the Panel, whose family co-ordinator
    # may be any member (§7.1.3), and the Business Office that supports them.
    Action.ENGAGE_FAMILY: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER, Role.PANEL_MEMBER}),
    # The partnership's list of theme codes (§8.8), which key themes are coded from.
    Action.KEEP_THEME_LIST: frozenset({Role.PARTNERSHIP_ADMIN}),
    # issue 15: guard. The case's "never publish" list (§9.1.3) is the Reviewer's, who
    # writes the report, with the Business Office that supports them; the review team
    # reads it (VIEW_REVIEW_TEAM_RECORDS).
    Action.KEEP_NEVER_PUBLISH_LIST: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER}),
    # issue 15: guard. What the anonymisation guard found is fixed by the Reviewer in a
    # new draft, or accepted with a reason by the CRG chair (§9.1.3).
    Action.ACCEPT_ANONYMISATION_HIT: frozenset({Role.CRG_CHAIR}),
    # The report (§9.1): the Reviewer writes it (§6.1.1), in the product or in Word, with
    # the Business Office that supports the review; they keep the requirements the terms of
    # reference add and say where each draft meets the §9.1.2 minimum content.
    Action.WRITE_REPORT: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER}),
    # The Panel comments on each draft, section by section (§9.1.4's QA is theirs), with
    # the Reviewer, the Business Office and the CRG chair.
    Action.COMMENT_ON_REPORT: frozenset(
        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.REVIEWER, Role.PANEL_MEMBER}
    ),
    # issue 15: the review's findings and recommendations (§9.2), written by the Reviewer,
    # who writes the report (§9.1.1), and the Business Office that supports the review; the
    # Panel and the CRG chair read them (VIEW_REVIEW_TEAM_RECORDS).
    Action.WRITE_FINDINGS: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER}),
    # issue 16: publication (§10). Publication planning starts once the CRG and the
    # partnership endorse the final report (§10.2.1); the Business Office runs it with the
    # CRG chair, records the partnership's decision to publish or only the improvements
    # (§10.1.1), sends the notice (§10.5.1) and keeps the publication record (§10.5.2).
    Action.MANAGE_PUBLICATION: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # The partnership's action plans (§10.1.2) and the regular audits of their progress
    # (§11.4.1), kept by the Business Office and the CRG chair, who oversees the learning's
    # implementation (§1.6.2).
    Action.MANAGE_ACTION_PLANS: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # Each agency reports on the actions it owns, and their impact (§11.3.3), in the portal.
    Action.UPDATE_OWN_ACTIONS: frozenset({Role.AGENCY_USER}),
    # Sharing the learning (§11.2-11.3), the CRG's review of national reviews (§11.5.1) and
    # the Panel's requests about one (§12.3): the Business Office and the CRG chair.
    Action.MANAGE_LEARNING: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),
    # issue 17: reporting. The partnership's figures are for those who answer for it to its
    # board, the Independent Scrutineer, Ofsted and the National Panel (§1.6.3, §3.1): the
    # Business Office, the CRG chair, the scrutineer and the partnership admin, and the
    # cross-partnership reporting role, which sees every partnership it reports on.
    Action.VIEW_REPORTS: frozenset(
        {
            Role.BUSINESS_OFFICE,
            Role.CRG_CHAIR,
            Role.INDEPENDENT_SCRUTINEER,
            Role.PARTNERSHIP_ADMIN,
            Role.JOINT_REPORTING,
        }
    ),
    # The cases behind a figure are case detail: not for the cross-partnership role.
    Action.VIEW_REPORT_CASES: frozenset(
        {
            Role.BUSINESS_OFFICE,
            Role.CRG_CHAIR,
            Role.INDEPENDENT_SCRUTINEER,
            Role.PARTNERSHIP_ADMIN,
        }
    ),
    # What reviews learned, across reviews (§1.4.1's recurrent themes, §11): published
    # material for everyone who works for a partnership or reports on it; a review's
    # restricted records only for its team (reporting/selectors/search.py).
    Action.SEARCH_LEARNING: _PARTNERSHIP_ROLES | {Role.JOINT_REPORTING},
    # issue 18: retention. Whether a closed case past its retention period is archived, kept
    # or erased: those who answer for the partnership's records, as for the access log (the
    # Business Office, the CRG chair and the partnership admin, who sets the period).
    Action.DECIDE_RETENTION: frozenset(
        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.PARTNERSHIP_ADMIN}
    ),
    # Who looked at what: for those who answer for the partnership's records.
    Action.VIEW_ACCESS_LOG: frozenset(
        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.PARTNERSHIP_ADMIN}
    ),
}


def role_can(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(Action(action), frozenset())


def user_can(user: User, partnership: Partnership, action: Action) -> bool:
    """Whether any of the user's active roles in the partnership allows the action."""
    return Membership.objects.filter(
        user=user,
        partnership=partnership,
        role__in=PERMISSIONS[action],
        is_active=True,
        user__is_active=True,
    ).exists()


def require(actor: User | None, partnership: Partnership, action: Action, message: str) -> None:
    """Refuse with `message` unless the actor may do it; `actor` None is the system itself."""
    from cases.errors import ApplicationError

    if actor is not None and not user_can(actor, partnership, action):
        raise ApplicationError(message)
