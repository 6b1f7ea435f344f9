"""GOV.UK date and time fields every form uses."""

import re
from datetime import date

from django import forms

DATE_MISSING = "Enter the date as a day, month and year, for example 18 12 2026."
DATE_NOT_REAL = "The date must be a real date."


# --- GOV.UK date input -----------------------------------------------------------------


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput, forms.TextInput, forms.TextInput], attrs)
        self.widgets_names = ["-day", "-month", "-year"]

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with errors that name the date (GOV.UK)."""

    widget = GovukDateWidget

    def __init__(self, *, required=True, **kwargs):
        label = str(kwargs.get("label", "Date"))
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {label[0].lower()}{label[1:]}."
        self.error_messages["incomplete"] = self.error_messages["required"]
        self.name_in_errors = label

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        parts = [str(part or "").strip() for part in data_list]
        if not all(part.isdecimal() and part.isascii() and len(part) <= 4 for part in parts):
            raise forms.ValidationError(
                f"{self.name_in_errors} must be a day, month and year in numbers, "
                "for example 18 12 2026."
            )
        day, month, year = (int(part) for part in parts)
        if not 1900 <= year <= 2100:
            raise forms.ValidationError(
                f"{self.name_in_errors} must have the year as 4 digits, for example 2026."
            )
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):
            raise forms.ValidationError(f"{self.name_in_errors} must be a real date.") from None


class GovukTimeField(forms.TimeField):
    def __init__(self, **kwargs):
        super().__init__(input_formats=["%H:%M", "%H.%M", "%H%M"], **kwargs)
        self.error_messages["invalid"] = "Enter the time as hours and minutes, for example 14:30."


# --- GOV.UK textarea with a character count ----------------------------------------------


class GovukTextareaField(forms.CharField):
    """Text typed in a textarea whose limit GOV.UK's character count shows as the user types
    (templates/includes/field_textarea.html). A value over the limit names its field, as
    GOV.UK asks: "<name> must be N characters or fewer". `name_in_errors` is that name
    where the label is a question; otherwise the label, without a closing "(...)"."""

    def __init__(self, *, max_length: int, rows: int = 5, name_in_errors: str = "", **kwargs):
        super().__init__(
            max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
        )
        name = name_in_errors or re.sub(r"\s*\([^)]*\)$", "", str(kwargs.get("label", "")))
        self.error_messages["max_length"] = f"{name} must be {max_length:,} characters or fewer."

    def to_python(self, value):
        # Browsers send each line break as two characters; the character count counts one.
        return super().to_python(value).replace("\r\n", "\n")
