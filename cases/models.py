"""Tenancy, agencies, people and roles, and the Case aggregate."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cases.dates import format_date, format_datetime
from cases.tenancy import AccessEventManager, TenantManager
from cases.timescales import NOT_DUTIES


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships."""

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username


class SchoolRequestRoute(models.TextChoices):
    DIRECT = "direct", "Directly to schools, with a school-holiday exception"
    VIA_EDUCATION_REPRESENTATIVES = (
        "via_education_representatives",
        "Via the Education representatives",
    )


# Retention (issue 18): six years after the case closed, the period most local authority
# retention schedules give to case files of this kind. A local default each partnership
# changes in /admin/, never a framework rule.
DEFAULT_RETENTION_YEARS = 6


def default_reminder_working_days() -> list[int]:
    return [5, 2, 1, 0]


def validate_reminder_working_days(value) -> None:
    if not isinstance(value, list) or not all(isinstance(n, int) and 0 <= n <= 60 for n in value):
        raise ValidationError(
            "Enter a list of whole numbers of working days from 0 to 60, for example [5, 2, 1, 0]."
        )


class Partnership(models.Model):
    """A safeguarding children partnership: the tenant.

    Local variants of the framework are fields here, never checks of the slug.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, unique=True)
    business_office_name = models.CharField(max_length=200)
    reference_prefix = models.CharField(
        max_length=10,
        unique=True,
        help_text="Case references are PREFIX-YEAR-NUMBER, e.g. LSCP-2026-0001.",
    )
    # §4.3.3: information requests go out within N working days of a notification.
    information_request_working_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="§4.3.3. Empty: no local limit.",
    )
    # §4.1.7, §4.3.1, §4.5.1: chronology template with requests; combined
    # chronology at the Rapid Review meeting.
    uses_chronology_template = models.BooleanField(
        default=False, help_text="§4.1.7, §4.3.1, §4.5.1."
    )
    # §4.4 footnote 15.
    school_request_route = models.CharField(
        max_length=40,
        choices=SchoolRequestRoute.choices,
        default=SchoolRequestRoute.VIA_EDUCATION_REPRESENTATIVES,
        help_text="§4.4 footnote 15.",
    )
    # §4.4.3: an extra CRG meeting on notification agrees the request
    # parameters and the Rapid Review meeting date.
    holds_request_parameters_meeting = models.BooleanField(default=False, help_text="§4.4.3.")
    # §4.3.1: the agencies usually asked, ticked first when requests go out.
    usual_agencies = models.ManyToManyField(
        "Agency", blank=True, related_name="+", help_text="Suggested for information requests."
    )
    # Reminders (issue 4's defaults): before a deadline, and daily once overdue.
    reminder_working_days = models.JSONField(
        default=default_reminder_working_days,
        validators=[validate_reminder_working_days],
        blank=True,
        help_text="Remind this many working days before each deadline (0 is the day itself).",
    )
    escalate_after_working_days = models.PositiveSmallIntegerField(
        default=1, help_text="Tell the CRG chair when a deadline is this many working days overdue."
    )
    # §3.1.3: a delay that will prevent the final report's publication within six months
    # is notified to the National Panel and the Secretary of State. Empty: the LCSPR page
    # says the address is missing and that the partnership admin sets it.
    national_panel_email = models.EmailField(
        blank=True,
        help_text="§3.1.3: where the notice of an LCSPR's delay goes to the national Child "
        "Safeguarding Practice Review Panel.",
    )
    secretary_of_state_email = models.EmailField(
        blank=True,
        help_text="§3.1.3: where the notice of an LCSPR's delay goes to the Secretary of State.",
    )
    # §10.5.1: the final report (or the improvements-only information) goes to the National
    # Panel (`national_panel_email`), Ofsted and the DfE seven working days before
    # publication; §10.5.3: the NSPCC National Repository, case by case.
    ofsted_email = models.EmailField(
        "Ofsted email",
        blank=True,
        default="SCR.SIN@ofsted.gov.uk",
        help_text="§10.5.1: where the publication pack goes to Ofsted.",
    )
    dfe_email = models.EmailField(
        "DfE email",
        blank=True,
        default="Mailbox.CPOD@education.gov.uk",
        help_text="§10.5.1: where the publication pack goes to the Department for Education.",
    )
    nspcc_email = models.EmailField(
        "NSPCC email",
        blank=True,
        default="information@nspcc.org.uk",
        help_text="§10.5.3: the NSPCC National Repository of Safeguarding Case Reviews.",
    )
    email_publication_pack = models.BooleanField(
        default=False,
        help_text="§10.5.1: send the publication pack by email from this product with the "
        "file attached. Off: the office sends it another way and records it.",
    )
    # Retention (issue 18): how long a closed case's records are kept before they are
    # flagged for a person to decide to archive, keep or erase them (retention/rules.py).
    # A local decision of the partnership and its data protection lead (its records
    # retention schedule), not a paragraph of the framework: the framework sets only the
    # published report's year of availability (§10.5.2), which must also have passed.
    retention_years = models.PositiveSmallIntegerField(
        "Retention period (years after the case closed)",
        default=DEFAULT_RETENTION_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A local decision, set by the partnership's data protection lead. After "
        "this many years from its closing (and a year after any publication, §10.5.2) a "
        "case is listed for a person to archive, keep or erase it. Nothing is deleted "
        "automatically.",
    )

    history = HistoricalRecords(m2m_fields=[usual_agencies])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyKind(models.TextChoices):
    INTEGRATED_CARE_BOARD = "icb", "Integrated Care Board"
    POLICE = "police", "Police"
    LOCAL_AUTHORITY = "local_authority", "Local Authority"
    SCHOOL = "school", "School"
    HEALTH_TRUST = "health_trust", "Health trust"
    PROBATION = "probation", "Probation"
    EDUCATION_REPRESENTATIVE = "education_representative", "Education representative"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


# The three statutory Safeguarding Partners (framework §1.1.1, §4.6.1).
SAFEGUARDING_PARTNER_KINDS = frozenset(
    {AgencyKind.INTEGRATED_CARE_BOARD, AgencyKind.POLICE, AgencyKind.LOCAL_AUTHORITY}
)


class Agency(models.Model):
    """An organisation that holds information about children; may serve both partnerships."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    partnerships = models.ManyToManyField(Partnership, related_name="agencies")

    history = HistoricalRecords(m2m_fields=[partnerships])

    class Meta:
        ordering = [Lower("name")]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name

    @property
    def is_safeguarding_partner(self) -> bool:
        return self.kind in SAFEGUARDING_PARTNER_KINDS


