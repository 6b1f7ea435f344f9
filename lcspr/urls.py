from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases import admin_scoping, calendar_views, intake_views, portal_views, request_views, views
from cases import auth_views as sign_in
from cases.api.views import SchemaApi, SchemaDocs
from rapidreview import decision_views, papers_views
from rapidreview import views as rapidreview_views

admin.site.site_header = "LCSPR case manager configuration"
admin.site.site_title = "LCSPR case manager"
login_view = sign_in.SignInView.as_view()

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
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
    path("organisation/", views.organisation_choose, name="organisation_choose"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/notification/", intake_views.notification_new, name="notification_new"),
    path("cases/new/referral/", intake_views.referral_new, name="referral_new"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/timeline/", views.case_timeline, name="case_timeline"),
    path("cases/<str:reference>/deadlines/", views.case_deadlines, name="case_deadlines"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path(
        "cases/<str:reference>/restricted/",
        intake_views.restricted_file,
        name="restricted_file",
    ),
    path(
        "cases/<str:reference>/referral/",
        intake_views.referral_progress,
        name="referral_progress",
    ),
    path(
        "cases/<str:reference>/referral/notified/",
        intake_views.referral_convert,
        name="referral_convert",
    ),
    path("cases/<str:reference>/requests/", request_views.case_requests, name="case_requests"),
    path(
        "cases/<str:reference>/requests/send/",
        request_views.requests_send,
        name="requests_send",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/",
        request_views.case_request,
        name="case_request",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/accept/",
        request_views.request_accept,
        name="request_accept",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/return/",
        request_views.request_return,
        name="request_return",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/escalation-resolved/",
        request_views.request_escalation_resolve,
        name="request_escalation_resolve",
    ),
    path(
        "cases/<str:reference>/requests/<int:pk>/escalate/",
        request_views.request_escalate,
        name="request_escalate",
    ),
    path(
        "cases/<str:reference>/combined-summary/",
        request_views.combined_summary,
        name="combined_summary",
    ),
    path(
        "cases/<str:reference>/combined-summary.pdf",
        request_views.combined_summary_pdf,
        name="combined_summary_pdf",
    ),
    path(
        "cases/<str:reference>/combined-chronology/",
        request_views.combined_chronology,
        name="combined_chronology",
    ),
    path(
        "cases/<str:reference>/combined-chronology.pdf",
        request_views.combined_chronology_pdf,
        name="combined_chronology_pdf",
    ),
    path("requests/<int:pk>/letter.pdf", request_views.request_letter_pdf, name="request_letter"),
    path("requests/<int:pk>/reply.pdf", request_views.request_reply_pdf, name="request_reply"),
    path(
        "requests/<int:pk>/chronology.pdf",
        request_views.request_chronology_pdf,
        name="request_chronology",
    ),
    path("documents/<int:pk>/", request_views.attachment_download, name="attachment_download"),
    path("portal/", portal_views.portal_home, name="portal_home"),
    path("portal/requests/<int:pk>/", portal_views.portal_request, name="portal_request"),
    path(
        "portal/requests/<int:pk>/chronology/",
        portal_views.portal_chronology,
        name="portal_chronology",
    ),
    path(
        "portal/requests/<int:pk>/documents/",
        portal_views.portal_documents,
        name="portal_documents",
    ),
    path(
        "portal/requests/<int:pk>/sharing-decisions/",
        portal_views.portal_sharing_decisions,
        name="portal_sharing_decisions",
    ),
    path(
        "portal/chronology/<int:pk>/remove/",
        portal_views.portal_chronology_remove,
        name="portal_chronology_remove",
    ),
    path(
        "portal/documents/<int:pk>/remove/",
        portal_views.portal_document_remove,
        name="portal_document_remove",
    ),
    path(
        "cases/<str:reference>/rapid-review/",
        rapidreview_views.case_rapid_review,
        name="case_rapid_review",
    ),
    path(
        "cases/<str:reference>/rapid-review/papers/",
        papers_views.rapid_review_papers,
        name="rapid_review_papers",
    ),
    path(
        "cases/<str:reference>/rapid-review/record/",
        decision_views.rapid_review_record,
        name="rapid_review_record",
    ),
    path(
        "cases/<str:reference>/rapid-review/actions/",
        decision_views.rapid_review_actions,
        name="rapid_review_actions",
    ),
    path(
        "cases/<str:reference>/rapid-review/actions/<int:pk>/done/",
        decision_views.immediate_action_done,
        name="immediate_action_done",
    ),
    path(
        "cases/<str:reference>/rapid-review/scrutineer/",
        decision_views.rapid_review_scrutineer,
        name="rapid_review_scrutineer",
    ),
    path(
        "cases/<str:reference>/rapid-review/decision/",
        decision_views.rapid_review_decision,
        name="rapid_review_decision",
    ),
    path(
        "cases/<str:reference>/rapid-review/combined-summary/",
        decision_views.rapid_review_sections,
        name="rapid_review_sections",
    ),
    path(
        "cases/<str:reference>/rapid-review/sign-off/",
        decision_views.rapid_review_sign_off,
        name="rapid_review_sign_off",
    ),
    path(
        "cases/<str:reference>/rapid-review/sign-off/for-a-partner/",
        decision_views.rapid_review_sign_off_for_partner,
        name="rapid_review_sign_off_for_partner",
    ),
    path(
        "cases/<str:reference>/rapid-review/after/",
        papers_views.rapid_review_after,
        name="rapid_review_after",
    ),
    path(
        "cases/<str:reference>/rapid-review/report.pdf",
        papers_views.rapid_review_report_pdf,
        name="rapid_review_report",
    ),
    path("papers/<int:pk>/", papers_views.invitation_papers, name="invitation_papers"),
    path(
        "papers/<int:pk>/combined-summary.pdf",
        papers_views.invitation_summary_pdf,
        name="invitation_summary_pdf",
    ),
    path(
        "papers/<int:pk>/combined-chronology.pdf",
        papers_views.invitation_chronology_pdf,
        name="invitation_chronology_pdf",
    ),
    path("portal/papers/", papers_views.portal_papers, name="portal_papers"),
    path("portal/outcomes/<int:pk>/", papers_views.portal_outcome, name="portal_outcome"),
    path("meetings/", rapidreview_views.meeting_calendar, name="meeting_calendar"),
    path("meetings/<int:pk>/", rapidreview_views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/cancel/", rapidreview_views.meeting_cancel, name="meeting_cancel"),
    path(
        "meetings/attendance/<int:pk>/remove/",
        rapidreview_views.attendance_remove,
        name="attendance_remove",
    ),
    path("access-log/", views.access_log, name="access_log"),
    path(
        "notifications/<int:pk>/dismiss/",
        views.notification_dismiss,
        name="notification_dismiss",
    ),
    path("timescales/", views.timescale_calculator, name="timescale_calculator"),
    path("calendar/", calendar_views.calendar_feed_page, name="calendar_feed_page"),
    path("calendar/new/", calendar_views.calendar_feed_create, name="calendar_feed_create"),
    path("calendar/stop/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("health/", views.health, name="health"),
    # The admin signs in through the product's own sign-in (two factors, lockout, log).
    path("admin/login/", sign_in.admin_login),
    path("admin/", admin_scoping.admin_urls(admin.site)),
    path("api/v1/", include("lcspr.api_urls")),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SchemaDocs.as_view(url_name="schema"), name="swagger-ui"),
]
