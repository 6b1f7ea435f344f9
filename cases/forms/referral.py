"""The referral path's progress (§4.9)."""

from django import forms

from cases.forms.fields import GovukDateField

YES_NO_UNDECIDED = [("yes", "Yes"), ("no", "No"), ("", "Not decided yet")]


class ReferralProgressForm(forms.Form):
    """§4.1.6 and §4.9: what the Business Office does with a referral in its first month."""

    shared_with_local_authority_on = GovukDateField(
        required=False, label="Date shared with the Local Authority's CRG representative"
    )
    local_authority_representative = forms.CharField(
        required=False, max_length=200, label="Local Authority CRG representative"
    )
    first_crg_meeting_on = GovukDateField(
        required=False,
        label="First scheduled CRG meeting after receipt",
        help_text="The referral is first discussed there, within a month (§4.9).",
    )
    request_information = forms.ChoiceField(
        choices=YES_NO_UNDECIDED,
        widget=forms.RadioSelect,
        required=False,
        label="Does the CRG want agencies' information?",
    )
    request_information_reason = forms.CharField(
        widget=forms.Textarea, required=False, max_length=3000, label="Reason for the decision"
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
    learning_outside_review_rationale = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        label="The CRG's rationale (if it found so)",
        help_text="Why it is not a serious child safeguarding case, and what learning it raises.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("learning_outside_review"):
            if not data.get("learning_outside_review_on") and (
                "learning_outside_review_on" not in self.errors
            ):
                self.add_error("learning_outside_review_on", "Enter the date of the CRG's finding.")
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
