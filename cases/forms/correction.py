"""Corrections to a case, each with its reason, and the withdrawal of a duplicate."""

from django import forms

from cases.forms.fields import GovukDateField
from cases.models import ChildRole
from cases.services.correction import REASON_NEEDED


class CorrectionForm(forms.Form):
    """What every correction carries: why, and the case's version it was opened at."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Why this is corrected",
        help_text="The case's history keeps the reason.",
        error_messages={"required": REASON_NEEDED},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReceivedDateForm(CorrectionForm):
    received_on = GovukDateField(
        label="Date the notification or referral was received",
        help_text="The statutory timescales run from this date. For example, 18 12 2026.",
    )

    field_order = ["received_on", "reason"]


class SummaryForm(CorrectionForm):
    summary = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        label="Summary of the incident",
        help_text="Use pseudonyms (Child A, Child B): this summary is shared with agencies.",
        error_messages={"required": "Enter the summary of the incident."},
    )

    field_order = ["summary", "reason"]


NO_CHILD_TO_ADD = ""
ADD_CHOICES = [(NO_CHILD_TO_ADD, "No"), *ChildRole.choices]


class ChildrenForm(CorrectionForm):
    """Each child's role and Local Authority reference, and a child missed at intake. Who
    the children are is corrected in the restricted file."""

    add_role = forms.ChoiceField(
        choices=ADD_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        initial=NO_CHILD_TO_ADD,
        label="Add a child missed when the case was recorded?",
    )
    add_local_authority_reference = forms.CharField(
        required=False, max_length=60, label="The added child's Local Authority reference"
    )

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[f"role_{child.pk}"] = forms.ChoiceField(
                choices=ChildRole.choices,
                widget=forms.RadioSelect,
                label=f"{child.pseudonym}: role in the case",
                initial=child.role,
                error_messages={"required": f"Select {child.pseudonym}'s role in the case."},
            )
            self.fields[f"local_authority_reference_{child.pk}"] = forms.CharField(
                required=False,
                max_length=60,
                label=f"{child.pseudonym}: Local Authority reference",
                initial=child.local_authority_reference,
            )
        self.order_fields(
            [name for child in children for name in self.child_field_names(child)]
            + ["add_role", "add_local_authority_reference", "reason"]
        )

    @staticmethod
    def child_field_names(child) -> tuple[str, str]:
        return f"role_{child.pk}", f"local_authority_reference_{child.pk}"

    def child_fields(self):
        """(child, its role field, its reference field), for the template."""
        return [
            (child, *(self[name] for name in self.child_field_names(child)))
            for child in self.children
        ]

    def corrections(self):
        from cases.services.correction import ChildCorrection

        return [
            ChildCorrection(
                child_id=child.pk,
                role=self.cleaned_data[f"role_{child.pk}"],
                local_authority_reference=self.cleaned_data[
                    f"local_authority_reference_{child.pk}"
                ],
            )
            for child in self.children
        ]

    def added(self):
        from cases.services import ChildDetails

        role = self.cleaned_data["add_role"]
        if role == NO_CHILD_TO_ADD:
            return None
        return ChildDetails(
            role=role,
            local_authority_reference=self.cleaned_data["add_local_authority_reference"],
        )


class LeadOfficerForm(CorrectionForm):
    lead_officer = forms.ModelChoiceField(
        queryset=None,
        label="Lead officer",
        empty_label="Choose an officer",
        error_messages={"required": "Choose the officer who runs the case."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Why the lead officer changes",
        help_text="The case's history keeps the reason.",
        error_messages={"required": REASON_NEEDED},
    )

    field_order = ["lead_officer", "reason"]

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].queryset = officers


class WithdrawForm(CorrectionForm):
    duplicate_of = forms.CharField(
        required=False,
        max_length=30,
        label="Reference of the case it duplicates (optional)",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Why the case is withdrawn",
        help_text="The case's history keeps the reason.",
        error_messages={"required": "Say why the case is withdrawn: the history keeps it."},
    )

    field_order = ["duplicate_of", "reason"]

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = partnership.reference_prefix
        self.fields["duplicate_of"].help_text = f"A case of {partnership}: {prefix}-year-number."
