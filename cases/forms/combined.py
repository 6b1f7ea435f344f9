"""The Combined Summary Report's form (§4.5.1)."""

from django import forms

from cases.forms.fields import GovukTextareaField


class CombinedSummaryForm(forms.Form):
    background = GovukTextareaField(
        rows=8,
        required=False,
        max_length=20000,
        label="Background to the case",
        help_text="Use pseudonyms (Child A, Child B).",
    )
    collation_notes = GovukTextareaField(
        rows=8,
        required=False,
        max_length=20000,
        label="Across the agencies' replies",
        help_text="Themes, gaps and conflicting accounts for the Rapid Review meeting.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
