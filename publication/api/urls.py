"""The publication app's API routes, added under /api/v1/ by lcspr/api_urls.py."""

from django.urls import path

from publication.api import actions, publications

urlpatterns = [
    # issue 16: public. The publications (§10.5).
    path("publications/", publications.PublicationListApi.as_view(), name="api_publications"),
    # issue 16: actions. The action plans' actions (§10.1.2, §11.3-11.4).
    path("action-plans/", actions.ActionPlanListApi.as_view(), name="api_action_plans"),
]
