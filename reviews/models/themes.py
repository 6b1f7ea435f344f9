"""The key themes for analysis (§8.8), coded from the partnership's theme list so that
learning can later be searched across reviews."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import ChronologyEntry, InformationRequest, Partnership, User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


class ThemeCode(models.Model):
    """One theme of the partnership's list, kept by its partnership admin (issue 14: a
    starting list from the National Panel's annual reports)."""

    tenant_partnership_path = "partnership"
    tenant_agency_path = None

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="theme_codes"
    )
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Bumped by each edit of the label, description or activity (not by moving it): an
    # edit from a page opened before another's is a conflict, never an overwrite.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["partnership", "order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="theme_code_unique")
        ]

    def __str__(self):
        return self.label


class KeyTheme(models.Model):
    """A key theme for analysis the Panel names (§8.8.1), described and coded; chronology
    entries and submissions are tagged with it."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="key_themes")
    code = models.ForeignKey(ThemeCode, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    entries = models.ManyToManyField(ChronologyEntry, blank=True, related_name="key_themes")
    submissions = models.ManyToManyField(InformationRequest, blank=True, related_name="key_themes")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[entries, submissions])

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "order", "id"]

    def __str__(self):
        return self.title
