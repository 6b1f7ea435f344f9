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

# §1.3.4: a child perpetrator may be the subject of a review.
PERPETRATOR_LABEL = "This child is the alleged perpetrator (§1.3.4)"
# A case holds at most 26 children (Child A to Child Z).
MOST_CHILDREN = 26


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
    is_perpetrator = forms.BooleanField(required=False, label=PERPETRATOR_LABEL)

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
        for name, field in form.fields.items():
            if name == "is_perpetrator":
                continue  # a checkbox inside the child's own section
            field.label = f"{who}: {field.label[0].lower()}{field.label[1:]}"
            if isinstance(field, GovukDateField):
                field.name_in_errors = field.label
        return form

    def clean(self):
        if not self.forms:
            raise forms.ValidationError("Record at least the subject child.")
        # Checked even when other sections have errors, so that every error shows at once.
        subject = self.forms[0]
        typed = subject.data.get(subject.add_prefix("local_authority_reference"), "").strip()
        named = subject.data.get(subject.add_prefix("name"), "").strip()
        if not (typed or named):
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
                is_perpetrator=form.cleaned_data["is_perpetrator"],
            )
            for index, form in enumerate(self.forms)
            if not form.is_blank
        ]


# The subject child's section; siblings are added one at a time ("Add another child").
ChildFormSet = forms.formset_factory(
    ChildForm,
    formset=BaseChildFormSet,
    extra=1,
    max_num=MOST_CHILDREN,
    absolute_max=MOST_CHILDREN,
)


def _is_death(data) -> bool:
    return data.get("incident_kind") == IncidentKind.DEATH


def _in_care(data) -> bool:
    return _is_death(data) and data.get("care_status") in (
        CareStatus.LOOKED_AFTER,
        CareStatus.CARE_LEAVER,
    )


# The notification's follow-up questions, each asked only once the answers before it make
# it relevant (§1.3.5): a server-side step instead of conditionally revealed fields.
FOLLOW_UPS = {
    "care_status": _is_death,
    "care_leaver_age": lambda data: (
        _in_care(data) and data.get("care_status") == CareStatus.CARE_LEAVER
    ),
    "secretary_of_state_notified_on": _in_care,
    "ofsted_notified_on": _in_care,
}
# What an irrelevant follow-up question records.
FOLLOW_UP_DEFAULTS = {"care_status": CareStatus.NEITHER}


class NotificationForm(forms.Form):
    """A Local Authority notification to the National Panel (§4.1.2-4.1.4), or of a
    looked-after child's or care leaver's death to the Secretary of State and Ofsted
    (§1.3.5).

    `asked` names the follow-up questions (FOLLOW_UPS) already shown to the user: one
    relevant but not yet asked is `pending`, and the view asks it on a second page.
    Without `asked` (the referral's conversion page) every question is on one page."""

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
        help_text="The death of a looked-after child is notified whether or not it is (§4.1.2).",
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
        required=False,
        label="Was the child looked after, or a care leaver? (§1.3.5)",
        error_messages={
            "required": "Select whether the child was looked after, a care leaver, or neither."
        },
    )
    care_leaver_age = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=99,
        label="Care leaver's age",
        error_messages={"required": "Enter the care leaver's age."},
    )
    secretary_of_state_notified_on = GovukDateField(
        required=False, label="Date the Secretary of State for Education was notified"
    )
    ofsted_notified_on = GovukDateField(required=False, label="Date Ofsted was notified")
    # Shown only when the notification matches an open case (issue 11, item 5).
    confirm_duplicate = forms.BooleanField(
        required=False, label="This is a different notification: record a new case"
    )

    def __init__(self, *args, partnership, asked=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notifying_authority"].queryset = Agency.objects.filter(
            partnerships=partnership, kind=AgencyKind.LOCAL_AUTHORITY
        )
        self.asked = set(FOLLOW_UPS) if asked is None else set(asked) & set(FOLLOW_UPS)
        self.pending: list[str] = []

    def relevant_follow_ups(self) -> list[str]:
        data = getattr(self, "cleaned_data", {})
        return [name for name, relevant in FOLLOW_UPS.items() if relevant(data)]

    def clean(self):
        data = super().clean()
        relevant = self.relevant_follow_ups()
        for name in FOLLOW_UPS:
            if name not in relevant:
                data[name] = FOLLOW_UP_DEFAULTS.get(name)
                self.errors.pop(name, None)
        self.pending = [name for name in relevant if name not in self.asked]
        for name in self.pending:
            self.errors.pop(name, None)  # judged once it has been asked
        for name in relevant:
            if name in self.asked and data.get(name) in (None, ""):
                self.add_error(name, self.fields[name].error_messages["required"])
        if not self.pending and not self.errors:
            self._check_rules(data)
        return data

    def _check_rules(self, data) -> None:
        """The notification's own rules (models.Notification.clean), shown with the rest."""
        from cases.models import Notification

        fields = {k: v for k, v in data.items() if k != "confirm_duplicate"}
        try:
            Notification(**fields).clean()
        except forms.ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)

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
