"""The lead agency's own genogram (§7.2.1), uploaded by the review team on the agency's
behalf: an image (PNG or JPEG) or a PDF only, checked by its content, each upload a new
version with the earlier ones kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from cases.errors import ApplicationError
from cases.models import Agency, User
from cases.permissions import Action, require
from cases.services.common import validated_save as _save
from cases.services.information_request import (
    UPLOAD_CONTENT_MISMATCH,
    UPLOAD_EMPTY,
    UPLOAD_TOO_BIG,
    UPLOAD_TYPES,
)
from reviews.models import GenogramUpload, Lcspr

ONLY_FAMILY_TEAM = (
    "Only the Business Office, the review's Reviewer and its Panel members keep the "
    "family's records (§7)."
)
GENOGRAM_TYPE_REFUSED = "The genogram must be an image (PNG or JPEG) or a PDF."
AGENCY_NOT_OURS = "Choose an agency that serves the partnership."
# §7.2.1: a genogram is a drawing: an image or a PDF, nothing else.
GENOGRAM_EXTENSIONS = (".png", ".jpg", ".jpeg", ".pdf")


def genogram_file_check(upload) -> str:
    """The content type of an acceptable genogram; otherwise the reason it is refused.
    Judged by what the file holds (its first bytes), not by its name alone: a text file
    renamed .png is refused."""
    extension = Path(upload.name or "").suffix.lower()
    if extension not in GENOGRAM_EXTENSIONS:
        raise ApplicationError(GENOGRAM_TYPE_REFUSED, field="file")
    if upload.size == 0:
        raise ApplicationError(UPLOAD_EMPTY, field="file")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES)), field="file"
        )
    content_type, signatures = UPLOAD_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ApplicationError(UPLOAD_CONTENT_MISMATCH.format(extension=extension), field="file")
    return content_type


@transaction.atomic
def genogram_upload_add(
    *, lcspr: Lcspr, actor: User, upload, agency: Agency, note: str = ""
) -> GenogramUpload:
    """A new version of the agency's genogram, numbered after the last; the earlier
    versions stay as they are. Stored outside the web root under a random name."""
    partnership = lcspr.case.partnership
    require(actor, partnership, Action.ENGAGE_FAMILY, ONLY_FAMILY_TEAM)
    if not agency.partnerships.filter(pk=partnership.pk).exists():
        raise ApplicationError(AGENCY_NOT_OURS, field="agency")
    content_type = genogram_file_check(upload)
    # One upload at a time per review, so that two at once cannot take the same number.
    Lcspr.objects.for_partnership(partnership).select_for_update().filter(pk=lcspr.pk).first()
    last = (
        GenogramUpload.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    version = GenogramUpload(
        lcspr=lcspr,
        number=(last or 0) + 1,
        agency=agency,
        # The agency's portal side is not built: every upload is made for the agency.
        on_behalf=True,
        note=note.strip(),
        original_name=(upload.name or "genogram").replace("/", "_").replace("\\", "_")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    version.file.save(version.original_name, upload, save=False)
    _save(version, actor, f"Genogram version {version.number} uploaded")
    return version
