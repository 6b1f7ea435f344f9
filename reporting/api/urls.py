from django.urls import path

from reporting.api import measures

urlpatterns = [
    path("reports/", measures.ReportIndexApi.as_view(), name="api_reports"),
    # Any text: a measure that is not one answers the API's JSON 404, not the site's page.
    path("reports/<str:measure>/", measures.ReportApi.as_view(), name="api_report"),
]
