"""Forms of the review's findings and recommendations (§9.2) and of the partnership's
decision about a separate group (§9.2.2-9.2.3)."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField

STALE_PAGE = "This page was out of date. Check what is shown and save again."


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


class FindingForm(forms.Form):
    """A finding, and the key themes and KLOEs it answers. `themes` are the review's key
    themes; `kloes` the lines of the terms in force as (text, label) pairs."""

    title = forms.CharField(
        label="Finding",
        max_length=300,
        help_text="A short statement of the learning, as the report will head it.",
        error_messages={"required": "Enter the finding."},
    )
    text = GovukTextareaField(
        label="What the review found",
        max_length=20000,
        rows=6,
        error_messages={"required": "Say what the review found."},
    )
    themes = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Key themes it answers",
        widget=forms.CheckboxSelectMultiple,
    )
    kloes = forms.MultipleChoiceField(
        required=False,
        label="Key lines of enquiry it answers",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, themes, kloes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(theme.pk, theme.title) for theme in themes]
        self.fields["kloes"].choices = list(kloes)


class FindingEditForm(FindingForm):
    version = _version_field()


class RecommendationForm(forms.Form):
    """A recommendation (§9.2.2). Only the action is needed to save a draft; the page asks
    for each SMART element still missing (§9.1.2 footnote 22)."""

    action = GovukTextareaField(
        label="What will be done",
        max_length=5000,
        rows=3,
        help_text="The specific action: what will be done, and for whom.",
        error_messages={"required": "Say what will be done."},
    )
    owner_agency = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Agency that owns it",
    )
    owner_group = forms.CharField(
        label="Or a named group",
        max_length=200,
        required=False,
        help_text="For example, the partnership's Learning and Improvement group.",
    )
    measure = GovukTextareaField(
        label="How success will be measured",
        max_length=5000,
        rows=3,
        required=False,
    )
    due_on = GovukDateField(label="Date it is due by", required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "No agency")] + [
            (agency.pk, agency.name) for agency in agencies
        ]

    def clean(self):
        data = super().clean()
        if data.get("owner_agency") and (data.get("owner_group") or "").strip():
            self.add_error("owner_group", "Give either an agency or a group, not both.")
        return data


class RecommendationEditForm(RecommendationForm):
    finding = forms.TypedChoiceField(
        coerce=int,
        label="Finding it answers",
        error_messages={"required": "Say which finding it answers."},
    )
    agreed = forms.BooleanField(
        label="Agreed: it is SMART and will go to the action plans",
        required=False,
    )
    version = _version_field()

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].choices = [("", "Choose a finding")] + [
            (row.finding.pk, f"{row.number}. {row.finding.title}") for row in findings
        ]


class GroupDecisionForm(forms.Form):
    decided = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        choices=[
            ("yes", "Yes: a separate group will turn the findings into actions"),
            ("no", "No: the review makes its own recommendations"),
        ],
        widget=forms.RadioSelect,
        label="Has the partnership decided that a separate group will consider the findings?",
        error_messages={"required": "Say whether a separate group will consider the findings."},
    )
    at_outset = forms.BooleanField(
        label="Decided at the outset of the review (§9.2.3)", required=False
    )
    group_name = forms.CharField(label="The group", max_length=200, required=False)
    contact_email = forms.EmailField(
        label="Email of the group's chair or contact (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    decided_on = GovukDateField(label="Date the partnership decided", required=False)
    note = GovukTextareaField(label="Note (optional)", max_length=5000, rows=3, required=False)
    version = _version_field()
