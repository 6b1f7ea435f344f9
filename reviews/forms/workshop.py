"""Forms of the reflective learning workshop (§8.9-8.12)."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField, GovukTimeField
from reviews.models import InviteeResponse
from reviews.selectors.workshop import RECORD_HEADINGS
from reviews.services.workshop import SessionTimes

STALE_PAGE = "This page was out of date. Check what is shown and save again."
YES_NO = [("yes", "Yes"), ("no", "No")]


def _textarea(label, *, help_text="", required=False, message=None, rows=4):
    return GovukTextareaField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=20000,
        rows=rows,
        error_messages={"required": message} if message else {},
    )


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


def _time(label):
    return GovukTimeField(required=False, label=label, help_text="For example, 09:30.")


class WorkshopPlanForm(forms.Form):
    """Whether a workshop is held (§8.9.2); its half day or two (§8.11.1) and place."""

    is_held = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Is a reflective learning workshop held?",
        error_messages={"required": "Say whether a learning workshop is held."},
    )
    not_held_reason = _textarea(
        "If not, why not?",
        help_text="For example, the practitioners have left the agencies they worked for (§8.9.2).",
        rows=3,
    )
    first_day = GovukDateField(label="Date of the first half day", required=False)
    first_starts = _time("Start time")
    first_ends = _time("End time")
    second_day = GovukDateField(label="Date of the second half day (optional)", required=False)
    second_starts = _time("Start time of the second half day")
    second_ends = _time("End time of the second half day")
    place = _textarea("Place", help_text="The venue's name and address, or how to join.", rows=3)
    share_themes = forms.BooleanField(
        required=False,
        label="Share the key themes with the participants in the briefing (§8.8.2)",
    )
    version = _version_field()

    def clean(self):
        data = super().clean()
        sessions = []
        for prefix, label in (("first", "first"), ("second", "second")):
            day = data.get(f"{prefix}_day")
            starts, ends = data.get(f"{prefix}_starts"), data.get(f"{prefix}_ends")
            if day is None and starts is None and ends is None:
                continue
            if day is None:
                if f"{prefix}_day" not in self.errors:
                    self.add_error(f"{prefix}_day", f"Enter the date of the {label} half day.")
                continue
            if starts is None and f"{prefix}_starts" not in self.errors:
                self.add_error(f"{prefix}_starts", f"Enter the start time of the {label} half day.")
            if ends is None and f"{prefix}_ends" not in self.errors:
                self.add_error(f"{prefix}_ends", f"Enter the end time of the {label} half day.")
            if starts is not None and ends is not None:
                sessions.append(SessionTimes(day=day, starts=starts, ends=ends))
        if not sessions and data.get("second_day") and not data.get("first_day"):
            self.add_error("first_day", "Enter the first half day before a second one.")
        data["sessions"] = sessions
        return data

    @classmethod
    def initial_for(cls, workshop, sessions) -> dict:
        from django.utils import timezone

        if workshop is None:
            return {"version": 0}
        initial = {
            "is_held": {True: "yes", False: "no"}.get(workshop.is_held),
            "not_held_reason": workshop.not_held_reason,
            "place": workshop.place,
            "share_themes": workshop.share_themes,
            "version": workshop.version,
        }
        for prefix, session in zip(("first", "second"), sessions, strict=False):
            starts, ends = (
                timezone.localtime(session.starts_at),
                timezone.localtime(session.ends_at),
            )
            initial[f"{prefix}_day"] = starts.date()
            # A time input's value is HH:MM.
            initial[f"{prefix}_starts"] = starts.time().isoformat(timespec="minutes")
            initial[f"{prefix}_ends"] = ends.time().isoformat(timespec="minutes")
        return initial


class _Reason(forms.Form):
    invited_reason = _textarea(
        "Reason they should attend (needed if they had no direct involvement)",
        help_text="Only those who had some form of direct operational involvement with the "
        "child and family should attend (§8.10.2).",
        rows=3,
    )


class InviteePractitionerForm(_Reason):
    """One of the agencies' named practitioners or line managers (§8.10.1)."""

    field_order = ["practitioner", "email", "invited_reason"]

    practitioner = forms.TypedChoiceField(
        coerce=int,
        label="Named practitioner or line manager",
        error_messages={
            "required": "Choose the practitioner to invite.",
            "invalid_choice": "Choose a practitioner an agency named for this review.",
        },
    )
    email = forms.EmailField(
        required=False,
        label="Email address (if not the one their agency gave)",
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", "Choose a practitioner")] + [
            (row.pk, practitioner_label(row)) for row in candidates
        ]