class Role(models.TextChoices):
    BUSINESS_OFFICE = "business_office", "Business Office"
    CRG_CHAIR = "crg_chair", "Case Review Group chair"
    CRG_MEMBER = "crg_member", "Case Review Group member"
    INDEPENDENT_SCRUTINEER = "independent_scrutineer", "Independent Scrutineer"
    REVIEWER = "reviewer", "Reviewer"
    PANEL_MEMBER = "panel_member", "Case Review Panel member"
    PARTNERSHIP_ADMIN = "partnership_admin", "Partnership admin"
    AGENCY_USER = "agency_user", "Agency user"
    # issue 17: reporting. Held for example by the Independent Scrutineer or the joint
    # executive: the aggregates of every partnership on `Membership.reports_on`, side by
    # side, and never a case's detail (cases/tenancy.py finds it no case row).
    JOINT_REPORTING = "joint_reporting", "Cross-partnership reporting"


class Membership(models.Model):
    """A user's role in a partnership, or (for portal users) in an agency."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    represents = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a CRG member: the partner agency they represent on the Case Review "
        "Group, for which they confirm its decisions (§4.6.1).",
    )
    reports_on = models.ManyToManyField(
        Partnership,
        blank=True,
        related_name="+",
        help_text="For cross-partnership reporting: the other partnerships whose figures "
        "this person sees beside those of the partnership above. Never a case's detail.",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "partnership__name", "agency__name", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_partnership_xor_agency",
                condition=(
                    Q(role=Role.AGENCY_USER, agency__isnull=False, partnership__isnull=True)
                    | (
                        ~Q(role=Role.AGENCY_USER)
                        & Q(agency__isnull=True, partnership__isnull=False)
                    )
                ),
                violation_error_message=(
                    "An agency user belongs to an agency; every other role belongs "
                    "to a partnership."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "partnership", "role"],
                condition=Q(partnership__isnull=False),
                name="membership_unique_partnership_role",
            ),
            models.UniqueConstraint(
                fields=["user", "agency"],
                condition=Q(agency__isnull=False),
                name="membership_unique_agency",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"

    @property
    def organisation(self) -> Partnership | Agency:
        return self.partnership or self.agency

    @property
    def organisation_name(self) -> str:
        return str(self.organisation)

    def clean(self):
        if self.role == Role.AGENCY_USER and (self.partnership_id or not self.agency_id):
            raise ValidationError(
                {"agency": "An agency user belongs to an agency, not a partnership."}
            )
        if self.role != Role.AGENCY_USER and (self.agency_id or not self.partnership_id):
            raise ValidationError(
                {"partnership": "This role belongs to a partnership, not an agency."}
            )
        if self.represents_id and self.role != Role.CRG_MEMBER:
            raise ValidationError(
                {"represents": "Only a Case Review Group member represents an agency on it."}
            )
        if (
            self.represents_id
            and self.partnership_id
            and not self.represents.partnerships.filter(pk=self.partnership_id).exists()
        ):
            raise ValidationError(
                {"represents": "Choose an agency that works with this partnership."}
            )


class Stage(models.TextChoices):
    """Where a case is on its path (DESIGN.md "The case's path")."""

    INTAKE = "intake", "Intake"
    RAPID_REVIEW = "rapid_review", "Rapid Review"
    REFERRAL_DECISION = "referral_decision", "Referral decision"
    # §1.3.5: the death of a looked-after child or care leaver notified to the Secretary of
    # State and Ofsted, not the National Panel, which the CRG considers.
    CRG_CONSIDERATION = "crg_consideration", "CRG consideration"
    LCSPR = "lcspr", "LCSPR"
    PUBLICATION = "publication", "Publication"
    LEARNING = "learning", "Learning and action plans"
    # §1.3.5, §1.4.5, §1.4.6: the case ends in learning without an LCSPR.
    LOCAL_LEARNING = "local_learning", "Learning outside an LCSPR"
    CLOSED = "closed", "Closed"


# Where a case may go next. Each later issue's service moves the case along these.
STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.INTAKE: frozenset(
        {Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION, Stage.CRG_CONSIDERATION, Stage.CLOSED}
    ),
    # §4.1.6: a referral becomes a Rapid Review when the Local Authority notifies; §1.4.5:
    # one that is not a serious case but raises learning ends in learning outside an LCSPR.
    Stage.REFERRAL_DECISION: frozenset(
        {Stage.RAPID_REVIEW, Stage.LCSPR, Stage.LOCAL_LEARNING, Stage.CLOSED}
    ),
    # §1.3.5: the CRG decides whether the serious-incident criteria apply (a Rapid Review),
    # whether a local review would bring learning, or neither.
    Stage.CRG_CONSIDERATION: frozenset(
        {Stage.RAPID_REVIEW, Stage.LCSPR, Stage.LOCAL_LEARNING, Stage.CLOSED}
    ),
    Stage.RAPID_REVIEW: frozenset({Stage.LCSPR, Stage.CLOSED}),
    Stage.LCSPR: frozenset({Stage.PUBLICATION, Stage.CLOSED}),
    Stage.PUBLICATION: frozenset({Stage.LEARNING, Stage.CLOSED}),
    Stage.LEARNING: frozenset({Stage.CLOSED}),
    Stage.LOCAL_LEARNING: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
}


class Case(models.Model):
    """One child's (or sibling group's) case, known only by its reference."""

    tenant_partnership_path = "partnership"
    tenant_agency_path = None  # portal users read requests, not cases
    tenant_case_path = ""  # the case itself (cases/tenancy.py tenant_case_path)

    # No reverse accessors (partnership.cases, user.led_cases): case data is read
    # through the scoped manager only.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30, unique=True, editable=False)
    reference_year = models.PositiveSmallIntegerField(editable=False)
    reference_number = models.PositiveIntegerField(editable=False)
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.INTAKE)
    opened_on = models.DateField(
        help_text="The date the partnership received the notification or referral."
    )
    lead_officer = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The Business Office officer who runs the case.",
    )
    opened_notice_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the Business Office was told of the new case.",
    )
    # A case opened twice for one incident is withdrawn, never deleted: it leaves the
    # lists and figures but stays reachable by its reference, with its history.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The case of the same partnership that this one duplicates.",
    )
    # Retention (issue 18): the day the case moved to Closed, which starts its retention
    # period; archived (kept read-only, out of the working lists, found by its reference)
    # or erased (identifying details and content removed, the reference, dates and the
    # decision kept) by a person's decision on the retention page, never automatically.
    closed_on = models.DateField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Goes up with every correction, so that two people correcting the case conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["partnership", "stage"]),
            # A partnership's case list, newest first, read a page at a time (issue 18).
            models.Index(
                fields=["partnership", "-opened_on", "-id"], name="case_partnership_opened"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference_year", "reference_number"],
                name="case_reference_number_unique_per_partnership_year",
            )
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("case_detail", kwargs={"reference": self.reference})

    def clean(self):
        if self.duplicate_of_id and (
            self.duplicate_of_id == self.pk
            or self.duplicate_of.partnership_id != self.partnership_id
        ):
            raise ValidationError(
                {"duplicate_of": "Give the reference of another case of this partnership."}
            )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class ApiToken(models.Model):
    """A secret for a reporting or Local Authority system, bound to one membership.

    Only a SHA-256 digest of the key is stored; the key is shown once, when made.
    The membership fixes the token's partnership (or agency), so an API request
    never chooses its own tenant.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        max_length=8, editable=False, help_text="The key's first characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["key_digest"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.key_prefix}… ({self.user})"


class AccessAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in (password)"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    TWO_FACTOR_PASSED = "two_factor_passed", "Second factor accepted"
    TWO_FACTOR_FAILED = "two_factor_failed", "Second factor refused"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor authentication set up"
    SIGN_OUT = "sign_out", "Signed out"
    SESSION_EXPIRED = "session_expired", "Session expired"
    VIEW = "view", "Viewed"
    API_READ = "api_read", "Read through the API"
    DOWNLOAD = "download", "Downloaded"
    DENIED = "denied", "Refused"
    SEARCH = "search", "Searched by a child's name"


class AccessEvent(models.Model):
    """One line of the access log: who did what to which record, when and from where.

    Append-only: nothing in the product updates or deletes a row, and it holds no
    case content, only the case reference. It is its own history, so it has no
    simple-history table (tests/test_history.py names it as the one exception).
    """

    tenant_partnership_path = "partnership"
    tenant_agency_path = None  # partnership staff search the log; agency users do not

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: people who have used the product are deactivated, never deleted, so
    # their rows in the log stay as they were.
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The partnership whose case was asked for, so that it sees attempts on its
    # cases by anyone, including refused ones by the other partnership's staff.
    case_partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=30, choices=AccessAction.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_reference = models.CharField(max_length=60, blank=True, db_index=True)
    route = models.CharField(max_length=100, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    purpose = models.CharField(max_length=200, blank=True)

    objects = AccessEventManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "-at"]),
            # The partnership's log includes what anyone did to its cases (issue 18).
            models.Index(fields=["case_partnership", "-at"], name="access_case_partnership_at"),
            # The log searched by user or by event, newest first, a page at a time by keyset
            # (issue 18): without them a rare user or event (a refusal, a search by name)
            # read the log back to its start to fill one page, or found nothing after
            # reading all of it.
            models.Index(fields=["username", "-at"], name="access_username_at"),
            models.Index(fields=["action", "-at"], name="access_action_at"),
        ]

    def __str__(self):
        return f"{format_datetime(self.at)} {self.username} {self.action} {self.object_reference}"


class ClosureDay(models.Model):
    """A day the partnership's Business Office is closed: not a working day for its deadlines."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="closure_days"
    )
    day = models.DateField()
    reason = models.CharField(max_length=100, default="Office closed")

    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "day"], name="closure_day_unique")
        ]

    def __str__(self):
        return f"{format_date(self.day)}: {self.reason}"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    WAIVED = "waived", "Waived"


class Deadline(models.Model):
    """One dated duty on a case: a statutory date made from the timescales table
    (cases/timescales.py), or a dated item of the case's own (a review's milestone or
    action) whose kind is outside the table and which carries its own title.

    Both are reminded and escalated alike (cases/services/reminder.py); only the table's
    are recomputed from their event, so a statutory date never moves with an own item.
    """

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=60)
    event_date = models.DateField(help_text="The date of the event the timescale runs from.")
    due_date = models.DateField()
    window_start = models.DateField(
        null=True, blank=True, help_text="For a window (the Rapid Review meeting): its first day."
    )
    status = models.CharField(
        max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    completed_on = models.DateField(null=True, blank=True)
    waived_reason = models.TextField(blank=True)
    responsible = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    own_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="A dated item outside the timescales table: what it is, without case content.",
    )
    own_seed = models.CharField(
        max_length=40, blank=True, help_text="The framework paragraph of an own item, e.g. §5.8."
    )
    # When the step is now expected, shown beside the statutory date, which never moves:
    # an LCSPR delayed beyond six months (§3.1.3). Set by the app that knows why.
    expected_date = models.DateField(
        null=True,
        blank=True,
        help_text="The revised expected date, beside the statutory one (§3.1.3).",
    )
    expected_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="deadline_unique_per_case_kind")
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # Reporting reads one kind of statutory date due in a period (reporting/selectors
            # /timeliness.py): without it, each figure scanned every deadline (make bench).
            models.Index(fields=["kind", "due_date"]),
            # The dashboard's next deadlines: the open duties, soonest first. Without it the
            # "not before" dates, which stay open for ever, are read on every visit (issue 18).
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status=DeadlineStatus.OPEN) & ~Q(kind__in=sorted(NOT_DUTIES)),
                name="deadline_open_duty_due",
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.due_date}"

    @property
    def timescale(self):
        """The timescales table's row of a statutory deadline; None for an own item."""
        from cases.timescales import TIMESCALES_BY_KIND

        return TIMESCALES_BY_KIND.get(self.kind)

    @property
    def title(self) -> str:
        return self.timescale.title if self.timescale else self.own_title

    @property
    def seed(self) -> str:
        return self.timescale.seed if self.timescale else self.own_seed

    @property
    def direction(self) -> str:
        from cases.timescales import Direction

        return self.timescale.direction if self.timescale else Direction.NO_LATER_THAN


