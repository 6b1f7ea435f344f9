"""The Case Review Group's meeting calendar and each case's Rapid Review (framework §4.4-4.9)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Case, Partnership, User
from cases.tenancy import TenantManager


class MeetingKind(models.TextChoices):
    """§4.4.1 and §4.4.3."""

    MONTHLY = "monthly", "Monthly CRG meeting"
    DIARISED = "diarised", "Diarised extraordinary slot"
    EXTRAORDINARY = "extraordinary", "Extraordinary meeting"
    REQUEST_PARAMETERS = "request_parameters", "Meeting to agree the request parameters"


class CrgMeeting(models.Model):
    """A Case Review Group meeting in the partnership's calendar.

    §4.4.1: the CRG meets monthly, with diarised extraordinary slots between that take
    place only when a Rapid Review needs one; a diarised slot is `needed` once a Rapid
    Review is set for it.
    """

    tenant_partnership_path = "partnership"
    tenant_agency_path = None

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField()
    starts_at = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    needed = models.BooleanField(
        default=False, help_text="A diarised slot takes place only when a Rapid Review needs it."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["held_on", "starts_at", "id"]
        indexes = [models.Index(fields=["partnership", "held_on"])]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.held_on:%-d %B %Y}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def takes_place(self) -> bool:
        """A diarised slot only takes place when a Rapid Review needs it (§4.4.1)."""
        return not self.is_cancelled and (self.kind != MeetingKind.DIARISED or self.needed)


class RapidReview(models.Model):
    """A case's Rapid Review (§4.2): its meeting date, set as soon as requests go out
    (§4.4.2)."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rapid_review")
    meeting = models.ForeignKey(
        CrgMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outside_window_reason = models.TextField(
        blank=True, help_text="Why the meeting is outside the 7-13 working-day window (§4.4.2)."
    )
    parameters_meeting = models.ForeignKey(
        CrgMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="§4.4.3: where the partnership's variant holds one.",
    )
    meeting_set_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self):
        return f"Rapid Review of {self.case_id}"


class Declaration(models.TextChoices):
    """§1.5.8: conflicts of interest and confidentiality, a standing agenda item."""

    NONE = "none", "No conflict of interest"
    DECLARED = "declared", "Declared a conflict of interest"


class Attendance(models.Model):
    """One person at a CRG meeting, for an agency (or in their own capacity)."""

    tenant_partnership_path = "meeting__partnership"
    tenant_agency_path = None

    meeting = models.ForeignKey(CrgMeeting, on_delete=models.CASCADE, related_name="attendances")
    name = models.CharField(max_length=200)
    capacity = models.CharField(
        max_length=200, blank=True, help_text="Role, e.g. Designated Nurse or CRG chair."
    )
    agency = models.ForeignKey(
        "cases.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the Business Office and the Independent Scrutineer.",
    )
    present = models.BooleanField(default=True)
    declaration = models.CharField(max_length=10, choices=Declaration.choices, blank=True)
    declaration_details = models.TextField(blank=True)
    confidentiality_agreed = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["meeting", "name", "id"]

    def __str__(self):
        return f"{self.name} at meeting {self.meeting_id}"
