"""Forms of setting up the review and its people (§1.4.5, §1.5.8, §6)."""

from django import forms

from cases.forms.fields import GovukDateField
from reviews.models import AppointmentRole, LearningKind, ReviewBasis


class BasisForm(forms.Form):
    basis = forms.ChoiceField(
        choices=ReviewBasis.choices,
        widget=forms.RadioSelect,
        label="Why is the case reviewed?",
        error_messages={"required": "Choose the basis of the review."},
    )
    learning_kind = forms.ChoiceField(
        choices=LearningKind.choices,
        widget=forms.RadioSelect,
        required=False,
        label="If it is not a serious case: what learning does it raise?",
        help_text="§1.4.5: for example good practice, poor practice or a near miss.",
    )
    basis_reason = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        required=False,
        label="The CRG's reason",
        help_text="Needed for a case that is not serious (§1.4.5). Use pseudonyms (Child A), "
        "never names.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppointmentForm(forms.Form):
    user = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Who is appointed?",
        error_messages={"required": "Choose the person to appoint."},
    )
    appointed_on = GovukDateField(label="Date of the appointment")
    is_external = forms.ChoiceField(
        choices=[("no", "No, from the partnership's agencies"), ("yes", "Yes, independent")],
        widget=forms.RadioSelect,
        required=False,
        label="Is the Reviewer independent of the partnership?",
        help_text="§6.1.1: a Reviewer is often independent and external.",
    )
    agency = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Agency they represent",
        help_text="§6.2.1: each Safeguarding Partner (Integrated Care Board, Police, Local "
        "Authority) is represented, with other multi-agency partners.",
    )
    expertise = forms.CharField(
        max_length=200,
        required=False,
        label="Subject-matter expertise",
        help_text="For a subject-matter expert (§6.2.1), for example adolescent mental health.",
    )

    def __init__(self, *args, role: str, people, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.fields["user"].choices = [(u.pk, u.get_full_name() or u.username) for u in people]
        if role == AppointmentRole.REVIEWER:
            del self.fields["agency"]
            del self.fields["expertise"]
        else:
            del self.fields["is_external"]
            self.fields["agency"].choices = [("", "None: a subject-matter expert")] + [
                (a.pk, a.name) for a in agencies
            ]


class AppointmentEndForm(forms.Form):
    ended_on = GovukDateField(label="Date the appointment ends")
    reason = forms.CharField(
        widget=forms.Textarea,
        max_length=2000,
        label="Why does it end?",
        error_messages={"required": "Say why the appointment ends."},
    )


class ConflictContinueForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea,
        max_length=2000,
        label="Why can they continue on the review?",
        help_text="For example how the conflict is managed. To stop them instead, end "
        "their appointment (§1.5.8).",
        error_messages={"required": "Say why they can continue despite the conflict of interest."},
    )


class DeclarationForm(forms.Form):
    has_conflict = forms.ChoiceField(
        choices=[("no", "No, I have no conflict of interest"), ("yes", "Yes, I declare one")],
        widget=forms.RadioSelect,
        label="Do you have a conflict of interest in this case?",
        help_text="For example a personal or professional connection to the child, the family "
        "or the practitioners involved (§1.5.8).",
        error_messages={"required": "Say whether you have a conflict of interest."},
    )
    conflict_details = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        required=False,
        label="Details of the conflict of interest",
    )
    confidentiality_agreed = forms.MultipleChoiceField(
        choices=[("agreed", "I will keep the review and its papers confidential")],
        widget=forms.CheckboxSelectMultiple,
        label="Confidentiality",
        help_text="§1.5.8: all participants are expected to adhere to confidentiality.",
        error_messages={
            "required": "Agree to keep the review confidential before you open its papers (§1.5.8)."
        },
    )


class PoliceLiaisonForm(forms.Form):
    senior_investigating_officer = forms.CharField(
        max_length=200,
        required=False,
        label="Senior Investigating Officer",
        help_text="Name and how to contact them.",
    )
    crown_prosecution_service_contact = forms.CharField(
        max_length=200,
        required=False,
        label="Crown Prosecution Service contact",
        help_text="Name and how to contact them.",
    )
    family_liaison = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        required=False,
        label="Family liaison arrangements",
        help_text="Who co-ordinates liaison with the family, and how (§6.2.3).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
