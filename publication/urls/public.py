"""The public page of each partnership, /published/<slug>/, with its Atom feed (§10.5.2)."""

from django.urls import path

from publication.views import public

urlpatterns = [
    path("published/<slug:partnership_slug>/", public.published_list, name="published_list"),
    path(
        "published/<slug:partnership_slug>/feed.atom",
        public.published_feed,
        name="published_feed",
    ),
    path(
        "published/<slug:partnership_slug>/<uuid:public_id>/<slug:document>.pdf",
        public.published_document,
        name="published_document",
    ),
]
