"""The API router: every app's endpoints under /api/v1/."""

from django.urls import include, path

from cases.api import intake as intake_api
from cases.api import views as cases_api
from cases.api.timescales import TimescalesApi
from rapidreview import api as rapid_review_api
from reviews import api as reviews_api

urlpatterns = [
    path("cases/", cases_api.CaseListApi.as_view(), name="api_case_list"),
    path(
        "cases/<str:reference>/",
        cases_api.CaseDetailApi.as_view(),
        name="api_case_detail",
    ),
    path(
        "cases/<str:reference>/deadlines/",
        intake_api.CaseDeadlinesApi.as_view(),
        name="api_case_deadlines",
    ),
    path("notifications/", intake_api.NotificationCreateApi.as_view(), name="api_notifications"),
    path("referrals/", intake_api.ReferralCreateApi.as_view(), name="api_referrals"),
    path(
        "information-requests/",
        intake_api.InformationRequestListApi.as_view(),
        name="api_information_requests",
    ),
    path(
        "rapid-reviews/",
        rapid_review_api.RapidReviewListApi.as_view(),
        name="api_rapid_reviews",
    ),
    # issue 13: API
    path("lcsprs/", reviews_api.LcsprListApi.as_view(), name="api_lcsprs"),
    # issue 14: agency submissions
    path(
        "lcsprs/<str:reference>/submissions/",
        reviews_api.LcsprSubmissionsApi.as_view(),
        name="api_lcspr_submissions",
    ),
    # issue 15: the report (§9)
    path(
        "lcsprs/<str:reference>/report/",
        reviews_api.LcsprReportApi.as_view(),
        name="api_lcspr_report",
    ),
    path(
        "lcsprs/<str:reference>/report/drafts/",
        reviews_api.LcsprReportDraftCreateApi.as_view(),
        name="api_lcspr_report_drafts",
    ),
    path("timescales/", TimescalesApi.as_view(), name="timescales_api"),
    # issue 16: publications and action plans (§10-§11)
    path("", include("publication.api.urls")),
    # issue 17: reporting
    path("", include("reporting.api.urls")),
]
