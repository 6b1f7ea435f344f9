"""What the action plans' views share (views never import a sibling view's helper)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect

from cases.errors import ApplicationError
from cases.once import Once
from cases.uploads import upload_stopped_at_limit
from cases.web import form_error, log_download
from publication.forms.actions import UpdateForm
from publication.services.action_updates import action_update_add


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


def action_update_posted(request, action, *, url: str, on_behalf: bool, done: str):
    """The update form of an action (§11.3.3), posted by its agency in the portal or by the
    office on its behalf: (form, once, response), the response a redirect to `url` once
    the update is recorded (a form sent twice records it once)."""
    once = Once(request, f"action-update-{action.pk}")
    posted = request.method == "POST"
    form = UpdateForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        stopped_at_limit=posted and upload_stopped_at_limit(request),
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return form, once, replay
                action_update_add(
                    action=action,
                    progress=form.cleaned_data["progress"],
                    impact=form.cleaned_data["impact"],
                    upload=form.cleaned_data.get("file"),
                    description=form.cleaned_data["description"],
                    actor=request.user,
                    on_behalf=on_behalf,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, done)
                return form, once, redirect(url)
    return form, once, None
