"""Action plans (§10.1.2, §11.3-11.4): the office's pages and the portal's."""

from django.urls import path

from publication.views import actions, actions_portal

urlpatterns = [
    path("action-plans/", actions.action_plans, name="action_plans"),
    path("action-plans/<int:pk>/", actions.action_plan_detail, name="action_plan_detail"),
    path(
        "action-plans/<int:pk>/audits/new/",
        actions.action_plan_audit_new,
        name="action_plan_audit_new",
    ),
    path(
        "action-plans/recommendations/<int:pk>/",
        actions.plan_recommendation,
        name="plan_recommendation",
    ),
    path("action-plans/actions/<int:pk>/", actions.plan_action, name="plan_action"),
    path(
        "action-plans/actions/<int:pk>/on-behalf/",
        actions.action_on_behalf,
        name="action_on_behalf",
    ),
    path(
        "action-plans/evidence/<int:pk>/",
        actions.action_evidence_file,
        name="action_evidence_file",
    ),
    path(
        "cases/<str:reference>/lcspr/action-plan/",
        actions.lcspr_action_plan,
        name="lcspr_action_plan",
    ),
    path(
        "cases/<str:reference>/rapid-review/action-plan/",
        actions.rapid_review_action_plan,
        name="rapid_review_action_plan",
    ),
    path(
        "national-reviews/<int:pk>/action-plan/",
        actions.national_review_action_plan,
        name="national_review_action_plan",
    ),
    path("portal/actions/", actions_portal.portal_actions, name="portal_actions"),
    path("portal/actions/<int:pk>/", actions_portal.portal_action, name="portal_action"),
    path(
        "portal/action-evidence/<int:pk>/",
        actions_portal.portal_action_evidence,
        name="portal_action_evidence",
    ),
]
