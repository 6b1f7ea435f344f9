"""Filters for the case list and the access log."""

from django import forms

from cases.models import (
    AccessAction,
    Stage,
)


class CaseFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=30, label="Case reference", strip=True)
    stage = forms.MultipleChoiceField(
        required=False, choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )


class AccessLogFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=60, label="Case reference")
    username = forms.CharField(required=False, max_length=150, label="Username")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(AccessAction.choices), label="Event"
    )
