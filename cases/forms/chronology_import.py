"""A chronology spreadsheet uploaded, then confirmed (§8.4.1; issue 14)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.services.chronology_import import FILE_TOO_BIG


class ChronologyUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload your chronology",
        error_messages={
            "required": "Choose the spreadsheet to upload.",
            "empty": "The file is empty.",
        },
    )

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the file was dropped as it arrived, for its size (uploads.py)."""
        super().__init__(*args, **kwargs)
        self.stopped_at_limit = stopped_at_limit
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = (
            f"An Excel workbook (.xlsx) or a CSV file saved as UTF-8 (.csv), up to {largest}."
        )
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        if stopped_at_limit:
            self.fields["file"].required = False  # it was sent: say why it was refused

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                FILE_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]


class ChronologyConfirmForm(forms.Form):
    """The preview's buttons: import everything, import only the valid rows, or discard.
    `staged` names the upload the page showed, so a newer upload is never confirmed by
    an older page."""

    IMPORT = "import"
    KEEP_VALID = "keep_valid"
    DISCARD = "discard"

    staged = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[(IMPORT, IMPORT), (KEEP_VALID, KEEP_VALID), (DISCARD, DISCARD)]
    )
