"""Forms of the agencies' submissions (§8.2-8.7) and their Safeguarding Leads (§8.2.2)."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from cases.models import SubmissionKind
from reviews.models import QaOutcome

STALE_PAGE = "This page was out of date. Check what is shown and save again."
DO_NOT_ASK = ""
ANSWERED = (
    "Answered the Rapid Review: likely to have served the family in the scoping period (§8.2.1)."
)
OPTIONS = [
    ("analysis", "With the analysis columns: was the response expected practice? (§8.4.1)"),
    ("organisational", "With a chronology of organisational changes (§8.4.1)"),
]


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )


class SafeguardingLeadForm(forms.Form):
    """The agency's Safeguarding Lead, its single point of contact (§8.2.2)."""

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the lead's name."}
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=200,
        error_messages={"required": "Enter the lead's job title."},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Requests for the agency's submissions are emailed here and to its portal users.",
        error_messages={
            "required": "Enter the lead's email address.",
            "invalid": "Enter an email address in the correct format, like name@example.com.",
        },
    )
    phone = forms.CharField(label="Phone (optional)", max_length=40, required=False)
    version = _version_field()


class SubmissionsRequestForm(forms.Form):
    """Which agencies are asked for what (§8.2.1), by when, with a note."""

    due_on = GovukDateField(
        label="Due date",
        help_text="A working day. Suggested from the partnership's working calendar.",
    )
    note = GovukTextareaField(
        label="Note for the agencies (optional)",
        help_text="Goes in the letter. Use the child's pseudonym, never a name.",
        required=False,
        max_length=5000,
        rows=4,
    )

    def __init__(self, *args, agencies, answered: set[int], default_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        self.answered = answered
        for agency in self.agencies:
            self.fields[f"kind_{agency.pk}"] = forms.ChoiceField(
                label=agency.name,
                choices=[(DO_NOT_ASK, "Do not ask"), *SubmissionKind.choices],
                widget=forms.RadioSelect,
                required=False,
                initial=default_kind if agency.pk in answered else DO_NOT_ASK,
                help_text=ANSWERED if agency.pk in answered else "",
            )
            self.fields[f"options_{agency.pk}"] = forms.MultipleChoiceField(
                label=f"{agency.name}: chronology options",
                choices=OPTIONS,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def rows(self):
        """For each agency: its kind and options fields and whether it has a lead named
        (`with_lead`, set by the view)."""
        with_lead = getattr(self, "with_lead", set())
        return [
            {
                "agency": agency,
                "kind": self[f"kind_{agency.pk}"],
                "options": self[f"options_{agency.pk}"],
                "has_lead": agency.pk in with_lead,
            }
            for agency in self.agencies
        ]

    def clean(self):
        data = super().clean()
        if self.agencies and not self.asks():
            first = f"kind_{self.agencies[0].pk}"
            self.add_error(first, "Choose what at least one agency is asked for.")
        return data

    def asks(self) -> list[tuple]:
        """(agency, kind, with_analysis, with_organisational_changes) for each agency asked."""
        chosen = []
        for agency in self.agencies:
            kind = self.cleaned_data.get(f"kind_{agency.pk}") or DO_NOT_ASK
            if kind == DO_NOT_ASK:
                continue
            options = set(self.cleaned_data.get(f"options_{agency.pk}") or ())
            chosen.append((agency, kind, "analysis" in options, "organisational" in options))
        return chosen


class SubmissionReviewForm(forms.Form):
    """The Panel's decision on a submission (§8.7)."""

    outcome = forms.ChoiceField(
        choices=QaOutcome.choices,
        widget=forms.RadioSelect,
        label="The Panel's decision",
        error_messages={"required": "Choose the Panel's decision."},
    )
    asked_for = GovukTextareaField(
        label="What more is needed, or what the panel wants to discuss",
        help_text="The agency reads this in the portal; it is not emailed.",
        required=False,
        max_length=10000,
        rows=4,
    )
    respond_by = GovukDateField(
        label="Respond by (for more information)", required=False, help_text="A working day."
    )
    panel_meeting = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="The panel meeting the agency is invited to",
        empty_label="Choose a meeting",
        error_messages={"invalid_choice": "Choose one of this review's panel meetings."},
    )
    version = _version_field()

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel_meeting"].queryset = meetings
        self.fields["panel_meeting"].label_from_instance = lambda meeting: (
            f"{meeting.held_on:%-d %B %Y}"
        )