class DeadlineMove(models.Model):
    """A deadline's date moved: from when, to when, why and by whom, for the deadlines tab."""

    tenant_partnership_path = "deadline__case__partnership"
    tenant_agency_path = None

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="moves")
    from_date = models.DateField()
    to_date = models.DateField()
    reason = models.TextField()
    moved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["moved_at", "id"]

    def __str__(self):
        return f"Deadline {self.deadline_id} moved {self.from_date} to {self.to_date}"


class ReminderKind(models.TextChoices):
    DUE = "due", "Deadline coming up"
    OVERDUE = "overdue", "Deadline overdue"
    ESCALATION = "escalation", "Overdue deadline escalated"


class Reminder(models.Model):
    """One reminder to one person about one deadline: an email and a dashboard notice.

    The unique constraint makes each (deadline, due date, person, kind, threshold)
    happen once, however many sweeps run at once or twice. A delivery record: made
    once, then stamped when emailed and when dismissed, so these stamps are its
    history (tests/test_history.py names it as an exception).
    """

    tenant_partnership_path = "deadline__case__partnership"
    tenant_agency_path = None

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    # Working days left when made; negative once overdue (one per overdue working day).
    threshold = models.SmallIntegerField()
    due_date = models.DateField(help_text="The deadline's date when the reminder was made.")
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "due_date", "recipient", "kind", "threshold"],
                name="reminder_once_per_deadline_person_threshold",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "dismissed_at"]),
            # A person's notifications on the dashboard: those not dismissed, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(dismissed_at__isnull=True),
                name="reminder_undismissed",
            ),
            # The sender's queue: only the reminders not yet emailed, in order.
            models.Index(
                fields=["id"],
                condition=Q(email_sent_at__isnull=True),
                name="reminder_unsent",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.threshold} for deadline {self.deadline_id}"


