"""The retention decision's form (issue 18). The service checks what depends on the
choice (a reason to keep or erase, the date to keep until, the typed reference)."""

from django import forms

from cases.forms.fields import GovukDateField
from retention.models import RetentionDecision


class RetentionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=RetentionDecision.choices,
        widget=forms.RadioSelect,
        label="What should happen to this case?",
        error_messages={"required": "Choose whether to archive, keep or erase the case."},
    )
    keep_until = GovukDateField(
        required=False,
        label="If kept: keep it until",
        help_text="The case is listed again the day after. For example, 1 12 2028.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Reason for the decision",
        help_text="Needed to keep or erase. The record keeps it after an erasure: do not name "
        "the child or their family.",
    )
    confirm = forms.CharField(
        required=False,
        max_length=30,
        label="If erased: type the case reference to confirm",
        help_text="Erasure cannot be undone.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
