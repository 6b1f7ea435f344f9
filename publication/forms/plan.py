"""Forms of the publication (§10): a plan step, the agencies' contacts, the arrangements,
the planned date, the decision, the notice, the record, the NSPCC decision and a request
for an archived report. The services decide; these check what the page can."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from publication.models import ArchiveAnswer, NspccChoice, PublishChoice

STALE_PAGE = "This page is out of date. Open it again and make your change."


def _version() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


def _text(label: str, *, required=False, max_length=200, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


def _area(label: str, *, required=False) -> GovukTextareaField:
    return GovukTextareaField(label=label, required=required, max_length=5000, rows=4)


class TaskForm(forms.Form):
    version = _version()
    step = forms.CharField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(
        queryset=None,
        label="Owner",
        empty_label="Choose an owner",
        error_messages={"required": "Choose who owns this step."},
    )
    due_on = GovukDateField(label="Due date")
    done_on = GovukDateField(
        label="Done on", required=False, help_text="Leave empty until the step is done."
    )
    note = _area("Note")

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class ContactsForm(forms.Form):
    """Per involved agency: its strategic lead and its media or communications lead."""

    version = _version()

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = agencies
        for agency in agencies:
            self.fields[f"strategic_lead_name_{agency.pk}"] = _text("Strategic lead")
            self.fields[f"strategic_lead_email_{agency.pk}"] = forms.EmailField(
                label="Strategic lead's email", required=False
            )
            self.fields[f"media_lead_name_{agency.pk}"] = _text("Media or communications lead")
            self.fields[f"media_lead_email_{agency.pk}"] = forms.EmailField(
                label="Media lead's email", required=False
            )

    def rows(self):
        from publication.services.plan import ContactRow

        data = self.cleaned_data
        return [
            ContactRow(
                agency_id=a.pk,
                strategic_lead_name=data[f"strategic_lead_name_{a.pk}"],
                strategic_lead_email=data[f"strategic_lead_email_{a.pk}"],
                media_lead_name=data[f"media_lead_name_{a.pk}"],
                media_lead_email=data[f"media_lead_email_{a.pk}"],
            )
            for a in self.agencies
        ]

    def grouped(self):
        """(agency, its four bound fields) for the template."""
        return [
            (
                a,
                [
                    self[f"{name}_{a.pk}"]
                    for name in (
                        "strategic_lead_name",
                        "strategic_lead_email",
                        "media_lead_name",
                        "media_lead_email",
                    )
                ],
            )
            for a in self.agencies
        ]


class ArrangementsForm(forms.Form):
    version = _version()
    family_wishes = _area("The family's wishes about publication (§10.3.2)")
    family_discussed_on = GovukDateField(
        label="Date the arrangements were discussed with the family", required=False
    )
    family_discussion = _area("How the proposed arrangements were discussed with the family")
    practitioner_arrangements = _area(
        "How practitioners are told of the date and supported (§10.3.3)"
    )
    practitioner_senior_manager = _text("Senior manager responsible for telling practitioners")
    media_contact_name = _text("Central media contact's name (§10.4.1)")
    media_contact_role = _text("Their role")
    media_contact_email = forms.EmailField(label="Their email", required=False)
    media_contact_phone = _text("Their phone", max_length=40)


class DateForm(forms.Form):
    version = _version()
    planned_on = GovukDateField(label="Planned publication date")


class DecisionForm(forms.Form):
    version = _version()
    choice = forms.ChoiceField(
        choices=PublishChoice.choices,
        widget=forms.RadioSelect,
        label="What will the partnership publish? (§10.1.1)",
        error_messages={"required": "Choose what the partnership will publish."},
    )
    choice_reason = _area("Reason (needed to publish only the improvements)")


class NoticeForm(forms.Form):
    """Sent another way: the date and a note (by email, nothing to fill in)."""

    sent_on = GovukDateField(label="Date the pack was sent", required=False)
    note = _area("How it was sent")


class RecordForm(forms.Form):
    version = _version()
    published_on = GovukDateField(label="Date published")
    url = forms.URLField(
        label="Address of the report on the partnership's website",
        assume_scheme="https",
        max_length=200,
        error_messages={"required": "Enter the address of the published report."},
    )
    reviewer_name = _text("Reviewer's name, as published")
    anonymous_reviewer = forms.BooleanField(
        label="Published without the Reviewer's name", required=False
    )
    public_title = forms.CharField(
        label="Title on the partnership's public page (optional)",
        help_text="No child's name and no case reference. Left empty, the page shows "
        "“Local Child Safeguarding Practice Review”.",
        max_length=200,
        required=False,
    )


class NspccForm(forms.Form):
    version = _version()
    nspcc_choice = forms.ChoiceField(
        choices=NspccChoice.choices,
        widget=forms.RadioSelect,
        label="Submit the report to the NSPCC National Repository? (§10.5.3)",
        error_messages={"required": "Choose whether to submit the report to the NSPCC."},
    )
    nspcc_reason = _area("Reason")
    nspcc_submitted_on = GovukDateField(
        label="Date it was submitted", required=False, help_text="Once it has been sent."
    )


class ArchiveRequestForm(forms.Form):
    requester_name = _text("Who asked", required=True)
    requester_organisation = _text("Their organisation")
    requester_email = forms.EmailField(label="Their email", required=False)
    received_on = GovukDateField(label="Date received")
    answer = forms.ChoiceField(
        choices=[("", "Not yet answered"), *ArchiveAnswer.choices],
        required=False,
        label="Answer",
    )
    answered_on = GovukDateField(label="Date answered", required=False)
    answer_note = _area("Note")
