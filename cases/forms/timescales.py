"""The timescale calculator's form."""

from datetime import date

from django import forms

from cases.forms.fields import DATE_MISSING, DATE_NOT_REAL
from cases.models import (
    Partnership,
)
from cases.timescales import Event


class TimescaleCalculatorForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.all(),
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a partnership."},
    )
    event = forms.ChoiceField(
        choices=[(e.value, e.label) for e in Event],
        widget=forms.RadioSelect,
        label="What happened?",
        error_messages={"required": "Select what happened."},
    )
    day = forms.IntegerField(required=False, min_value=1, max_value=31)
    month = forms.IntegerField(required=False, min_value=1, max_value=12)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get("day"), cleaned.get("month"), cleaned.get("year")]
        if any(f in self.errors for f in ("day", "month", "year")) or None in parts:
            self.add_error(None, DATE_MISSING)
            return cleaned
        try:
            cleaned["date"] = date(parts[2], parts[1], parts[0])
        except ValueError:
            self.add_error(None, DATE_NOT_REAL)
        return cleaned
