"""Who may do what, and who may reach which route: the product's access policy, typed out.

This is the tests' oracle. It is written here by hand, apart from `cases/permissions.py`
(never import that module here), so that a change to who may do what has to be made
twice, on purpose: once in the code and once here. README.md "Who may do what" shows
the same table (tests/test_access_matrix.py keeps them equal).
"""

from cases.models import Role

# `yes`: the role may; `-`: it may not.
POLICY_TABLE = """
| may                      | BO  | chair | member | scrutineer | reviewer | panel | admin | agency | joint |
| ------------------------ | --- | ----- | ------ | ---------- | -------- | ----- | ----- | ------ | ----- |
| view_cases               | yes | yes   | yes    | yes        | yes      | yes   | yes   | -      | -     |
| read_api                 | yes | yes   | yes    | yes        | yes      | yes   | yes   | -      | -     |
| open_case                | yes | -     | -      | -          | -        | -     | -     | -      | -     |
| change_stage             | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| use_timescale_calculator | yes | yes   | -      | -          | -        | -     | yes   | -      | -     |
| view_restricted_file     | yes | yes   | -      | -          | yes      | -     | -     | -      | -     |
| manage_requests          | yes | -     | -      | -          | -        | -     | -     | -      | -     |
| reply_to_requests        | -   | -     | -      | -          | -        | -     | -     | yes    | -     |
| read_requests_api        | yes | yes   | yes    | yes        | yes      | yes   | yes   | yes    | -     |
| manage_meetings          | yes | -     | -      | -          | -        | -     | yes   | -      | -     |
| send_rapid_review_papers | yes | -     | -      | -          | -        | -     | -     | -      | -     |
| record_decision          | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| approve_decision         | -   | yes   | -      | -          | -        | -     | -     | -      | -     |
| confirm_decision         | -   | -     | yes    | -          | -        | -     | -     | -      | -     |
| view_access_log          | yes | yes   | -      | -          | -        | -     | yes   | -      | -     |
| manage_review            | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| draft_terms_of_reference | yes | -     | -      | -          | yes      | yes   | -     | -      | -     |
| record_crg_agreement     | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| run_panel_meetings       | yes | -     | -      | -          | yes      | yes   | -     | -      | -     |
| view_review_team_records | yes | yes   | -      | -          | yes      | yes   | -     | -      | -     |
| engage_family            | yes | -     | -      | -          | yes      | yes   | -     | -      | -     |
| keep_theme_list          | -   | -     | -      | -          | -        | -     | yes   | -      | -     |
| keep_never_publish_list  | yes | -     | -      | -          | yes      | -     | -     | -      | -     |
| accept_anonymisation_hit | -   | yes   | -      | -          | -        | -     | -     | -      | -     |
| write_report             | yes | -     | -      | -          | yes      | -     | -     | -      | -     |
| comment_on_report        | yes | yes   | -      | -          | yes      | yes   | -     | -      | -     |
| write_findings           | yes | -     | -      | -          | yes      | -     | -     | -      | -     |
| manage_publication       | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| manage_action_plans      | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| update_own_actions       | -   | -     | -      | -          | -        | -     | -     | yes    | -     |
| manage_learning          | yes | yes   | -      | -          | -        | -     | -     | -      | -     |
| view_reports             | yes | yes   | -      | yes        | -        | -     | yes   | -      | yes   |
| view_report_cases        | yes | yes   | -      | yes        | -        | -     | yes   | -      | -     |
| search_learning          | yes | yes   | yes    | yes        | yes      | yes   | yes   | -      | yes   |
| decide_retention         | yes | yes   | -      | -          | -        | -     | yes   | -      | -     |
"""

COLUMNS = {
    "BO": Role.BUSINESS_OFFICE,
    "chair": Role.CRG_CHAIR,
    "member": Role.CRG_MEMBER,
    "scrutineer": Role.INDEPENDENT_SCRUTINEER,
    "reviewer": Role.REVIEWER,
    "panel": Role.PANEL_MEMBER,
    "admin": Role.PARTNERSHIP_ADMIN,
    "agency": Role.AGENCY_USER,
    "joint": Role.JOINT_REPORTING,
}


