"""The forms of the report's drafts (§9.1): a section written in the product, a Word draft
uploaded, a draft finished, a comment and its answer, where a draft meets each point of
the minimum content (§9.1.2) and the terms of reference's own requirements."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.forms.fields import GovukTextareaField
from cases.services.information_request import UPLOAD_TOO_BIG
from reviews.checklist import ChecklistPoint

STALE_PAGE = "This page was out of date. Check what is shown and save again."
ENTER_HEADING = "Enter the section's heading."
ENTER_NOTE = "Enter a note: what this draft is, or what changed since the last one."
ENTER_COMMENT = "Enter your comment."
ENTER_ANSWER = "Enter your answer."
ENTER_REQUIREMENT = "Enter the requirement the terms of reference add."
CHOOSE_WORD_FILE = "Choose the Word draft (.docx) to upload."
WHOLE_DRAFT = ""


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


class SectionForm(forms.Form):
    heading = forms.CharField(
        label="Heading", max_length=300, error_messages={"required": ENTER_HEADING}
    )
    body = GovukTextareaField(
        label="Text",
        required=False,
        max_length=100000,
        rows=16,
        help_text="A blank line starts a new paragraph. Use the child's pseudonym, never a "
        "name: the report will be published (§9.1.3).",
    )
    version = _version_field()


class SectionAddForm(forms.Form):
    heading = forms.CharField(
        label="Heading of the new section",
        max_length=300,
        error_messages={"required": ENTER_HEADING},
    )


class VersionForm(forms.Form):
    version = _version_field()


class FinishForm(forms.Form):
    note = forms.CharField(
        label="Note on this draft",
        help_text="What this draft is, or what changed since the last one. Never a name.",
        max_length=300,
        error_messages={"required": ENTER_NOTE},
    )


class DraftUploadForm(forms.Form):
    file = forms.FileField(
        label="The Word draft",
        error_messages={"required": CHOOSE_WORD_FILE, "empty": "The file is empty."},
    )
    note = forms.CharField(
        label="Note on this draft",
        help_text="What this draft is, or what changed since the last one. Never a name.",
        max_length=300,
        error_messages={"required": ENTER_NOTE},
    )

    def __init__(self, *args, limit: int, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the file was dropped as it arrived, for its size (uploads.py)."""
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A Word document (.docx), up to {filesizeformat(limit)}. Headings in Word's "
            "Heading styles become the draft's sections."
        )
        self.stopped_at_limit = stopped_at_limit
        if stopped_at_limit:
            self.fields["file"].required = False

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]


class CommentForm(forms.Form):
    section = forms.TypedChoiceField(
        label="Which part of the draft is it about?",
        coerce=int,
        empty_value=None,
        required=False,
    )
    body = GovukTextareaField(
        label="Comment", max_length=5000, rows=4, error_messages={"required": ENTER_COMMENT}
    )

    def __init__(self, *args, sections, **kwargs):
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(WHOLE_DRAFT, "The whole draft")] + [
            (section.pk, section.heading) for section in sections
        ]


class ReplyForm(forms.Form):
    body = GovukTextareaField(
        label="Your answer", max_length=5000, rows=3, error_messages={"required": ENTER_ANSWER}
    )


class RequirementForm(forms.Form):
    text = forms.CharField(
        label="Requirement of the terms of reference",
        help_text="Something the agreed terms of reference ask the report to contain (§9.1.2).",
        max_length=500,
        error_messages={"required": ENTER_REQUIREMENT},
    )


class ChecklistForm(forms.Form):
    """One text input per point: where the draft addresses it (a section's heading, or a
    page of a Word draft). Field `point_N` is the Nth point; `points` maps them back."""

    version = _version_field()

    def __init__(self, *args, points: list[ChecklistPoint], **kwargs):
        super().__init__(*args, **kwargs)
        self.points = points
        for n, point in enumerate(points, start=1):
            self.fields[f"point_{n}"] = forms.CharField(
                label=point.title,
                help_text=point.guidance,
                required=False,
                max_length=200,
            )

    def locations(self) -> dict[str, str]:
        return {
            point.key: self.cleaned_data.get(f"point_{n}") or ""
            for n, point in enumerate(self.points, start=1)
        }

    @staticmethod
    def initial_for(points, checklist, version) -> dict:
        initial = {"version": version}
        for n, point in enumerate(points, start=1):
            initial[f"point_{n}"] = (checklist or {}).get(point.key, "")
        return initial
