"""An agency's report on its own action (§11.3.3): progress, the impact of the change and
evidence, posted in the portal by the owner agency's users, or by the Business Office on
its behalf (ActionUpdate.on_behalf: the office can do whatever the agency does).

Evidence is checked like every other upload (cases/services/information_request.py
`_check_upload`: type by extension, size, and content by its first bytes), stored outside
the web root under a random name."""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.file_store import stored_file
from cases.models import Membership, Role, User
from cases.permissions import Action, user_can
from cases.services.common import validated_save as _save
from cases.services.information_request import _check_upload as upload_check
from publication.models import ActionEvidence, ActionStatus, ActionUpdate, PlanAction
from publication.services.reminders import action_update_tell

logger = logging.getLogger(__name__)

NOT_YOUR_ACTION = "Only the agency that owns the action, or the Business Office for it, updates it."
PROGRESS_NEEDED = "Enter the progress made on the action."
ACTION_CLOSED = "The action is closed: nothing more is added to it."


def _owner_agency_user(actor: User | None, agency_id: int) -> bool:
    if actor is None:
        return False
    return Membership.objects.filter(
        user=actor, agency_id=agency_id, role=Role.AGENCY_USER, is_active=True, user__is_active=True
    ).exists()


@transaction.atomic
def action_update_add(
    *,
    action: PlanAction,
    progress: str,
    impact: str,
    actor: User | None,
    on_behalf: bool,
    upload=None,
    description: str = "",
) -> ActionUpdate:
    """Post an update, with an optional evidence file checked before anything is saved.
    `on_behalf`: the Business Office enters it for the agency (Action.MANAGE_ACTION_PLANS);
    otherwise the actor must be an active portal user of the owner agency."""
    partnership = action.plan.partnership
    if on_behalf:
        if actor is not None and not user_can(actor, partnership, Action.MANAGE_ACTION_PLANS):
            raise ApplicationError(NOT_YOUR_ACTION)
    elif not _owner_agency_user(actor, action.owner_agency_id):
        raise ApplicationError(NOT_YOUR_ACTION)
    progress = progress.strip()
    if not progress:
        raise ApplicationError(PROGRESS_NEEDED, field="progress")
    row = PlanAction.objects.for_partnership(partnership).select_for_update().get(pk=action.pk)
    if row.status == ActionStatus.CLOSED:
        raise ApplicationError(ACTION_CLOSED)
    content_type = upload_check(upload)[1] if upload is not None else ""
    update = ActionUpdate(
        action=row,
        progress=progress,
        impact=impact.strip(),
        on_behalf=on_behalf,
        written_by=actor,
    )
    who = "by the Business Office on the agency's behalf" if on_behalf else "by the agency"
    _save(update, actor, f"Update posted {who} (§11.3.3)")
    if upload is not None:
        evidence_store(
            action=row,
            update=update,
            upload=upload,
            content_type=content_type,
            description=description,
            actor=actor,
        )
    if not on_behalf:
        # The office hears of it: an email to the case's lead officer (or the Business
        # Office) and the dashboard's "Updates from agencies" (§11.4.1).
        action_update_tell(action=row, today=timezone.localdate())
    logger.info("action %s: update posted %s", row.pk, who)
    return update


def evidence_store(*, action, update, upload, content_type, description, actor) -> ActionEvidence:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = ActionEvidence(
        action=action,
        update=update,
        original_name=(upload.name or "evidence").replace("/", "_").replace("\\", "_")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description.strip()[:300],
        uploaded_by=actor,
    )
    with stored_file(
        evidence.file,
        evidence.original_name,
        upload,
        subject=f"action {action.pk}",
        what="evidence for an update",
    ):
        _save(evidence, actor, "Evidence uploaded (§11.3.3)")
    return evidence
