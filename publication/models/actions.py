"""Action plans (§10.1.2, §11.3-11.4): every recommendation becomes one or more SMART
actions (the action, the owner agency, a lead, a measure of success and a due date), or the
partnership records why it does not accept it, and that statement is published.

A plan comes from a review's agreed recommendations (reviews.selectors.findings.
recommendations_for_action_plans), from a Rapid Review that decided not to proceed (§1.4.6,
other learning processes) or from a national review's learning (§11.5). A plan that came
from a case names it; a national review's names none, so only the partnership's own roles
see it. An agency sees and updates, through the portal, only the actions it owns (§11.3.3).
"""

from __future__ import annotations

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, Case, Partnership, User
from publication.models.base import Tenant


class PlanSource(models.TextChoices):
    LCSPR = "lcspr", "A Local Child Safeguarding Practice Review"
    RAPID_REVIEW = "rapid_review", "A Rapid Review that did not proceed to an LCSPR (§1.4.6)"
    NATIONAL_REVIEW = "national_review", "A national review (§11.5)"


class ActionPlan(Tenant):
    tenant_partnership_path = "partnership"
    tenant_case_path = "case"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=PlanSource.choices)
    # The case of an LCSPR's or a Rapid Review's plan; none for a national review's.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="action_plans"
    )
    national_review = models.OneToOneField(
        "publication.NationalReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_plan",
    )
    # Shown on the public page for a review's plan: never the case reference.
    title = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["partnership", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source"],
                condition=models.Q(case__isnull=False),
                name="one_action_plan_per_case_source",
            )
        ]

    def __str__(self):
        return f"Action plan {self.pk}"


class Response(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


class PlanRecommendation(Tenant):
    """A recommendation in the plan: accepted and turned into actions, or not accepted with
    a statement of why, which is published (§10.1.2)."""

    tenant_partnership_path = "plan__partnership"
    tenant_case_path = "plan__case"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="recommendations")
    number = models.CharField(max_length=20)  # "2.1": as the report numbers it
    text = models.TextField()
    source_recommendation = models.OneToOneField(
        "reviews.Recommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_recommendation",
    )
    response = models.CharField(max_length=20, choices=Response.choices, blank=True)
    statement = models.TextField(
        blank=True, help_text="Why the partnership does not accept it: published (§10.1.2)."
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["plan", "order", "id"]

    def __str__(self):
        return f"Recommendation {self.number} ({self.plan})"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class PlanAction(Tenant):
    """A SMART action: what, the owner agency, a lead, a measure of success and a due
    date (§10.1.2). Closed only with evidence (§11.4.1)."""

    tenant_partnership_path = "plan__partnership"
    tenant_case_path = "plan__case"
    tenant_agency_path = "owner_agency"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    recommendation = models.ForeignKey(
        PlanRecommendation, on_delete=models.CASCADE, related_name="actions"
    )
    text = models.TextField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    lead_name = models.CharField(max_length=200)
    lead_email = models.EmailField(blank=True)
    measure = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default="open")
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_note = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["plan", "recommendation__order", "order", "id"]

    def __str__(self):
        return f"Action {self.pk}"


class ActionUpdate(Tenant):
    """An agency's report on its action (§11.3.3): progress and the impact of the change.
    The Business Office may enter it on the agency's behalf (`on_behalf`)."""

    tenant_partnership_path = "action__plan__partnership"
    tenant_case_path = "action__plan__case"
    tenant_agency_path = "action__owner_agency"

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    progress = models.TextField()
    impact = models.TextField(blank=True)
    on_behalf = models.BooleanField(default=False)
    written_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["action", "written_at", "id"]

    def __str__(self):
        return f"Update {self.pk} on action {self.action_id}"


def evidence_path(instance, filename) -> str:
    """A random name outside the web root: the original name may say too much."""
    return f"action-evidence/{instance.action_id}/{uuid.uuid4().hex}"


class ActionEvidence(Tenant):
    """A file showing an action done or its impact, checked like every other upload."""

    tenant_partnership_path = "action__plan__partnership"
    tenant_case_path = "action__plan__case"
    tenant_agency_path = "action__owner_agency"

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="evidence")
    update = models.ForeignKey(
        ActionUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["action", "uploaded_at", "id"]

    def __str__(self):
        return f"Evidence {self.pk} for action {self.action_id}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated to the CRG chair"
    # issue 16: actions. The owner agency told the action is its own (migration 00NN_actions).
    ASSIGNED = "assigned", "Assigned to the owner agency"
    # The office told that the owner agency posted an update (§11.3.3, §11.4.1).
    UPDATED = "updated", "Update posted: the office told"


class ActionReminder(Tenant):
    """A reminder sent about an action: one of each kind a day, so a job run twice sends
    nothing more."""

    tenant_partnership_path = "action__plan__partnership"
    tenant_case_path = "action__plan__case"
    tenant_agency_path = "action__owner_agency"

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["action", "on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["action", "kind", "on"], name="one_action_reminder")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for action {self.action_id} on {self.on}"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ProgressAudit(Tenant):
    """A regular audit of a plan's progress (§11.4.1): a RAG rating for each action."""

    tenant_partnership_path = "plan__partnership"
    tenant_case_path = "plan__case"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="audits")
    held_on = models.DateField()
    note = models.TextField(blank=True)
    crg_meeting = models.ForeignKey(
        "rapidreview.CrgMeeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["plan", "-held_on", "-id"]

    def __str__(self):
        return f"Audit of {self.held_on} ({self.plan})"


class AuditRating(Tenant):
    tenant_partnership_path = "audit__plan__partnership"
    tenant_case_path = "audit__plan__case"
    tenant_agency_path = "action__owner_agency"

    audit = models.ForeignKey(ProgressAudit, on_delete=models.CASCADE, related_name="ratings")
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="ratings")
    rag = models.CharField(max_length=5, choices=Rag.choices)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["audit", "action"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "action"], name="one_rating_per_action")
        ]

    def __str__(self):
        return f"{self.get_rag_display()} for action {self.action_id}"
