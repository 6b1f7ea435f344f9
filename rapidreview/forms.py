from django import forms

from cases.forms import GovukDateField, GovukTimeField
from rapidreview.models import MeetingKind

STALE_PAGE = "This page is out of date: reload it and choose again."


class CrgMeetingForm(forms.Form):
    kind = forms.ChoiceField(
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        label="What kind of meeting?",
        error_messages={"required": "Select the kind of meeting."},
    )
    held_on = GovukDateField(label="Date of the meeting")
    starts_at = GovukTimeField(
        required=False, label="Start time (optional)", help_text="For example, 14:30."
    )
    location = forms.CharField(required=False, max_length=200, label="Where (optional)")

    def __init__(self, *args, holds_parameters_meeting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not holds_parameters_meeting:  # §4.4.3 is a local variant
            self.fields["kind"].choices = [
                c for c in MeetingKind.choices if c[0] != MeetingKind.REQUEST_PARAMETERS
            ]


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why is the meeting cancelled?",
        error_messages={"required": "Give the reason for cancelling the meeting."},
    )


class MeetingChoiceForm(forms.Form):
    meeting = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which meeting will hold the Rapid Review?",
        error_messages={"required": "Select the meeting."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Reason, if the meeting is outside the window (§4.4.2)",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [
            (
                o.meeting.pk,
                f"{o.meeting.held_on:%A %-d %B %Y}: {o.meeting.get_kind_display()}"
                + ("" if o.in_window else " (outside the window)"),
            )
            for o in options
        ]


class ParametersMeetingForm(forms.Form):
    parameters_meeting = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Meeting to agree the request parameters and the date (§4.4.3)",
        error_messages={"required": "Select the meeting."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameters_meeting"].choices = [
            (m.pk, f"{m.held_on:%A %-d %B %Y}") for m in meetings
        ]
