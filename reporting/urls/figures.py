"""/reports/: the dashboard of figures, each measure's page, its cases and downloads."""

from django.urls import path

from reporting.views import measures

urlpatterns = [
    path("", measures.reports, name="reports"),
    path("<slug:slug>/", measures.report_measure, name="report_measure"),
    path("<slug:slug>/cases/", measures.report_measure_cases, name="report_measure_cases"),
    path(
        "<slug:slug>/figures.<fmt:fmt>",
        measures.report_measure_export,
        name="report_measure_export",
    ),
    path(
        "<slug:slug>/cases.<fmt:fmt>",
        measures.report_measure_cases_export,
        name="report_measure_cases_export",
    ),
]
