"""/reports/slippage/: each open case against each statutory milestone."""

from django.urls import path

from reporting.views import slippage

urlpatterns = [
    path("", slippage.report_slippage, name="report_slippage"),
]
