"""Corrections to the restricted file: a child's and family members' identifying details."""

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField


class IdentityForm(forms.Form):
    """Who someone in the case is: restricted, for the agencies to find their records."""

    name = forms.CharField(required=False, max_length=200, label="Full name")
    date_of_birth = GovukDateField(required=False, label="Date of birth")
    address = GovukTextareaField(required=False, max_length=1000, rows=3, label="Address")
    local_authority_reference = forms.CharField(
        required=False, max_length=60, label="Local Authority reference"
    )
    nhs_number = forms.CharField(required=False, max_length=14, label="NHS number")

    def details(self):
        from cases.services import IdentityDetails

        data = self.cleaned_data
        return IdentityDetails(
            name=data["name"],
            date_of_birth=data["date_of_birth"],
            address=data["address"],
            local_authority_reference=data["local_authority_reference"],
            nhs_number=data["nhs_number"],
        )


class ChildIdentityForm(IdentityForm):
    child = forms.TypedChoiceField(coerce=int, label="Which child", choices=())
    reason = forms.CharField(
        max_length=1000,
        label="Why the details change",
        error_messages={"required": "Say why the details change: the history keeps the reason."},
    )

    field_order = ["child", "name", "date_of_birth", "address", "local_authority_reference"]

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(c.pk, c.pseudonym) for c in children]
        if len(children) == 1:  # one possible answer is pre-selected
            self.fields["child"].initial = children[0].pk


class FamilyMemberForm(IdentityForm):
    relationship = forms.CharField(
        max_length=100,
        label="Who they are to the child",
        help_text="For example: mother, stepfather, grandmother.",
        error_messages={"required": "Say who they are to the child."},
    )

    field_order = ["relationship", "name"]
