"""Forms of the report's approval (§9.1.4-9.1.5): the Panel's QA, putting the draft to the
CRG, the CRG's decision, a partner's approval and marking the report final. The services
decide; these check what the page can, with the same words."""

from __future__ import annotations

from django import forms

from cases.dates import format_date
from cases.forms.fields import GovukTextareaField
from reviews.forms.terms import MeetingChoiceForm
from reviews.models import SafeguardingPartner
from reviews.services.report_approval import (
    MISSING_REASON_NEEDED,
    PARTNER_UNKNOWN,
    QA_ALL_THREE_NEEDED,
    REASON_NEEDED,
    QaAnswers,
)

STALE_PAGE = "This page is out of date. Open it again and make your change."
YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label=label,
        error_messages={"required": required_message},
    )


def _number() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


def _note(label: str) -> GovukTextareaField:
    return GovukTextareaField(label=label, required=False, max_length=3000, rows=3)


class QaForm(forms.Form):
    """§9.1.4's three questions with notes, the outcome, and a reason for each checklist
    point the draft does not address (§9.1.2) when it is passed."""

    number = _number()
    meets_terms = _yes_no(
        "Does the draft meet the agreed terms of reference?",
        "Choose whether the draft meets the terms of reference.",
    )
    meets_terms_note = _note("Notes on the terms of reference")
    succinct = _yes_no("Is the draft succinct?", "Choose whether the draft is succinct.")
    succinct_note = _note("Notes on succinctness")
    focused = _yes_no(
        "Is it focused on improving local safeguarding arrangements?",
        "Choose whether the draft is focused on improving local safeguarding arrangements.",
    )
    focused_note = _note("Notes on its focus")
    passed = _yes_no("Does the draft pass the Panel's QA?", "Choose whether the draft passes.")
    panel_meeting = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label="Panel meeting it was done at (optional)",
    )

    def __init__(self, *args, missing=(), panel_meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        self.panel_meetings = {m.pk: m for m in panel_meetings}
        self.fields["panel_meeting"].choices = [("", "Not at a panel meeting")] + [
            (m.pk, f"Panel meeting on {format_date(m.milestone.due_on)}") for m in panel_meetings
        ]
        for point in self.missing:
            self.fields[f"missing_{point.key}"] = GovukTextareaField(
                label=point.title,
                required=False,
                max_length=2000,
                rows=2,
                name_in_errors="The reason",
            )

    @property
    def missing_fields(self):
        return [self[f"missing_{point.key}"] for point in self.missing]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("passed"):
            if not all(cleaned.get(k) for k in ("meets_terms", "succinct", "focused")):
                self.add_error("passed", QA_ALL_THREE_NEEDED)
            for point in self.missing:
                if not (cleaned.get(f"missing_{point.key}") or "").strip():
                    self.add_error(
                        f"missing_{point.key}", MISSING_REASON_NEEDED.format(title=point.title)
                    )
        return cleaned

    def answers(self) -> QaAnswers:
        data = self.cleaned_data
        return QaAnswers(
            meets_terms=data["meets_terms"],
            succinct=data["succinct"],
            focused=data["focused"],
            passed=data["passed"],
            meets_terms_note=data["meets_terms_note"],
            succinct_note=data["succinct_note"],
            focused_note=data["focused_note"],
            missing_reasons={p.key: data.get(f"missing_{p.key}", "") for p in self.missing},
        )

    def chosen_panel_meeting(self):
        return self.panel_meetings.get(self.cleaned_data.get("panel_meeting"))


class ReportPutToCrgForm(MeetingChoiceForm):
    number = _number()


class CrgOutcomeForm(forms.Form):
    number = _number()
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )
    approved = _yes_no(
        "Did the CRG approve the report?", "Choose whether the CRG approved the report."
    )
    reason = GovukTextareaField(
        label="Why the CRG did not approve it", required=False, max_length=5000, rows=4
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("approved") is False and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", REASON_NEEDED)
        return cleaned


class PartnerForm(forms.Form):
    """One Safeguarding Partner's approval: its representative's own, or recorded for them
    with their name."""

    number = _number()
    partner = forms.ChoiceField(
        choices=SafeguardingPartner.choices,
        widget=forms.RadioSelect,
        label="Which Safeguarding Partner approved the report?",
        error_messages={"required": PARTNER_UNKNOWN, "invalid_choice": PARTNER_UNKNOWN},
    )
    name = forms.CharField(
        label="The representative's name",
        required=False,
        max_length=200,
        help_text="Leave empty if you are the partner's representative approving it yourself.",
    )

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].choices = [
                (value, label) for value, label in SafeguardingPartner.choices if value in partners
            ]


class FinalForm(forms.Form):
    number = _number()
    anonymous_reviewer = forms.BooleanField(
        required=False,
        label="Publish without the Reviewer's name (§10.5.2)",
    )
