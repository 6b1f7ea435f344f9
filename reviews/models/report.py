"""The LCSPR's report (§9.1): its drafts, each a numbered version written in the product
section by section or uploaded from Word; the Panel's comments on them; the case's
"never publish" list; and what the anonymisation guard (§9.1.3, reviews/anonymisation.py)
found in each draft.

Every draft is restricted like the case file: it is the review team's, and its text never
goes into a log, an email or a URL (the case reference and the draft's number do).
"""

from __future__ import annotations

import uuid

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


def report_draft_path(instance, filename) -> str:
    """Stored under a random name, outside the web root: the original name may name the
    family."""
    return f"report-drafts/{instance.lcspr_id}/{uuid.uuid4().hex}"


class DraftSource(models.TextChoices):
    WRITTEN = "written", "Written in the product"
    WORD = "word", "Uploaded from Word"


class ReportDraft(_Tenant):
    """One version of the report. A written draft is edited section by section until the
    Reviewer finishes it; an uploaded Word draft is finished when it arrives. Only a
    finished draft is checked (the checklist, the guard) and goes to the Panel's QA; a
    finished draft never changes again: the next change is the next draft."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="report_drafts")
    number = models.PositiveIntegerField(help_text="1 for the first draft, then 2, 3 ...")
    source = models.CharField(max_length=10, choices=DraftSource.choices)
    note = models.CharField(max_length=300, blank=True, help_text="What changed in this draft.")
    # A Word draft: the original file is kept as it came; `text` is what python-docx read.
    file = models.FileField(upload_to=report_draft_path, max_length=200, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # The draft's full text as the guard reads it: a Word draft's on upload, a written
    # draft's assembled from its sections when it is finished.
    text = models.TextField(blank=True)
    # §9.1.2: for each point of the minimum content (reviews/checklist.py), where the draft
    # addresses it: a section's heading, or a page of a Word draft. A point with no entry
    # is missing.
    checklist = models.JSONField(default=dict, blank=True)
    # §7.2.1: the anonymised genogram (reviews/documents/genogram.py) may go with a draft;
    # the named one never can, so there is nothing to attach it by.
    anonymised_genogram = models.BooleanField(
        default=False, verbose_name="attach the anonymised genogram"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the anonymisation guard last read this draft (reviews/services/report_guard.py).
    guard_checked_at = models.DateTimeField(null=True, blank=True)
    # issue 15: guard. When the CRG chair was emailed that this finished draft holds open
    # hits (claimed before the send: it goes once).
    guard_email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lcspr", "number"], name="report_draft_number_once")
        ]

    def __str__(self):
        return f"Report draft {self.number} ({self.lcspr})"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class ReportSection(_Tenant):
    """One section of a draft: written in the product, or read from a Word draft's headings
    so that the Panel can comment section by section."""

    tenant_partnership_path = "draft__lcspr__case__partnership"

    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Two people editing a section at once: the second save is a conflict, never an
    # overwrite.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["draft", "order", "id"]

    def __str__(self):
        return f"Section {self.order} of draft {self.draft_id}"  # never the heading


class ReportRequirement(_Tenant):
    """A requirement the terms of reference add to the §9.1.2 minimum ("Reports should
    meet any requirements specified in the agreed Terms of Reference"): a point of every
    draft's checklist after the eighteen."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="report_requirements")
    text = models.CharField(max_length=500)
    order = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "order", "id"]

    def __str__(self):
        return f"Report requirement {self.pk} ({self.lcspr})"


class ReportComment(_Tenant):
    """A Panel member's comment on a draft, on one section or on the whole draft, and the
    answers to it; resolved when it has been dealt with."""

    tenant_partnership_path = "draft__lcspr__case__partnership"

    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        ReportSection, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The Reviewer told of the comment (reviews/services/report_drafts.py): the stamp is
    # the claim, so the email goes once.
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["draft", "created_at", "id"]

    def __str__(self):
        return f"Comment {self.pk} on draft {self.draft_id}"


class NeverPublishTerm(_Tenant):
    """Something the Reviewer adds to the case's "never publish" list (§9.1.3): a
    nickname, a street, a setting, a detail too intimate to publish. The guard looks for
    it in every draft, beside the restricted data the case already holds."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="never_publish")
    term = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "term", "id"]

    def __str__(self):
        return f"Never-publish term {self.pk} ({self.lcspr})"  # never the term


class HitKind(models.TextChoices):
    """What of the case's restricted data the guard found (§9.1.3, §7.2.1)."""

    CHILD_NAME = "child_name", "A child's name"
    FAMILY_NAME = "family_name", "A family member's name"
    DATE_OF_BIRTH = "date_of_birth", "A date of birth"
    DATE_OF_DEATH = "date_of_death", "A date of death"
    ADDRESS = "address", "An address"
    POSTCODE = "postcode", "A postcode"
    SCHOOL = "school", "A school or setting"
    LA_REFERENCE = "la_reference", "A Local Authority reference"
    NHS_NUMBER = "nhs_number", "An NHS number"  # issue 15: guard
    PRACTITIONER = "practitioner", "A practitioner's name"
    NEVER_PUBLISH = "never_publish", "On the case's never-publish list"


class HitWhere(models.TextChoices):
    DRAFT = "draft", "The draft's text"
    PDF = "pdf", "The report's PDF"


class AnonymisationHit(_Tenant):
    """One place a draft (or its PDF) holds the case's restricted data. It stays open until
    a later draft no longer holds it, or the CRG chair accepts it with a reason."""

    tenant_partnership_path = "draft__lcspr__case__partnership"

    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="hits")
    kind = models.CharField(max_length=20, choices=HitKind.choices)
    where = models.CharField(max_length=10, choices=HitWhere.choices, default=HitWhere.DRAFT)
    # Restricted like the draft itself: shown only to the review team.
    found = models.CharField(max_length=300, help_text="The text as the draft has it.")
    context = models.TextField(help_text="The words around it.")
    location = models.CharField(max_length=300, help_text="The section and paragraph, or page.")
    accepted_reason = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["draft", "where", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} in draft {self.draft_id}"  # never what was found

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None
