"""Each agency's Safeguarding Lead, its single point of contact for an LCSPR (§8.2.2).

Kept per partnership: an agency serving both partnerships may name a different lead to
each. Requests for submissions are emailed to the agency's portal users and its lead.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, Partnership, User
from cases.tenancy import TenantManager


class SafeguardingLead(models.Model):
    """The agency's named Safeguarding Lead for this partnership (§8.2.2)."""

    tenant_partnership_path = "partnership"
    tenant_agency_path = "agency"  # the agency reads who it named
    tenant_case_path = None  # no one case's: not for an appointed Reviewer's scope

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["partnership", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "agency"], name="one_safeguarding_lead_per_agency"
            )
        ]

    def __str__(self):
        return f"Safeguarding Lead {self.pk} ({self.agency_id})"  # never the name
