"""What agencies give the review (§8.2-8.7, §8.10.1).

An agency's submission is a `cases.InformationRequest` with purpose LCSPR: it reuses the
portal, chronology entries, attachments, sharing decisions, chasing and the §2.1.7
escalation built for the Rapid Review. This module holds what only the LCSPR needs.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import InformationRequest, User
from cases.tenancy import TenantManager


class NamedPractitioner(models.Model):
    """A practitioner or line manager the agency names with its submission, who had direct
    involvement with the child and family: the workshop's invitees come from these
    (§8.10.1-8.10.2). The agency sees and keeps its own."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="named_practitioners"
    )
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200)
    email = models.EmailField()
    is_line_manager = models.BooleanField(default=False)
    direct_involvement = models.BooleanField(
        default=True,
        help_text="Some form of direct operational involvement with the child and family "
        "(§8.10.2).",
    )
    involvement = models.TextField(blank=True, help_text="Their part, in a sentence.")
    has_left_agency = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["request", "name", "id"]

    def __str__(self):
        return f"Practitioner {self.pk} ({self.request_id})"  # never the name


class QaOutcome(models.TextChoices):
    """The Panel's quality assurance of a submission (§8.7)."""

    ACCEPTED = "accepted", "Accepted"
    MORE_INFORMATION = "more_information", "More information requested"
    INVITED_TO_MEETING = "invited_to_meeting", "Agency invited to a panel meeting"


class SubmissionReview(models.Model):
    """One decision of the Panel, chaired by the Reviewer, on an agency's submission
    (§8.7.1-8.7.2), and the agency's answer to it. Every decision is kept: a submission
    returned twice has two rows."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"  # the agency reads what is asked of it

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="submission_reviews"
    )
    outcome = models.CharField(max_length=30, choices=QaOutcome.choices)
    asked_for = models.TextField(blank=True, help_text="What more is needed, or why we meet.")
    respond_by = models.DateField(null=True, blank=True)
    panel_meeting = models.ForeignKey(
        "reviews.PanelMeeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    agency_response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["request", "decided_at", "id"]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.request_id})"
