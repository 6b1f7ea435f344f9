"""Forms of the multi-agency chronology (§8.4.3): its filters (in the URL: they hold no
name, only an agency, dates, a pseudonym or relationship and a theme), its gap threshold
and the tagging of entries with a key theme."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField

STALE_PAGE = "This page was out of date. Check what is shown and save again."
PERIOD_ORDER = "The end of the period must be the same as or after its start."
ORGANISATIONAL_CHOICES = [
    ("with", "Events, with the organisational changes shown apart"),
    ("without", "Events only"),
    ("only", "Organisational changes only"),
]


class ChronologyFilterForm(forms.Form):
    agency = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Agency")
    date_from = GovukDateField(required=False, label="From")
    date_to = GovukDateField(required=False, label="To")
    concerning = forms.ChoiceField(required=False, label="Child or family member")
    theme = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Key theme")
    organisational = forms.ChoiceField(
        required=False, choices=ORGANISATIONAL_CHOICES, label="Rows shown"
    )

    def __init__(self, *args, agencies, concerning, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Every agency")] + [
            (agency.pk, agency.name) for agency in agencies
        ]
        self.fields["concerning"].choices = [("", "Everyone")] + [(c, c) for c in concerning]
        self.fields["theme"].choices = [("", "Any theme")] + [
            (theme.pk, theme.title) for theme in themes
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", PERIOD_ORDER)
        return cleaned


class GapThresholdForm(forms.Form):
    gap_days = forms.IntegerField(
        label="Show a gap when no agency had contact for more than (days)",
        min_value=1,
        max_value=3650,
        error_messages={
            "required": "Enter the number of days without contact that make a gap.",
            "invalid": "Enter the number of days as a whole number, like 28.",
            "min_value": "Enter at least 1 day.",
            "max_value": "Enter at most 3650 days.",
        },
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


class TagEntriesForm(forms.Form):
    theme = forms.TypedChoiceField(
        coerce=int,
        label="Key theme",
        error_messages={"required": "Choose the key theme to tag the entries with."},
    )
    entries = forms.TypedMultipleChoiceField(
        coerce=int,
        label="Entries",
        error_messages={"required": "Select at least one entry to tag."},
    )
    remove = forms.BooleanField(required=False)

    def __init__(self, *args, themes, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "Choose a key theme")] + [
            (theme.pk, theme.title) for theme in themes
        ]
        self.fields["entries"].choices = [(entry.pk, str(entry.pk)) for entry in entries]
