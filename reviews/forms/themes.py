"""Forms of the theme list (kept by the partnership admin) and of the review's key themes
(named by the Panel), §8.8."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukTextareaField

STALE_PAGE = "This page was out of date. Check what is shown and save again."


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


class ThemeCodeAddForm(forms.Form):
    label = forms.CharField(
        label="Theme", max_length=200, error_messages={"required": "Enter the theme's name."}
    )
    code = forms.SlugField(
        label="Code",
        max_length=60,
        help_text="Lower-case letters, numbers and hyphens, like parental-mental-health. It "
        "never changes once added: the learning search across reviews uses it.",
        error_messages={
            "required": "Enter the theme's code.",
            "invalid": "The code can hold only lower-case letters, numbers and hyphens.",
        },
    )
    description = GovukTextareaField(
        label="Description (optional)", required=False, max_length=2000, rows=3
    )

    def clean_code(self):
        return self.cleaned_data["code"].lower()


class ThemeCodeForm(forms.Form):
    label = forms.CharField(
        label="Theme", max_length=200, error_messages={"required": "Enter the theme's name."}
    )
    description = GovukTextareaField(
        label="Description (optional)", required=False, max_length=2000, rows=3
    )
    is_active = forms.BooleanField(
        label="Offered for new key themes",
        required=False,
        help_text="Untick to deactivate it: reviews already coded with it keep it.",
    )
    version = _version_field()


class KeyThemeForm(forms.Form):
    code = forms.TypedChoiceField(
        coerce=int,
        label="Theme code",
        help_text="From the partnership's theme list.",
        error_messages={"required": "Choose the theme from the partnership's list."},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter the key theme's title."},
    )
    description = GovukTextareaField(
        label="Description",
        max_length=20000,
        rows=4,
        error_messages={"required": "Describe the key theme: what the review will look at."},
    )

    def __init__(self, *args, codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", "Choose a theme")] + [
            (code.pk, code.label) for code in codes
        ]


class KeyThemeAddForm(KeyThemeForm):
    reason = GovukTextareaField(
        label="Why the review needs more than five key themes",
        required=False,
        max_length=5000,
        rows=3,
        help_text="Key themes should be as few as practicable (§8.8.1). Needed from the sixth.",
    )


class KeyThemeEditForm(KeyThemeForm):
    submissions = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Submissions tagged with this theme",
        widget=forms.CheckboxSelectMultiple,
    )
    version = _version_field()

    def __init__(self, *args, submissions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submissions"].choices = [
            (s.pk, f"{s.agency.name}: {s.get_submission_kind_display() or 'submission'}")
            for s in submissions
        ]


class ThemesReasonForm(forms.Form):
    reason = GovukTextareaField(
        label="Why the review needs more than five key themes",
        max_length=5000,
        rows=3,
        error_messages={"required": "Say why the review needs more than five key themes."},
    )
    version = _version_field()  # the review's (Lcspr.version)

    def __init__(self, *args, **kwargs):
        # Its own ids: the add form beside it on the page has a "reason" field too.
        kwargs.setdefault("auto_id", "id_why_%s")
        super().__init__(*args, **kwargs)


class RemoveForm(forms.Form):
    version = _version_field()
