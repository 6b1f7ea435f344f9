"""The Combined Summary Report's section 1, collated by the Business Office (§4.5.1)."""

from __future__ import annotations

from django.db import transaction

from cases.errors import ApplicationError
from cases.models import Case, CombinedSummary, User
from cases.permissions import Action, require

SUMMARY_CONFLICT = (
    "Someone else saved section 1 after you opened it. Nothing you typed has been saved "
    "yet: your version is below. Open the Combined Summary in a new tab to see theirs, "
    "then save what you need."
)


@transaction.atomic
def combined_summary_save(
    *, case: Case, actor: User | None, background: str, collation_notes: str, version: int
) -> CombinedSummary:
    """Save section 1's own text; the agencies' replies are collated into it as they are."""
    require(
        actor,
        case.partnership,
        Action.MANAGE_REQUESTS,
        "Only the Business Office collates the Combined Summary.",
    )
    summary, _ = CombinedSummary.objects.for_partnership(case.partnership).get_or_create(case=case)
    summary = (
        CombinedSummary.objects.for_partnership(case.partnership)
        .select_for_update()
        .get(pk=summary.pk)
    )
    if summary.version != version:
        raise ApplicationError(SUMMARY_CONFLICT)
    summary.background = background.strip()
    summary.collation_notes = collation_notes.strip()
    summary.updated_by = actor
    summary.version += 1
    summary._history_user = actor
    summary._change_reason = "Combined Summary section 1 saved (§4.5.1)"
    summary.save()
    return summary
