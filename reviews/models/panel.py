"""The review's timetable (§5.8) and its Case Review Panel meetings (§6.2, §7.1.3, §11.2.1).

A milestone of the timetable and an action of a meeting are each also a dated item on the
case (cases.Deadline, kind `review_milestone:<pk>` / `review_action:<pk>`), so the
deadline engine reminds and escalates them like any statutory date.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


class _Tenant(models.Model):
    tenant_agency_path = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"


class MilestoneKind(models.TextChoices):
    """What the timetable plans (§5.8)."""

    PANEL_MEETING = "panel_meeting", "Case Review Panel meeting"
    LEARNING_EVENT = "learning_event", "Learning event (learning workshop)"
    FAMILY_ENGAGEMENT = "family_engagement", "Family engagement"
    OTHER = "other", "Other"


class Milestone(_Tenant):
    """One dated step of the review's timetable (§5.8)."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200, blank=True, help_text="Required for 'Other'.")
    due_on = models.DateField()
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    after_six_months_reason = models.TextField(
        blank=True,
        help_text="Why a date falls after the review's six-month date (§3.1.2, §3.1.3).",
    )
    cancelled_on = models.DateField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    done_on = models.DateField(
        null=True,
        blank=True,
        help_text="When a learning event, family engagement or other milestone took place "
        "(§5.8). A panel meeting is done by recording its minutes.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"{self.label} {self.due_on}"

    @property
    def label(self) -> str:
        if self.kind == MilestoneKind.OTHER and self.title:
            return self.title
        return self.get_kind_display()

    @property
    def deadline_kind(self) -> str:
        return f"review_milestone:{self.pk}"


class PanelMeeting(_Tenant):
    """A meeting of the Case Review Panel (§6.2), dated by its timetable milestone."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="panel_meetings")
    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="meeting")
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    minutes_recorded_at = models.DateTimeField(null=True, blank=True)
    minutes_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["milestone__due_on", "id"]

    def __str__(self):
        return f"Panel meeting {self.pk}"

    @property
    def held_on(self):
        return self.milestone.due_on


class StandingItem(models.TextChoices):
    """Agenda items every panel meeting takes and none may skip."""

    DECLARATIONS = (
        "declarations",
        "Declarations of interest and confidentiality (§1.5.8)",
    )
    FAMILY_ENGAGEMENT = "family_engagement", "Family engagement (§7.1.3)"
    IMMEDIATE_ACTION = (
        "immediate_action",
        "Is any immediate single- or multi-agency action needed? (§11.2.1)",
    )


class AgendaItem(_Tenant):
    """One item of a meeting's agenda: a standing item (`standing` set) or one added."""

    tenant_partnership_path = "meeting__lcspr__case__partnership"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="agenda")
    standing = models.CharField(max_length=20, choices=StandingItem.choices, blank=True)
    title = models.CharField(max_length=200)
    answer = models.TextField(blank=True, help_text="What the panel noted or answered.")
    order = models.PositiveSmallIntegerField()

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "standing"],
                condition=~models.Q(standing=""),
                name="agenda_standing_item_once",
            )
        ]

    def __str__(self):
        return self.title


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"


class PanelAttendance(_Tenant):
    tenant_partnership_path = "meeting__lcspr__case__partnership"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="panel_attendance_once")
        ]

    def __str__(self):
        return f"{self.user_id} {self.status}"


class PanelAction(_Tenant):
    """An action agreed at a panel meeting, chased by the deadline engine until done."""

    tenant_partnership_path = "meeting__lcspr__case__partnership"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    # The owner's email that the action is theirs (mail queue: stamped when claimed).
    email_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"Panel action {self.pk}"

    @property
    def deadline_kind(self) -> str:
        return f"review_action:{self.pk}"


class LearningAudience(models.TextChoices):
    AGENCIES = "agencies", "Specific agencies' workforce"
    MULTI_AGENCY = "multi_agency", "Multi-agency or wider workforce"


class SwiftLearning(_Tenant):
    """A swift learning message the panel agreed (§11.2.1)."""

    tenant_partnership_path = "meeting__lcspr__case__partnership"

    meeting = models.ForeignKey(
        PanelMeeting, on_delete=models.CASCADE, related_name="swift_learning"
    )
    message = models.TextField()
    audience = models.CharField(max_length=20, choices=LearningAudience.choices)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    could_affect_family_or_investigation = models.BooleanField(
        help_text="Could sharing it affect the family or a parallel investigation (§11.2.1)?"
    )
    consideration = models.TextField(help_text="The panel's consideration of that risk.")
    sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Swift learning {self.pk}"


class FamilyCoordinator(_Tenant):
    """The person the panel names to coordinate communication with the family (§7.1.3)."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="family_coordinator")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    named_on = models.DateField()
    named_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        pass

    def __str__(self):
        return f"Family coordinator of {self.lcspr_id}"
