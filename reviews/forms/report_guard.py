"""Forms of the anonymisation guard (§9.1.3): the chair's acceptance of a hit, and the
case's never-publish list."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukTextareaField
from reviews.services.report_guard import REASON_NEEDED, REMOVAL_REASON_NEEDED, TERM_NEEDED

PAGE_OUT_OF_DATE = "This page was out of date. Check what is shown and try again."


def _row_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": PAGE_OUT_OF_DATE, "invalid": PAGE_OUT_OF_DATE},
    )


class HitAcceptForm(forms.Form):
    """One hit, accepted by the CRG chair with the reason it may stay."""

    hit = _row_field()
    reason = GovukTextareaField(
        label="Why this may stay in the report",
        max_length=2000,
        rows=3,
        error_messages={"required": REASON_NEEDED},
    )


class NeverPublishAddForm(forms.Form):
    term = forms.CharField(
        label="Word or phrase",
        max_length=200,
        help_text="A nickname, a street, a setting, a detail: the guard looks for it, in any "
        "case, as a whole word or phrase.",
        error_messages={"required": TERM_NEEDED},
    )
    note = forms.CharField(label="Why (optional)", max_length=300, required=False)


class NeverPublishRemoveForm(forms.Form):
    term = _row_field()
    reason = forms.CharField(
        label="Why it may come off the list",
        max_length=300,
        error_messages={"required": REMOVAL_REASON_NEEDED},
    )