class CalendarFeed(models.Model):
    """A personal iCalendar feed of the deadlines a user is responsible for.

    Calendar apps fetch it without signing in, so its URL holds a secret; only a
    digest is stored, the URL is shown once, and revoking it (or deactivating the
    user) stops it working.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["token_digest"])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Calendar feed {self.pk} of {self.user}"


# --- Intake: how a case starts (framework §4.1) ---------------------------------------


class IncidentKind(models.TextChoices):
    """§1.3.1: the child has died or been seriously harmed."""

    DEATH = "death", "The child died"
    SERIOUS_HARM = "serious_harm", "The child was seriously harmed"


class AbuseOrNeglect(models.TextChoices):
    """§1.3.1: abuse or neglect of the child is known or suspected."""

    KNOWN = "known", "Known"
    SUSPECTED = "suspected", "Suspected"
    # §4.1.2: a looked-after child's death is notified "whether or not abuse or neglect is
    # known or suspected".
    NOT_KNOWN = "not_known", "Neither known nor suspected"


class CareStatus(models.TextChoices):
    """§1.3.5: deaths of looked-after children and care leavers have their own notifications."""

    NEITHER = "neither", "Neither"
    LOOKED_AFTER = "looked_after", "A looked-after child"
    CARE_LEAVER = "care_leaver", "A care leaver (up to and including the age of 24)"


# §1.3.5: a care leaver "up to and including the age of 24".
CARE_LEAVER_MAX_AGE = 24
# §1.3.5: the serious-incident criteria are considered for a care leaver "under the age of 18".
ADULT_AGE = 18

NO_ABUSE_NOT_A_DEATH = (
    "Without known or suspected abuse or neglect, only the death of a looked-after child or "
    "care leaver is notified (§1.3.5, §4.1.2). Record anything else as a referral."
)
NO_ABUSE_NOT_IN_CARE = (
    "The death of a child who was neither looked after nor a care leaver is notified only "
    "where abuse or neglect is known or suspected (§4.1.2). Record it as a referral."
)
ADULT_CARE_LEAVER_NOT_A_DEATH = (
    "Only the death of a care leaver aged 18 or over is notified (§1.3.5). "
    "If the partnership thinks there is learning, record it as a referral."
)
SECRETARY_OF_STATE_DATE_MISSING = (
    "Enter the date the Local Authority notified the Secretary of State for Education (§1.3.5)."
)
OFSTED_DATE_MISSING = "Enter the date the Local Authority notified Ofsted (§1.3.5)."


class Notification(models.Model):
    """A Local Authority notification to the National Panel, shared with the partnership
    (§4.1.2-4.1.4). It starts the Rapid Review and its 15 working days."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="notification")
    notifying_authority = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The Local Authority that notified the National Panel (§4.1.2).",
    )
    received_on = models.DateField(
        help_text="The date the partnership became aware of the incident or received the "
        "notification: the Rapid Review's timescales run from it (§4.2.2)."
    )
    notified_national_panel_on = models.DateField(null=True, blank=True)
    incident_kind = models.CharField(max_length=20, choices=IncidentKind.choices, blank=True)
    abuse_or_neglect = models.CharField(max_length=20, choices=AbuseOrNeglect.choices, blank=True)
    incident_on = models.DateField(null=True, blank=True)
    summary = models.TextField(help_text="What happened, using the children's pseudonyms.")
    care_status = models.CharField(
        max_length=20, choices=CareStatus.choices, default=CareStatus.NEITHER
    )
    care_leaver_age = models.PositiveSmallIntegerField(null=True, blank=True)
    secretary_of_state_notified_on = models.DateField(null=True, blank=True)
    ofsted_notified_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self):
        return f"Notification for {self.case_id}"

    @property
    def is_care_death(self) -> bool:
        """The death of a looked-after child or care leaver, notified to the Secretary of
        State and Ofsted (§1.3.5, §4.1.2)."""
        return self.incident_kind == IncidentKind.DEATH and self.care_status in (
            CareStatus.LOOKED_AFTER,
            CareStatus.CARE_LEAVER,
        )

    @property
    def is_adult_care_leaver(self) -> bool:
        return (
            self.care_status == CareStatus.CARE_LEAVER
            and self.care_leaver_age is not None
            and self.care_leaver_age >= ADULT_AGE
        )

    @property
    def goes_to_crg_consideration(self) -> bool:
        """§1.3.5: a care death not notified to the National Panel (no abuse or neglect
        known or suspected, or a care leaver of 18 or over) needs no Rapid Review; the CRG
        considers it instead."""
        return self.is_care_death and (
            self.abuse_or_neglect == AbuseOrNeglect.NOT_KNOWN or self.is_adult_care_leaver
        )

    @property
    def serious_incident_criteria_can_apply(self) -> bool:
        """§1.3.5: only for a child, that is a looked-after child or a care leaver under 18."""
        return not self.is_adult_care_leaver

    def clean(self):
        errors = {}
        if self.abuse_or_neglect == AbuseOrNeglect.NOT_KNOWN:
            if self.incident_kind != IncidentKind.DEATH:
                errors["abuse_or_neglect"] = NO_ABUSE_NOT_A_DEATH
            elif self.care_status == CareStatus.NEITHER:
                errors["care_status"] = NO_ABUSE_NOT_IN_CARE
        if self.is_adult_care_leaver and self.incident_kind != IncidentKind.DEATH:
            errors["care_leaver_age"] = ADULT_CARE_LEAVER_NOT_A_DEATH
        if self.goes_to_crg_consideration:
            if self.secretary_of_state_notified_on is None:
                errors["secretary_of_state_notified_on"] = SECRETARY_OF_STATE_DATE_MISSING
            if self.ofsted_notified_on is None:
                errors["ofsted_notified_on"] = OFSTED_DATE_MISSING
        if self.care_status == CareStatus.CARE_LEAVER:
            if self.care_leaver_age is None:
                errors["care_leaver_age"] = "Enter the care leaver's age."
            elif self.care_leaver_age > CARE_LEAVER_MAX_AGE:
                errors["care_leaver_age"] = (
                    "A care leaver is someone up to and including the age of 24 (§1.3.5)."
                )
        elif self.care_leaver_age is not None:
            errors["care_leaver_age"] = "Only a care leaver has an age recorded here."
        if (
            self.secretary_of_state_notified_on or self.ofsted_notified_on
        ) and self.incident_kind == IncidentKind.SERIOUS_HARM:
            errors["incident_kind"] = (
                "Secretary of State and Ofsted notifications are for the death of a "
                "looked-after child or care leaver (§1.3.5)."
            )
        if self.care_status == CareStatus.NEITHER and (
            self.secretary_of_state_notified_on or self.ofsted_notified_on
        ):
            errors["care_status"] = (
                "Secretary of State and Ofsted notifications are for looked-after children "
                "and care leavers (§1.3.5)."
            )
        for name in ("notified_national_panel_on", "incident_on"):
            value = getattr(self, name)
            if value and self.received_on and value > self.received_on:
                errors[name] = "This date cannot be after the date the notification was received."
        if errors:
            raise ValidationError(errors)


class Criterion(models.TextChoices):
    """§1.4.1 ("must take into account") and §1.4.2 ("have regard to")."""

    IMPROVEMENTS = "improvements", "§1.4.1 Highlights or may highlight improvements needed"
    RECURRENT_THEMES = "recurrent_themes", "§1.4.1 Highlights or may highlight recurrent themes"
    AGENCIES_WORKING_TOGETHER = (
        "agencies_working_together",
        "§1.4.1 Concerns about two or more agencies working together",
    )
    PANEL_SUGGESTED = (
        "panel_suggested",
        "§1.4.1 The National Panel concluded a local review may be more appropriate",
    )
    SINGLE_AGENCY = "single_agency", "§1.4.2 Concern about the actions of a single agency"
    NO_AGENCY_INVOLVEMENT = (
        "no_agency_involvement",
        "§1.4.2 No agency involvement, and this gives cause for concern",
    )
    CROSS_BOUNDARY = (
        "cross_boundary",
        "§1.4.2 More than one Local Authority, Police area or ICB involved",
    )
    INSTITUTIONAL_SETTING = (
        "institutional_setting",
        "§1.4.2 Issues about children in institutional settings",
    )


def validate_criteria(value) -> None:
    if not isinstance(value, list) or not set(value) <= set(Criterion.values):
        raise ValidationError("Choose criteria from the framework's list (§1.4).")


