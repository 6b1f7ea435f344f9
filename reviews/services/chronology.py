"""The multi-agency chronology's one setting: the gap threshold the Reviewer or Panel sets
(§8.4.3)."""

from __future__ import annotations

from django.db import transaction

from cases.errors import ApplicationError
from reviews.models import Lcspr

STALE = (
    "Someone else changed the review while you were editing. Check the threshold and save again."
)


def chronology_gap_days_set(*, lcspr: Lcspr, days: int, version: int) -> Lcspr:
    """Set how many days without agency contact make a gap (§8.4.3), from the review's
    version the form was opened at."""
    with transaction.atomic():
        current = (
            Lcspr.objects.for_partnership(lcspr.case.partnership_id)
            .select_for_update()
            .get(pk=lcspr.pk)
        )
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        if current.chronology_gap_days != days:
            current.chronology_gap_days = days
            current.version += 1
            current.save(update_fields=["chronology_gap_days", "version"])
        return current
