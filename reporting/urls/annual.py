"""/reports/annual/: the annual report's figures on one printable page, and as a PDF."""

from django.urls import path

from reporting.views import annual

urlpatterns = [
    path("", annual.report_annual, name="report_annual"),
    path("report.pdf", annual.report_annual_pdf, name="report_annual_pdf"),
]
