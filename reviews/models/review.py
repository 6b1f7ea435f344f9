"""The Local Child Safeguarding Practice Review itself (framework §5-§9)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.models import Agency, Case, User
from cases.tenancy import TenantManager


class ReviewBasis(models.TextChoices):
    """Why the case is reviewed: a serious child safeguarding case, or (§1.4.5) one that is
    not, but raises issues of importance that could generate learning."""

    SERIOUS = "serious", "A serious child safeguarding case"
    LEARNING = "learning", "Not a serious child safeguarding case, but it raises learning (§1.4.5)"


class LearningKind(models.TextChoices):
    """The learning a review of a case that is not serious is for (§1.4.5, Working Together
    2023: "good practice, poor practice or ... 'near miss' incidents")."""

    GOOD_PRACTICE = "good_practice", "Good practice"
    POOR_PRACTICE = "poor_practice", "Poor practice"
    NEAR_MISS = "near_miss", "A near miss"
    OTHER = "other", "Other learning"


class Lcspr(models.Model):
    """The LCSPR the Case Review Group decided to commission (§4.6.2, §4.9).

    Its decision date starts the six-month `lcspr_complete` deadline (§3.1.2); the Key
    Lines of Enquiry agreed at the decision are where its Terms of Reference start
    (§5.3.1).
    """

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="lcspr")
    decided_on = models.DateField(help_text="The date of the CRG decision to proceed.")
    key_lines_of_enquiry = models.TextField(blank=True)
    # The basis of the review (§1.4.5): blank until the Business Office records it, unless
    # the decision itself said (a Rapid Review's serious incident, a care death's local
    # review for learning).
    basis = models.CharField(max_length=10, choices=ReviewBasis.choices, blank=True)
    learning_kind = models.CharField(
        max_length=20,
        choices=LearningKind.choices,
        blank=True,
        help_text="For a case that is not serious: the learning it raises (§1.4.5).",
    )
    basis_reason = models.TextField(
        blank=True, help_text="The CRG's reason for reviewing a case that is not serious (§1.4.5)."
    )
    basis_recorded_at = models.DateTimeField(null=True, blank=True)
    basis_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # issue 14: chron. The multi-agency chronology (§8.4.3) shows a period with no agency
    # contact longer than this many days as a gap; the Reviewer or Panel sets it.
    chronology_gap_days = models.PositiveSmallIntegerField(default=28)
    # §8.8.1: key themes "as few as practicable": why the Panel named more than five.
    themes_over_five_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        verbose_name = "LCSPR"

    def __str__(self):
        return f"LCSPR of {self.case_id}"

    @property
    def basis_complete(self) -> bool:
        if self.basis == ReviewBasis.SERIOUS:
            return True
        return bool(
            self.basis == ReviewBasis.LEARNING and self.learning_kind and self.basis_reason.strip()
        )


class AppointmentRole(models.TextChoices):
    """Who runs the review (§6): the Reviewer and the Case Review Panel's members."""

    REVIEWER = "reviewer", "Reviewer"
    PANEL_MEMBER = "panel_member", "Case Review Panel member"


class Appointment(models.Model):
    """A person appointed to run one LCSPR: its Reviewer (§6.1.1) or a member of its Case
    Review Panel (§6.2.1).

    Reviewers and Panel members see the cases of the reviews they hold a current
    appointment to, and nothing else of the partnership (§2.1.6 "the right information
    to the right individual"): cases/tenancy.py reads these rows through
    `Case.lcspr.appointments`. An appointment that has ended opens nothing.
    """

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="appointments")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_appointments")
    role = models.CharField(max_length=20, choices=AppointmentRole.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agency a Panel member represents (§6.2.1).",
    )
    expertise = models.CharField(
        max_length=200, blank=True, help_text="A subject-matter expert's field (§6.2.1)."
    )
    is_external = models.BooleanField(
        default=False, help_text="An independent Reviewer from outside the partnership (§6.1.1)."
    )
    appointed_on = models.DateField()
    appointed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)
    # §1.5.8: before they open the case's papers, the person declares any conflict of
    # interest and agrees to confidentiality. Until `declared_at` is set, cases/tenancy.py
    # opens them nothing of the case (the LCSPR page sends them to their declaration).
    declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(null=True, blank=True)
    conflict_details = models.TextField(blank=True)
    confidentiality_agreed = models.BooleanField(default=False)
    # A declared conflict of interest is the Business Office's to decide (§1.5.8): they
    # record that the person continues (with why), or end the appointment. Until then the
    # office and the chair see it on their dashboard, and the person does not open the
    # restricted file (cases.selectors.appointment_conflicted).
    conflict_decided_at = models.DateTimeField(null=True, blank=True)
    conflict_decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict_decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The appointee's email (mail queue: stamped when claimed, cases/services/mail.py).
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The office's and the chair's email of a declared conflict (mail queue, as above).
    conflict_email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["role", "appointed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lcspr", "user"],
                condition=models.Q(ended_on__isnull=True),
                name="appointment_one_current_per_person",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} of {self.lcspr}"

    @property
    def is_declared(self) -> bool:
        return self.declared_at is not None

    @property
    def conflict_undecided(self) -> bool:
        """A declared conflict of interest the Business Office has not yet decided on."""
        return bool(self.has_conflict) and self.conflict_decided_at is None
