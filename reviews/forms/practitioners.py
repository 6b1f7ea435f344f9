"""Naming a practitioner or line manager with an LCSPR submission (§8.10.1-8.10.2)."""

from django import forms

from cases.forms.fields import GovukTextareaField

YES_NO = [("yes", "Yes"), ("no", "No")]


class NamedPractitionerForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Full name",
        error_messages={"required": "Enter the practitioner's name."},
    )
    job_title = forms.CharField(
        max_length=200,
        label="Job title",
        error_messages={"required": "Enter the practitioner's job title."},
    )
    email = forms.EmailField(
        label="Work email address",
        help_text="The workshop's invitation goes here (§8.10.3).",
        error_messages={
            "required": "Enter the practitioner's work email address.",
            "invalid": "Enter an email address in the right format, like name@example.org.",
        },
    )
    role = forms.ChoiceField(
        choices=[("practitioner", "Practitioner"), ("line_manager", "Line manager")],
        widget=forms.RadioSelect,
        label="Practitioner or line manager?",
        error_messages={"required": "Say whether they are a practitioner or a line manager."},
    )
    direct_involvement = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Did they have direct operational involvement with the child and family?",
        help_text="Only people who did may attend the learning workshop (§8.10.2).",
        error_messages={"required": "Say whether they had direct involvement (§8.10.2)."},
    )
    involvement = GovukTextareaField(
        rows=3,
        required=False,
        max_length=2000,
        label="Their involvement, in a sentence",
    )
    has_left_agency = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Have they left your agency?",
        error_messages={"required": "Say whether they have left your agency."},
    )

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "job_title": data["job_title"],
            "email": data["email"],
            "is_line_manager": data["role"] == "line_manager",
            "direct_involvement": data["direct_involvement"] == "yes",
            "involvement": data["involvement"],
            "has_left_agency": data["has_left_agency"] == "yes",
        }