class Referral(models.Model):
    """An agency's Referral Form asking the CRG to consider an LCSPR (§4.1.1, §4.1.5)."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="referral")
    referring_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    received_on = models.DateField()
    summary = models.TextField(help_text="What happened, using the children's pseudonyms.")
    criteria = models.JSONField(default=list, blank=True, validators=[validate_criteria])
    reasons = models.TextField(
        blank=True, help_text="Why the referrer thinks the §1.4 criteria apply."
    )
    # §4.1.6 and §4.9: what the Business Office does with it within a month.
    shared_with_local_authority_on = models.DateField(null=True, blank=True)
    local_authority_representative = models.CharField(max_length=200, blank=True)
    first_crg_meeting_on = models.DateField(null=True, blank=True)
    request_information = models.BooleanField(null=True, blank=True)
    request_information_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    converted_on = models.DateField(
        null=True, blank=True, help_text="When the Local Authority notified (§4.1.6)."
    )
    # §1.4.5: not a serious child safeguarding case, but it raises learning.
    learning_outside_review_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the CRG found the case is not a serious child safeguarding case but "
        "raises learning, to be taken forward outside an LCSPR (§1.4.5, §1.4.6).",
    )
    learning_outside_review_rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self):
        return f"Referral for {self.case_id}"

    @property
    def criteria_labels(self) -> list[str]:
        return [Criterion(c).label for c in self.criteria]


class ChildRole(models.TextChoices):
    SUBJECT = "subject", "Subject child"
    SIBLING = "sibling", "Sibling"


class Child(models.Model):
    """A child of the case. Everywhere but the restricted case file it is its pseudonym."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="children")
    pseudonym = models.CharField(max_length=20, help_text="Child A, Child B… in every document.")
    role = models.CharField(max_length=10, choices=ChildRole.choices, default=ChildRole.SUBJECT)
    local_authority_reference = models.CharField(
        max_length=60, blank=True, help_text="The notifying authority's own reference."
    )
    # Restricted: shown only in the restricted case file and, so that they can find their
    # records, to the agencies a request is addressed to; never in logs, emails or URLs.
    name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    nhs_number = models.CharField(max_length=12, blank=True, verbose_name="NHS number")
    is_perpetrator = models.BooleanField(
        default=False,
        verbose_name="perpetrator",
        help_text="A child perpetrator may be the subject of a review (§1.3.4).",
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["case", "pseudonym"]
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(fields=["case", "pseudonym"], name="child_pseudonym_unique")
        ]

    def __str__(self):
        return self.pseudonym  # never the name


class FamilyMember(models.Model):
    """A member of the child's family, identified to the agencies asked for information so
    that they can find their records; restricted like the children's names."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family_members")
    relationship = models.CharField(max_length=100, help_text="For example: mother.")
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    local_authority_reference = models.CharField(max_length=60, blank=True)
    nhs_number = models.CharField(max_length=12, blank=True, verbose_name="NHS number")

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["case", "id"]

    def __str__(self):
        return f"{self.relationship} in case {self.case_id}"  # never the name


# --- Information requests and the agency portal (§4.1.7, §4.3, §2.1.6-2.1.7) ----------


class RequestStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for more information"
    ACCEPTED = "accepted", "Accepted"


# What the Business Office sees of a reply: an agency's draft is its own until submitted.
RECEIVED_STATUSES = frozenset({RequestStatus.SUBMITTED, RequestStatus.ACCEPTED})
# Waiting for the agency's reply (unless its case is withdrawn as a duplicate).
OPEN_FOR_AGENCY_STATUSES = frozenset(
    {RequestStatus.NOT_STARTED, RequestStatus.IN_PROGRESS, RequestStatus.RETURNED}
)


class ReplyKind(models.TextChoices):
    REPLY = "reply", "Information Request Reply"
    FACTUAL_SUMMARY = "factual_summary", "Factual Summary (limited involvement, §8.6.1)"


class RequestPurpose(models.TextChoices):
    """What a request is for: the Rapid Review's information (§4.3) or an agency's
    submission to the LCSPR (§8.2-8.6). One of each, at most, per agency and case."""

    RAPID_REVIEW = "rapid_review", "Rapid Review"
    LCSPR = "lcspr", "LCSPR"


class SubmissionKind(models.TextChoices):
    """What an LCSPR asks an agency for, from its terms of reference's methodology."""

    CHRONOLOGY = "chronology", "Chronology of significant events (§8.4)"
    INFORMATION_REPORT = "information_report", "Information report (§8.5)"
    FACTUAL_SUMMARY = "factual_summary", "Factual summary (§8.6)"


class Involvement(models.TextChoices):
    YES = "yes", "Yes"
    LIMITED = "limited", "Limited"
    NONE = "none", "None"


