"""Forms of the review's timetable (§5.8) and panel meetings (§6.2, §7.1.3, §11.2.1)."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from reviews.models import AttendanceStatus, LearningAudience, MilestoneKind

STALE_PAGE = "This page was out of date. Check what is shown and save again."


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


def _people_field(label, *, required):
    return forms.ModelChoiceField(
        queryset=None,
        required=required,
        label=label,
        empty_label="Nobody named" if not required else "Choose a person",
        error_messages={
            "required": "Choose who owns it.",
            "invalid_choice": "Choose the Reviewer, a Panel member or the Business Office.",
        },
    )


class _MilestoneFields(forms.Form):
    due_on = GovukDateField(label="Date")
    title = forms.CharField(
        label="Title (for 'Other')",
        required=False,
        max_length=200,
        help_text="Shown on the timetable only; reminders say 'Review milestone'.",
    )
    owner = _people_field("Owner (optional)", required=False)
    notes = _textarea("Notes (optional)", rows=3)
    after_six_months_reason = _textarea(
        "Reason for a date after the six-month date (if it is after)",
        help_text="The review should finish within six months of the decision (§3.1.2).",
        rows=2,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people


class MilestoneForm(_MilestoneFields):
    """A milestone of the timetable (§5.8)."""

    field_order = ["kind", "title", "due_on", "owner", "notes", "after_six_months_reason"]

    kind = forms.ChoiceField(
        choices=MilestoneKind.choices,
        widget=forms.RadioSelect,
        label="What is it?",
        error_messages={"required": "Choose what the milestone is."},
    )


class MilestoneChangeForm(_MilestoneFields):
    """Moving a milestone, changing its owner or notes: with the reason, at its version."""

    reason = _textarea(
        "Why does it change?", required=True, message="Say why the milestone changes.", rows=2
    )
    version = _version_field()


class MilestoneCancelForm(forms.Form):
    reason = _textarea(
        "Why is it cancelled?",
        required=True,
        message="Say why the milestone is cancelled.",
        rows=2,
    )


class MilestoneDoneForm(forms.Form):
    """A learning event, family engagement or other milestone took place (§5.8)."""

    done_on = GovukDateField(label="Date it took place")
    version = _version_field()


class MeetingScheduleForm(forms.Form):
    """A panel meeting scheduled directly: it adds its milestone to the timetable."""

    held_on = GovukDateField(label="Date of the meeting")
    after_six_months_reason = _textarea(
        "Reason for a date after the six-month date (if it is after)", rows=2
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(
        label="Agenda item",
        max_length=200,
        error_messages={"required": "Give the agenda item a title."},
    )


class MinutesForm(forms.Form):
    """The minutes: an answer for each agenda item (every standing item before they are
    recorded), attendance of the appointed people, decisions and free text."""

    decisions = _textarea("Decisions", rows=4)
    minutes = _textarea("Minutes", rows=8)
    version = _version_field()

    def __init__(self, *args, agenda, appointed, **kwargs):
        super().__init__(*args, **kwargs)
        self.agenda = list(agenda)
        self.appointed = list(appointed)
        for item in self.agenda:
            field = _textarea(item.title, rows=3)
            field.name_in_errors = item.title
            self.fields[f"item_{item.pk}"] = field
        for appointment in self.appointed:
            self.fields[f"attended_{appointment.user_id}"] = forms.ChoiceField(
                label=f"{appointment.user.get_full_name() or appointment.user.username} "
                f"({appointment.get_role_display()})",
                choices=[("", "Not recorded"), *AttendanceStatus.choices],
                required=False,
                widget=forms.RadioSelect,
            )

    def item_fields(self):
        return [self[f"item_{item.pk}"] for item in self.agenda]

    def attendance_fields(self):
        return [self[f"attended_{a.user_id}"] for a in self.appointed]

    def answers(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}", "") for item in self.agenda}

    def attendance(self) -> dict[int, str]:
        return {
            a.user_id: self.cleaned_data.get(f"attended_{a.user_id}", "") for a in self.appointed
        }


class ActionForm(forms.Form):
    description = _textarea(
        "What is to be done", required=True, message="Say what is to be done.", rows=3
    )
    owner = _people_field("Owner", required=True)
    due_on = GovukDateField(label="Due date")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people


class ActionDoneForm(forms.Form):
    done_on = GovukDateField(label="Date done")
    note = _textarea("What was done", required=True, message="Say what was done.", rows=2)


class SwiftLearningForm(forms.Form):
    """A swift learning message (§11.2.1)."""

    message = _textarea("The message", required=True, message="Enter the message.", rows=4)
    audience = forms.ChoiceField(
        choices=LearningAudience.choices,
        widget=forms.RadioSelect,
        label="Who does it go to?",
        error_messages={"required": "Choose who the message goes to."},
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agencies (for a specific agencies' workforce)",
    )
    could_affect_family_or_investigation = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Could sharing it affect the family or a parallel investigation?",
        help_text="§11.2.1: the panel considers this before any message is shared.",
        error_messages={
            "required": "Say whether sharing it could affect the family or a parallel "
            "investigation."
        },
    )
    consideration = _textarea(
        "The panel's consideration",
        required=True,
        message="Record the panel's consideration of that risk.",
        rows=3,
    )
    sent_on = GovukDateField(label="Date sent (if it has been)", required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies


class SentForm(forms.Form):
    sent_on = GovukDateField(label="Date sent")


class FamilyCoordinatorForm(forms.Form):
    """§7.1.3: who coordinates communication with the family."""

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the person's name."}
    )
    role = forms.CharField(
        label="Role", max_length=200, error_messages={"required": "Enter the person's role."}
    )
    agency = forms.ModelChoiceField(
        queryset=None, required=False, label="Agency (optional)", empty_label="None"
    )
    # 0 when nobody is named yet: a coordinator named since is a conflict (§7.1.3).
    version = _version_field()

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
