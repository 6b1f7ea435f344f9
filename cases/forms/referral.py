"""The referral path's progress (§4.9)."""

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField

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
    request_information_reason = GovukTextareaField(
        required=False, max_length=3000, label="Reason for the decision"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def cleaned_request_information(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("request_information"))
