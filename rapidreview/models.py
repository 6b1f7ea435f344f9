"""The Case Review Group's meeting calendar and each case's Rapid Review (framework §4.4-4.9)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.dates import format_date
from cases.models import Agency, Case, Criterion, Partnership, User
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
        return f"{self.get_kind_display()}, {format_date(self.held_on)}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def takes_place(self) -> bool:
        """A diarised slot only takes place when a Rapid Review needs it (§4.4.1)."""
        return not self.is_cancelled and (self.kind != MeetingKind.DIARISED or self.needed)


class Decision(models.TextChoices):
    """§4.6.2: the recommendation on commissioning an LCSPR."""

    PROCEED = "proceed", "Proceed to a Local Child Safeguarding Practice Review"
    NOT_PROCEED = "not_proceed", "Do not proceed to a Local Child Safeguarding Practice Review"


class CriterionFinding(models.TextChoices):
    MET = "met", "Applies"
    NOT_MET = "not_met", "Does not apply"
    UNCLEAR = "unclear", "Not yet known"


# Every criterion the decision must be reasoned against (§1.4.1 and §1.4.2).
DECISION_CRITERIA = tuple(Criterion)


def report_path(instance, filename) -> str:
    """Stored under a random name, by case id: never a name that says who the child is."""
    import uuid

    return f"rapid-review-reports/{instance.case_id}/{uuid.uuid4().hex}.pdf"


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

    # The record of the meeting (§4.6.2).
    facts_reviewed = models.TextField(
        blank=True, help_text="The facts of the case as presented in the documentation."
    )
    immediate_learning = models.TextField(
        blank=True,
        help_text="Learning that can be acted on now (it may remove the need to review).",
    )
    learning_sharing = models.TextField(
        blank=True, help_text="How the immediate learning will be shared."
    )
    no_immediate_action = models.BooleanField(
        default=False,
        help_text="The meeting considered the child(ren)'s and others' safety and found no "
        "immediate action needed (§4.6.2).",
    )
    improvement_potential = models.TextField(
        blank=True, help_text="The potential for identifying improvements to safeguard children."
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    criteria_assessment = models.JSONField(
        default=dict,
        blank=True,
        help_text="For each §1.4.1 and §1.4.2 criterion: whether it applies, and why.",
    )
    key_lines_of_enquiry = models.TextField(
        blank=True, help_text="One per line: agreed when proceeding (§4.6.2, §5.3.1)."
    )
    dissemination = models.TextField(
        blank=True, help_text="How the Rapid Review learning is disseminated when not proceeding."
    )
    other_learning_processes = models.TextField(
        blank=True, help_text="Other learning processes that will bring improvements (§1.4.6)."
    )
    decided_on = models.DateField(null=True, blank=True)
    decision_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(
        null=True, blank=True, help_text="When the chair and every partner present had signed."
    )

    # After the meeting (§4.8, §4.7.5, §1.6.3).
    report_sent_on = models.DateField(
        null=True,
        blank=True,
        help_text="Rapid Review Report (or, on the referral path, the completed Combined "
        "Summary) sent to the National Panel (§4.8.1, §4.9).",
    )
    report_file = models.FileField(
        upload_to=report_path,
        max_length=200,
        blank=True,
        help_text="The exact report file sent to the National Panel (§4.8.1).",
    )
    report_sha256 = models.CharField(max_length=64, blank=True)
    decision_notified_on = models.DateField(
        null=True, blank=True, help_text="Decision notified to the National Panel (§1.6.3)."
    )
    scrutineer_attending = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether the Independent Scrutineer will attend the meeting (§4.7.1); if "
        "not, their written advice is asked for before it (§4.7.4).",
    )
    scrutineer_advice_requested_at = models.DateTimeField(null=True, blank=True)
    scrutineer_sent_on = models.DateField(
        null=True,
        blank=True,
        help_text="Decision and rationale sent to an absent Independent Scrutineer (§4.7.5).",
    )
    outcomes_sent_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def kloe_list(self) -> list[str]:
        return [line.strip() for line in self.key_lines_of_enquiry.splitlines() if line.strip()]


class Declaration(models.TextChoices):
    """§1.5.8: conflicts of interest and confidentiality, a standing agenda item."""

    NONE = "none", "No conflict of interest"
    DECLARED = "declared", "Declared a conflict of interest"


class Attendance(models.Model):
    """One person at a CRG meeting, for an agency (or in their own capacity): picked from
    the people with an account where they have one, so that their declaration follows
    them to the sign-off (§1.5.8)."""

    tenant_partnership_path = "meeting__partnership"
    tenant_agency_path = None

    meeting = models.ForeignKey(CrgMeeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty only for someone without an account on this product.",
    )
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
    takes_part_in_decision = models.BooleanField(
        null=True,
        blank=True,
        help_text="Asked of someone who declares a conflict of interest: one who takes no "
        "part in the decision is left out of the quorum and does not sign (§1.5.8, §4.6.1).",
    )
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

    @property
    def withdrew_from_decision(self) -> bool:
        return self.declaration == Declaration.DECLARED and self.takes_part_in_decision is False

    @property
    def counts_for_quorum(self) -> bool:
        """§4.6.1 counts partner agencies represented by people present who take part."""
        return self.present and self.agency_id is not None and not self.withdrew_from_decision


class ImmediateAction(models.Model):
    """An action to keep the child(ren) or another vulnerable person safe (§4.6.2),
    with an owner and a date, tracked until done."""

    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = None

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who is to do it, and for which agency.")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"Immediate action {self.pk} of review {self.review_id}"


class AdviceKind(models.TextChoices):
    """§4.7: when and how the Independent Scrutineer advised."""

    IN_MEETING = "in_meeting", "Given in the meeting when the chair asked (§4.7.2)"
    WRITTEN_BEFORE = "written_before", "Written advice sent before the meeting (§4.7.4)"
    REPLY_AFTER = "reply_after", "Reply to the decision sent afterwards (§4.7.5)"


class ScrutineerAdvice(models.Model):
    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = None

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="advice")
    kind = models.CharField(max_length=20, choices=AdviceKind.choices)
    advice = models.TextField()
    received_on = models.DateField()
    raises_concern = models.BooleanField(
        default=False,
        help_text="A reply to the decision that raises a concern about it (§4.7.5): the "
        "chair may reopen the discussion with the Safeguarding Partners.",
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopening_note = models.TextField(
        blank=True, help_text="How the chair reopened the discussion with the partners."
    )
    partners_told_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["received_on", "id"]
        verbose_name_plural = "scrutineer advice"

    def __str__(self):
        return f"{self.get_kind_display()} for review {self.review_id}"


class SignOffRole(models.TextChoices):
    """The CRG chair approves; each Safeguarding Partner's representative confirms."""

    CHAIR = "chair", "CRG chair"
    INTEGRATED_CARE_BOARD = "icb", "Integrated Care Board"
    POLICE = "police", "Police"
    LOCAL_AUTHORITY = "local_authority", "Local Authority"


