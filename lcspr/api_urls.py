"""The API router: every app's endpoints under /api/v1/."""

from django.urls import path

from cases.api import views as cases_api
from cases.api.timescales import TimescalesApi

urlpatterns = [
    path("cases/", cases_api.CaseListApi.as_view(), name="api_case_list"),
    path(
        "cases/<str:reference>/",
        cases_api.CaseDetailApi.as_view(),
        name="api_case_detail",
    ),
    path("timescales/", TimescalesApi.as_view(), name="timescales_api"),
]
