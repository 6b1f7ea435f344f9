"""The reflective learning workshop (§8.9-8.12)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


class _Tenant(models.Model):
    tenant_agency_path = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"


class Workshop(_Tenant):
    """Whether a workshop is held (§8.9.2) and, if so, where; its sessions are one half
    day, or two for a complex case (§8.11.1)."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="workshop")
    is_held = models.BooleanField(null=True, blank=True)
    not_held_reason = models.TextField(
        blank=True, help_text="For example, the practitioners have left their agencies (§8.9.2)."
    )
    place = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"Learning workshop of {self.lcspr}"


class WorkshopSession(_Tenant):
    """One half day of the workshop (§8.11.1)."""

    tenant_partnership_path = "workshop__lcspr__case__partnership"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["workshop", "starts_at"]

    def __str__(self):
        return f"Workshop session {self.pk} ({self.workshop_id})"
