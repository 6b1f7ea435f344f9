from django import forms

from cases.forms import GovukDateField, GovukTimeField
from cases.models import Agency
from rapidreview.models import Declaration, MeetingKind

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


class AttendanceForm(forms.Form):
    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "Enter the attendee's name."}
    )
    capacity = forms.CharField(max_length=200, required=False, label="Role (optional)")
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Agency represented",
        empty_label="None (Business Office, Independent Scrutineer)",
    )
    present = forms.ChoiceField(
        choices=[("yes", "Present"), ("no", "Sent apologies")],
        widget=forms.RadioSelect,
        initial="yes",
        label="Attendance",
    )
    declaration = forms.ChoiceField(
        choices=Declaration.choices,
        widget=forms.RadioSelect,
        label="Conflict of interest (§1.5.8)",
        error_messages={"required": "Record the attendee's declaration (§1.5.8)."},
    )
    declaration_details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="The conflict of interest, if declared",
    )
    confidentiality_agreed = forms.BooleanField(
        required=False, label="Agreed to keep the meeting's business confidential (§1.5.8)"
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnerships=partnership)

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        data["present"] = data["present"] == "yes"
        return data
