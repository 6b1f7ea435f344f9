"""The notification and referral forms (§4.1, §4.9)."""

from django import forms
from django.utils import timezone

from cases.forms.fields import GovukDateField, GovukTextareaField
from cases.models import (
    AbuseOrNeglect,
    Agency,
    AgencyKind,
    CareStatus,
    Criterion,
    IncidentKind,
)

# --- Intake ------------------------------------------------------------------------------


class ChildForm(forms.Form):
    """One child: the notifying authority's reference, and (restricted) name and birth date."""

    local_authority_reference = forms.CharField(
        required=False, max_length=60, label="Local Authority reference"
    )
    name = forms.CharField(
        required=False,
        max_length=200,
        label="Full name",
        help_text="Kept in the restricted case file only; documents use the pseudonym.",
    )
    date_of_birth = GovukDateField(required=False, label="Date of birth")

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past.")
        return born

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("local_authority_reference", "name", "date_of_birth"))


class BaseChildFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        """Each child's labels say whose they are: "Sibling 2: full name"."""
        form = super()._construct_form(i, **kwargs)
        who = "Subject child" if i == 0 else f"Sibling {i}"
        for field in form.fields.values():
            field.label = f"{who}: {field.label[0].lower()}{field.label[1:]}"
            if isinstance(field, GovukDateField):
                field.name_in_errors = field.label
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.forms:
            raise forms.ValidationError("Record at least the subject child.")
        subject = self.forms[0]
        identified = getattr(subject, "cleaned_data", {})
        if not (identified.get("local_authority_reference") or identified.get("name")):
            subject.add_error(
                "local_authority_reference",
                "Enter the subject child's Local Authority reference or name.",
            )

    def children(self):
        from cases.models import ChildRole
        from cases.services import ChildDetails

        return [
            ChildDetails(
                role=ChildRole.SUBJECT if index == 0 else ChildRole.SIBLING,
                local_authority_reference=form.cleaned_data["local_authority_reference"],
                name=form.cleaned_data["name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
            for index, form in enumerate(self.forms)
            if not form.is_blank
        ]


ChildFormSet = forms.formset_factory(ChildForm, formset=BaseChildFormSet, extra=4, max_num=4)


class NotificationForm(forms.Form):
    """A Local Authority notification to the National Panel (§4.1.2-4.1.4)."""

    notifying_authority = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Notifying Local Authority",
        empty_label="Choose the Local Authority",
        error_messages={"required": "Choose the Local Authority that notified."},
    )
    received_on = GovukDateField(
        label="Date the partnership received the notification",
        help_text="The Rapid Review's timescales run from this date (§4.2.2). "
        "For example, 18 12 2026.",
    )
    notified_national_panel_on = GovukDateField(
        required=False, label="Date the Local Authority notified the National Panel"
    )
    incident_kind = forms.ChoiceField(
        choices=IncidentKind.choices,
        widget=forms.RadioSelect,
        label="What happened to the child?",
        error_messages={"required": "Select whether the child died or was seriously harmed."},
    )
    abuse_or_neglect = forms.ChoiceField(
        choices=AbuseOrNeglect.choices,
        widget=forms.RadioSelect,
        label="Is abuse or neglect known or suspected?",
        error_messages={"required": "Select whether abuse or neglect is known or suspected."},
    )
    incident_on = GovukDateField(required=False, label="Date of the incident")
    summary = GovukTextareaField(
        max_length=5000,
        label="Summary of the incident",
        help_text="Use pseudonyms (Child A, Child B): names belong only in the child's details.",
        error_messages={"required": "Enter a summary of the incident."},
    )
    care_status = forms.ChoiceField(
        choices=CareStatus.choices,
        widget=forms.RadioSelect,
        initial=CareStatus.NEITHER,
        label="Was the child looked after, or a care leaver? (§1.3.5)",
    )
    care_leaver_age = forms.IntegerField(
        required=False, min_value=0, max_value=99, label="Care leaver's age"
    )
    secretary_of_state_notified_on = GovukDateField(
        required=False, label="Date the Secretary of State for Education was notified"
    )
    ofsted_notified_on = GovukDateField(required=False, label="Date Ofsted was notified")
    # Shown only when the notification matches an open case (issue 11, item 5).
    confirm_duplicate = forms.BooleanField(
        required=False, label="This is a different notification: record a new case"
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notifying_authority"].queryset = Agency.objects.filter(
            partnerships=partnership, kind=AgencyKind.LOCAL_AUTHORITY
        )

    def details(self):
        from cases.services import NotificationDetails

        data = {k: v for k, v in self.cleaned_data.items() if k != "confirm_duplicate"}
        return NotificationDetails(**data)


class ReferralForm(forms.Form):
    """An agency's Referral Form (§4.1.1, §4.1.5)."""

    referring_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Referring agency",
        empty_label="Choose the agency",
        error_messages={"required": "Choose the agency that made the referral."},
    )
    referrer_name = forms.CharField(max_length=200, required=False, label="Referrer's name")
    referrer_contact = forms.CharField(
        max_length=200, required=False, label="Referrer's email or telephone"
    )
    received_on = GovukDateField(
        label="Date the referral was received",
        help_text="The referral's one-month and two-month timescales run from this date (§4.9).",
    )
    summary = GovukTextareaField(
        max_length=5000,
        label="Summary of the incident",
        help_text="Use pseudonyms (Child A, Child B): names belong only in the child's details.",
        error_messages={"required": "Enter a summary of the incident."},
    )
    criteria = forms.MultipleChoiceField(
        choices=Criterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Which criteria does the referrer think apply? (§1.4)",
    )
    reasons = GovukTextareaField(
        max_length=5000,
        label="The referrer's reasons",
        error_messages={"required": "Enter the referrer's reasons against the §1.4 criteria."},
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referring_agency"].queryset = Agency.objects.filter(partnerships=partnership)

    def details(self):
        from cases.services import ReferralDetails

        data = dict(self.cleaned_data)
        data["criteria"] = tuple(data["criteria"])
        return ReferralDetails(**data)
