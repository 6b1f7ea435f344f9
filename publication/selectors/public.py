"""The public page's reads (§10.5.2): what a partnership has published and not archived,
by the partnership's slug and the publication's opaque `public_id`. No sign-in, so no
scope: the rows are read `for_partnership` of the slug's partnership, and only what was
approved for publication ever leaves here. Also the Business Office's dashboard item for
a report archived (publication/services/archive.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, register_work
from cases.models import Partnership
from cases.permissions import Action
from cases.tenancy import Scope
from publication.models import Publication, PublishChoice

DEFAULT_TITLE = "Local Child Safeguarding Practice Review"
# How long the dashboard shows the Business Office a report it must take off the website.
ARCHIVED_SHOWN_DAYS = 28


class Document:
    """The kinds of published file, as they appear in a download's address."""

    REPORT = "report"
    IMPROVEMENTS = "improvements"
    ACTION_PLAN = "action-plan"


LABELS = {
    Document.REPORT: "The report",
    Document.IMPROVEMENTS: "The information about the improvements to be made",
    Document.ACTION_PLAN: "The action plan",
}


@dataclass(frozen=True)
class PublicDocument:
    kind: str
    label: str
    file: FieldFile
    sha256: str
    url: str


@dataclass(frozen=True)
class PublicEntry:
    """One published review as the public page and the feed show it."""

    public_id: uuid.UUID
    title: str
    published_on: date
    reviewer_name: str  # "" when published anonymously (§10.5.2)
    improvements_only: bool  # §10.1.1 footnote 23
    documents: list[PublicDocument]


def partnership_by_slug(slug: str) -> Partnership | None:
    return Partnership.objects.filter(slug=slug).first()


def published_now(today: date, prefix: str = "") -> Q:
    """Published on or before today, its choice made, and not archived: nothing planned,
    decided or noticed but unpublished, nothing dated in the future, nothing archived.
    `prefix`: the way from another model to its publication ("lcspr__publication__"). The
    learning search reads published material by this rule too (reporting/selectors/
    search.py)."""
    return Q(
        **{
            f"{prefix}published_on__isnull": False,
            f"{prefix}published_on__lte": today,
            f"{prefix}archived_on__isnull": True,
            f"{prefix}choice__in": PublishChoice.values,
        }
    )


def _published(partnership: Partnership, today: date) -> QuerySet[Publication]:
    return (
        Publication.objects.for_partnership(partnership)
        .filter(published_now(today))
        .select_related("lcspr__report_final")
        .order_by("-published_on", "-pk")
    )


def _main_document(publication: Publication, slug: str) -> PublicDocument | None:
    """The report's final PDF (§9.1.5) or, for improvements only, that document (§10.1.1
    footnote 23): never the other one, which was not approved for publication."""
    if publication.choice == PublishChoice.REPORT:
        final = getattr(publication.lcspr, "report_final", None)
        if final is None or not final.file or not final.sha256:
            return None
        kind, file, sha256 = Document.REPORT, final.file, final.sha256
    else:
        if not publication.improvements_file or not publication.improvements_sha256:
            return None
        kind, file = Document.IMPROVEMENTS, publication.improvements_file
        sha256 = publication.improvements_sha256
    return PublicDocument(kind, LABELS[kind], file, sha256, _url(slug, publication, kind))


def _url(slug: str, publication: Publication, kind: str) -> str:
    return reverse(
        "published_document",
        kwargs={"partnership_slug": slug, "public_id": publication.public_id, "document": kind},
    )


def _entry(publication: Publication, slug: str) -> PublicEntry | None:
    main = _main_document(publication, slug)
    if main is None:
        return None  # recorded as published, but its file is missing: nothing to show
    documents = [main]
    if publication.action_plan_file and publication.action_plan_sha256:
        documents.append(
            PublicDocument(
                Document.ACTION_PLAN,
                LABELS[Document.ACTION_PLAN],
                publication.action_plan_file,
                publication.action_plan_sha256,
                _url(slug, publication, Document.ACTION_PLAN),
            )
        )
    final = getattr(publication.lcspr, "report_final", None)
    anonymous = publication.anonymous_reviewer or (final is not None and final.anonymous_reviewer)
    reviewer = publication.reviewer_name or (final.reviewer_name if final else "")
    return PublicEntry(
        public_id=publication.public_id,
        title=publication.public_title or DEFAULT_TITLE,
        published_on=publication.published_on,
        reviewer_name="" if anonymous else reviewer,
        improvements_only=publication.choice == PublishChoice.IMPROVEMENTS_ONLY,
        documents=documents,
    )


def published_entries(partnership: Partnership, *, today: date | None = None) -> list[PublicEntry]:
    """The partnership's published reports, newest first."""
    today = today or timezone.localdate()
    entries = (_entry(p, partnership.slug) for p in _published(partnership, today))
    return [entry for entry in entries if entry is not None]


def published_document(
    partnership: Partnership, public_id: uuid.UUID, kind: str, *, today: date | None = None
) -> PublicDocument | None:
    """One published file, or None for anything not published now (unknown, unpublished,
    archived, another partnership's, or a kind this publication did not publish)."""
    today = today or timezone.localdate()
    publication = _published(partnership, today).filter(public_id=public_id).first()
    entry = _entry(publication, partnership.slug) if publication else None
    if entry is None:
        return None
    return next((d for d in entry.documents if d.kind == kind), None)


def has_archived(partnership: Partnership) -> bool:
    return (
        Publication.objects.for_partnership(partnership).filter(archived_on__isnull=False).exists()
    )


@register_work
def archived_publication_work(scope: Scope) -> list[WorkItem]:
    """A report archived in the last four weeks, on the dashboard of who manages
    publication: take it off the website; requests for it come to the office (§10.5.2)."""
    if scope.partnership is None or not scope.can(Action.MANAGE_PUBLICATION):
        return []
    since = timezone.localdate() - timedelta(days=ARCHIVED_SHOWN_DAYS)
    return [
        WorkItem(
            case_reference=publication.lcspr.case.reference,
            text="Its published report is archived: take it off the partnership's website; "
            "requests for it come through the Business Office (§10.5.2)",
            url=publication.lcspr.case.get_absolute_url(),
            due_on=publication.archived_on,
        )
        for publication in Publication.objects.visible_to(scope)
        .filter(archived_on__gte=since)
        .select_related("lcspr__case")
    ]
