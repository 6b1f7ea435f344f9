"""The LCSPR's pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from reviews.views import (
    appointments,
    clock,
    family,  # issue 14: family engagement (§7)
    genogram_portal,
    overview,
    panel,
    setup,
    terms,
    workshop,
)
from reviews.views import chronology as chronology  # issue 14: chron
from reviews.views import findings as findings  # issue 15: findings and recommendations
from reviews.views import genogram as genogram_views
from reviews.views import report as report  # issue 15: drafts
from reviews.views import report_approval as report_approval  # issue 15: approval
from reviews.views import report_guard as report_guard  # issue 15: guard
from reviews.views import submissions as submissions  # issue 14: agency submissions
from reviews.views import themes as themes  # issue 14: chron

LCSPR = "cases/<str:reference>/lcspr/"

urlpatterns = [
    path(LCSPR, overview.lcspr_overview, name="lcspr_overview"),
    # Setting up the review and its people (§1.4.5, §1.5.8, §6).
    path(LCSPR + "set-up/", setup.lcspr_setup, name="lcspr_setup"),
    path(LCSPR + "declaration/", setup.lcspr_declaration, name="lcspr_declaration"),
    path(LCSPR + "police-liaison/", setup.lcspr_police_liaison, name="lcspr_police_liaison"),
    path(LCSPR + "appointments/", appointments.lcspr_appointments, name="lcspr_appointments"),
    path(
        LCSPR + "appointments/reviewer/",
        appointments.lcspr_appoint_reviewer,
        name="lcspr_appoint_reviewer",
    ),
    path(
        LCSPR + "appointments/panel-member/",
        appointments.lcspr_appoint_panel_member,
        name="lcspr_appoint_panel_member",
    ),
    path(
        LCSPR + "appointments/<int:pk>/end/",
        appointments.lcspr_appointment_end,
        name="lcspr_appointment_end",
    ),
    path(
        LCSPR + "appointments/<int:pk>/conflict/",
        appointments.lcspr_appointment_conflict,
        name="lcspr_appointment_conflict",
    ),
    # The terms of reference (§5).
    path(f"{LCSPR}terms/", terms.lcspr_terms, name="lcspr_terms"),
    path(f"{LCSPR}terms/edit/", terms.lcspr_terms_edit, name="lcspr_terms_edit"),
    path(f"{LCSPR}terms/changes/", terms.lcspr_terms_changes, name="lcspr_terms_changes"),
    path(f"{LCSPR}terms/terms-of-reference.pdf", terms.lcspr_terms_pdf, name="lcspr_terms_pdf"),
    path(f"{LCSPR}terms/put-to-crg/", terms.lcspr_terms_put_to_crg, name="lcspr_terms_put_to_crg"),
    path(f"{LCSPR}terms/agreement/", terms.lcspr_terms_agreement, name="lcspr_terms_agreement"),
    path(f"{LCSPR}terms/minor/", terms.lcspr_terms_minor, name="lcspr_terms_minor"),
    path(f"{LCSPR}referred-issues/", terms.lcspr_issues, name="lcspr_issues"),
    path(
        f"{LCSPR}referred-issues/<int:pk>/",
        terms.lcspr_issue_decision,
        name="lcspr_issue_decision",
    ),
    path(
        f"{LCSPR}parallel-processes/",
        terms.lcspr_parallel_processes,
        name="lcspr_parallel_processes",
    ),
    path(
        f"{LCSPR}parallel-processes/<int:pk>/",
        terms.lcspr_parallel_process,
        name="lcspr_parallel_process",
    ),
    # issue 13: panel (the timetable, §5.8, and the Case Review Panel's meetings)
    path(f"{LCSPR}timetable/", panel.lcspr_timetable, name="lcspr_timetable"),
    path(f"{LCSPR}timetable/<int:pk>/", panel.lcspr_milestone, name="lcspr_milestone"),
    path(
        f"{LCSPR}timetable/<int:pk>/cancel/",
        panel.lcspr_milestone_cancel,
        name="lcspr_milestone_cancel",
    ),
    path(
        f"{LCSPR}timetable/<int:pk>/done/",
        panel.lcspr_milestone_done,
        name="lcspr_milestone_done",
    ),
    path(f"{LCSPR}panel/", panel.lcspr_panel, name="lcspr_panel"),
    path(f"{LCSPR}panel/meetings/<int:pk>/", panel.lcspr_panel_meeting, name="lcspr_panel_meeting"),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/agenda/",
        panel.lcspr_agenda_item_add,
        name="lcspr_agenda_item_add",
    ),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/actions/",
        panel.lcspr_panel_action_add,
        name="lcspr_panel_action_add",
    ),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/swift-learning/",
        panel.lcspr_swift_learning_add,
        name="lcspr_swift_learning_add",
    ),
    path(
        f"{LCSPR}panel/actions/<int:pk>/done/",
        panel.lcspr_panel_action_done,
        name="lcspr_panel_action_done",
    ),
    path(
        f"{LCSPR}panel/swift-learning/<int:pk>/sent/",
        panel.lcspr_swift_learning_sent,
        name="lcspr_swift_learning_sent",
    ),
    # issue 13: clock (§3.1.2-§3.1.3)
    path(LCSPR + "clock/", clock.lcspr_clock, name="lcspr_clock"),
    path(LCSPR + "clock/delays/new/", clock.lcspr_delay_add, name="lcspr_delay_add"),
    path(LCSPR + "clock/delays/<int:pk>/", clock.lcspr_delay_edit, name="lcspr_delay_edit"),
    path(
        LCSPR + "clock/delays/<int:pk>/crg/",
        clock.lcspr_delay_meeting,
        name="lcspr_delay_meeting",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/consideration/",
        clock.lcspr_delay_consideration,
        name="lcspr_delay_consideration",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/end/",
        clock.lcspr_delay_resolve,
        name="lcspr_delay_resolve",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/notice.pdf",
        clock.lcspr_delay_notice_pdf,
        name="lcspr_delay_notice_pdf",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/notice/send/",
        clock.lcspr_delay_notice_send,
        name="lcspr_delay_notice_send",
    ),
    path(LCSPR + "clock/notices/<int:pk>.pdf", clock.lcspr_notice_pdf, name="lcspr_notice_pdf"),
    # issue 14: family engagement (§7) — reviews/views/family.py, genogram.py
    # issue 14: genogram (§7.2.1): drawn named and anonymised, and the lead agency's uploads
    path(f"{LCSPR}family/genogram/", genogram_views.lcspr_genogram, name="lcspr_genogram"),
    path(
        f"{LCSPR}family/genogram/genogram-named.svg",
        genogram_views.lcspr_genogram_svg,
        name="lcspr_genogram_svg",
    ),
    path(
        f"{LCSPR}family/genogram/genogram-named.pdf",
        genogram_views.lcspr_genogram_pdf,
        name="lcspr_genogram_pdf",
    ),
    path(
        f"{LCSPR}family/genogram/genogram-anonymised.svg",
        genogram_views.lcspr_genogram_anonymised_svg,
        name="lcspr_genogram_anonymised_svg",
    ),
    path(
        f"{LCSPR}family/genogram/genogram-anonymised.pdf",
        genogram_views.lcspr_genogram_anonymised_pdf,
        name="lcspr_genogram_anonymised_pdf",
    ),
    path(
        f"{LCSPR}family/genogram/uploads/<int:pk>/",
        genogram_views.lcspr_genogram_upload,
        name="lcspr_genogram_upload",
    ),
    # The asked agency's own genogram in the portal, by the ask's id, and its versions (§7.2.1).
    path("portal/genograms/<int:pk>/", genogram_portal.portal_genogram, name="portal_genogram"),
    path(
        "portal/genogram-versions/<int:pk>/",
        genogram_portal.portal_genogram_version,
        name="portal_genogram_version",
    ),
    path(f"{LCSPR}family/", family.lcspr_family, name="lcspr_family"),
    path(
        f"{LCSPR}family/members/new/",
        family.lcspr_family_member_add,
        name="lcspr_family_member_add",
    ),
    path(
        f"{LCSPR}family/members/<int:pk>/",
        family.lcspr_family_member,
        name="lcspr_family_member",
    ),
    path(
        f"{LCSPR}family/members/<int:pk>/remove/",
        family.lcspr_family_member_remove,
        name="lcspr_family_member_remove",
    ),
    path(
        f"{LCSPR}family/members/<int:pk>/letter.pdf",
        family.lcspr_family_letter_pdf,
        name="lcspr_family_letter_pdf",
    ),
    path(
        f"{LCSPR}family/leaflet.pdf",
        family.lcspr_family_leaflet_pdf,
        name="lcspr_family_leaflet_pdf",
    ),
    path(
        f"{LCSPR}family/couples/<int:pk>/remove/",
        family.lcspr_family_couple_remove,
        name="lcspr_family_couple_remove",
    ),
    path(
        f"{LCSPR}family/conversations/new/",
        family.lcspr_family_conversation_add,
        name="lcspr_family_conversation_add",
    ),
    path(
        f"{LCSPR}family/conversations/<int:pk>/",
        family.lcspr_family_conversation,
        name="lcspr_family_conversation",
    ),
    # issue 14: agency submissions and their quality assurance (§8.2-8.7) — submissions.py
    path("safeguarding-leads/", submissions.safeguarding_leads, name="safeguarding_leads"),
    path(LCSPR + "submissions/", submissions.lcspr_submissions, name="lcspr_submissions"),
    path(
        LCSPR + "submissions/request/",
        submissions.lcspr_submissions_request,
        name="lcspr_submissions_request",
    ),
    path(LCSPR + "submissions/<int:pk>/", submissions.lcspr_submission, name="lcspr_submission"),
    path(
        LCSPR + "submissions/<int:pk>/letter.pdf",
        submissions.lcspr_submission_letter,
        name="lcspr_submission_letter",
    ),
    path(
        LCSPR + "submissions/<int:pk>/template.pdf",
        submissions.lcspr_submission_template,
        name="lcspr_submission_template",
    ),
    path(
        LCSPR + "submissions/<int:pk>/guidance.pdf",
        submissions.lcspr_submission_guidance,
        name="lcspr_submission_guidance",
    ),
    path(
        "portal/submissions/<int:pk>/letter.pdf",
        submissions.portal_submission_letter,
        name="portal_submission_letter",
    ),
    path(
        "portal/submissions/<int:pk>/template.pdf",
        submissions.portal_submission_template,
        name="portal_submission_template",
    ),
    path(
        "portal/submissions/<int:pk>/guidance.pdf",
        submissions.portal_submission_guidance,
        name="portal_submission_guidance",
    ),
    # issue 14: chronology import from a spreadsheet (§8.4) — imports.py
    # issue 14: the multi-agency chronology and key themes (§8.4.3, §8.8) — chronology.py, themes.py
    path(f"{LCSPR}chronology/", chronology.lcspr_chronology, name="lcspr_chronology"),
    path(
        f"{LCSPR}chronology/gap-threshold/",
        chronology.lcspr_chronology_settings,
        name="lcspr_chronology_settings",
    ),
    path(f"{LCSPR}chronology/tag/", chronology.lcspr_chronology_tag, name="lcspr_chronology_tag"),
    path(
        f"{LCSPR}chronology/multi-agency-chronology.pdf",
        chronology.lcspr_chronology_pdf,
        name="lcspr_chronology_pdf",
    ),
    path(
        f"{LCSPR}chronology/multi-agency-chronology.csv",
        chronology.lcspr_chronology_csv,
        name="lcspr_chronology_csv",
    ),
    path(
        f"{LCSPR}chronology/multi-agency-chronology.xlsx",
        chronology.lcspr_chronology_xlsx,
        name="lcspr_chronology_xlsx",
    ),
    path(f"{LCSPR}themes/", themes.lcspr_themes, name="lcspr_themes"),
    path(f"{LCSPR}themes/<int:pk>/", themes.lcspr_key_theme, name="lcspr_key_theme"),
    # The partnership's theme list (§8.8), kept by its partnership admin.
    path("theme-list/", themes.theme_list, name="theme_list"),
    path("theme-list/<int:pk>/", themes.theme_code, name="theme_code"),
    # issue 14: the reflective learning workshop (§8.9-8.12) — workshop.py
    path(f"{LCSPR}workshop/", workshop.lcspr_workshop, name="lcspr_workshop"),
    path(
        f"{LCSPR}workshop/invitees/",
        workshop.lcspr_workshop_invitees,
        name="lcspr_workshop_invitees",
    ),
    # One invitee: withdraw (or take off the list before sending), send again, invite again.
    path(
        f"{LCSPR}workshop/invitees/<int:pk>/withdraw/",
        workshop.lcspr_workshop_invitee_withdraw,
        name="lcspr_workshop_invitee_withdraw",
    ),
    path(
        f"{LCSPR}workshop/invitees/<int:pk>/send-again/",
        workshop.lcspr_workshop_invitee_resend,
        name="lcspr_workshop_invitee_resend",
    ),
    path(
        f"{LCSPR}workshop/invitees/<int:pk>/invite-again/",
        workshop.lcspr_workshop_invitee_invite_again,
        name="lcspr_workshop_invitee_invite_again",
    ),
    path(
        f"{LCSPR}workshop/invitations/send/",
        workshop.lcspr_workshop_send,
        name="lcspr_workshop_send",
    ),
    path(
        f"{LCSPR}workshop/briefing.pdf",
        workshop.lcspr_workshop_briefing_pdf,
        name="lcspr_workshop_briefing_pdf",
    ),
    path(
        f"{LCSPR}workshop/attendance/",
        workshop.lcspr_workshop_attendance,
        name="lcspr_workshop_attendance",
    ),
    path(f"{LCSPR}workshop/record/", workshop.lcspr_workshop_record, name="lcspr_workshop_record"),
    path(
        f"{LCSPR}workshop/conversations/",
        workshop.lcspr_workshop_conversations,
        name="lcspr_workshop_conversations",
    ),
    # The invitee's personal link: no account, the secret token only (no case in the URL).
    path(
        "workshop-invitation/<str:token>/",
        workshop.workshop_invitation,
        name="workshop_invitation",
    ),
    # issue 15: drafts. The report's drafts (§9.1), their comments and checklist (§9.1.2).
    path(f"{LCSPR}report/", report.lcspr_report, name="lcspr_report"),
    path(f"{LCSPR}report/upload/", report.lcspr_report_upload, name="lcspr_report_upload"),
    path(f"{LCSPR}report/compare/", report.lcspr_report_compare, name="lcspr_report_compare"),
    path(
        f"{LCSPR}report/requirements/",
        report.lcspr_report_requirements,
        name="lcspr_report_requirements",
    ),
    path(f"{LCSPR}report/drafts/<int:pk>/", report.lcspr_report_draft, name="lcspr_report_draft"),
    path(
        f"{LCSPR}report/drafts/<int:pk>/checklist/",
        report.lcspr_report_checklist,
        name="lcspr_report_checklist",
    ),
    path(
        f"{LCSPR}report/drafts/<int:pk>/report-draft.docx",
        report.lcspr_report_draft_file,
        name="lcspr_report_draft_file",
    ),
    path(
        f"{LCSPR}report/sections/<int:pk>/",
        report.lcspr_report_section,
        name="lcspr_report_section",
    ),
    path(
        f"{LCSPR}report/comments/<int:pk>/",
        report.lcspr_report_comment,
        name="lcspr_report_comment",
    ),
    # issue 15: guard. The anonymisation guard's hits in a draft, and the never-publish list
    # (§9.1.3).
    path(
        f"{LCSPR}report/drafts/<int:number>/anonymisation/",
        report_guard.lcspr_report_hits,
        name="lcspr_report_hits",
    ),
    path(
        f"{LCSPR}report/never-publish/",
        report_guard.lcspr_report_never_publish,
        name="lcspr_report_never_publish",
    ),
    # issue 15: findings and recommendations (§9.2), and the separate group (§9.2.2-9.2.3)
    path(f"{LCSPR}findings/", findings.lcspr_findings, name="lcspr_findings"),
    path(f"{LCSPR}findings/<int:pk>/", findings.lcspr_finding, name="lcspr_finding"),
    path(
        f"{LCSPR}recommendations/<int:pk>/",
        findings.lcspr_recommendation,
        name="lcspr_recommendation",
    ),
    path(f"{LCSPR}findings/group/", findings.lcspr_findings_group, name="lcspr_findings_group"),
    path(f"{LCSPR}findings/findings.pdf", findings.lcspr_findings_pdf, name="lcspr_findings_pdf"),
]

# issue 15: the report's approval (§9.1.4-9.1.5) and its final version.
REPORT_APPROVAL = f"{LCSPR}report/approval/"
urlpatterns += [
    path(REPORT_APPROVAL, report_approval.lcspr_report_approval, name="lcspr_report_approval"),
    path(f"{REPORT_APPROVAL}qa/", report_approval.lcspr_report_qa, name="lcspr_report_qa"),
    path(
        f"{REPORT_APPROVAL}put-to-crg/",
        report_approval.lcspr_report_put_to_crg,
        name="lcspr_report_put_to_crg",
    ),
    path(
        f"{REPORT_APPROVAL}crg-decision/",
        report_approval.lcspr_report_crg_outcome,
        name="lcspr_report_crg_outcome",
    ),
    path(
        f"{REPORT_APPROVAL}crg-sign-off/",
        report_approval.lcspr_report_crg_sign,
        name="lcspr_report_crg_sign",
    ),
    path(
        f"{REPORT_APPROVAL}partner/",
        report_approval.lcspr_report_partner,
        name="lcspr_report_partner",
    ),
    path(f"{REPORT_APPROVAL}final/", report_approval.lcspr_report_final, name="lcspr_report_final"),
    path(
        f"{LCSPR}report/final.pdf",
        report_approval.lcspr_report_final_pdf,
        name="lcspr_report_final_pdf",
    ),
]
