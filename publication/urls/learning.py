"""Embedding the learning (§11.2-11.5, §12) and the National Panel log (§1.6.3)."""

from django.urls import path

from publication.views import learning, panel_log

urlpatterns = [
    path("learning/", learning.learning, name="learning"),
    path("learning/briefings/new/", learning.learning_briefing_new, name="learning_briefing_new"),
    path("learning/briefings/<int:pk>/", learning.learning_briefing, name="learning_briefing"),
    path("learning/national-reviews/", learning.national_reviews, name="national_reviews"),
    path(
        "learning/national-reviews/new/",
        learning.national_review_new,
        name="national_review_new",
    ),
    path(
        "learning/national-reviews/<int:pk>/",
        learning.national_review,
        name="national_review",
    ),
    path(
        "learning/national-review-requests/",
        learning.national_review_requests,
        name="national_review_requests",
    ),
    path(
        "learning/national-review-requests/new/",
        learning.national_review_request_new,
        name="national_review_request_new",
    ),
    path(
        "learning/national-review-requests/<int:pk>/",
        learning.national_review_request,
        name="national_review_request",
    ),
    path("national-panel-log/", panel_log.national_panel_log, name="national_panel_log"),
    path(
        "national-panel-log.csv",
        panel_log.national_panel_log_csv,
        name="national_panel_log_csv",
    ),
]
