from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases import admin_scoping
from cases.api.views import SchemaApi, SchemaDocs
from cases.views import (
    access_log,
    calendar,
    case,
    chronology_import,
    combined,
    correction,
    dashboard,
    documents,
    health,
    intake,
    organisation,
    portal,
    referral,
    requests,
    restricted,
    sign_in,
    timescales,
)
from publication.urls import urlpatterns as publication_urlpatterns
from rapidreview.views import actions as rr_actions
from rapidreview.views import after as rr_after
from rapidreview.views import care_death as rr_care_death
from rapidreview.views import decision as rr_decision
from rapidreview.views import delivery as rr_delivery
from rapidreview.views import invitations as rr_invitations
from rapidreview.views import meetings as rr_meetings
from rapidreview.views import overview as rr_overview
from rapidreview.views import papers as rr_papers
from rapidreview.views import scrutineer as rr_scrutineer
from rapidreview.views import sign_off as rr_sign_off
from retention.urls import urlpatterns as retention_urlpatterns
from reviews.urls import urlpatterns as review_urlpatterns

admin.site.site_header = "LCSPR case manager configuration"
admin.site.site_title = "LCSPR case manager"
login_view = sign_in.SignInView.as_view()

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("your-work/", dashboard.my_work, name="my_work"),
    path("sign-offs/", rr_sign_off.sign_offs_waiting, name="sign_offs_waiting"),
    path("sign-in/", login_view, name="login"),
    path("sign-in/two-factor/", sign_in.two_factor_verify, name="two_factor_verify"),
    path("sign-in/set-up-two-factor/", sign_in.two_factor_setup, name="two_factor_setup"),
    path("sign-in/recovery-codes/", sign_in.recovery_codes, name="recovery_codes"),
    path("sign-out/", sign_in.SignOutView.as_view(), name="logout"),
    path("password-reset/", sign_in.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        sign_in.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("organisation/", organisation.organisation_choose, name="organisation_choose"),
    path("cases/", case.case_list, name="case_list"),
    path("cases/new/notification/", intake.notification_new, name="notification_new"),
    path("cases/new/referral/", intake.referral_new, name="referral_new"),
    path("cases/<str:reference>/", case.case_detail, name="case_detail"),
    path("cases/<str:reference>/timeline/", case.case_timeline, name="case_timeline"),
    path("cases/<str:reference>/deadlines/", case.case_deadlines, name="case_deadlines"),
    path("cases/<str:reference>/history/", case.case_history, name="case_history"),
    path(
        "cases/<str:reference>/correct/received-date/",
        correction.case_correct_received_date,
        name="case_correct_received_date",
    ),
    path(
        "cases/<str:reference>/correct/summary/",
        correction.case_correct_summary,
        name="case_correct_summary",
    ),
    path(
        "cases/<str:reference>/correct/children/",
        correction.case_correct_children,
        name="case_correct_children",
    ),
    path(
        "cases/<str:reference>/correct/lead-officer/",
        correction.case_correct_lead_officer,
        name="case_correct_lead_officer",
    ),
    path("cases/<str:reference>/withdraw/", correction.case_withdraw, name="case_withdraw"),
    path(
        "cases/<str:reference>/restricted/",
        restricted.restricted_file,
        name="restricted_file",
    ),
    path(
        "cases/<str:reference>/referral/",
        referral.referral_progress,
        name="referral_progress",
    ),
    path(
        "cases/<str:reference>/referral/notified/",
        referral.referral_convert,
        name="referral_convert",
    ),
    path("cases/<str:reference>/requests/", requests.case_requests, name="case_requests"),
    path(
        "cases/<str:reference>/requests/letters.zip",
        documents.case_request_letters,
        name="case_request_letters",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/on-behalf/",
        requests.request_on_behalf_start,
        name="request_on_behalf_start",
    ),
    path(
        "cases/<str:reference>/requests/send/",
        requests.requests_send,
        name="requests_send",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/",
        requests.case_request,
        name="case_request",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/accept/",
        requests.request_accept,
        name="request_accept",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/return/",
        requests.request_return,
        name="request_return",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/escalation-resolved/",
        requests.request_escalation_resolve,
        name="request_escalation_resolve",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/escalate/",
        requests.request_escalate,
        name="request_escalate",
    ),
    path(
        "cases/<str:reference>/combined-summary/",
        combined.combined_summary,
        name="combined_summary",
    ),
    path(
        "cases/<str:reference>/combined-summary.pdf",
        combined.combined_summary_pdf,
        name="combined_summary_pdf",
    ),
    path(
        "cases/<str:reference>/combined-chronology/",
        combined.combined_chronology,
        name="combined_chronology",
    ),
    path(
        "cases/<str:reference>/combined-chronology/pdf/",
        combined.combined_chronology_pdf_status,
        name="combined_chronology_pdf_status",
    ),
    path(
        "cases/<str:reference>/combined-chronology.pdf",
        combined.combined_chronology_pdf,
        name="combined_chronology_pdf",
    ),
    path("requests/<int:pk>/letter.pdf", documents.request_letter_pdf, name="request_letter"),
    path("requests/<int:pk>/reply.pdf", documents.request_reply_pdf, name="request_reply"),
    path(
        "requests/<int:pk>/chronology.pdf",
        documents.request_chronology_pdf,
        name="request_chronology",
    ),
    path(
        "requests/<int:pk>/reply-template.pdf",
        documents.request_reply_blank_pdf,
        name="request_reply_blank",
    ),
    path(
        "requests/<int:pk>/chronology-template.pdf",
        documents.request_chronology_blank_pdf,
        name="request_chronology_blank",
    ),
    path("documents/<int:pk>/", documents.attachment_download, name="attachment_download"),
    # The office entering an agency's emailed reply, in the portal's own forms (issue 12).
    path("requests/<int:pk>/on-behalf/", portal.on_behalf_request, name="on_behalf_request"),
    path(
        "requests/<int:pk>/on-behalf/chronology/",
        portal.on_behalf_chronology,
        name="on_behalf_chronology",
    ),
    path(
        "requests/<int:pk>/on-behalf/documents/",
        portal.on_behalf_documents,
        name="on_behalf_documents",
    ),
    path(
        "requests/<int:pk>/on-behalf/sharing-decisions/",
        portal.on_behalf_sharing_decisions,
        name="on_behalf_sharing_decisions",
    ),
    path(
        "requests/on-behalf/chronology/<int:pk>/edit/",
        portal.on_behalf_chronology_edit,
        name="on_behalf_chronology_edit",
    ),
    path(
        "requests/on-behalf/chronology/<int:pk>/remove/",
        portal.on_behalf_chronology_remove,
        name="on_behalf_chronology_remove",
    ),
    path(
        "requests/on-behalf/documents/<int:pk>/remove/",
        portal.on_behalf_document_remove,
        name="on_behalf_document_remove",
    ),
    # issue 14: the practitioners an agency names with its LCSPR submission (§8.10.1).
    path(
        "requests/<int:pk>/on-behalf/practitioners/",
        portal.on_behalf_practitioners,
        name="on_behalf_practitioners",
    ),
    path(
        "requests/on-behalf/practitioners/<int:pk>/remove/",
        portal.on_behalf_practitioner_remove,
        name="on_behalf_practitioner_remove",
    ),
    path(
        "portal/requests/<int:pk>/practitioners/",
        portal.portal_practitioners,
        name="portal_practitioners",
    ),
    path(
        "portal/practitioners/<int:pk>/remove/",
        portal.portal_practitioner_remove,
        name="portal_practitioner_remove",
    ),
    path("portal/", portal.portal_home, name="portal_home"),
    path("portal/requests/<int:pk>/", portal.portal_request, name="portal_request"),
    path(
        "portal/requests/<int:pk>/chronology/",
        portal.portal_chronology,
        name="portal_chronology",
    ),
    path(
        "portal/requests/<int:pk>/documents/",
        portal.portal_documents,
        name="portal_documents",
    ),
    path(
        "portal/requests/<int:pk>/sharing-decisions/",
        portal.portal_sharing_decisions,
        name="portal_sharing_decisions",
    ),
    path(
        "portal/chronology/<int:pk>/edit/",
        portal.portal_chronology_edit,
        name="portal_chronology_edit",
    ),
    path(
        "portal/chronology/<int:pk>/remove/",
        portal.portal_chronology_remove,
        name="portal_chronology_remove",
    ),
    path(
        "portal/documents/<int:pk>/remove/",
        portal.portal_document_remove,
        name="portal_document_remove",
    ),
    path(
        "cases/<str:reference>/rapid-review/",
        rr_overview.case_rapid_review,
        name="case_rapid_review",
    ),
    path(
        "cases/<str:reference>/rapid-review/papers/",
        rr_papers.rapid_review_papers,
        name="rapid_review_papers",
    ),
    path(
        "cases/<str:reference>/rapid-review/record/",
        rr_decision.rapid_review_record,
        name="rapid_review_record",
    ),
    path(
        "cases/<str:reference>/rapid-review/actions/",
        rr_actions.rapid_review_actions,
        name="rapid_review_actions",
    ),
    path(
        "cases/<str:reference>/rapid-review/actions/<int:pk>/done/",
        rr_actions.immediate_action_done,
        name="immediate_action_done",
    ),
    path(
        "cases/<str:reference>/rapid-review/scrutineer/",
        rr_scrutineer.rapid_review_scrutineer,
        name="rapid_review_scrutineer",
    ),
    path(
        "cases/<str:reference>/rapid-review/decision/",
        rr_decision.rapid_review_decision,
        name="rapid_review_decision",
    ),
    path(
        "cases/<str:reference>/rapid-review/combined-summary/",
        rr_decision.rapid_review_sections,
        name="rapid_review_sections",
    ),
    path(
        "cases/<str:reference>/rapid-review/sign-off/",
        rr_sign_off.rapid_review_sign_off,
        name="rapid_review_sign_off",
    ),
    path(
        "cases/<str:reference>/rapid-review/sign-off/for-a-partner/",
        rr_sign_off.rapid_review_sign_off_for_partner,
        name="rapid_review_sign_off_for_partner",
    ),
    path(
        "cases/<str:reference>/rapid-review/invitations/<int:pk>/sent/",
        rr_delivery.invitation_delivery,
        name="invitation_delivery",
    ),
    path(
        "cases/<str:reference>/rapid-review/outcomes/<int:pk>/sent/",
        rr_delivery.outcome_delivery,
        name="outcome_delivery",
    ),
    path(
        "cases/<str:reference>/rapid-review/after/",
        rr_after.rapid_review_after,
        name="rapid_review_after",
    ),
    path(
        "cases/<str:reference>/rapid-review/report.pdf",
        rr_after.rapid_review_report_pdf,
        name="rapid_review_report",
    ),
    path(
        "cases/<str:reference>/crg-consideration/",
        rr_care_death.care_death_decision,
        name="care_death_decision",
    ),
    path("papers/<int:pk>/", rr_invitations.invitation_papers, name="invitation_papers"),
    path(
        "papers/<int:pk>/combined-summary.pdf",
        rr_invitations.invitation_summary_pdf,
        name="invitation_summary_pdf",
    ),
    path(
        "papers/<int:pk>/combined-chronology/",
        rr_invitations.invitation_chronology_pdf_status,
        name="invitation_chronology_pdf_status",
    ),
    path(
        "papers/<int:pk>/combined-chronology.pdf",
        rr_invitations.invitation_chronology_pdf,
        name="invitation_chronology_pdf",
    ),
    path("portal/papers/", rr_invitations.portal_papers, name="portal_papers"),
    path("portal/outcomes/<int:pk>/", rr_invitations.portal_outcome, name="portal_outcome"),
    path("meetings/", rr_meetings.meeting_calendar, name="meeting_calendar"),
    path("meetings/<int:pk>/", rr_meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/cancel/", rr_meetings.meeting_cancel, name="meeting_cancel"),
    path(
        "meetings/attendance/<int:pk>/remove/",
        rr_meetings.attendance_remove,
        name="attendance_remove",
    ),
    path("access-log/", access_log.access_log, name="access_log"),
    path(
        "notifications/<int:pk>/dismiss/",
        dashboard.notification_dismiss,
        name="notification_dismiss",
    ),
    path("timescales/", timescales.timescale_calculator, name="timescale_calculator"),
    path("calendar/", calendar.calendar_feed_page, name="calendar_feed_page"),
    path("calendar/new/", calendar.calendar_feed_create, name="calendar_feed_create"),
    path("calendar/stop/", calendar.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("health/", health.health, name="health"),
    # The admin signs in through the product's own sign-in (two factors, lockout, log).
    path("admin/login/", sign_in.admin_login),
    path("admin/", admin_scoping.admin_urls(admin.site)),
    # issue 17: reporting. The named pages before a measure's slug.
    path("reports/slippage/", include("reporting.urls.slippage")),
    path("reports/annual/", include("reporting.urls.annual")),
    path("learning/search/", include("reporting.urls.search")),
    path("reports/", include("reporting.urls.figures")),
    path("api/v1/", include("lcspr.api_urls")),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SchemaDocs.as_view(url_name="schema"), name="swagger-ui"),
]

# issue 14: a chronology imported from a spreadsheet (§8.4.1), by the agency in the portal
# or by the office entering its reply on its behalf.
urlpatterns += [
    path(
        "portal/requests/<int:pk>/chronology/import/",
        chronology_import.portal_chronology_import,
        name="portal_chronology_import",
    ),
    path(
        "portal/requests/<int:pk>/chronology/import/check/",
        chronology_import.portal_chronology_import_check,
        name="portal_chronology_import_check",
    ),
    path(
        "portal/requests/<int:pk>/chronology/template.xlsx",
        chronology_import.portal_chronology_template_xlsx,
        name="portal_chronology_template_xlsx",
    ),
    path(
        "portal/requests/<int:pk>/chronology/template.csv",
        chronology_import.portal_chronology_template_csv,
        name="portal_chronology_template_csv",
    ),
    path(
        "requests/<int:pk>/on-behalf/chronology/import/",
        chronology_import.on_behalf_chronology_import,
        name="on_behalf_chronology_import",
    ),
    path(
        "requests/<int:pk>/on-behalf/chronology/import/check/",
        chronology_import.on_behalf_chronology_import_check,
        name="on_behalf_chronology_import_check",
    ),
    path(
        "requests/<int:pk>/on-behalf/chronology/template.xlsx",
        chronology_import.on_behalf_chronology_template_xlsx,
        name="on_behalf_chronology_template_xlsx",
    ),
    path(
        "requests/<int:pk>/on-behalf/chronology/template.csv",
        chronology_import.on_behalf_chronology_template_csv,
        name="on_behalf_chronology_template_csv",
    ),
]

# The LCSPR's pages, cases/<reference>/lcspr/... (full paths, so the access tests read
# each route's `reference` from its own pattern).
urlpatterns += review_urlpatterns

# issue 16: publication, action plans and the learning (§10-§12, §1.6.3).
urlpatterns += publication_urlpatterns
# issue 18: retention
urlpatterns += retention_urlpatterns
