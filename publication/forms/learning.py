"""The learning's forms (§11.2-11.5, §12): a briefing, a national review, a National
Panel's request about one, and the office's support for it."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from publication.models import BriefingKind, SupportKind

STATUS_CHOICES = [
    ("", "All"),
    ("not_sent", "Not sent"),
    ("sent_late", "Sent late"),
    ("sent", "Sent"),
]


class BriefingForm(forms.Form):
    kind = forms.ChoiceField(
        choices=BriefingKind.choices,
        widget=forms.RadioSelect,
        label="What kind of briefing is it?",
        error_messages={"required": "Select the kind of briefing."},
    )
    title = forms.CharField(
        max_length=300,
        label="Title",
        help_text="Without any child's name: the case reference, or the theme.",
        error_messages={"required": "Enter a title."},
    )
    audience = GovukTextareaField(
        max_length=2000,
        rows=3,
        label="Audience",
        help_text="For example, the police's child protection teams; multi-agency front-line "
        "practitioners.",
        error_messages={"required": "Say who the audience is."},
    )
    planned_on = GovukDateField(label="Date planned")
    plan = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Action plan it belongs to (optional)",
    )
    delivered_on = GovukDateField(
        label="Date delivered",
        required=False,
        help_text="Leave blank until it has been delivered. For example, 27 3 2026",
    )
    delivery = GovukTextareaField(
        max_length=2000,
        rows=3,
        required=False,
        label="How it was delivered, and by whom (optional)",
        name_in_errors="How it was delivered",
    )
    reach = forms.IntegerField(
        min_value=0,
        max_value=100000,
        required=False,
        label="Number of people reached (optional)",
        error_messages={
            "invalid": "Enter the number of people reached as a whole number, like 40.",
            "min_value": "The number of people reached cannot be below 0.",
            "max_value": "The number of people reached must be 100,000 or fewer.",
        },
    )
    note = GovukTextareaField(max_length=2000, rows=3, required=False, label="Notes (optional)")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", "None")] + [(p.pk, p.title) for p in plans]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "kind",
                "title",
                "audience",
                "planned_on",
                "delivered_on",
                "delivery",
                "reach",
                "note",
            )
        }


class NationalReviewForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        label="Title of the national review",
        error_messages={"required": "Enter the title of the national review."},
    )
    published_on = GovukDateField(label="Date published")
    themes = GovukTextareaField(
        max_length=5000,
        label="Its themes",
        error_messages={"required": "Give the national review's themes."},
    )
    crg_meeting = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="CRG meeting that considered it (optional)",
    )
    considered_on = GovukDateField(
        label="Date the CRG considered it",
        required=False,
        help_text="Leave blank to use the meeting's date. For example, 27 3 2026",
    )
    local_application = GovukTextareaField(
        max_length=5000,
        required=False,
        label="How the CRG agreed to apply its learning locally (optional)",
        name_in_errors="The local application",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crg_meeting"].choices = [("", "Not yet considered")] + [
            (m.pk, str(m)) for m in meetings
        ]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in ("title", "published_on", "themes", "considered_on", "local_application")
        }


class ReviewRequestForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        label="The national review the request is about",
        error_messages={"required": "Enter the national review the request is about."},
    )
    received_on = GovukDateField(label="Date received")
    parameters = GovukTextareaField(
        max_length=5000,
        label="The request and its parameters",
        name_in_errors="The request",
        error_messages={"required": "Give the request and its parameters."},
    )
    partners_informed_on = GovukDateField(
        label="Date the Safeguarding Partners were informed",
        required=False,
        help_text="Leave blank until they have been. For example, 27 3 2026",
    )
    crg_informed_on = GovukDateField(
        label="Date the Case Review Group was informed",
        required=False,
        help_text="After the Safeguarding Partners (§12.3). For example, 27 3 2026",
    )
    contact = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=True,
        label="Main point of contact (the CRG chair)",
        error_messages={"required": "Choose the CRG chair who is the main point of contact."},
    )
    note = GovukTextareaField(max_length=2000, rows=3, required=False, label="Notes (optional)")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, chairs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "Choose the CRG chair")] + [
            (u.pk, u.get_full_name() or u.username) for u in chairs
        ]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "title",
                "received_on",
                "parameters",
                "partners_informed_on",
                "crg_informed_on",
                "note",
            )
        }


class SupportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        label="What did the Business Office do?",
        error_messages={"required": "Select what the Business Office did."},
    )
    on = GovukDateField(label="Date")
    description = GovukTextareaField(
        max_length=2000,
        rows=3,
        label="Description",
        help_text="What was supplied, or which meeting was attended and by whom.",
        error_messages={"required": "Describe the support."},
    )


class PanelLogFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label="Status")
