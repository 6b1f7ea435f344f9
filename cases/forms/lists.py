"""Filters for the case list and the access log."""

from django import forms

from cases.forms.fields import GovukDateField
from cases.models import (
    AccessAction,
    Stage,
)

RECEIVED_ORDER = "The date received from must be on or before the date received to."


class CaseFilterForm(forms.Form):
    """The case list's filters: in the URL, so they hold no child's details."""

    reference = forms.CharField(required=False, max_length=30, label="Case reference", strip=True)
    stage = forms.MultipleChoiceField(
        required=False, choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )
    lead_officer = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Lead officer"
    )
    overdue = forms.BooleanField(required=False, label="Has an overdue deadline")
    received_from = GovukDateField(required=False, label="Received from")
    received_to = GovukDateField(required=False, label="Received to")

    def __init__(self, *args, lead_officers, **kwargs):
        """`lead_officers`: (user id, name) of the partnership's possible lead officers."""
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].choices = [("", "Anyone"), *lead_officers]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", RECEIVED_ORDER)
        return cleaned


SEARCH_EMPTY = "Enter a Local Authority reference or a child's name."


class ChildSearchForm(forms.Form):
    """A search by a child's identifying details: posted, so that they never reach a URL
    or a request log. The name only for those who may read the restricted file."""

    local_authority_reference = forms.CharField(
        required=False, max_length=60, label="Local Authority reference", strip=True
    )
    child_name = forms.CharField(required=False, max_length=200, label="Child's name", strip=True)

    def __init__(self, *args, may_search_names: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_search_names:
            del self.fields["child_name"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.values()):
            self.add_error("local_authority_reference", SEARCH_EMPTY)
        return cleaned


class AccessLogFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=60, label="Case reference")
    username = forms.CharField(required=False, max_length=150, label="Username")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(AccessAction.choices), label="Event"
    )