class InformationRequest(models.Model):
    """One agency's Information Request Letter and Reply Template, and its reply.

    The agency fills the reply in the portal; `version` goes up with every save so
    that two people editing the same reply conflict instead of overwriting.
    """

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = "agency"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(
        max_length=20, choices=RequestPurpose.choices, default=RequestPurpose.RAPID_REVIEW
    )
    # An LCSPR submission (purpose LCSPR) only.
    submission_kind = models.CharField(max_length=30, choices=SubmissionKind.choices, blank=True)
    with_analysis = models.BooleanField(
        default=False, help_text="§8.4.1: the chronology's analysis columns are asked for."
    )
    with_organisational_changes = models.BooleanField(
        default=False, help_text="§8.4.1: a chronology of organisational changes is asked for."
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.NOT_STARTED
    )
    reply_due_on = models.DateField(help_text="The deadline in the letter (§4.3.4).")
    letter_note = models.TextField(
        blank=True, help_text="What the agency is asked for, beyond the template."
    )
    includes_chronology_template = models.BooleanField(
        default=False, help_text="§4.1.7, §4.3.1: where the partnership's variant says so."
    )
    school_holiday_exception = models.TextField(
        blank=True, help_text="§4.4 footnote 15: why a school replies late during a holiday."
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The reply (Information Request Reply Template, or a Factual Summary §8.6.1).
    reply_kind = models.CharField(max_length=20, choices=ReplyKind.choices, default=ReplyKind.REPLY)
    involvement = models.CharField(max_length=10, choices=Involvement.choices, blank=True)
    involvement_summary = models.TextField(blank=True)
    dates_and_contacts = models.TextField(blank=True)
    actions_taken = models.TextField(blank=True)
    concerns = models.TextField(blank=True)
    facts = models.TextField(blank=True)
    opinion = models.TextField(blank=True)
    # An information report (§8.5.1): systems learning, for the agency and for the
    # multi-agency arrangements; `actions_taken` holds the actions already undertaken.
    systems_learning = models.TextField(blank=True)
    agency_learning = models.TextField(blank=True)
    multi_agency_learning = models.TextField(blank=True)
    # §4.3.5: records secured where only a nominated representative can reach them.
    records_secured = models.BooleanField(null=True, blank=True)
    records_secured_on = models.DateField(null=True, blank=True)
    records_nominated_representative = models.CharField(max_length=200, blank=True)
    completed_by = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    return_reason = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The reply arrived by email or post and the Business Office entered it for the
    # agency, with the original attached (issue 12: agencies with nobody on the portal).
    entered_on_behalf_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_on_behalf_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["case", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency", "purpose"], name="one_request_per_agency_and_purpose"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status"]),
            # Newest sent first: an agency's portal and API lists (issue 18), and a
            # partnership's API list.
            models.Index(fields=["agency", "-sent_at", "-id"], name="request_agency_sent"),
            models.Index(fields=["-sent_at", "-id"], name="request_sent"),
            # What the agency must answer, the soonest reply due first (its portal's home).
            # With the case, so that the dashboard's counts of them (overdue, due soon) are
            # an index-only scan: 14-16 ms and 2,750 heap blocks at 10,000 cases, 3-5 ms
            # and none once vacuumed (issue 18).
            models.Index(
                fields=["agency", "reply_due_on", "id"],
                include=["case"],
                condition=Q(status__in=sorted(OPEN_FOR_AGENCY_STATUSES)),
                name="request_open_due",
            ),
            # The office's replies to review, oldest submitted first.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status=RequestStatus.SUBMITTED),
                name="request_submitted",
            ),
            # The replies due in a period, by purpose: the figures of agencies' replies
            # (issue 17, reporting/selectors/agencies.py).
            models.Index(fields=["purpose", "reply_due_on"], name="request_purpose_due"),
            # A partnership's requests of one purpose, joined to their cases: the LCSPR
            # submissions on the office's and the chair's dashboards (to quality-assure,
            # overdue, referred to the CRG), an index-only scan of these few columns rather
            # than the table with its replies' text: the referrals' count 81 ms to 22 ms,
            # the overdue ones' 9 ms to 6 ms at 10,000 cases (issue 18).
            models.Index(
                fields=["purpose", "case"],
                include=["id", "status", "reply_due_on", "agency"],
                name="request_purpose_case",
            ),
        ]

    def __str__(self):
        return f"Request {self.pk} ({self.case_id})"

    def get_absolute_url(self):
        return reverse("portal_request", kwargs={"pk": self.pk})

    @property
    def is_received(self) -> bool:
        """Submitted (or accepted): the partnership may read the reply and its parts."""
        return self.status in RECEIVED_STATUSES

    @property
    def is_entered_on_behalf(self) -> bool:
        return self.entered_on_behalf_at is not None

    @property
    def is_open_for_agency(self) -> bool:
        """Waiting for the agency's reply: not once its case is withdrawn as a duplicate."""
        return not self.case.is_withdrawn and self.status in OPEN_FOR_AGENCY_STATUSES


class SharingDecision(models.TextChoices):
    SHARED = "shared", "Shared"
    SHARED_IN_PART = "shared_in_part", "Shared in part"
    WITHHELD = "withheld", "Not shared"


class InformationSharingDecision(models.Model):
    """§2.1.6: "Record all information sharing decisions and reasons"."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="sharing_decisions"
    )
    information = models.CharField(max_length=300, help_text="What information, in a few words.")
    decision = models.CharField(max_length=20, choices=SharingDecision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.request_id})"


class ExpectedPractice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNCLEAR = "unclear", "Unclear"


class ChronologyEntry(models.Model):
    """One row of an agency's chronology (§8.4.1); the analysis columns are optional."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="chronology_entries"
    )
    happened_on = models.DateField()
    happened_at = models.TimeField(null=True, blank=True)
    # Who the event concerns, as the request names them: a child's pseudonym ("Child A")
    # or a family member's relationship ("Mother"); never a name (§8.4.3's filter).
    concerning = models.CharField(max_length=100, blank=True)
    # §8.4.1: a row of the chronology of organisational changes, not of events.
    is_organisational_change = models.BooleanField(default=False)
    source = models.CharField(max_length=200, help_text="Where this is recorded.")
    event = models.TextField()
    agency_response = models.TextField(blank=True)
    analysis = models.TextField(blank=True)
    expected_practice = models.CharField(
        max_length=10, choices=ExpectedPractice.choices, blank=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Goes up with every edit: an edit made from an older copy of the entry is refused.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["happened_on", "happened_at", "id"]
        verbose_name_plural = "chronology entries"

    def __str__(self):
        return f"{self.happened_on} ({self.request_id})"


def attachment_path(instance, filename) -> str:
    """Stored under a random name: the original name may say who the child is."""
    import uuid

    return f"requests/{instance.request_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A document an agency attached to its reply, stored outside the web root."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The email or letter the reply came in, when the Business Office entered it.
    is_original = models.BooleanField(default=False)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"Attachment {self.pk} ({self.request_id})"


class EscalationStep(models.IntegerChoices):
    """§2.1.7, in order: to the CRG, by the CRG to the agency's strategic lead, then to the
    Safeguarding Partners if no prompt resolution is found."""

    CASE_REVIEW_GROUP = 1, "Referred to the Case Review Group"
    STRATEGIC_LEAD = 2, "Raised with the agency's strategic Safeguarding Lead"
    SAFEGUARDING_PARTNERS = 3, "Escalated to the Safeguarding Partners for formal action"


class EscalationCause(models.TextChoices):
    SILENCE = "silence", "No reply by the deadline"
    REFUSAL = "refusal", "The agency refused or disagreed"


class Escalation(models.Model):
    """One step of §2.1.7's escalation of a refused or unanswered request."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = None  # the agency sees the chasing, not the internal escalation

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="escalations"
    )
    step = models.PositiveSmallIntegerField(choices=EscalationStep.choices)
    cause = models.CharField(max_length=10, choices=EscalationCause.choices)
    note = models.TextField()
    escalated_on = models.DateField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved = models.BooleanField(default=False)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["request", "step"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="escalation_step_once")
        ]

    def __str__(self):
        return f"{self.get_step_display()} ({self.request_id})"


class RequestChase(models.Model):
    """One chasing reminder about an unanswered request, made by the daily sweep once."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="chases")
    threshold = models.SmallIntegerField(help_text="Working days left; negative once overdue.")
    reply_due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "reply_due_on", "threshold"], name="request_chase_once"
            )
        ]

    def __str__(self):
        return f"Chase {self.threshold} of request {self.request_id}"


