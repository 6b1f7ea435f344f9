"""The report's approval (§9.1.4-9.1.5): the Panel's quality assurance of a finished
draft, the CRG's approval of the QA-passed draft at a CRG meeting from the calendar, the
Safeguarding Children Partnership's approval by the three Safeguarding Partners, and the
final version, frozen with its PDF.

Every record names the draft it approves. A draft finished after an approval is a new
draft with none of its own: it needs approving again (reviews/report_status.py).
"""

from __future__ import annotations

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
from rapidreview.models import CrgMeeting
from reviews.models.panel import PanelMeeting
from reviews.models.report import ReportDraft, _Tenant
from reviews.models.review import Lcspr


class ReportQaOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    NOT_PASSED = "not_passed", "Not passed"


class ReportQa(_Tenant):
    """The Case Review Panel's quality assurance of a finished draft (§9.1.4): whether it
    meets the terms of reference, is succinct and is focused on improving local
    safeguarding arrangements. A draft with checklist points missing (§9.1.2) passes only
    with a reason recorded for each (`missing_reasons`, {point key: reason})."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="report_qas")
    draft = models.ForeignKey(ReportDraft, on_delete=models.PROTECT, related_name="qas")
    meets_terms = models.BooleanField()
    meets_terms_note = models.TextField(blank=True)
    succinct = models.BooleanField()
    succinct_note = models.TextField(blank=True)
    focused = models.BooleanField()
    focused_note = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=ReportQaOutcome.choices)
    missing_reasons = models.JSONField(default=dict, blank=True)
    panel_meeting = models.ForeignKey(
        PanelMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft"],
                condition=models.Q(outcome="passed"),
                name="report_qa_passed_once",
            )
        ]

    def __str__(self):
        return f"QA of report draft {self.draft_id}"


class ReportCrgOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting the CRG's decision"
    APPROVED = "approved", "Approved"
    NOT_APPROVED = "not_approved", "Not approved"


class ReportCrgApproval(_Tenant):
    """The QA-passed draft put to a CRG meeting (§9.1.5), what the CRG decided and the
    chair's sign-off. Approval takes effect once the chair has signed. One pending at a
    time per review."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="report_crg_approvals")
    draft = models.ForeignKey(ReportDraft, on_delete=models.PROTECT, related_name="crg_approvals")
    meeting = models.ForeignKey(CrgMeeting, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=20, choices=ReportCrgOutcome.choices, default=ReportCrgOutcome.PENDING
    )
    reason = models.TextField(blank=True, help_text="Why the CRG did not approve it.")
    decided_on = models.DateField(null=True, blank=True, help_text="The meeting's date.")
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    chair_signed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chair_signed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lcspr"],
                condition=models.Q(outcome="pending"),
                name="report_crg_one_pending",
            )
        ]

    def __str__(self):
        return f"CRG approval of report draft {self.draft_id}"

    @property
    def approved(self) -> bool:
        return self.outcome == ReportCrgOutcome.APPROVED and self.chair_signed_at is not None


class SafeguardingPartner(models.TextChoices):
    """The three Safeguarding Partners (§4.6.1), whose representatives approve the report
    for the Safeguarding Children Partnership (§9.1.5). The values are rapidreview's
    SignOffRole values for the same partners."""

    LOCAL_AUTHORITY = "local_authority", "Local Authority"
    INTEGRATED_CARE_BOARD = "icb", "Integrated Care Board"
    POLICE = "police", "Police"


class ReportPartnerApproval(_Tenant):
    """One Safeguarding Partner's representative confirming the partnership's approval of a
    CRG-approved draft (§9.1.5): who (`name`, and `user` when they confirmed themselves),
    who recorded it and when."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.ForeignKey(
        Lcspr, on_delete=models.CASCADE, related_name="report_partner_approvals"
    )
    draft = models.ForeignKey(
        ReportDraft, on_delete=models.PROTECT, related_name="partner_approvals"
    )
    partner = models.CharField(max_length=20, choices=SafeguardingPartner.choices)
    name = models.CharField(max_length=200, help_text="The representative who approved it.")
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr", "confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "partner"], name="report_partner_once")
        ]

    def __str__(self):
        return f"{self.get_partner_display()} approval of report draft {self.draft_id}"


class ReportPartnerNotice(_Tenant):
    """A Safeguarding Partner's representative told that the report awaits their approval:
    an email (case reference and draft number only) and a dashboard item."""

    tenant_partnership_path = "draft__lcspr__case__partnership"

    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    partner = models.CharField(max_length=20, choices=SafeguardingPartner.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "user", "partner"], name="report_partner_notice_once"
            )
        ]

    def __str__(self):
        return f"Partner notice for report draft {self.draft_id}"


def report_final_path(instance, filename) -> str:
    return f"report-final/{instance.lcspr_id}/{uuid.uuid4().hex}.pdf"


class ReportFinal(_Tenant):
    """The approved report marked final (§9.1.5): its PDF as it passed the anonymisation
    guard (§9.1.3), frozen. A review has one; its report gets no new draft."""

    tenant_partnership_path = "lcspr__case__partnership"

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="report_final")
    draft = models.OneToOneField(ReportDraft, on_delete=models.PROTECT, related_name="final")
    file = models.FileField(upload_to=report_final_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # §10.5.2: published reports name the reviewer unless published anonymously.
    reviewer_name = models.CharField(max_length=200, blank=True)
    anonymous_reviewer = models.BooleanField(default=False)
    marked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta(_Tenant.Meta):
        ordering = ["lcspr"]

    def __str__(self):
        return f"Final report ({self.lcspr})"