class SignOff(models.Model):
    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = None

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="sign_offs")
    role = models.CharField(max_length=20, choices=SignOffRole.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    on_behalf_reason = models.TextField(
        blank=True,
        help_text="Set when the CRG chair recorded a Safeguarding Partner's sign-off because "
        "the partner could not sign within two working days of the meeting (§4.6.2).",
    )
    partner_told_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="sign_off_once_per_role")
        ]

    def __str__(self):
        return f"{self.get_role_display()} signed review {self.review_id}"


class SignOffRequest(models.Model):
    """A signer asked to sign the decision: by email, once for each time their signature is
    needed (again, after a change voided it), and on their dashboard while it waits."""

    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = None

    review = models.ForeignKey(
        RapidReview, on_delete=models.CASCADE, related_name="sign_off_requests"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField()
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "user"], name="sign_off_request_once_per_signer"
            )
        ]

    def __str__(self):
        return f"Sign-off of review {self.review_id} asked of user {self.user_id}"


class InviteeKind(models.TextChoices):
    """§4.5.2, §4.7.1: who is sent the papers."""

    AGENCY = "agency", "Agency representative"
    MEMBER = "member", "CRG member"
    SCRUTINEER = "scrutineer", "Independent Scrutineer"


class Invitation(models.Model):
    """An invitation to the Rapid Review meeting with its papers (§4.5.1, §4.5.2).

    An agency's invitation reaches its portal users, who see only the papers of the
    Rapid Reviews their agency is invited to; a partnership member's reaches them by
    email. Every opening of the papers is logged (`opened_count`, and the access log).
    """

    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = "agency"

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=20, choices=InviteeKind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="invitation_agency_xor_user",
                condition=(
                    models.Q(kind="agency", agency__isnull=False, user__isnull=True)
                    | (~models.Q(kind="agency") & models.Q(agency__isnull=True, user__isnull=False))
                ),
            ),
            models.UniqueConstraint(
                fields=["review", "agency"],
                condition=models.Q(agency__isnull=False),
                name="invitation_once_per_agency",
            ),
            models.UniqueConstraint(
                fields=["review", "user"],
                condition=models.Q(user__isnull=False),
                name="invitation_once_per_user",
            ),
        ]

    def __str__(self):
        return f"Invitation {self.pk} to review {self.review_id}"


