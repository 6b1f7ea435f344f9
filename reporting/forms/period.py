"""The choice of period (a financial year, or any two dates) and, for the
cross-partnership role, of partnership, on every reporting page."""

from __future__ import annotations

from datetime import date

from django import forms

from reporting.rules.period import Period, PeriodError, period_from

FIRST_YEAR = 2019  # the LLR arrangements began under Working Together 2018
ALL = ""


class ReportFilterForm(forms.Form):
    year = forms.ChoiceField(label="Financial year", required=False)
    from_ = forms.CharField(
        label="From", required=False, help_text="Or any two dates, like 2025-04-01."
    )
    to = forms.CharField(label="To", required=False, help_text="Like 2026-03-31.")
    partnership = forms.ChoiceField(label="Partnership", required=False)

    def __init__(self, data=None, *, partnerships, today: date):
        super().__init__(data)
        self.fields["from"] = self.fields.pop("from_")
        self.order_fields(["year", "from", "to", "partnership"])
        self.today = today
        current = Period.financial_year_of(today).start.year
        self.fields["year"].choices = [
            (str(y), f"April {y} to March {y + 1}") for y in range(current, FIRST_YEAR - 1, -1)
        ]
        self.partnerships = list(partnerships)
        self.fields["partnership"].choices = [(ALL, "All, side by side")] + [
            (p.slug, p.name) for p in self.partnerships
        ]
        if len(self.partnerships) < 2:
            del self.fields["partnership"]

    def clean(self):
        data = super().clean()
        try:
            data["period"] = period_from(
                {
                    "from": data.get("from", ""),
                    "to": data.get("to", ""),
                    "year": data.get("year", ""),
                },
                today=self.today,
            )
        except PeriodError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    @property
    def period(self) -> Period:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return Period.financial_year_of(self.today)

    @property
    def chosen_partnerships(self):
        slug = (
            self.cleaned_data.get("partnership", ALL) if self.is_bound and self.is_valid() else ALL
        )
        chosen = [p for p in self.partnerships if p.slug == slug]
        return chosen or self.partnerships
