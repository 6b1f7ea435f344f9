"""The LCSPR's terms of reference (§5.1-§5.7, §8.1.3): every version kept, the CRG's
agreement of one (§5.1.3) and of its significant changes (§5.3.1), the issues referred
to the CRG (§5.1.2) and the parallel investigations and reviews (§5.6).

Versions are never changed once saved: each save of the draft is a new numbered
`TermsVersion`. The version in force is the latest one the CRG agreed, or (after an
agreement) a wording change the Business Office or the chair accepted as minor.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
from cases.tenancy import TenantManager
from rapidreview.models import CrgMeeting
from reviews.models.review import Lcspr


class CollectionTool(models.TextChoices):
    """The information-collection and collation tools the review uses (§5.4.2, §8.3-§8.5)."""

    KEY_EVENTS_CHRONOLOGY = "key_events_chronology", "Chronologies of key events"
    ORGANISATIONAL_CHRONOLOGY = (
        "organisational_chronology",
        "Chronologies of organisational changes",
    )
    INFORMATION_REPORTS = "information_reports", "Information reports"
    FACTUAL_SUMMARIES = "factual_summaries", "Factual summaries"
    OTHER = "other", "Another agreed method"


class LegalAdvice(models.TextChoices):
    """Whether legal advice will be needed (§5.7.1)."""

    AT_OUTSET = "at_outset", "Needed at the outset"
    LATER = "later", "May be needed later in the review"
    NOT_EXPECTED = "not_expected", "Not expected to be needed"


# What, changed after agreement, is significant and goes back to the CRG (§5.3.1: "for
# example the key lines of enquiry, the scoping period or the methodology"): the lines of
# enquiry, the period's dates, and the methodology with its tools and other method. The
# reasons' wording and every other section are not.
SIGNIFICANT_FIELDS = (
    "key_lines_of_enquiry",
    "scoping_start",
    "scoping_end",
    "methodology",
    "collection_tools",
    "other_method",
)


class TermsVersion(models.Model):
    """One saved version of the terms of reference: never changed after it is saved."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="terms_versions")
    number = models.PositiveIntegerField()
    # §5.1.1
    crg_early_input = models.TextField(
        blank=True, help_text="The Case Review Group's early input (§5.1.1)."
    )
    scrutineer_issues = models.TextField(
        blank=True, help_text="Issues the Independent Scrutineer wants included (§5.1.1)."
    )
    # §5.2.1
    scoping_start = models.DateField(null=True, blank=True)
    scoping_end = models.DateField(null=True, blank=True)
    scoping_reason = models.TextField(blank=True)
    # §5.3.1: one line of enquiry per item.
    key_lines_of_enquiry = models.JSONField(default=list, blank=True)
    # §5.4, §8.1.3
    methodology = models.TextField(blank=True)
    collection_tools = models.JSONField(default=list, blank=True)
    other_method = models.TextField(blank=True)
    other_method_reason = models.TextField(blank=True)
    # §5.5
    family_invitation = models.TextField(blank=True)
    family_support = models.TextField(blank=True)
    # §5.7
    legal_advice = models.CharField(max_length=20, choices=LegalAdvice.choices, blank=True)
    legal_advice_from = models.CharField(max_length=200, blank=True)
    legal_advice_when = models.CharField(max_length=200, blank=True)

    change_note = models.CharField(max_length=500, blank=True)
    # Saved after an agreement: whether it changes what the CRG agreed in a way that must
    # go back to it (§5.3.1), and which sections changed.
    significant_change = models.BooleanField(default=False)
    changed_sections = models.JSONField(default=list, blank=True)
    # Accepted as a minor (wording) change by the Business Office or the chair: in force
    # without going back to the CRG. Never for a significant change.
    minor_accepted_at = models.DateTimeField(null=True, blank=True)
    minor_accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lcspr", "number"], name="terms_version_number"),
            models.CheckConstraint(
                condition=models.Q(scoping_start__isnull=True)
                | models.Q(scoping_end__isnull=True)
                | models.Q(scoping_end__gte=models.F("scoping_start")),
                name="terms_scoping_end_after_start",
            ),
        ]

    def __str__(self):
        return f"Terms of reference version {self.number}"


class AgreementOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting the CRG's decision"
    AGREED = "agreed", "Agreed"
    NOT_AGREED = "not_agreed", "Not agreed"


class TermsAgreement(models.Model):
    """A version put to a CRG meeting for agreement (§5.1.3), or for approval of its
    significant change (§5.3.1), and what the CRG decided. One at a time per review."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="terms_agreements")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="agreements")
    meeting = models.ForeignKey(CrgMeeting, on_delete=models.PROTECT, related_name="+")
    is_change = models.BooleanField(
        default=False, help_text="A change to agreed terms of reference (§5.3.1)."
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        max_length=20, choices=AgreementOutcome.choices, default=AgreementOutcome.PENDING
    )
    decided_on = models.DateField(null=True, blank=True, help_text="The meeting's date.")
    changes_asked = models.TextField(blank=True, help_text="What the CRG asked to change.")
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lcspr"],
                condition=models.Q(outcome="pending"),
                name="terms_one_pending_agreement",
            )
        ]

    def __str__(self):
        return f"Agreement of {self.version}"


class TermsNotice(models.Model):
    """The Reviewer or a Panel member told that the CRG agreed or returned the terms of
    reference: an email (case reference only) and a dashboard item."""

    tenant_partnership_path = "agreement__lcspr__case__partnership"
    tenant_agency_path = None

    agreement = models.ForeignKey(TermsAgreement, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "user"], name="terms_notice_once")
        ]

    def __str__(self):
        return f"Notice of {self.agreement}"


class ReferredIssue(models.Model):
    """An issue the Panel or the Reviewer cannot resolve, referred to a CRG meeting for a
    decision (§5.1.2), and the decision."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="referred_issues")
    issue = models.TextField()
    meeting = models.ForeignKey(CrgMeeting, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)
    referred_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "referred_at", "id"]

    def __str__(self):
        return f"Issue referred to the CRG ({self.pk})"


class ParallelKind(models.TextChoices):
    """Parallel investigations and reviews (§5.6.1 and its footnote 16)."""

    CRIMINAL = "criminal", "Criminal investigation"
    CORONER = "coroner", "Coroner's inquest"
    DISCIPLINARY = "disciplinary", "Agency or professional disciplinary process"
    DHR = "dhr", "Domestic Homicide Review"
    MAPPA = "mappa", "MAPPA review"
    SAR = "sar", "Safeguarding Adults Review"
    HEALTH_SI = "health_si", "Health serious incident review"
    OTHER = "other", "Other"


class ParallelStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    UNDER_WAY = "under_way", "Under way"
    PAUSED = "paused", "Paused"
    CONCLUDED = "concluded", "Concluded"


class ParallelProcess(models.Model):
    """A parallel investigation or review of the case (§5.6), considered at scoping
    (§5.6.2) and in the plans to engage the family (§5.5.3). Its history keeps every
    change; ending it records when it concluded."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="parallel_processes")
    kind = models.CharField(max_length=20, choices=ParallelKind.choices)
    other_description = models.CharField(max_length=200, blank=True)
    lead = models.CharField(max_length=200, help_text="The organisation leading it.")
    contact = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=ParallelStatus.choices)
    effect_on_timing = models.TextField(blank=True)
    effect_on_family = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["lcspr", "created_at", "id"]

    def __str__(self):
        return self.get_kind_display()

    @property
    def kind_label(self) -> str:
        if self.kind == ParallelKind.OTHER and self.other_description:
            return f"Other: {self.other_description}"
        return self.get_kind_display()
