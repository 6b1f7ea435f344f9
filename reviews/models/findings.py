"""The review's findings and recommendations (§9.2), records of the review rather than of
a report draft: each finding answers key themes (§8.8) or key lines of enquiry of the terms
of reference in force (§5.3.1); each recommendation answers one finding and should be SMART
(§9.1.2 footnote 22, reviews/recommendations.py). Where the partnership decides that a
separate group will turn the findings into actions (§9.2.2-9.2.3), that decision is
recorded with the group, and the findings go to it.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr
from reviews.models.themes import KeyTheme


class _Tenant(models.Model):
    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"


class Finding(_Tenant):
    """One finding of the review (§9.2.1: "key learning in the form of specific findings"),
    linked to the key themes and the key lines of enquiry it answers: at least one of them
    (reviews/services/findings.py)."""

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="findings")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    text = models.TextField()
    themes = models.ManyToManyField(KeyTheme, blank=True, related_name="findings")
    # The key lines of enquiry it answers, as their text stood in the terms of reference in
    # force when chosen (reviews.selectors.terms.terms_in_force): a list of strings.
    kloes = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[themes])

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "order", "id"]

    def __str__(self):
        return f"Finding {self.pk} ({self.lcspr})"  # never the title: it is case content


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"


class Recommendation(_Tenant):
    """A recommendation answering one finding (§9.2.2). Saved as a draft however
    incomplete; agreed only once SMART (§9.1.2 footnote 22). Agreed ones carry over to the
    action plans of the publication stage (reviews.selectors.findings.
    recommendations_for_action_plans, §10.1.2)."""

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="recommendations")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="recommendations")
    order = models.PositiveSmallIntegerField(default=0)
    action = models.TextField(help_text="The specific action.")
    # The owner: an agency of the partnership, or a named group (not both).
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_group = models.CharField(max_length=200, blank=True)
    measure = models.TextField(blank=True, help_text="How success will be measured.")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RecommendationStatus.choices, default=RecommendationStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "finding", "order", "id"]

    def __str__(self):
        return f"Recommendation {self.pk} ({self.lcspr})"

    @property
    def owner(self) -> str:
        return self.owner_agency.name if self.owner_agency_id else self.owner_group


class FindingsGroupDecision(_Tenant):
    """The partnership's decision, at the outset or later, that a separate group will
    consider the findings and identify the actions (§9.2.2-9.2.3). The findings then go to
    that group (as a PDF the Business Office sends: the group works outside the product),
    and recommendations in the report become optional."""

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="findings_group")
    decided = models.BooleanField(default=False)
    at_outset = models.BooleanField(default=False, help_text="Decided at the outset (§9.2.3).")
    group_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True, help_text="The group's chair or contact.")
    decided_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    # When the Business Office recorded sending the findings' PDF to the group, and who.
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    def __str__(self):
        return f"Findings group decision ({self.lcspr})"
