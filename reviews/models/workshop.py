"""The reflective learning workshop (§8.9-8.12)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
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


class Workshop(_Tenant):
    """Whether a workshop is held (§8.9.2) and, if so, where; its sessions are one half
    day, or two for a complex case (§8.11.1)."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="workshop")
    is_held = models.BooleanField(null=True, blank=True)
    not_held_reason = models.TextField(
        blank=True, help_text="For example, the practitioners have left their agencies (§8.9.2)."
    )
    place = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # §8.8.2: the key themes may go to the participants with the briefing.
    share_themes = models.BooleanField(default=False)
    # The timetable's learning-event milestone this workshop keeps in step (§5.8).
    milestone = models.ForeignKey(
        "reviews.Milestone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The record of discussion, under the §8.11.3 headings.
    record_information = models.TextField(blank=True)
    record_lived_experience = models.TextField(blank=True)
    record_reasons = models.TextField(blank=True)
    record_themes = models.TextField(blank=True)
    record_learning = models.TextField(blank=True)
    record_version = models.PositiveIntegerField(default=1)
    record_updated_at = models.DateTimeField(null=True, blank=True)
    record_updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A change of date, times or place after invitations went (§8.10.3): numbered, so
    # that each invitee already sent is told once per change (`change_told_number`).
    plan_change_number = models.PositiveIntegerField(default=0)
    plan_changed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"Learning workshop of {self.lcspr}"


class WorkshopSession(_Tenant):
    """One half day of the workshop (§8.11.1)."""

    tenant_partnership_path = "workshop__lcspr__case__partnership"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["workshop", "starts_at"]

    def __str__(self):
        return f"Workshop session {self.pk} ({self.workshop_id})"


class InviteeResponse(models.TextChoices):
    AWAITING = "awaiting", "Not replied yet"
    ACCEPTED = "accepted", "Will attend"
    DECLINED = "declined", "Cannot attend"


class WorkshopInvitee(_Tenant):
    """One person invited to the workshop (§8.10.1): from an agency's named practitioners
    and line managers, or added by hand. Someone without direct operational involvement
    with the child and family is invited only with the reason recorded (§8.10.2).

    The personal link's token is never stored: only its SHA-256 (`token_hash`). Once the
    invitation is sent it can be withdrawn (`withdrawn_at`: the link stops at once and
    they are told) or sent again with a new link (`resent_at`); `version` guards both
    against a stale page or a second click."""

    tenant_partnership_path = "workshop__lcspr__case__partnership"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invitees")
    practitioner = models.ForeignKey(
        "reviews.NamedPractitioner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    agency = models.ForeignKey(
        "cases.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=200, blank=True)
    is_line_manager = models.BooleanField(default=False)
    direct_involvement = models.BooleanField(default=True)
    invited_reason = models.TextField(
        blank=True, help_text="Why they are invited without direct involvement (§8.10.2)."
    )
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(
        max_length=10, choices=InviteeResponse.choices, default=InviteeResponse.AWAITING
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    resent_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_email_sent_at = models.DateTimeField(null=True, blank=True)
    # The workshop's `plan_change_number` this invitee was last sent (the invitation
    # itself, or a notice of the change): a notice goes while it is behind.
    change_told_number = models.PositiveIntegerField(default=0)
    change_told_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta(_Tenant.Meta):
        ordering = ["workshop", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "email"], name="workshop_invitee_once_per_email"
            )
        ]

    def __str__(self):
        return f"Workshop invitee {self.pk} ({self.workshop_id})"  # never the name


class PractitionerConversation(_Tenant):
    """A conversation with a key practitioner who could not attend the workshop, normally
    with the Reviewer (§8.12.1)."""

    tenant_partnership_path = "workshop__lcspr__case__partnership"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="conversations")
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(
        "cases.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=200, blank=True)
    held_on = models.DateField()
    held_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField()
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["workshop", "held_on", "id"]

    def __str__(self):
        return f"Practitioner conversation {self.pk} ({self.workshop_id})"
