"""Embedding the learning: the dissemination plan (§11.2-11.3), the CRG's review of each
national review's learning (§11.5.1), and the National Panel's requests about a national
review (§12.3). A briefing may belong to a plan; a national review has no case."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Partnership, User
from publication.models.actions import ActionPlan
from publication.models.base import Tenant


class BriefingKind(models.TextChoices):
    SEVEN_MINUTE = "seven_minute", "Seven-minute briefing"
    SINGLE_AGENCY = "single_agency", "Single-agency event"
    MULTI_AGENCY = "multi_agency", "Multi-agency event"
    SUPERVISION = "supervision", "Supervision materials"


class Briefing(Tenant):
    """One item of the plan for sharing the learning (§11.3.2): its audience, date,
    delivery and reach."""

    tenant_partnership_path = "partnership"
    tenant_case_path = "plan__case"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="briefings"
    )
    kind = models.CharField(max_length=20, choices=BriefingKind.choices)
    title = models.CharField(max_length=300)
    audience = models.TextField()
    planned_on = models.DateField()
    delivered_on = models.DateField(null=True, blank=True)
    delivery = models.TextField(blank=True, help_text="How it was delivered, and by whom.")
    reach = models.PositiveIntegerField(null=True, blank=True, help_text="People reached.")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["partnership", "planned_on", "id"]

    def __str__(self):
        return f"Briefing {self.pk}"


class NationalReview(Tenant):
    """The CRG's review of a national review's learning (§11.5.1): what it was, its themes,
    and how the CRG agreed to apply it locally; its actions are an action plan."""

    tenant_partnership_path = "partnership"
    tenant_case_path = None

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    published_on = models.DateField(help_text="When the national review was published.")
    themes = models.TextField()
    considered_on = models.DateField(null=True, blank=True)
    crg_meeting = models.ForeignKey(
        "rapidreview.CrgMeeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    local_application = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["partnership", "-published_on", "id"]

    def __str__(self):
        return self.title


class NationalReviewRequest(Tenant):
    """A request from the National Panel about a national review (§12.3): its parameters,
    the Safeguarding Partners and then the CRG informed, the CRG chair the main point of
    contact."""

    tenant_partnership_path = "partnership"
    tenant_case_path = None

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    received_on = models.DateField()
    parameters = models.TextField()
    partners_informed_on = models.DateField(null=True, blank=True)
    crg_informed_on = models.DateField(null=True, blank=True)
    contact = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The CRG chair, the main point of contact (§12.3).",
    )
    note = models.TextField(blank=True)
    # issue 16: learning. The CRG chair told by email that they are the point of contact
    # (the mail queue's sent-stamp, cases/services/mail.py).
    contact_told_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["partnership", "-received_on", "id"]

    def __str__(self):
        return self.title


class SupportKind(models.TextChoices):
    INFORMATION = "information", "Information supplied"
    ATTENDANCE = "attendance", "Local attendance at a meeting"


class NationalReviewSupport(Tenant):
    """What the Business Office did to support a national review (§12.3)."""

    tenant_partnership_path = "request__partnership"
    tenant_case_path = None

    request = models.ForeignKey(
        NationalReviewRequest, on_delete=models.CASCADE, related_name="support"
    )
    kind = models.CharField(max_length=20, choices=SupportKind.choices)
    on = models.DateField()
    description = models.TextField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["request", "on", "id"]

    def __str__(self):
        return f"Support {self.pk}"
