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
    SubmissionKind,
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


# --- An LCSPR submission (issue 14, §8.4-8.7) ---------------------------------------------


class SubmissionForm(forms.Form):
    """An agency's LCSPR submission, with the fields of the kind asked for: a chronology's
    covering note (§8.4.1), an information report (§8.5.1), or a factual summary (§8.6.1)."""

    involvement_summary = GovukTextareaField(
        rows=6,
        required=False,
        max_length=20000,
        label="Your agency's involvement with the child and family",
    )
    systems_learning = GovukTextareaField(
        rows=6,
        required=False,
        max_length=20000,
        label="Systems learning",
        help_text="What your agency's involvement shows about the systems around the child "
        "and family, not only individual practice (§8.5.1).",
    )
    agency_learning = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Potential learning for your agency",
    )
    multi_agency_learning = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Potential learning for multi-agency arrangements",
    )
    actions_taken = GovukTextareaField(
        rows=5,
        required=False,
        max_length=20000,
        label="Actions already undertaken",
        help_text="What your agency has already done in response (§8.5.1).",
    )
    completed_by = forms.CharField(
        required=False, max_length=200, label="Completed by (name and role)"
    )
    response_note = GovukTextareaField(
        rows=4,
        required=False,
        max_length=20000,
        label="What you have added in answer to the Panel",
        help_text="Sent with your submission, as your answer to the request above (§8.7.2).",
    )
    no_practitioners = forms.BooleanField(
        required=False,
        label="There is no one to invite to the workshop: nobody at my agency had direct "
        "involvement with the child and family (§8.10.2)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    # The fields each kind shows; the others stay empty for it.
    KIND_FIELDS = {
        SubmissionKind.CHRONOLOGY: ("involvement_summary", "completed_by"),
        SubmissionKind.INFORMATION_REPORT: (
            "involvement_summary",
            "systems_learning",
            "agency_learning",
            "multi_agency_learning",
            "actions_taken",
            "completed_by",
        ),
        SubmissionKind.FACTUAL_SUMMARY: ("involvement_summary", "completed_by"),
    }

    def __init__(self, *args, kind: str, answering_qa: bool, names_practitioners: bool, **kw):
        super().__init__(*args, **kw)
        shown = set(self.KIND_FIELDS.get(kind, ())) | {"version"}
        if answering_qa:
            shown.add("response_note")
        if names_practitioners:
            shown.add("no_practitioners")
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        if kind == SubmissionKind.CHRONOLOGY:
            self.fields["involvement_summary"].label = "Covering note (optional)"
            self.fields[
                "involvement_summary"
            ].help_text = "Anything the Panel should know in reading your chronology."
        elif kind == SubmissionKind.FACTUAL_SUMMARY:
            self.fields["involvement_summary"].help_text = (
                "The facts of your agency's contact with the child and family: no analysis "
                "is needed (§8.6.1)."
            )

    def details(self, kind: str):
        from cases.services import ReplyDetails

        data = {
            name: self.cleaned_data[name]
            for name in self.KIND_FIELDS.get(kind, ())
            if name in self.cleaned_data
        }
        if kind == SubmissionKind.FACTUAL_SUMMARY:
            data["reply_kind"] = ReplyKind.FACTUAL_SUMMARY
        return ReplyDetails(**data)

    @classmethod
    def initial_for(cls, request) -> dict:
        initial = {
            name: getattr(request, name)
            for name in cls.KIND_FIELDS.get(request.submission_kind, ())
        }
        return {**initial, "version": request.version}


class LcsprChronologyEntryForm(ChronologyEntryForm):
    """An event of an LCSPR chronology: who it concerns, as the request names them
    (§8.4.3); the analysis columns only where they are asked for (§8.4.1)."""

    concerning = forms.ChoiceField(
        label="Who does the event concern?",
        help_text="A child by pseudonym or a family member by relationship: never a name.",
        error_messages={"required": "Choose who the event concerns."},
    )
    field_order = ["happened_on", "happened_at", "concerning"]

    def __init__(self, *args, concerning: list[str], with_analysis: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concerning"].choices = [("", "Choose"), *((o, o) for o in concerning)]
        if with_analysis:
            self.fields["analysis"].label = "Analysis (§8.4.1)"
            self.fields["expected_practice"].label = "Was the response expected practice?"
        else:
            del self.fields["analysis"]
            del self.fields["expected_practice"]


class LcsprChronologyEntryEditForm(LcsprChronologyEntryForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(entry) -> dict:
        return {**ChronologyEntryEditForm.initial_for(entry), "concerning": entry.concerning}


class OrganisationalChangeForm(forms.Form):
    """A row of the chronology of organisational changes that may have affected frontline
    practice during the scoping period (§8.4.1)."""

    happened_on = GovukDateField(label="Date of the change")
    source = forms.CharField(
        max_length=200,
        label="Source",
        help_text="Where it is recorded, for example a board paper.",
        error_messages={"required": "Enter where the change is recorded."},
    )
    event = GovukTextareaField(
        rows=3,
        max_length=5000,
        label="The change",
        help_text="For example a restructure, a new system or staff shortages.",
        error_messages={"required": "Describe the change."},
    )
    analysis = GovukTextareaField(
        rows=3,
        required=False,
        max_length=5000,
        label="How it may have affected frontline practice (optional)",
    )


class OrganisationalChangeEditForm(OrganisationalChangeForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(entry) -> dict:
        initial = {name: getattr(entry, name) for name in OrganisationalChangeForm.base_fields}
        return {**initial, "version": entry.version}
