"""The Local Child Safeguarding Practice Review itself (framework §5-§9)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Case, User
from cases.tenancy import TenantManager


class Lcspr(models.Model):
    """The LCSPR the Case Review Group decided to commission (§4.6.2, §4.9).

    Its decision date starts the six-month `lcspr_complete` deadline (§3.1.2); the Key
    Lines of Enquiry agreed at the decision are where its Terms of Reference start
    (§5.3.1).
    """

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="lcspr")
    decided_on = models.DateField(help_text="The date of the CRG decision to proceed.")
    key_lines_of_enquiry = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        verbose_name = "LCSPR"

    def __str__(self):
        return f"LCSPR of {self.case_id}"
