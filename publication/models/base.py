"""The tenant base of the publication app's records (cases/tenancy.py is the choke point)."""

from __future__ import annotations

from django.db import models

from cases.tenancy import TenantManager


class Tenant(models.Model):
    """A record read only through `objects.visible_to(scope)` or `.for_partnership(p)`."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
