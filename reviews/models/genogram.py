"""The lead agency's own genogram (§7.2.1: "The lead agency working with the child/family
will usually be asked to prepare a full and accurate genogram"), uploaded as an image or a
PDF, each upload a new version with the earlier ones kept: by the agency itself in the
portal, once the review team has asked it (GenogramAsk), or by the review team on its
behalf.

The genogram the product draws from the family network is not stored: it is drawn on
each reading (reviews/genogram.py, reviews/selectors/genogram.py).
"""

from __future__ import annotations

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


def genogram_upload_path(instance, filename) -> str:
    """Stored under a random name, outside the web root: the original name may name the
    family."""
    return f"genograms/{instance.lcspr_id}/{uuid.uuid4().hex}"


class GenogramUpload(models.Model):
    """One version of the lead agency's genogram. Restricted to the review team, like the
    family network: every download is access-logged."""

    tenant_partnership_path = "lcspr__case__partnership"
    # The agency reads the versions of its own genogram (its own uploads and those made on
    # its behalf), in the portal only while it is asked (reviews/selectors/genogram.py).
    tenant_agency_path = "agency"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="genogram_uploads")
    number = models.PositiveIntegerField(help_text="1 for the first upload, then 2, 3 ...")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency whose genogram it is (usually the lead agency, §7.2.1).",
    )
    on_behalf = models.BooleanField(
        default=False, help_text="Uploaded by the Business Office or review team for the agency."
    )
    note = models.CharField(max_length=300, blank=True, help_text="What changed.")
    file = models.FileField(upload_to=genogram_upload_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lcspr", "number"], name="genogram_upload_number_once")
        ]

    def __str__(self):
        return f"Genogram version {self.number} ({self.lcspr})"


class GenogramAsk(models.Model):
    """The review team's ask of one agency of the partnership for its genogram (§7.2.1:
    "The lead agency ... will usually be asked to prepare a full and accurate genogram").
    One per review: asking another agency replaces the ask, and the history keeps every
    earlier one. The asked agency's portal users are emailed (`email_sent_at`, the claim)
    and see it on their dashboard until a version arrives."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = "agency"  # the asked agency reads what is asked of it

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="genogram_ask")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True, help_text="A working day (optional).")
    note = models.CharField(max_length=300, blank=True, help_text="Case reference only.")
    asked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(help_text="When this agency was asked.")
    version = models.PositiveIntegerField(default=1)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr"]

    def __str__(self):
        return f"Genogram asked of agency {self.agency_id} ({self.lcspr})"
