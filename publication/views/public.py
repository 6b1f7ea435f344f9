"""The public page of each partnership (§10.5.2): its published reports and action plans,
their downloads and an Atom feed, for anyone, without signing in.

Only what was approved for publication is reachable: a publication not yet published (a
plan, a decision, a notice), archived, of another partnership, or a file it did not
publish answers 404 alike. Addresses name the partnership's slug and each publication's
opaque `public_id`, never the case reference or a row's id."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.views.decorators.http import require_safe

from publication.selectors import public as selectors

logger = logging.getLogger(__name__)

NOT_PUBLISHED = "Nothing is published at this address."


def _partnership(slug: str):
    partnership = selectors.partnership_by_slug(slug)
    if partnership is None:
        raise Http404(NOT_PUBLISHED)
    return partnership


def _not_found(request):
    return render(request, "publication/public/not_found.html", status=404)


@require_safe
def published_list(request, partnership_slug):
    """The partnership's published reviews, newest first: each one's title, date, Reviewer
    (unless published anonymously), its files with their SHA-256, and for archived reports
    where to ask for them (§10.5.2)."""
    partnership = selectors.partnership_by_slug(partnership_slug)
    if partnership is None:
        return _not_found(request)
    return render(
        request,
        "publication/public/list.html",
        {
            "partnership": partnership,
            "entries": selectors.published_entries(partnership),
            "has_archived": selectors.has_archived(partnership),
            "feed_url": reverse("published_feed", kwargs={"partnership_slug": partnership.slug}),
        },
    )


@require_safe
def published_document(request, partnership_slug, public_id, document):
    """Exactly the file that was published: its bytes are checked against the checksum
    kept when it was made, and refused if they differ."""
    partnership = selectors.partnership_by_slug(partnership_slug)
    found = partnership and selectors.published_document(partnership, public_id, document)
    if not found:
        return _not_found(request)
    with found.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != found.sha256:
        logger.error(
            "published %s %s: its file no longer matches its checksum", public_id, document
        )
        return _not_found(request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{partnership.slug}-{document}.pdf"'
    response["Digest"] = f"sha-256={found.sha256}"
    return response


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class PublishedFeed(Feed):
    """The public page as an Atom feed: one entry per published review, with its files as
    enclosures."""

    feed_type = Atom1Feed

    def get_object(self, request, partnership_slug):
        return _partnership(partnership_slug)

    def title(self, partnership):
        return f"{partnership.name}: published Local Child Safeguarding Practice Reviews"

    def subtitle(self, partnership):
        return (
            "Reports and action plans the partnership has published (§10.5.2). Archived "
            f"reports are available on request from {partnership.business_office_name}."
        )

    def link(self, partnership):
        return reverse("published_list", kwargs={"partnership_slug": partnership.slug})

    def feed_url(self, partnership):
        return reverse("published_feed", kwargs={"partnership_slug": partnership.slug})

    def feed_guid(self, partnership):
        return self.add_domain(self.link(partnership))

    def author_name(self, partnership):
        return partnership.name

    def items(self, partnership):
        return selectors.published_entries(partnership)

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        parts = [f"Published {entry.published_on:%-d %B %Y}."]
        if entry.reviewer_name:
            parts.append(f"Reviewer: {entry.reviewer_name}.")
        if entry.improvements_only:
            parts.append("Only the information about the improvements to be made was published.")
        return " ".join(parts)

    def item_link(self, entry):
        return entry.documents[0].url

    def item_guid(self, entry):
        return f"urn:uuid:{entry.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return _midnight(entry.published_on)

    def item_updateddate(self, entry):
        return _midnight(entry.published_on)

    def item_enclosures(self, entry):
        return [
            Enclosure(self.add_domain(d.url), str(d.file.size), "application/pdf")
            for d in entry.documents
        ]

    def add_domain(self, url):
        return self.request.build_absolute_uri(url)

    def __init__(self, request):
        self.request = request


@require_safe
def published_feed(request, partnership_slug):
    """A feed made for each request, so that its enclosures' addresses are the request's."""
    return PublishedFeed(request)(request, partnership_slug=partnership_slug)