def practitioner_label(row) -> str:
    parts = [row.name, row.job_title, row.request.agency.name]
    label = ", ".join(part for part in parts if part)
    if row.is_line_manager:
        label += " (line manager)"
    if not row.direct_involvement:
        label += " – no direct involvement"
    if row.has_left_agency:
        label += " – has left the agency"
    return label


class InviteeByHandForm(_Reason):
    """Someone not on an agency's list: refused unless the reason is recorded (§8.10.2)."""

    field_order = ["name", "email", "agency", "role", "invited_reason"]

    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "Enter their name."}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address: the invitation goes by email.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    agency = forms.ModelChoiceField(
        queryset=None, required=False, label="Agency (optional)", empty_label="No agency"
    )
    role = forms.CharField(max_length=200, required=False, label="Role (optional)")

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class AttendanceForm(forms.Form):
    """Who attended: one yes / no / not recorded answer for each invitee."""

    CHOICES = [("yes", "Attended"), ("no", "Did not attend"), ("", "Not recorded")]

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for invitee in invitees:
            name = f"attended_{invitee.pk}"
            self.fields[name] = forms.ChoiceField(
                choices=self.CHOICES,
                required=False,
                widget=forms.RadioSelect,
                label=invitee.name,
                initial={True: "yes", False: "no"}.get(invitee.attended, ""),
            )
            self.rows.append((invitee, name))

    def attended(self) -> dict[int, bool | None]:
        values = {"yes": True, "no": False}
        return {
            invitee.pk: values.get(self.cleaned_data.get(name) or "") for invitee, name in self.rows
        }


class WorkshopRecordForm(forms.Form):
    """The record of discussion, under the §8.11.3 headings."""

    version = _version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, heading, hint in RECORD_HEADINGS:
            self.fields[name] = _textarea(heading, help_text=hint, rows=6)


class ConversationForm(forms.Form):
    """A conversation with a key practitioner who could not attend (§8.12.1)."""

    name = forms.CharField(
        max_length=200,
        label="Practitioner's name",
        error_messages={"required": "Enter the practitioner's name."},
    )
    agency = forms.ModelChoiceField(
        queryset=None, required=False, label="Agency (optional)", empty_label="No agency"
    )
    role = forms.CharField(max_length=200, required=False, label="Role (optional)")
    held_on = GovukDateField(label="Date of the conversation")
    held_by = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Held by (normally the Reviewer)",
        empty_label="Nobody named",
        error_messages={"invalid_choice": "Choose the Reviewer, a Panel member or the office."},
    )
    note = _textarea(
        "What they contributed",
        required=True,
        message="Record what the practitioner contributed to the learning.",
        rows=6,
    )

    def __init__(self, *args, agencies, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["held_by"].queryset = people


class InvitationAnswerForm(forms.Form):
    """The invitee's answer through their personal link."""

    response = forms.ChoiceField(
        choices=[
            (InviteeResponse.ACCEPTED.value, "Yes, I will attend"),
            (InviteeResponse.DECLINED.value, "No, I cannot attend"),
        ],
        widget=forms.RadioSelect,
        label="Will you attend the workshop?",
        error_messages={"required": "Choose whether you will attend."},
    )
