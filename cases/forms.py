from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from cases.models import AccessAction, Partnership, Stage
from cases.timescales import Event


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask your partnership admin.",
    }


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or a recovery code.",
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class TwoFactorSetupForm(TwoFactorCodeForm):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code the app shows for the LCSPR case manager.",
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class CaseFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=30, label="Case reference", strip=True)
    stage = forms.MultipleChoiceField(
        required=False, choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )


class AccessLogFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=60, label="Case reference")
    username = forms.CharField(required=False, max_length=150, label="Username")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(AccessAction.choices), label="Event"
    )


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


DATE_MISSING = "Enter the date as a day, month and year, for example 18 12 2026."
DATE_NOT_REAL = "The date must be a real date."


class OrganisationChoiceForm(forms.Form):
    membership = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which organisation are you working for?",
        error_messages={"required": "Select the organisation you are working for."},
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.organisation_name} – {m.get_role_display()}") for m in memberships
        ]
