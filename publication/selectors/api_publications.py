"""Publications as the API lists them (issue 16: public): one scoped query for the
publications, one for their notices and one for their deadlines, whatever their number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import F, Prefetch, QuerySet

from cases.models import Deadline
from cases.tenancy import Scope
from publication.models import PanelNotice, Publication
from publication.rules.availability import AVAILABLE_UNTIL_KIND, SIX_MONTH_KIND


def publication_list(
    *,
    scope: Scope,
    stages: Sequence[str] = (),
    published_from: date | None = None,
    published_to: date | None = None,
) -> QuerySet[Publication]:
    """The publications the scope may see (an appointed Reviewer or Panel member: of their
    reviews only), the newest publication first, then those not yet published; optionally
    only those of cases at `stages`, or published from and to these days (which leaves
    out those not yet published)."""
    publications = (
        Publication.objects.visible_to(scope)
        .select_related("lcspr__case__partnership")
        .prefetch_related(
            Prefetch(
                "notices",
                queryset=PanelNotice.objects.visible_to(scope).order_by("sent_on", "id"),
                to_attr="api_notices",
            ),
            Prefetch(
                "lcspr__case__deadlines",
                queryset=Deadline.objects.visible_to(scope).filter(
                    kind__in=[AVAILABLE_UNTIL_KIND, SIX_MONTH_KIND]
                ),
                to_attr="api_deadlines",
            ),
        )
        .order_by(
            F("published_on").desc(nulls_last=True), F("planned_on").desc(nulls_last=True), "-pk"
        )
    )
    if stages:
        publications = publications.filter(lcspr__case__stage__in=stages)
    if published_from:
        publications = publications.filter(published_on__gte=published_from)
    if published_to:
        publications = publications.filter(published_on__lte=published_to)
    return publications
