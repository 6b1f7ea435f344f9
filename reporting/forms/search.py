"""The learning search's query and filters (issue 17): in the URL, like any search, so a
page of results can be shared and paged. The texts searched are anonymised: the hint says
to search by subject, never by a person's name."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField
from reporting.rules.period import Period, PeriodError
from reporting.rules.search import QUERY_MAX_LENGTH

DATES_ORDER = "The date to must be on or after the date from."
QUERY_TOO_LONG = f"Search for {QUERY_MAX_LENGTH} characters or fewer."
ANY = ""


class LearningSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the learning",
        required=False,
        strip=True,
        max_length=QUERY_MAX_LENGTH,
        help_text="Words from key themes, findings, recommendations, actions and published "
        "reports, for example: neglect “information sharing”. Search by subject, never by "
        "a person's name.",
        error_messages={"max_length": QUERY_TOO_LONG},
    )
    theme = forms.ChoiceField(label="Theme", required=False)
    stage = forms.ChoiceField(label="Stage of the case", required=False)
    agency = forms.TypedChoiceField(
        label="Owner agency",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Recommendations and actions it owns.",
    )
    date_from = GovukDateField(required=False, label="Date from")
    date_to = GovukDateField(required=False, label="Date to")

    def __init__(self, *args, themes, stages, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [(ANY, "Any theme"), *themes]
        self.fields["stage"].choices = [(ANY, "Any stage"), *stages]
        self.fields["agency"].choices = [(ANY, "Any agency"), *agencies]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_ORDER)
        elif start and end:
            try:
                Period(start, end)
            except PeriodError as error:
                self.add_error("date_to", error.message)
        return cleaned

    def filters_chosen(self) -> bool:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return any(data.get(name) for name in ("theme", "stage", "agency", "date_from", "date_to"))
