"""The API router: every app's endpoints under /api/v1/."""

from django.urls import path

from cases.api import views as cases_api

urlpatterns = [
    path("cases/", cases_api.CaseListApi.as_view(), name="api_case_list"),
    path(
        "cases/<str:reference>/",
        cases_api.CaseDetailApi.as_view(),
        name="api_case_detail",
    ),
]
