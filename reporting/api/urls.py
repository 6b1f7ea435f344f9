from django.urls import path

from reporting.api import measures

urlpatterns = [
    path("reports/", measures.ReportIndexApi.as_view(), name="api_reports"),
    path("reports/<slug:measure>/", measures.ReportApi.as_view(), name="api_report"),
]
