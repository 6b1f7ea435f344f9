"""An agency's reply, chronology, attachments and sharing decisions."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.forms.fields import GovukDateField, GovukTextareaField, GovukTimeField
from cases.models import (
    ExpectedPractice,
    Involvement,
    ReplyKind,
    SharingDecision,
)
from cases.services.information_request import UPLOAD_TOO_BIG

# --- The agency portal -------------------------------------------------------------------


class ReplyForm(forms.Form):
    """The Information Request Reply Template as a form (§4.3, §2.1.6, §4.3.5, §8.6.1)."""

    reply_kind = forms.ChoiceField(
        choices=ReplyKind.choices,
        widget=forms.RadioSelect,
        label="What are you sending?",
        help_text="An agency whose involvement was limited may send a Factual Summary (§8.6.1).",
    )
    involvement = forms.ChoiceField(
        choices=[("", "Not answered yet"), *Involvement.choices],
        widget=forms.RadioSelect,
        required=False,
        label="Has your agency been involved with the child or family?",
    )
    involvement_summary = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Your agency's involvement with the child and family",
    )
    dates_and_contacts = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Key dates and contacts",
    )
    actions_taken = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="What your agency did",
    )
    concerns = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Concerns",
    )
    facts = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Facts",
        help_text="What your records show (§2.1.6: distinguish fact from opinion).",
    )
    opinion = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Professional opinion",
        help_text="Your agency's view, kept apart from the facts (§2.1.6).",
    )
    records_secured = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No"), ("", "Not answered yet")],
        widget=forms.RadioSelect,
        required=False,
        label="Has your agency secured its records about the case? (§4.3.5)",
    )
    records_secured_on = GovukDateField(required=False, label="Date the records were secured")
    records_nominated_representative = forms.CharField(
        required=False,
        max_length=200,
        label="Nominated representative who can reach the records",
    )
    completed_by = forms.CharField(
        required=False, max_length=200, label="Completed by (name and role)"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def details(self):
        from cases.services import ReplyDetails

        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["records_secured"] = {"yes": True, "no": False}.get(data["records_secured"])
        return ReplyDetails(**data)

    @staticmethod
    def initial_for(request) -> dict:
        from cases.services.information_request import REPLY_FIELDS

        initial = {name: getattr(request, name) for name in REPLY_FIELDS}
        initial["records_secured"] = {True: "yes", False: "no"}.get(request.records_secured, "")
        initial["version"] = request.version
        return initial


class ChronologyEntryForm(forms.Form):
    happened_on = GovukDateField(label="Date")
    happened_at = GovukTimeField(
        required=False, label="Time (optional)", help_text="For example, 14:30."
    )
    source = forms.CharField(
        max_length=200,
        label="Source",
        help_text="Where it is recorded, for example the case file or a system.",
        error_messages={"required": "Enter where the event is recorded."},
    )
    event = GovukTextareaField(
        rows=3,
        max_length=5000,
        label="Event",
        error_messages={"required": "Describe the event."},
    )
    agency_response = GovukTextareaField(
        rows=3,
        required=False,
        max_length=5000,
        label="Agency response",
    )
    analysis = GovukTextareaField(
        rows=3,
        required=False,
        max_length=5000,
        label="Analysis (optional, §8.4.1)",
    )
    expected_practice = forms.ChoiceField(
        choices=[("", "Not answered"), *ExpectedPractice.choices],
        widget=forms.RadioSelect,
        required=False,
        label="Was the response expected practice? (optional, §8.4.1)",
    )


class ChronologyEntryEditForm(ChronologyEntryForm):
    """One entry changed: the version it was opened at guards against a colleague's edit."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(entry) -> dict:
        initial = {name: getattr(entry, name) for name in ChronologyEntryForm.base_fields}
        # Shown as typed: "14:30", which the field reads back, not "14:30:00".
        initial["happened_at"] = (
            entry.happened_at.isoformat(timespec="minutes") if entry.happened_at else ""
        )
        return {**initial, "version": entry.version}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Upload a document",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the file was dropped as it arrived, for its size (uploads.py)."""
        super().__init__(*args, **kwargs)
        self.stopped_at_limit = stopped_at_limit
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"PDF, Word (.docx), Excel (.xlsx), ODT, PNG, JPEG or text, up to {largest}."
        if stopped_at_limit:
            self.fields["file"].required = False  # it was sent: say why it was refused

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]


class SharingDecisionForm(forms.Form):
    information = forms.CharField(
        max_length=300,
        label="What information?",
        error_messages={"required": "Say what information the decision is about."},
    )
    decision = forms.ChoiceField(
        choices=SharingDecision.choices,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Select the decision."},
    )
    reason = GovukTextareaField(
        rows=3,
        max_length=3000,
        label="Reason (§2.1.6)",
        error_messages={"required": "Give the reason for this decision (§2.1.6)."},
    )
