"""/learning/search/: the learning search across reviews and the recurring themes."""

from django.urls import path

from reporting.views import search

urlpatterns = [
    path("", search.learning_search, name="learning_search"),
]
