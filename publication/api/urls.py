"""The publication app's API routes, added under /api/v1/ by lcspr/api_urls.py."""

from django.urls import path

from publication.api import actions

urlpatterns = []

# issue 16: actions. The action plans' actions (§10.1.2, §11.3-11.4).
urlpatterns += [
    path("action-plans/", actions.ActionPlanListApi.as_view(), name="api_action_plans"),
]