class OutcomeNotice(models.Model):
    """The outcome of the Rapid Review sent to one agency involved, the referrer included
    (§4.8.2), with the reminder to notify its own inspectorate (§4.8.3)."""

    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = "agency"

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="outcomes")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    is_referrer = models.BooleanField(default=False)
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "agency"], name="outcome_once_per_agency")
        ]

    def __str__(self):
        return f"Outcome of review {self.review_id} to agency {self.agency_id}"


class DeliveryMethod(models.TextChoices):
    PORTAL_EMAIL = "portal_email", "Emailed by the system"
    EMAIL = "email", "By email outside the system"
    POST = "post", "By post"
    BY_HAND = "by_hand", "By hand"
    PHONE = "phone", "By phone"


# What the Business Office may record when nobody on the portal could be emailed.
OTHER_DELIVERY_METHODS = [(m.value, m.label) for m in DeliveryMethod if m != "portal_email"]


class Delivery(models.Model):
    """How an invitation or an outcome reached its recipient (issue 12): one row for each
    person the system emailed, or the office's record of sending it another way to an
    agency or person nobody could email."""

    tenant_partnership_path = "review__case__partnership"
    tenant_agency_path = None

    review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    outcome = models.ForeignKey(
        OutcomeNotice, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    method = models.CharField(max_length=20, choices=DeliveryMethod.choices)
    # Whom the system emailed; blank when the office sent it another way.
    recipient = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["delivered_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="delivery_of_invitation_xor_outcome",
                condition=(
                    models.Q(invitation__isnull=False, outcome__isnull=True)
                    | models.Q(invitation__isnull=True, outcome__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return f"Delivery {self.pk} of review {self.review_id}"


# --- The death of a looked-after child or care leaver (§1.3.5) -------------------------


class CareDeathOutcome(models.TextChoices):
    """§1.3.5 and §1.4.6: what the CRG decides about a death that needs no Rapid Review."""

    RAPID_REVIEW = (
        "rapid_review",
        "The serious-incident criteria apply: start a Rapid Review",
    )
    LOCAL_REVIEW = (
        "local_review",
        "The criteria do not apply, but a local review would bring learning: an LCSPR",
    )
    LEARNING_OUTSIDE_REVIEW = (
        "learning_outside_review",
        "No review, but learning to take forward another way: learning outside an LCSPR",
    )
    NO_FURTHER_ACTION = "no_further_action", "No review and no further learning: close the case"


class CareDeathDecision(models.Model):
    """The CRG's decision on the death of a looked-after child or care leaver notified to the
    Secretary of State and Ofsted, not the National Panel (§1.3.5, §4.1.2)."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="care_death_decision")
    meeting = models.ForeignKey(CrgMeeting, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    outcome = models.CharField(max_length=30, choices=CareDeathOutcome.choices)
    rationale = models.TextField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self):
        return f"CRG decision on the death in case {self.case_id}"
