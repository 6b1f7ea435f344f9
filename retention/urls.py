"""The retention pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from retention.views import review

urlpatterns = [
    path("retention/", review.retention_list, name="retention_list"),
    path("retention/<str:reference>/", review.retention_decide_view, name="retention_decide"),
]
