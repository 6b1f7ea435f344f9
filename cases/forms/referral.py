"""The referral path's progress (§4.9)."""

from datetime import date

from django import forms

from cases.dates import format_date
from cases.forms.fields import GovukDateField, GovukTextareaField
from cases.meetings import ScheduledMeeting
from cases.services.intake import NOT_A_SCHEDULED_MEETING

YES_NO_UNDECIDED = [("yes", "Yes"), ("no", "No"), ("", "Not decided yet")]
NOT_CHOSEN = ""


class ReferralProgressForm(forms.Form):
    """§4.1.6 and §4.9: what the Business Office does with a referral in its first month."""

    shared_with_local_authority_on = GovukDateField(
        required=False, label="Date shared with the Local Authority's CRG representative"
    )
    local_authority_representative = forms.CharField(
        required=False, max_length=200, label="Local Authority CRG representative"
    )
    first_crg_meeting_on = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        label="CRG meeting where the referral is first discussed",
        help_text="The first scheduled CRG meeting after the referral was received (§4.9).",
        error_messages={"invalid_choice": NOT_A_SCHEDULED_MEETING},
    )
    request_information = forms.ChoiceField(
        choices=YES_NO_UNDECIDED,
        widget=forms.RadioSelect,
        required=False,
        label="Does the CRG want agencies' information?",
    )
    request_information_reason = GovukTextareaField(
        required=False, max_length=3000, label="Reason for the decision"
    )
    learning_outside_review = forms.BooleanField(
        required=False,
        label="The CRG found this is not a serious child safeguarding case, but it raises "
        "learning (§1.4.5)",
        help_text="The case then ends in learning outside an LCSPR, not a Rapid Review (§1.4.6).",
    )
    learning_outside_review_on = GovukDateField(
        required=False, label="Date of the CRG's finding (if it found so)"
    )
    learning_outside_review_rationale = GovukTextareaField(
        required=False,
        max_length=5000,
        label="The CRG's rationale (if it found so)",
        help_text="Why it is not a serious child safeguarding case, and what learning it raises.",
    )
    learning_outside_review_notified_on = GovukDateField(
        required=False,
        label="Date the finding was notified to the National Panel (if it found so)",
        help_text="Every decision about commissioning an LCSPR is notified to the National "
        "Panel (§1.6.3).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, meetings: list[ScheduledMeeting], chosen: date | None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (m.held_on.isoformat(), f"{m.label} (the first after receipt)" if i == 0 else m.label)
            for i, m in enumerate(meetings)
        ]
        if chosen and chosen.isoformat() not in dict(choices):
            # A meeting chosen before it was cancelled stays visible until changed.
            choices.insert(
                0,
                (chosen.isoformat(), f"{format_date(chosen, weekday=True)} (no longer scheduled)"),
            )
        self.fields["first_crg_meeting_on"].choices = [*choices, (NOT_CHOSEN, "Not chosen yet")]
        # Default to the first scheduled meeting after receipt (§4.9).
        default = chosen or (meetings[0].held_on if meetings else None)
        self.initial["first_crg_meeting_on"] = default.isoformat() if default else NOT_CHOSEN

    def clean_first_crg_meeting_on(self) -> date | None:
        value = self.cleaned_data["first_crg_meeting_on"]
        return date.fromisoformat(value) if value else None

    def clean(self):
        data = super().clean()
        if data.get("learning_outside_review"):
            if not data.get("learning_outside_review_on") and (
                "learning_outside_review_on" not in self.errors
            ):
                self.add_error("learning_outside_review_on", "Enter the date of the CRG's finding.")
            if not data.get("learning_outside_review_notified_on") and (
                "learning_outside_review_notified_on" not in self.errors
            ):
                self.add_error(
                    "learning_outside_review_notified_on",
                    "Enter the date the finding was notified to the National Panel (§1.6.3).",
                )
            if not data.get("learning_outside_review_rationale", "").strip():
                self.add_error(
                    "learning_outside_review_rationale",
                    "Give the CRG's rationale: why it is not a serious case, and what "
                    "learning it raises (§1.4.5).",
                )
        elif (
            data.get("learning_outside_review_on")
            or data.get("learning_outside_review_rationale", "").strip()
        ):
            self.add_error(
                "learning_outside_review",
                "Tick the box if the CRG found the case is not a serious case but raises "
                "learning, or leave its date and rationale empty.",
            )
        return data

    def cleaned_request_information(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("request_information"))