def parse_table(text: str) -> dict[str, frozenset[Role]]:
    """{action: the roles that may} from a Markdown table like POLICY_TABLE."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.strip().splitlines()
        if line.strip().startswith("|") and not line.strip().startswith("| ---")
    ]
    header, body = rows[0], rows[1:]
    roles = [COLUMNS[name] for name in header[1:]]
    policy = {}
    for action, *cells in body:
        assert set(cells) <= {"yes", "-"}, (action, cells)
        policy[action] = frozenset(
            role for role, cell in zip(roles, cells, strict=True) if cell == "yes"
        )
    return policy


POLICY = parse_table(POLICY_TABLE)

# Reviewers and Panel members see, of their partnership, only the cases of the reviews
# they are appointed to (§2.1.6, §6): every other case is a 404 to them, as another
# partnership's is to everyone.
APPOINTED_ONLY = frozenset({Role.REVIEWER, Role.PANEL_MEMBER})

# What a route needs besides an action in the table.
PARTNERSHIP_ROLES = frozenset(Role) - {Role.AGENCY_USER}
ANY_ROLE = "any role"  # signed in with both factors, working for one organisation
SIGNED_IN = "signed in"  # signed in with both factors, no organisation needed

# Every route of the product but the Django admin's: what reaching it needs. A new route
# fails tests/test_access_matrix.py until someone decides here who may reach it.
ROUTES = {
    "dashboard": ANY_ROLE,
    "my_work": ANY_ROLE,  # issue 18: all of the dashboard's "Your work on reviews"
    "sign_offs_waiting": "view_cases",  # issue 18: all the decisions waiting to be signed
    "organisation_choose": SIGNED_IN,
    "case_list": "view_cases",
    "notification_new": "open_case",
    "referral_new": "open_case",
    "case_detail": "view_cases",
    "case_timeline": "view_cases",
    "case_deadlines": "view_cases",
    "case_history": "view_cases",
    "case_correct_received_date": "open_case",
    "case_correct_summary": "open_case",
    "case_correct_children": "open_case",
    "case_correct_lead_officer": "open_case",
    "case_withdraw": "open_case",
    "restricted_file": "view_restricted_file",
    "referral_progress": "view_cases",
    "referral_convert": "view_cases",
    "case_requests": "view_cases",
    "requests_send": "view_cases",  # the page; sending needs manage_requests
    "case_request": "view_cases",
    "request_accept": "manage_requests",
    "request_return": "manage_requests",
    "request_escalation_resolve": "manage_requests",
    "request_escalate": "manage_requests",
    # The office acting for an agency with nobody on the portal (issue 12).
    "case_request_letters": "manage_requests",
    "request_on_behalf_start": "manage_requests",
    "on_behalf_request": "manage_requests",
    "on_behalf_chronology": "manage_requests",
    "on_behalf_documents": "manage_requests",
    "on_behalf_sharing_decisions": "manage_requests",
    "on_behalf_chronology_edit": "manage_requests",
    "on_behalf_chronology_remove": "manage_requests",
    "on_behalf_document_remove": "manage_requests",
    # issue 14: the practitioners named with an LCSPR submission (§8.10.1), on its behalf
    "on_behalf_practitioners": "manage_requests",
    "on_behalf_practitioner_remove": "manage_requests",
    "combined_summary": "view_cases",
    "combined_summary_pdf": "view_cases",
    "combined_chronology": "view_cases",
    "combined_chronology_pdf": "view_cases",
    "combined_chronology_pdf_status": "view_cases",
    # A request's letter, reply and documents: its partnership's people and its agency.
    "request_letter": ANY_ROLE,
    "request_reply": ANY_ROLE,
    "request_chronology": ANY_ROLE,
    "request_reply_blank": ANY_ROLE,
    "request_chronology_blank": ANY_ROLE,
    "attachment_download": ANY_ROLE,
    "portal_home": "reply_to_requests",
    "portal_request": "reply_to_requests",
    "portal_chronology": "reply_to_requests",
    "portal_documents": "reply_to_requests",
    "portal_sharing_decisions": "reply_to_requests",
    "portal_chronology_edit": "reply_to_requests",
    "portal_chronology_remove": "reply_to_requests",
    "portal_document_remove": "reply_to_requests",
    # issue 14: a chronology imported from a spreadsheet (§8.4.1)
    "portal_chronology_import": "reply_to_requests",
    "portal_chronology_import_check": "reply_to_requests",
    "portal_chronology_template_xlsx": "reply_to_requests",
    "portal_chronology_template_csv": "reply_to_requests",
    "on_behalf_chronology_import": "manage_requests",
    "on_behalf_chronology_import_check": "manage_requests",
    "on_behalf_chronology_template_xlsx": "manage_requests",
    "on_behalf_chronology_template_csv": "manage_requests",
    # issue 14: the practitioners named with an LCSPR submission (§8.10.1)
    "portal_practitioners": "reply_to_requests",
    "portal_practitioner_remove": "reply_to_requests",
    "case_rapid_review": "view_cases",
    "care_death_decision": "view_cases",  # the page; recording needs record_decision
    "rapid_review_papers": "view_cases",
    "rapid_review_record": "view_cases",
    "rapid_review_actions": "view_cases",
    "immediate_action_done": "record_decision",
    "rapid_review_scrutineer": "view_cases",
    "rapid_review_decision": "view_cases",
    "rapid_review_sections": "view_cases",
    "rapid_review_sign_off": "view_cases",
    "rapid_review_sign_off_for_partner": "approve_decision",
    "rapid_review_after": "view_cases",
    "invitation_delivery": "send_rapid_review_papers",
    "outcome_delivery": "send_rapid_review_papers",
    "rapid_review_report": "view_cases",
    # The meeting's papers: only the agency or the person they were sent to.
    "invitation_papers": ANY_ROLE,
    "invitation_summary_pdf": ANY_ROLE,
    "invitation_chronology_pdf": ANY_ROLE,
    "invitation_chronology_pdf_status": ANY_ROLE,
    "portal_papers": "reply_to_requests",
    "portal_outcome": "reply_to_requests",
    # The LCSPR (issue 13): Reviewers and Panel members reach only their own reviews'.
    "lcspr_overview": "view_cases",
    # issue 13: setting up the review and its people
    "lcspr_setup": "view_cases",  # the basis is changed with manage_review
    "lcspr_declaration": "view_cases",  # the appointee's own; others are told it is not theirs
    "lcspr_police_liaison": "view_review_team_records",
    "lcspr_appointments": "view_cases",
    "lcspr_appoint_reviewer": "manage_review",
    "lcspr_appoint_panel_member": "manage_review",
    "lcspr_appointment_end": "manage_review",
    # issue 13: fix1 (the office decides on a declared conflict of interest, §1.5.8)
    "lcspr_appointment_conflict": "manage_review",
    # issue 13: terms of reference. The pages are the case's readers'; what they change
    # is checked on POST (drafting, referring, parallel processes, the CRG's decisions).
    "lcspr_terms": "view_cases",
    "lcspr_terms_edit": "draft_terms_of_reference",
    "lcspr_terms_changes": "view_cases",
    "lcspr_terms_pdf": "view_cases",
    "lcspr_terms_put_to_crg": "draft_terms_of_reference",
    "lcspr_terms_agreement": "record_crg_agreement",
    "lcspr_terms_minor": "record_crg_agreement",
    "lcspr_issues": "view_cases",
    "lcspr_issue_decision": "view_cases",
    "lcspr_parallel_processes": "view_cases",
    "lcspr_parallel_process": "view_cases",
    # issue 13: panel (pages open to readers; writing needs run_panel_meetings)
    "lcspr_timetable": "view_cases",
    "lcspr_milestone": "view_cases",
    "lcspr_milestone_cancel": "run_panel_meetings",
    "lcspr_milestone_done": "run_panel_meetings",
    "lcspr_panel": "view_cases",
    "lcspr_panel_meeting": "view_cases",
    "lcspr_agenda_item_add": "run_panel_meetings",
    "lcspr_panel_action_add": "run_panel_meetings",
    "lcspr_swift_learning_add": "run_panel_meetings",
    "lcspr_panel_action_done": "run_panel_meetings",
    "lcspr_swift_learning_sent": "run_panel_meetings",
    # issue 13: clock (§3.1.2-§3.1.3): the office and the chair record delays and send
    # the notice, and minute the CRG's consideration; everyone on the case reads them.
    "lcspr_clock": "view_cases",
    "lcspr_delay_add": "manage_review",
    "lcspr_delay_edit": "manage_review",
    "lcspr_delay_meeting": "manage_review",
    "lcspr_delay_consideration": "record_crg_agreement",
    "lcspr_delay_resolve": "manage_review",
    "lcspr_delay_notice_pdf": "view_cases",
    "lcspr_delay_notice_send": "manage_review",
    "lcspr_notice_pdf": "view_cases",
    # issue 14: genogram (§7.2.1): the review team only, named and anonymised alike;
    # uploading (on POST) needs engage_family.
    "lcspr_genogram": "view_review_team_records",
    "lcspr_genogram_svg": "view_review_team_records",
    "lcspr_genogram_pdf": "view_review_team_records",
    "lcspr_genogram_anonymised_svg": "view_review_team_records",
    "lcspr_genogram_anonymised_pdf": "view_review_team_records",
    "lcspr_genogram_upload": "view_review_team_records",
    # The asked agency's own genogram in the portal, by the ask's id (§7.2.1).
    "portal_genogram": "reply_to_requests",
    "portal_genogram_version": "reply_to_requests",
    # issue 14: chron. The multi-agency chronology and the key themes are the review team's
    # (§8.4.3, §8.8); the Panel sets the gap threshold, names themes and tags entries (on
    # POST); the partnership admin keeps the theme list.
    "lcspr_chronology": "view_review_team_records",
    "lcspr_chronology_settings": "run_panel_meetings",
    "lcspr_chronology_tag": "run_panel_meetings",
    "lcspr_chronology_pdf": "view_review_team_records",
    "lcspr_chronology_csv": "view_review_team_records",
    "lcspr_chronology_xlsx": "view_review_team_records",
    "lcspr_themes": "view_review_team_records",
    "lcspr_key_theme": "view_review_team_records",
    "theme_list": "keep_theme_list",
    "theme_code": "keep_theme_list",
    # issue 14: the reflective learning workshop (§8.9-8.12): the review team reads it;
    # planning, inviting, sending and recording need run_panel_meetings (checked on POST).
    "lcspr_workshop": "view_review_team_records",
    "lcspr_workshop_invitees": "view_review_team_records",
    "lcspr_workshop_send": "run_panel_meetings",
    # issue 14: one invitee: withdraw, send again, invite again (confirmation pages)
    "lcspr_workshop_invitee_withdraw": "run_panel_meetings",
    "lcspr_workshop_invitee_resend": "run_panel_meetings",
    "lcspr_workshop_invitee_invite_again": "run_panel_meetings",
    "lcspr_workshop_briefing_pdf": "view_review_team_records",
    "lcspr_workshop_attendance": "view_review_team_records",
    "lcspr_workshop_record": "view_review_team_records",
    "lcspr_workshop_conversations": "view_review_team_records",
    # issue 14: family engagement (§7): the review team reads (every view logged); the
    # office, the Reviewer and the Panel change it.
    "lcspr_family": "view_review_team_records",
    "lcspr_family_member_add": "engage_family",
    "lcspr_family_member": "view_review_team_records",
    "lcspr_family_member_remove": "engage_family",
    "lcspr_family_letter_pdf": "view_review_team_records",
    "lcspr_family_leaflet_pdf": "view_review_team_records",
    "lcspr_family_couple_remove": "engage_family",
    "lcspr_family_conversation_add": "engage_family",
    "lcspr_family_conversation": "engage_family",
    # issue 15: guard. The anonymisation guard's hits and the never-publish list (§9.1.3):
    # the review team reads them (every showing logged); accepting a hit needs
    # accept_anonymisation_hit, keeping the list keep_never_publish_list (on POST).
    "lcspr_report_hits": "view_review_team_records",
    "lcspr_report_never_publish": "view_review_team_records",
    # issue 15: drafts. The report's drafts are the review team's (every view of a draft's
    # text logged); writing needs write_report, commenting comment_on_report (on POST).
    "lcspr_report": "view_review_team_records",
    "lcspr_report_upload": "write_report",
    "lcspr_report_compare": "view_review_team_records",
    "lcspr_report_requirements": "view_review_team_records",
    "lcspr_report_draft": "view_review_team_records",
    "lcspr_report_checklist": "view_review_team_records",
    "lcspr_report_draft_file": "view_review_team_records",
    "lcspr_report_section": "view_review_team_records",
    "lcspr_report_comment": "comment_on_report",
    # issue 15: findings and recommendations (§9.2): the review team reads them (the Panel
    # and the CRG chair included); writing them needs write_findings, recording the
    # partnership's decision about a separate group manage_review (both checked on POST).
    "lcspr_findings": "view_review_team_records",
    "lcspr_finding": "view_review_team_records",
    "lcspr_recommendation": "view_review_team_records",
    "lcspr_findings_group": "view_review_team_records",
    "lcspr_findings_pdf": "view_review_team_records",
    "meeting_calendar": "view_cases",
    "meeting_detail": "view_cases",
    "meeting_cancel": "manage_meetings",
    "attendance_remove": "manage_meetings",
    "access_log": "view_access_log",
    "notification_dismiss": ANY_ROLE,  # the user's own reminders only
    "timescale_calculator": "use_timescale_calculator",
    "calendar_feed_page": ANY_ROLE,
    "calendar_feed_create": ANY_ROLE,
    "calendar_feed_revoke": ANY_ROLE,
    "api_case_list": "read_api",
    "api_case_detail": "read_api",
    "api_case_deadlines": "read_api",
    "api_notifications": "open_case",
    "api_referrals": "open_case",
    "api_information_requests": "read_requests_api",
    "api_rapid_reviews": "read_api",
    # issue 13: API
    "api_lcsprs": "read_api",
    # issue 14: agency submissions (§8.2-8.7)
    "safeguarding_leads": "manage_requests",
    "lcspr_submissions": "view_cases",
    "lcspr_submissions_request": "view_cases",  # the page; sending needs manage_requests
    "lcspr_submission": "view_cases",  # QA needs run_panel_meetings; escalating, either
    "lcspr_submission_letter": "view_cases",
    "lcspr_submission_template": "view_cases",
    "lcspr_submission_guidance": "view_cases",
    "portal_submission_letter": "reply_to_requests",
    "portal_submission_template": "reply_to_requests",
    "portal_submission_guidance": "reply_to_requests",
    "api_lcspr_submissions": "read_api",
    "api_lcspr_report": "read_api",  # issue 15: the report's status, never its text
    "api_lcspr_report_drafts": "write_report",  # issue 15: a Word draft by the Reviewer's token
    # issue 15: the report's approval (§9.1.4-9.1.5). The page is the case's readers' (the
    # partners' representatives on the CRG confirm from it); each step needs its action:
    # the Panel's QA, the office putting it to the CRG and marking it final, the CRG's
    # decision minuted, the chair's sign-off. A partner's approval is checked on POST (its
    # representative, or the office or chair for them). The final PDF: the review team.
    "lcspr_report_approval": "view_cases",
    "lcspr_report_qa": "run_panel_meetings",
    "lcspr_report_put_to_crg": "manage_review",
    "lcspr_report_crg_outcome": "record_crg_agreement",
    "lcspr_report_crg_sign": "approve_decision",
    "lcspr_report_partner": "view_cases",
    "lcspr_report_final": "manage_review",
    "lcspr_report_final_pdf": "view_review_team_records",
    # issue 16: learning. The partnership's learning pages are read by everyone in it (a
    # Reviewer or Panel member sees only their own review's rows); writing them, and the
    # create pages, need manage_learning (checked on POST for the pages by id).
    "learning": "view_cases",
    "learning_briefing_new": "manage_learning",
    "learning_briefing": "view_cases",
    "national_reviews": "view_cases",
    "national_review_new": "manage_learning",
    "national_review": "view_cases",
    "national_review_requests": "view_cases",
    "national_review_request_new": "manage_learning",
    "national_review_request": "view_cases",
    "national_panel_log": "view_cases",
    "national_panel_log_csv": "view_cases",
    # issue 16: actions. The office's action plans (§10.1.2, §11.4.1): the partnership's
    # people read them; keeping them, audits and updates on an agency's behalf need
    # manage_action_plans (checked on POST for the pages that are read too). The agency's
    # own actions in the portal (§11.3.3); the API lists a portal token's own agency's.
    "action_plans": "view_cases",
    "action_plan_detail": "view_cases",
    "action_plan_audit_new": "manage_action_plans",
    "plan_recommendation": "view_cases",
    "plan_action": "view_cases",
    "action_on_behalf": "manage_action_plans",
    "action_evidence_file": "view_cases",
    "lcspr_action_plan": "view_cases",
    "rapid_review_action_plan": "view_cases",
    "national_review_action_plan": "view_cases",
    "portal_actions": "update_own_actions",
    "portal_action": "update_own_actions",
    "portal_action_evidence": "update_own_actions",
    "api_action_plans": "read_requests_api",
    # issue 16: plan. The publication page is the case's readers'; every step of it is the
    # office's or the chair's (MANAGE_PUBLICATION); its documents are the review team's.
    "lcspr_publication": "view_cases",
    "lcspr_publication_open": "manage_publication",
    "lcspr_publication_task": "manage_publication",
    "lcspr_publication_contacts": "manage_publication",
    "lcspr_publication_arrangements": "manage_publication",
    "lcspr_publication_date": "manage_publication",
    "lcspr_publication_decision": "manage_publication",
    "lcspr_publication_notice": "manage_publication",
    "lcspr_publication_record": "manage_publication",
    "lcspr_publication_nspcc": "manage_publication",
    "lcspr_publication_archive_request": "manage_publication",
    "lcspr_publication_improvements_pdf": "view_review_team_records",
    "lcspr_publication_action_plan_pdf": "view_review_team_records",
    "timescales_api": "read_api",
    # issue 16: public. The publications' dates and timeliness for reporting systems (§10.5).
    "api_publications": "read_api",
    "schema": SIGNED_IN,
    "swagger-ui": SIGNED_IN,
    # issue 17: reporting. Figures for those who answer for the partnership; the cases
    # behind a figure for those of them who may see cases, never the cross-partnership role.
    "reports": "view_reports",
    "report_measure": "view_reports",
    "report_measure_export": "view_reports",
    "report_measure_cases": "view_report_cases",
    "report_measure_cases_export": "view_report_cases",
    "api_reports": "view_reports",
    "api_report": "view_reports",
    # issue 17: slippage. Every open case against its milestones: a list of cases.
    "report_slippage": "view_report_cases",
    # issue 17: annual. The annual report's figures, on a page and as a PDF: no case.
    "report_annual": "view_reports",
    "report_annual_pdf": "view_reports",
    # issue 17: search. The learning across reviews: published material for everyone who
    # may search, a review's own records only where the case may be seen.
    "learning_search": "search_learning",
    # issue 18: retention. The flagged cases and the decision on one.
    "retention_list": "decide_retention",
    "retention_decide": "decide_retention",
}

# Routes by id: whose row the id may name, besides what the route needs above.
# "partnership": its partnership's people; "agency": the agency it is addressed to;
# "invitee": the agency or the one person the meeting's papers were sent to; "partnership,
# once entered on its behalf": the office, on a reply it enters for the agency (an agency's
# own draft stays its own).
ROW_READERS = {
    # issue 13: setting up the review and its people
    "lcspr_appointment_end": "partnership",
    # issue 13: fix1 (conflict of interest)
    "lcspr_appointment_conflict": "partnership",
    "case_request": "partnership",
    "request_accept": "partnership",
    "request_return": "partnership",
    "request_escalation_resolve": "partnership",
    "request_escalate": "partnership",
    "request_on_behalf_start": "partnership",
    "on_behalf_request": "partnership",
    "on_behalf_chronology": "partnership",
    "on_behalf_documents": "partnership",
    "on_behalf_sharing_decisions": "partnership",
    "on_behalf_chronology_edit": "partnership, once entered on its behalf",
    "on_behalf_chronology_remove": "partnership, once entered on its behalf",
    "on_behalf_document_remove": "partnership",
    "on_behalf_practitioners": "partnership",  # issue 14
    "on_behalf_practitioner_remove": "partnership, once entered on its behalf",  # issue 14
    "request_reply_blank": "partnership or agency",
    "request_chronology_blank": "partnership or agency",
    "request_letter": "partnership or agency",
    "request_reply": "partnership or agency",  # the partnership once it is submitted
    "request_chronology": "partnership or agency",
    "attachment_download": "partnership or agency",
    "portal_request": "agency",
    "portal_chronology": "agency",
    "portal_documents": "agency",
    "portal_sharing_decisions": "agency",
    "portal_chronology_edit": "agency",
    "portal_chronology_remove": "agency",
    "portal_document_remove": "agency",
    # issue 14: a chronology imported from a spreadsheet (§8.4.1); the office's pages
    # say it is not entering the reply until it is, as on_behalf_chronology does.
    "portal_chronology_import": "agency",
    "portal_chronology_import_check": "agency",
    "portal_chronology_template_xlsx": "agency",
    "portal_chronology_template_csv": "agency",
    "on_behalf_chronology_import": "partnership",
    "on_behalf_chronology_import_check": "partnership",
    "on_behalf_chronology_template_xlsx": "partnership",
    "on_behalf_chronology_template_csv": "partnership",
    "portal_practitioners": "agency",  # issue 14
    "portal_practitioner_remove": "agency",  # issue 14
    "immediate_action_done": "partnership",
    "invitation_papers": "invitee",
    "invitation_summary_pdf": "invitee",
    "invitation_chronology_pdf": "invitee",
    "invitation_chronology_pdf_status": "invitee",
    "portal_outcome": "agency",
    "invitation_delivery": "partnership",
    "outcome_delivery": "partnership",
    "meeting_detail": "partnership",
    "meeting_cancel": "partnership",
    "attendance_remove": "partnership",
    "notification_dismiss": "recipient",
    # issue 13: terms of reference (tests/reviews/test_terms.py)
    "lcspr_issue_decision": "partnership",
    "lcspr_parallel_process": "partnership",
    # issue 13: panel (rows of a review: its partnership, and only its appointed people)
    "lcspr_milestone": "partnership",
    "lcspr_milestone_cancel": "partnership",
    "lcspr_milestone_done": "partnership",
    "lcspr_panel_meeting": "partnership",
    "lcspr_agenda_item_add": "partnership",
    "lcspr_panel_action_add": "partnership",
    "lcspr_swift_learning_add": "partnership",
    "lcspr_panel_action_done": "partnership",
    "lcspr_swift_learning_sent": "partnership",
    # issue 13: clock (tests/reviews/test_clock.py)
    "lcspr_delay_edit": "partnership",
    "lcspr_delay_meeting": "partnership",
    "lcspr_delay_consideration": "partnership",
    "lcspr_delay_resolve": "partnership",
    "lcspr_delay_notice_pdf": "partnership",
    "lcspr_delay_notice_send": "partnership",
    "lcspr_notice_pdf": "partnership",
    # issue 14: a workshop invitee (tests/reviews/test_workshop.py)
    "lcspr_workshop_invitee_withdraw": "partnership",
    "lcspr_workshop_invitee_resend": "partnership",
    "lcspr_workshop_invitee_invite_again": "partnership",
    # issue 14: agency submissions (tests/reviews/test_submissions.py)
    "lcspr_submission": "partnership",
    "lcspr_submission_letter": "partnership",
    "lcspr_submission_template": "partnership",
    "lcspr_submission_guidance": "partnership",
    "portal_submission_letter": "agency",
    "portal_submission_template": "agency",
    "portal_submission_guidance": "agency",
    # issue 14: genogram (tests/reviews/test_genogram.py)
    "lcspr_genogram_upload": "partnership",
    # tests/reviews/test_genogram_portal.py: the agency asked, while it is asked
    "portal_genogram": "agency",
    "portal_genogram_version": "agency",
    # issue 14: chron (tests/reviews/test_themes.py)
    "lcspr_key_theme": "partnership",
    "theme_code": "partnership",
    # issue 14: family engagement (tests/reviews/test_family.py)
    "lcspr_family_member": "partnership",
    "lcspr_family_member_remove": "partnership",
    "lcspr_family_letter_pdf": "partnership",
    "lcspr_family_couple_remove": "partnership",
    "lcspr_family_conversation": "partnership",
    # issue 15: drafts (tests/reviews/test_row_isolation.py)
    "lcspr_report_draft": "partnership",
    "lcspr_report_checklist": "partnership",
    "lcspr_report_draft_file": "partnership",
    "lcspr_report_section": "partnership",
    "lcspr_report_comment": "partnership",
    # issue 15: findings and recommendations (tests/reviews/test_findings.py)
    "lcspr_finding": "partnership",
    "lcspr_recommendation": "partnership",
    # issue 16: actions (tests/publication/test_action_portal.py)
    "action_plan_detail": "partnership",
    "action_plan_audit_new": "partnership",
    "plan_recommendation": "partnership",
    "plan_action": "partnership",
    "action_on_behalf": "partnership",
    "action_evidence_file": "partnership",
    "national_review_action_plan": "partnership",
    "portal_action": "agency",
    "portal_action_evidence": "agency",
}

# Routes anyone may reach, signed in or not. Each declares nothing and must show no case
# data; keep this list short.
PUBLIC_ROUTES = {
    "login": "signing in",
    "admin_login": "signing in to the admin, through the product's own sign-in",
    "two_factor_verify": "the second step of signing in",
    "two_factor_setup": "setting up the second factor at the first sign-in",
    "recovery_codes": "the recovery codes shown once, after setting up the second factor",
    "logout": "signing out",
    "password_reset": "asking for a password reset",
    "password_reset_done": "password reset: the email is on its way",
    "password_reset_confirm": "password reset: the signed one-time link",
    "password_reset_complete": "password reset: done",
    "health": "the load balancer's liveness check",
    "calendar_feed": "a person's deadlines feed, reached by its secret address",
    # issue 14: an invitee's answer to the learning workshop, by the secret link emailed
    # to them (no account): only the event, never the case (tests/reviews/test_workshop.py).
    "workshop_invitation": "a learning workshop invitee's personal link (no account)",
    # issue 16: public. Each partnership's published reports, their files and Atom feed
    # (§10.5.2), for anyone: only what was published, by an opaque id, never a case
    # reference (tests/publication/test_public.py).
    "published_list": "a partnership's public page of published reports",
    "published_feed": "the public page's Atom feed",
    "published_document": "a published report's or action plan's file",
}


def route_name(path: str, entry) -> str:
    """The route's name in the tables above (the admin's sign-in has no URL name)."""
    if entry.name is None and path == "admin/login/":
        return "admin_login"
    return entry.name or path


def may(role: str, needs: str) -> bool:
    """Whether the role may reach a route that needs `needs`, by the tables above."""
    if needs in (ANY_ROLE, SIGNED_IN):
        return True
    return role in POLICY[needs]
