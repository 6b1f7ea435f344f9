"""The review team's own records kept while setting up the review (§6.2.3)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


class PoliceLiaison(models.Model):
    """The Police representative's liaison (§6.2.3): the Senior Investigating Officer, the
    Crown Prosecution Service and the co-ordination of family liaison. Read and changed
    only by the review team (Action.VIEW_REVIEW_TEAM_RECORDS)."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="police_liaison")
    senior_investigating_officer = models.CharField(
        max_length=200, blank=True, help_text="Name and contact of the SIO (§6.2.3)."
    )
    crown_prosecution_service_contact = models.CharField(
        max_length=200, blank=True, help_text="Name and contact at the CPS (§6.2.3)."
    )
    family_liaison = models.TextField(
        blank=True, help_text="How family liaison is co-ordinated, and by whom (§6.2.3)."
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self):
        return f"Police liaison of {self.lcspr}"
