"""The publication app's API routes, added under /api/v1/ by lcspr/api_urls.py."""

from django.urls import path

from publication.api import publications

urlpatterns = [
    # issue 16: public. The publications (§10.5).
    path("publications/", publications.PublicationListApi.as_view(), name="api_publications"),
]
