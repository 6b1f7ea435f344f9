"""Publication (§10): the plan that opens once the CRG and the partnership have approved the
final report (§10.2.1), the decision to publish the report or only the improvements
(§10.1.1 and its footnote 23), the notice to the National Panel, Ofsted and the DfE seven
working days ahead (§10.5.1), and the publication record (§10.5.2-10.5.3).

A review has one `Publication`. Its `version` guards concurrent edits: a save names the
version it was read at, and a stale one is a visible conflict, never an overwrite.
"""

from __future__ import annotations

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import Agency, User
from publication.models.base import Tenant
from reviews.models import Lcspr


class PublishChoice(models.TextChoices):
    """§10.1.1: the report is published unless the partnership considers it inappropriate;
    then only the information about the improvements to be made (footnote 23)."""

    REPORT = "report", "Publish the report"
    IMPROVEMENTS_ONLY = "improvements_only", "Publish only the improvements to be made"


class NspccChoice(models.TextChoices):
    """§10.5.3: decided case by case."""

    SUBMIT = "submit", "Submit to the NSPCC National Repository"
    DO_NOT_SUBMIT = "do_not_submit", "Do not submit"


def improvements_path(instance, filename) -> str:
    return f"publication/improvements/{instance.lcspr_id}/{uuid.uuid4().hex}.pdf"


def action_plan_pdf_path(instance, filename) -> str:
    return f"publication/action-plans/{instance.lcspr_id}/{uuid.uuid4().hex}.pdf"


class Publication(Tenant):
    """The publication of one review, from its plan to its archiving."""

    lcspr = models.OneToOneField(Lcspr, on_delete=models.CASCADE, related_name="publication")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # §10.3.2: the family's wishes, and how the proposed arrangements were discussed.
    family_wishes = models.TextField(blank=True)
    family_discussed_on = models.DateField(null=True, blank=True)
    family_discussion = models.TextField(blank=True)
    # §10.3.3: how practitioners are told of the date and supported, and by whom.
    practitioner_arrangements = models.TextField(blank=True)
    practitioner_senior_manager = models.CharField(max_length=200, blank=True)
    # §10.4.1: the one central point of contact for media enquiries.
    media_contact_name = models.CharField(max_length=200, blank=True)
    media_contact_role = models.CharField(max_length=200, blank=True)
    media_contact_email = models.EmailField(blank=True)
    media_contact_phone = models.CharField(max_length=40, blank=True)
    # Starts the `report_sent_to_national_panel` deadline (Event.PUBLICATION_PLANNED).
    planned_on = models.DateField(null=True, blank=True)

    # §10.1.1: publish the report, or only the improvements (footnote 23).
    choice = models.CharField(max_length=20, choices=PublishChoice.choices, blank=True)
    choice_reason = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The improvements-only document (footnote 23), made from the recommendations and the
    # action plan, and checked by the anonymisation guard like the report.
    improvements_file = models.FileField(upload_to=improvements_path, max_length=200, blank=True)
    improvements_sha256 = models.CharField(max_length=64, blank=True)
    improvements_made_at = models.DateTimeField(null=True, blank=True)

    # §10.5.2: the publication record.
    published_on = models.DateField(null=True, blank=True)
    url = models.URLField(blank=True, help_text="Where the partnership's website publishes it.")
    reviewer_name = models.CharField(max_length=200, blank=True)
    anonymous_reviewer = models.BooleanField(default=False)
    # §10.1.2: the action plan published alongside, frozen as published.
    action_plan_file = models.FileField(upload_to=action_plan_pdf_path, max_length=200, blank=True)
    action_plan_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # §10.5.2: available for at least a year (`publication_available_until`), then archived.
    archived_on = models.DateField(null=True, blank=True)
    # issue 16: public. The public page's names for it (publication/views/public.py): an
    # opaque identifier in its download addresses, never the case reference or a row id
    # that leads to the internal case, and a title approved for publication.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    public_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="The title shown on the public page (no child's name, no case reference).",
    )
    # The Business Office told that it was archived (cases/services/mail.py `claim`).
    archived_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # §10.5.3: the NSPCC National Repository, decided case by case.
    nspcc_choice = models.CharField(max_length=20, choices=NspccChoice.choices, blank=True)
    nspcc_reason = models.TextField(blank=True)
    nspcc_submitted_on = models.DateField(null=True, blank=True)
    nspcc_sha256 = models.CharField(max_length=64, blank=True)

    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["lcspr"]

    def __str__(self):
        return f"Publication ({self.lcspr})"


