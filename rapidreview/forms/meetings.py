from django import forms

from cases.dates import format_date
from cases.forms.fields import GovukDateField, GovukTextareaField, GovukTimeField
from cases.models import Agency, User
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
    reason = GovukTextareaField(
        rows=3,
        required=False,
        max_length=2000,
        label="Reason, if the meeting is outside the window (§4.4.2)",
        name_in_errors="The reason",
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
                f"{format_date(o.meeting.held_on, weekday=True)}: {o.meeting.get_kind_display()}"
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
            (m.pk, f"{format_date(m.held_on, weekday=True)}") for m in meetings
        ]


YES_NO = [("yes", "Yes"), ("no", "No")]


class AttendanceForm(forms.Form):
    """One attendee: someone with an account picked from the list, else typed in, with
    their answers to the standing agenda item on conflicts and confidentiality (§1.5.8)."""

    person = forms.ChoiceField(
        required=False,
        label="Who attended",
        help_text="CRG members, the Independent Scrutineer and the users of the agencies "
        "invited to the meeting. Type a name below only for someone without an account.",
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label="Name, for someone without an account",
    )
    capacity = forms.CharField(max_length=200, required=False, label="Role (optional)")
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Agency represented",
        help_text="For someone chosen from the list, their own agency unless you choose another.",
        empty_label="None (Business Office, Independent Scrutineer)",
    )
    present = forms.ChoiceField(
        choices=[("yes", "Present"), ("no", "Sent apologies")],
        widget=forms.RadioSelect,
        initial="yes",
        label="Attendance",
        error_messages={"required": "Say whether the attendee was present."},
    )
    declaration = forms.ChoiceField(
        choices=Declaration.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Conflict of interest (§1.5.8)",
    )
    declaration_details = GovukTextareaField(
        rows=2,
        required=False,
        max_length=2000,
        label="The conflict of interest, if declared",
    )
    takes_part_in_decision = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        label="If a conflict is declared: do they take part in the decision?",
        help_text="Someone who takes no part is left out of the quorum and does not sign "
        "the decision (§1.5.8, §4.6.1).",
    )
    confidentiality_agreed = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        label="Agreed to keep the meeting's business confidential (§1.5.8)",
    )

    def __init__(self, *args, partnership, people: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnerships=partnership)
        self.fields["person"].choices = [("", "Someone without an account")] + [
            (str(pk), person.label) for pk, person in people.items()
        ]
        self.people = people

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("name") or "").strip():
            self.add_error("name", "Enter the attendee's name, or choose them from the list.")
        if data.get("present") == "yes":
            if not data.get("declaration"):
                self.add_error(
                    "declaration",
                    "Record whether the attendee declared a conflict of interest (§1.5.8).",
                )
            if not data.get("confidentiality_agreed"):
                self.add_error(
                    "confidentiality_agreed",
                    "Record whether the attendee agreed to confidentiality (§1.5.8).",
                )
        if data.get("declaration") == Declaration.DECLARED:
            if not (data.get("declaration_details") or "").strip():
                self.add_error(
                    "declaration_details", "Say what the conflict of interest is (§1.5.8)."
                )
            if not data.get("takes_part_in_decision"):
                self.add_error(
                    "takes_part_in_decision",
                    "Say whether the attendee takes part in the decision despite the conflict.",
                )
        return data

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        person = data.pop("person")
        data["user"] = User.objects.get(pk=person) if person else None
        data["present"] = data["present"] == "yes"
        data["confidentiality_agreed"] = data["confidentiality_agreed"] == "yes"
        takes_part = data.pop("takes_part_in_decision")
        data["takes_part_in_decision"] = {"yes": True, "no": False}.get(takes_part)
        return data
