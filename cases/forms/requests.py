"""The office's information-request forms (§4.3)."""

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from cases.forms.portal import AttachmentForm
from cases.models import (
    Agency,
    EscalationCause,
)
from cases.services.information_request import ORIGINAL_REQUIRED, UPLOAD_EMPTY

# --- Information requests ----------------------------------------------------------------


class SendRequestsForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Which agencies should receive the request?",
        error_messages={"required": "Select at least one agency."},
    )
    reply_due_on = GovukDateField(
        label="Reply deadline",
        help_text="The date in the letter by which agencies should reply (§4.3.4). "
        "Suggested: before the earliest Rapid Review meeting date, to leave time to "
        "analyse the replies (§4.4.2).",
    )
    letter_note = GovukTextareaField(
        required=False,
        max_length=3000,
        label="Anything else the letter should ask (optional)",
    )
    school_holiday_exception = GovukTextareaField(
        required=False,
        max_length=2000,
        label="School-holiday exception (optional)",
        help_text="Where a school is closed for the holidays, say what was agreed "
        "(§4.4 footnote 15).",
    )

    def __init__(self, *args, agencies, direct_to_schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies
        if not direct_to_schools:
            del self.fields["school_holiday_exception"]


class ReturnRequestForm(forms.Form):
    reason = GovukTextareaField(
        max_length=3000,
        label="What more information is needed?",
        name_in_errors="The further information needed",
        error_messages={"required": "Say what more information the agency should give."},
    )
    reply_due_on = GovukDateField(
        label="New reply deadline",
        help_text="The agency is chased again against this date.",
    )


class EscalationForm(forms.Form):
    cause = forms.ChoiceField(
        choices=EscalationCause.choices,
        widget=forms.RadioSelect,
        label="Why is it being escalated?",
        error_messages={"required": "Select why the request is being escalated."},
    )
    escalated_on = GovukDateField(label="Date escalated")
    note = GovukTextareaField(
        max_length=3000,
        label="What was done, and with whom",
        error_messages={"required": "Say what was done and with whom."},
    )


class OriginalReplyForm(AttachmentForm):
    """The email or document an agency's reply came in, which the office enters for it."""

    file = forms.FileField(
        label="The email or document the reply came in",
        error_messages={"required": ORIGINAL_REQUIRED, "empty": UPLOAD_EMPTY},
    )
