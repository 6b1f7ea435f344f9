"""The six-month clock's forms (§3.1.3): a delay, putting it to the CRG, the CRG's
consideration, and its end."""

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField

YES_NO = [("yes", "Yes"), ("no", "No")]


class DelayForm(forms.Form):
    arose_on = GovukDateField(label="Date the delay arose")
    asked_by = forms.CharField(
        max_length=200,
        label="Who asked for the delay?",
        help_text="For example, the Police's Senior Investigating Officer.",
        error_messages={"required": "Say who asked for the delay."},
    )
    reason = GovukTextareaField(
        max_length=3000,
        label="Reason for the delay",
        help_text="This goes in the notice to the National Panel and the Secretary of State "
        "(§3.1.3). Use pseudonyms (Child A), never names.",
        error_messages={"required": "Give the reason for the delay (§3.1.3)."},
    )
    holds_up = GovukTextareaField(
        max_length=2000,
        rows=3,
        label="What does it hold up?",
        name_in_errors="What it holds up",
        help_text="For example, involving specific key individuals in the review.",
        error_messages={"required": "Say what the delay holds up."},
    )
    prevents_publication = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Will it prevent publication of the final report within six months?",
        help_text="If so, the National Panel and the Secretary of State are told, with the "
        "reason and the revised expected date (§3.1.3).",
        error_messages={"required": "Select whether the delay prevents publication in time."},
    )
    revised_expected_on = GovukDateField(
        label="Revised expected date of the final report",
        required=False,
        help_text="Required if it prevents publication within six months: a date after the "
        "six-month date. For example, 27 11 2027",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "arose_on": data["arose_on"],
            "asked_by": data["asked_by"],
            "reason": data["reason"],
            "holds_up": data["holds_up"],
            "prevents_publication": data["prevents_publication"] == "yes",
            "revised_expected_on": data["revised_expected_on"],
        }


class DelayMeetingForm(forms.Form):
    meeting = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which CRG meeting will consider the delay?",
        error_messages={"required": "Choose the CRG meeting that will consider the delay."},
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [(m.pk, str(m)) for m in meetings]


class DelayConsiderationForm(forms.Form):
    considered_on = GovukDateField(label="Date the CRG considered the delay")
    decision = GovukTextareaField(
        max_length=3000,
        label="What the CRG decided",
        help_text="Its notes: for example, agreed, with the revised date; or asked the "
        "Reviewer to go on with what the delay does not hold up.",
        error_messages={"required": "Say what the CRG decided."},
    )


class DelayResolveForm(forms.Form):
    resolved_on = GovukDateField(label="Date the delay ended")
    note = GovukTextareaField(
        max_length=2000,
        rows=3,
        label="How it ended",
        help_text="For example, the Police agreed the review may now involve the family.",
        error_messages={"required": "Say how the delay ended."},
    )
