from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import auth_views as sign_in
from cases import calendar_views, views

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
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/timeline/", views.case_timeline, name="case_timeline"),
    path("cases/<str:reference>/deadlines/", views.case_deadlines, name="case_deadlines"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
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
    path("admin/", admin.site.urls),
    path("api/v1/", include("lcspr.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
