"""The forms of the lead agency's own genogram (§7.2.1): the review team's upload on the
agency's behalf, its ask of the agency, and the agency's own upload in the portal."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.forms.fields import GovukDateField
from cases.models import Agency
from cases.services.information_request import UPLOAD_TOO_BIG
from reviews.forms.submissions import STALE_PAGE

CHOOSE_AGENCY = "Choose the agency whose genogram it is."
CHOOSE_FILE = "Choose the genogram's file: an image (PNG or JPEG) or a PDF."


class GenogramUploadForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Whose genogram is it?",
        help_text="Usually the lead agency working with the child and family (§7.2.1).",
        empty_label="Choose an agency",
        error_messages={"required": CHOOSE_AGENCY, "invalid_choice": CHOOSE_AGENCY},
    )
    file = forms.FileField(
        label="The genogram",
        error_messages={"required": CHOOSE_FILE, "empty": "The file is empty."},
    )
    note = forms.CharField(
        label="What changed since the last version (optional)",
        max_length=300,
        required=False,
    )

    def __init__(self, *args, partnership, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the file was dropped as it arrived, for its size (uploads.py)."""
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnerships=partnership)
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = f"An image (PNG or JPEG) or a PDF, up to {largest}."
        self.stopped_at_limit = stopped_at_limit
        if stopped_at_limit:
            self.fields["file"].required = False  # it was sent: say why it was refused

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]


class GenogramAskForm(forms.Form):
    """The agency asked for its genogram (§7.2.1), by when, with a note."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Which agency is asked?",
        help_text="Usually the lead agency working with the child and family (§7.2.1). "
        "Asking another agency replaces the ask.",
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency asked for its genogram.",
            "invalid_choice": "Choose the agency asked for its genogram.",
        },
    )
    due_on = GovukDateField(
        label="Due date (optional)",
        help_text="A working day, for example 27 3 2026.",
        required=False,
    )
    note = forms.CharField(
        label="Note for the agency (optional)",
        help_text="Shown to the agency in the portal. Use the child's pseudonym, never a name.",
        max_length=300,
        required=False,
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )

    def __init__(self, *args, partnership, **kwargs):
        kwargs.setdefault("prefix", "ask")  # beside the upload form on the same page
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnerships=partnership).order_by(
            "name"
        )


class PortalGenogramUploadForm(forms.Form):
    """The asked agency's own upload: the agency is the one asked, never chosen."""

    file = forms.FileField(
        label="Your agency's genogram",
        error_messages={"required": CHOOSE_FILE, "empty": "The file is empty."},
    )
    note = forms.CharField(
        label="What changed since the last version (optional)",
        help_text="Use the child's pseudonym, never a name.",
        max_length=300,
        required=False,
    )

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = f"An image (PNG or JPEG) or a PDF, up to {largest}."
        self.stopped_at_limit = stopped_at_limit
        if stopped_at_limit:
            self.fields["file"].required = False

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]
