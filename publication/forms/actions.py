"""The forms of the action plans (§10.1.2, §11.3-11.4). A SMART action missing a part is
refused with that field named, keeping what was typed (publication/rules/actions.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.forms.fields import GovukDateField
from cases.models import Agency
from cases.services.information_request import UPLOAD_TOO_BIG
from publication.models import Rag, Response
from publication.rules.actions import SMART_FIELDS

STALE_PAGE = "This page was out of date. Check what is shown and save again."


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )


class RecommendationAddForm(forms.Form):
    """A recommendation entered by hand (a Rapid Review's other learning, a national review)."""

    number = forms.CharField(
        label="Number",
        help_text="As the learning numbers it, for example 1 or 2.1.",
        max_length=20,
        error_messages={"required": "Enter the recommendation's number, for example 1 or 2.1."},
    )
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the recommendation."},
    )


class RespondForm(forms.Form):
    response = forms.ChoiceField(
        label="Does the partnership accept the recommendation?",
        choices=Response.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the partnership accepts the recommendation.",
            "invalid_choice": "Choose whether the partnership accepts the recommendation.",
        },
    )
    statement = forms.CharField(
        label="Why the partnership does not accept it",
        help_text="Published with the action plan (§10.1.2). Needed if it is not accepted.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    version = _version_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "respond")
        super().__init__(*args, **kwargs)


class ActionForm(forms.Form):
    """A SMART action (§10.1.2)."""

    text = forms.CharField(
        label="The action",
        help_text="What will be done.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": SMART_FIELDS["text"]},
    )
    owner_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Owner agency",
        empty_label="Choose an agency",
        error_messages={
            "required": SMART_FIELDS["owner_agency"],
            "invalid_choice": SMART_FIELDS["owner_agency"],
        },
    )
    lead_name = forms.CharField(
        label="Lead",
        help_text="The person who leads the action.",
        max_length=200,
        error_messages={"required": SMART_FIELDS["lead_name"]},
    )
    lead_email = forms.EmailField(
        label="Lead's email address (optional)",
        help_text="Reminders go to the lead as well as the agency's portal users.",
        required=False,
        error_messages={"invalid": "Enter the lead's email address, like name@example.com."},
    )
    measure = forms.CharField(
        label="Measure of success",
        help_text="How you will know the action worked.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": SMART_FIELDS["measure"]},
    )
    due_on = GovukDateField(label="Due date")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].error_messages["required"] = SMART_FIELDS["due_on"]
        self.fields["due_on"].error_messages["incomplete"] = SMART_FIELDS["due_on"]
        self.fields["owner_agency"].queryset = Agency.objects.filter(
            partnerships=partnership
        ).order_by("name")


class ActionEditForm(ActionForm):
    version = _version_field()


class CloseForm(forms.Form):
    note = forms.CharField(
        label="How the evidence shows it done (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    version = _version_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)


class UpdateForm(forms.Form):
    """An agency's update (§11.3.3), in the portal or entered on its behalf."""

    progress = forms.CharField(
        label="Progress",
        help_text="What has been done since the last update.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the progress made on the action."},
    )
    impact = forms.CharField(
        label="Impact of the change (optional)",
        help_text="What is different for children and families, and how you know (§11.3.3).",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    description = forms.CharField(
        label="What the evidence shows (optional)", max_length=300, required=False
    )
    file = forms.FileField(label="Evidence (optional)", required=False)

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = (
            f"A PDF, Word (.docx), Excel (.xlsx), ODT, PNG, JPEG or text file, up to {largest}."
        )
        self.stopped_at_limit = stopped_at_limit

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data.get("file")


class AuditForm(forms.Form):
    """An audit (§11.4.1): its date, a note, and a RAG rating (with a note) per open action."""

    held_on = GovukDateField(label="Date of the audit")
    note = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = list(actions)
        for action in self.actions:
            number = f"{action.recommendation.number}.{action.order}"
            self.fields[f"rag_{action.pk}"] = forms.ChoiceField(
                label=f"Action {number}: RAG rating",
                choices=Rag.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose a RAG rating for action {number}.",
                    "invalid_choice": f"Choose a RAG rating for action {number}.",
                },
            )
            self.fields[f"note_{action.pk}"] = forms.CharField(
                label=f"Action {number}: note (optional)", required=False, max_length=2000
            )

    def rows(self):
        return [(a, self[f"rag_{a.pk}"], self[f"note_{a.pk}"]) for a in self.actions]

    def ratings(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            a.pk: (data.get(f"rag_{a.pk}", ""), data.get(f"note_{a.pk}", "")) for a in self.actions
        }
