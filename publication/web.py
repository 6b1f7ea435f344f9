"""What the action plans' views share (views never import a sibling view's helper)."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse

from cases.web import log_download


def evidence_response(request, evidence):
    """An evidence file, named by the case reference (or the plan's number), never by
    what it was called when uploaded; the download is access-logged."""
    plan = evidence.action.plan
    reference = plan.case.reference if plan.case_id else f"plan-{plan.pk}"
    log_download(request, reference=reference, what="action evidence")
    extension = Path(evidence.original_name).suffix.lower()
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"{reference}-action-{evidence.action_id}-evidence-{evidence.pk}{extension}",
        content_type=evidence.content_type,
    )
