"""Retention reviews (issue 18): a closed case flagged for a person's decision, and that
decision, kept after any erasure of the case's content."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cases.models import Case, User
from cases.tenancy import TenantManager


class RetentionDecision(models.TextChoices):
    ARCHIVE = "archive", "Archive"
    KEEP = "keep", "Keep for a further period"
    ERASE = "erase", "Erase"


class RetentionReview(models.Model):
    """One flagging of a case for review and, once made, the decision on it: who, when,
    what and why. A case kept for a further period is flagged again when that ends, so it
    may have several; at most one is undecided. The row stays when the case is erased: it
    names the case by its reference only, and its reason must not name the child."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    flagged_on = models.DateField()
    # The dates that made it due, as they stood when flagged (retention/rules.py).
    closed_on = models.DateField()
    retained_until = models.DateField()
    available_until = models.DateField(null=True, blank=True)
    kept_until = models.DateField(null=True, blank=True)
    office_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision = models.CharField(max_length=10, choices=RetentionDecision.choices, blank=True)
    reason = models.TextField(blank=True)
    keep_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["flagged_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(decided_at__isnull=True),
                name="retention_one_undecided_review_per_case",
            ),
            models.CheckConstraint(
                name="retention_decided_has_decision",
                condition=Q(decided_at__isnull=True, decision="")
                | (Q(decided_at__isnull=False) & ~Q(decision="")),
            ),
        ]

    def __str__(self):
        return f"{self.case.reference}: retention review of {self.flagged_on}"

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None
