"""The family's part in the review (§7): its network, the genogram, the first contact and
the conversations with the Reviewer.

Restricted to the review team (Action.VIEW_REVIEW_TEAM_RECORDS to read, every read
access-logged; Action.ENGAGE_FAMILY to change). Names and contact details never leave
these pages: the anonymised genogram is the only view of the family a report may hold
(§7.2.1).
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Child, FamilyMember, User
from cases.tenancy import TenantManager
from reviews.models.review import Lcspr


class _Tenant(models.Model):
    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"


class Sex(models.TextChoices):
    """The genogram's shapes: a square for a male, a circle for a female, a diamond when
    not known."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Not known"


class Participation(models.TextChoices):
    """Whether a family member takes part in the review (§7.3.1, §7.4.2)."""

    NOT_ASKED = "not_asked", "Not yet asked"
    TAKING_PART = "taking_part", "Taking part"
    NOT_TAKING_PART = "not_taking_part", "Not taking part"


class NonParticipationReason(models.TextChoices):
    """Why a family member does not take part: documented in the final report (§7.4.2)."""

    THEIR_CHOICE = "their_choice", "Their own choice"
    PARALLEL_INVESTIGATION = "parallel_investigation", "A parallel investigation"
    NOT_CONTACTED = "not_contacted", "A strong reason not to contact them (§7.3.1)"
    NO_RESPONSE = "no_response", "No response to the invitation"
    OTHER = "other", "Another reason"


class NetworkMember(_Tenant):
    """One person of the child's family network (§7.1.2, §7.2.1), the subject child
    included. `child` / `family_member` link the person to the case's records of them, so
    that nothing is typed in twice."""

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="network")
    child = models.ForeignKey(
        Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    family_member = models.ForeignKey(
        FamilyMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    relationship = models.CharField(
        max_length=100, help_text="To the subject child, for example: mother, half-brother."
    )
    is_subject_child = models.BooleanField(default=False)
    is_surviving_child = models.BooleanField(default=False)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(null=True, blank=True)
    age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="In years, where the date of birth is not known."
    )
    is_deceased = models.BooleanField(default=False)
    # The genogram's lines: a person's parents, and (NetworkPartnership) couples.
    mother = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    father = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    household = models.CharField(
        max_length=100,
        blank=True,
        help_text="People with the same household are drawn inside one boundary.",
    )
    # Support to engage (§7.1.2).
    language = models.CharField(max_length=100, blank=True)
    needs_interpreter = models.BooleanField(
        default=False, verbose_name="interpreter or translation"
    )
    needs_disability_support = models.BooleanField(
        default=False, verbose_name="support for a disabled parent"
    )
    needs_domestic_abuse_specialist = models.BooleanField(
        default=False, verbose_name="a domestic-abuse specialist"
    )
    needs_child_participation_support = models.BooleanField(
        default=False, verbose_name="help for a child to take part"
    )
    support_notes = models.TextField(blank=True)
    # Contact details: restricted like the name.
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Taking part (§7.3.1, §7.4.2).
    participation = models.CharField(
        max_length=20, choices=Participation.choices, default=Participation.NOT_ASKED
    )
    non_participation_reason = models.CharField(
        max_length=30, choices=NonParticipationReason.choices, blank=True
    )
    non_participation_detail = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "order", "id"]

    def __str__(self):
        return f"{self.relationship} in {self.lcspr}"  # never the name


class CoupleKind(models.TextChoices):
    MARRIED = "married", "Married or civil partners"
    PARTNERS = "partners", "Partners"
    SEPARATED = "separated", "Separated"
    DIVORCED = "divorced", "Divorced"


class NetworkPartnership(_Tenant):
    """A couple in the family network: the genogram joins them with a line."""

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="couples")
    first = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=CoupleKind.choices)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="network_couple_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} in {self.lcspr}"


class FamilyConversation(_Tenant):
    """A conversation with family members (§7.4.1), normally led by the Reviewer."""

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="family_conversations")
    members = models.ManyToManyField(NetworkMember, related_name="conversations")
    held_on = models.DateField()
    held_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_by_name = models.CharField(
        max_length=200, blank=True, help_text="Who held it, when not a user of the product."
    )
    note = models.TextField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[members])

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "held_on", "id"]

    def __str__(self):
        return f"Family conversation on {self.held_on} ({self.lcspr})"


# --- issue 14: family engagement (the first contact, §7.3) ------------------------------


class Delivery(models.TextChoices):
    """How the letter or the leaflet reached the family member (§7.3.2)."""

    HAND_DELIVERED = "hand_delivered", "Hand-delivered"
    SIGNED_FOR = "signed_for", "Sent signed-for"
    POSTED = "posted", "Posted"
    NOT_SENT = "not_sent", "Not sent"


class InitialContact(_Tenant):
    """The first contact with one family member (§7.3): who made personal contact and
    when, how the letter and the leaflet were delivered (§7.3.2), and their response."""

    tenant_partnership_path = "member__lcspr__case__partnership"

    member = models.OneToOneField(
        NetworkMember, on_delete=models.CASCADE, related_name="initial_contact"
    )
    made_by = models.CharField(
        max_length=200, blank=True, help_text="Who made personal contact, and their role."
    )
    made_on = models.DateField(null=True, blank=True)
    letter_delivery = models.CharField(
        max_length=20, choices=Delivery.choices, default=Delivery.NOT_SENT
    )
    leaflet_delivery = models.CharField(
        max_length=20, choices=Delivery.choices, default=Delivery.NOT_SENT
    )
    response = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        pass

    def __str__(self):
        return f"First contact with a family member ({self.member_id})"  # never the name