class PublicationContact(Tenant):
    """§10.2.1: the strategic lead and the media or communications lead of an agency
    involved in the review."""

    tenant_partnership_path = "publication__lcspr__case__partnership"
    tenant_case_path = "publication__lcspr__case"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="contacts")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    strategic_lead_name = models.CharField(max_length=200, blank=True)
    strategic_lead_email = models.EmailField(blank=True)
    media_lead_name = models.CharField(max_length=200, blank=True)
    media_lead_email = models.EmailField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["publication", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "agency"], name="one_publication_contact_per_agency"
            )
        ]

    def __str__(self):
        return f"Publication contacts of {self.agency}"


class PlanStep(models.TextChoices):
    """The steps of the publication plan (§10.2-10.4), each a task with an owner and a date
    chased by the reminder engine (an own dated item, `publication_task:<step>`)."""

    CONTACTS = "contacts", "Name each agency's strategic and media leads (§10.2.1)"
    FAMILY = "family", "Hear the family's wishes and discuss the arrangements (§10.3.2)"
    PRACTITIONERS = "practitioners", "Arrange how practitioners are told and supported (§10.3.3)"
    MEDIA = "media", "Name the central media contact (§10.4.1)"
    DATE = "date", "Set the planned publication date (§10.5.1)"


class PublicationTask(Tenant):
    """One step of the plan: its owner, its date, and when it was done."""

    tenant_partnership_path = "publication__lcspr__case__partnership"
    tenant_case_path = "publication__lcspr__case"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(max_length=20, choices=PlanStep.choices)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # issue 16: plan. The owner's email, claimed before sending (cases/services/mail.py);
    # cleared when the task passes to another owner, who is told in turn.
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["publication", "id"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "step"], name="one_task_per_step")
        ]

    def __str__(self):
        return f"{self.get_step_display()} ({self.publication})"


class PackKind(models.TextChoices):
    REPORT = "report", "The final report"
    IMPROVEMENTS = "improvements", "The information about the improvements to be made"


class SentBy(models.TextChoices):
    EMAIL = "email", "By email from this product, with the pack attached"
    OTHER = "other", "Another way (secure transfer, the partnership's own email)"


class PanelNotice(Tenant):
    """§10.5.1: the pack sent to the National Panel, Ofsted and the DfE no later than seven
    working days before publication. It keeps the exact file sent (its checksum), where it
    went and when. Sending it completes `report_sent_to_national_panel`; the planned date
    can then be no earlier than seven working days after it."""

    tenant_partnership_path = "publication__lcspr__case__partnership"
    tenant_case_path = "publication__lcspr__case"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=PackKind.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    recipients = models.JSONField(default=list)  # the addresses, as sent
    sent_by = models.CharField(max_length=10, choices=SentBy.choices)
    sent_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Claimed before the mail server is spoken to (cases/services/mail.py `sending`).
    emailed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["publication", "sent_on", "id"]

    def __str__(self):
        return f"Notice of {self.sent_on} ({self.publication})"


class ArchiveAnswer(models.TextChoices):
    SENT = "sent", "Sent a copy"
    REFUSED = "refused", "Refused"


class ArchiveRequest(Tenant):
    """§10.5.2: a request for an archived report, through the Business Office, with the
    requester and the answer."""

    tenant_partnership_path = "publication__lcspr__case__partnership"
    tenant_case_path = "publication__lcspr__case"

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="archive_requests"
    )
    requester_name = models.CharField(max_length=200)
    requester_organisation = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    received_on = models.DateField()
    answer = models.CharField(max_length=10, choices=ArchiveAnswer.choices, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answer_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta(Tenant.Meta):
        ordering = ["publication", "received_on", "id"]

    def __str__(self):
        return f"Archive request {self.pk}"