class CombinedSummary(models.Model):
    """The Combined Summary Report: section 1 collated by the Business Office (§4.5.1),
    sections 2 and 3 completed and agreed at the Rapid Review meeting (§4.6.3).
    """

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="combined_summary")
    background = models.TextField(blank=True, help_text="The case in brief, with pseudonyms.")
    collation_notes = models.TextField(
        blank=True, help_text="Themes across the replies, gaps and conflicting accounts."
    )
    # §4.6.3: completed and agreed at the Rapid Review meeting.
    section_2 = models.TextField(
        blank=True, help_text="Section 2: the analysis of practice and the emerging learning."
    )
    section_3 = models.TextField(
        blank=True, help_text="Section 3: the Rapid Review's conclusions and recommendation."
    )
    sections_agreed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        verbose_name_plural = "combined summaries"

    def __str__(self):
        return f"Combined summary for {self.case_id}"


class DocumentKind(models.TextChoices):
    """Long documents rendered in the background worker rather than in a web request
    (issue 18): a heavy case's combined chronology runs to 146 pages and 10 s."""

    COMBINED_CHRONOLOGY = "combined_chronology", "combined chronology"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RENDERING = "rendering", "rendering"
    READY = "ready", "ready"
    FAILED = "failed", "failed"


def rendered_document_path(instance, filename) -> str:
    """Named by case id and a random part: never by content."""
    import uuid

    return f"documents/{instance.case_id}/{instance.kind}-{uuid.uuid4().hex}.pdf"


class RenderedDocument(models.Model):
    """One rendering of a long document of a case, for one `content_key`: a digest of what
    the document shows (cases/rules.py), so that any change to those rows asks for a new
    rendering and the old file is no longer offered. The file goes through Django's
    storage API (local folder or object store)."""

    tenant_partnership_path = "case__partnership"
    tenant_agency_path = None

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rendered_documents")
    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    content_key = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    file = models.FileField(upload_to=rendered_document_path, max_length=200, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What failed, in words that name no case content (the exception's class, a time-out).
    error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "content_key"], name="one_rendering_per_content"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "queued_at"],
                name="rendered_document_waiting",
                condition=Q(status__in=["queued", "rendering"]),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.case_id} ({self.status})"


class IdempotencyKey(models.Model):
    """A create through the API under a client's `Idempotency-Key`: the same key from the
    same user answers the first response again instead of creating twice. The unique
    constraint makes two simultaneous requests with one key create one case. Holds a
    digest of the request, never the request: the response is a case reference and its
    deadlines only."""

    tenant_partnership_path = "partnership"
    tenant_agency_path = None

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self):
        return f"Idempotency key {self.pk}"


class FormToken(models.Model):
    """A create form's one-time token: issued with the empty form, spent by the first
    successful submit. A second submit of the same form (a double click, or Back and
    submit again) finds it spent and goes to what the first one made."""

    token = models.CharField(max_length=64, unique=True)
    # Spent only by the user it was issued to: a token holds no case data to scope.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Where the first submit went: a page of the product, never case content.
    result_url = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    def __str__(self):
        return f"Form token {self.pk}"


# --- issue 14: a chronology imported from a spreadsheet (§8.4) ---------------------------


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be confirmed"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class StagedChronologyImport(models.Model):
    """A chronology spreadsheet, parsed and checked row by row, waiting for the uploader to
    confirm it (§8.4.1). The rows are kept, not the file; confirming twice imports once.
    Once imported or discarded the rows are cleared: the entries hold them from then on."""

    tenant_partnership_path = "request__case__partnership"
    tenant_agency_path = "request__agency"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="chronology_imports"
    )
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The Business Office entering an agency's chronology for it (issue 12).
    on_behalf = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Each valid row as the service's ChronologyEntry fields, dates in ISO form.
    rows = models.JSONField(default=list, blank=True)
    # Each error as {"row": spreadsheet row, "column": column name, "message": text}.
    errors = models.JSONField(default=list, blank=True)
    valid_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    imported_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The rows and errors are the chronology's content: the entries' own history keeps
    # what was imported, so this history keeps who uploaded, confirmed or discarded.
    history = HistoricalRecords(excluded_fields=["rows", "errors"])

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["request", "uploaded_by", "status"])]

    def __str__(self):
        return f"Chronology import {self.pk} ({self.request_id})"


class MailClaim(models.Model):
    """A sender's lease on one row's email while it is in flight (cases/services/mail.py).

    A sender stamps the row "sent" and writes this lease in one transaction, before it
    talks to the mail server, so that no other sender takes the same email; it deletes the
    lease as soon as the server has accepted the message. A lease still here after the
    longest a task can live (`CELERY_TASK_TIME_LIMIT`) belongs to a sender that was killed
    mid-batch (SIGKILL, out of memory): the mail sweep takes the stamp back off so that the
    email is sent, not lost. Only primary keys and a field name, never case content. A
    lease lives for one send, so it keeps no history of its own: the row's stamps are kept
    in the row's history (tests/test_history.py names it as an exception).
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    stamp = models.CharField(max_length=64, help_text="The row's sent-stamp field.")
    claimed_at = models.DateTimeField(db_index=True)
    # The Celery task that claimed it (empty outside a task): when the task ends, alive,
    # its leases end too, including those of rows it claimed and chose not to email.
    held_by = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "stamp"], name="mail_claim_once_per_email"
            )
        ]

    def __str__(self):
        return f"Mail claim {self.content_type_id}:{self.object_id}.{self.stamp}"
