"""The LCSPR's pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from reviews.views import overview

LCSPR = "cases/<str:reference>/lcspr/"

urlpatterns = [
    path(LCSPR, overview.lcspr_overview, name="lcspr_overview"),
]
