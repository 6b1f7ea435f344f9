"""Forms of the family's part in the review (§7): a member of the network, a couple, the
first contact (§7.3), taking part (§7.4.2) and a conversation (§7.4.1)."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from reviews.models import CoupleKind, Delivery, NonParticipationReason, Participation, Sex

STALE_PAGE = "This page was out of date. Check what is shown and save again."

ABOUT = [
    ("is_subject_child", "The subject child"),
    ("is_surviving_child", "A surviving child"),
    ("is_deceased", "Deceased"),
]
SUPPORT = [
    ("needs_interpreter", "Interpreter or translation"),
    ("needs_disability_support", "Support for a disabled parent"),
    ("needs_domestic_abuse_specialist", "A domestic-abuse specialist"),
    ("needs_child_participation_support", "Help for a child to take part"),
]


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


def _member_choice(label, *, required, empty="Not in the network"):
    return forms.ModelChoiceField(
        queryset=None,
        required=required,
        label=label,
        empty_label=empty,
        error_messages={"invalid_choice": "Choose someone from this family network."},
    )


class MemberForm(forms.Form):
    """A person of the family network (§7.1.2, §7.2.1)."""

    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the family member's name."},
    )
    relationship = forms.CharField(
        label="Relationship to the child",
        max_length=100,
        help_text="For example: mother, half-brother, maternal grandmother.",
        error_messages={"required": "Enter their relationship to the child, for example: mother."},
    )
    about = forms.MultipleChoiceField(
        label="About them",
        choices=ABOUT,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        initial=Sex.UNKNOWN,
        widget=forms.RadioSelect,
        help_text="The genogram draws a square for a male, a circle for a female.",
        error_messages={"required": "Choose their sex, or 'Not known'."},
    )
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False)
    age = forms.IntegerField(
        label="Age in years (if the date of birth is not known)",
        required=False,
        min_value=0,
        max_value=130,
        error_messages={
            "invalid": "Enter the age as a whole number of years, for example 34.",
            "min_value": "The age must be 0 or more.",
            "max_value": "The age must be 130 or less.",
        },
    )
    mother = _member_choice("Mother (optional)", required=False)
    father = _member_choice("Father (optional)", required=False)
    household = forms.CharField(
        label="Household (optional)",
        required=False,
        max_length=100,
        help_text=(
            "People with the same household are drawn inside one boundary, e.g. 'Household 1'."
        ),
    )
    language = forms.CharField(
        label="First language (optional)",
        required=False,
        max_length=100,
    )
    support = forms.MultipleChoiceField(
        label="Support they need to take part (§7.1.2)",
        choices=SUPPORT,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    support_notes = _textarea("Notes on support (optional)", rows=3)
    address = _textarea("Address (optional)", rows=3)
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=40)
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mother"].queryset = network
        self.fields["father"].queryset = network
        self.fields["mother"].label_from_instance = _member_label
        self.fields["father"].label_from_instance = _member_label

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        about, support = set(data.pop("about")), set(data.pop("support"))
        for key, _ in ABOUT:
            data[key] = key in about
        for key, _ in SUPPORT:
            data[key] = key in support
        data.pop("version", None)
        return data

    @staticmethod
    def initial_of(member) -> dict:
        return {
            **{
                name: getattr(member, name)
                for name in (
                    "name",
                    "relationship",
                    "sex",
                    "date_of_birth",
                    "age",
                    "household",
                    "language",
                    "support_notes",
                    "address",
                    "phone",
                    "email",
                )
            },
            "mother": member.mother_id,
            "father": member.father_id,
            "about": [key for key, _ in ABOUT if getattr(member, key)],
            "support": [key for key, _ in SUPPORT if getattr(member, key)],
            "version": member.version,
        }


class MemberEditForm(MemberForm):
    version = _version_field()


def _member_label(member) -> str:
    return f"{member.name} ({member.relationship})"


class CoupleForm(forms.Form):
    """Two people of the network as a couple: the genogram joins them."""

    first = _member_choice("First person", required=True, empty="Choose a person")
    second = _member_choice("Second person", required=True, empty="Choose a person")
    kind = forms.ChoiceField(
        label="Their relationship",
        choices=CoupleKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their relationship."},
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = network
            self.fields[name].label_from_instance = _member_label
            self.fields[name].error_messages["required"] = "Choose both people."


class InitialContactForm(forms.Form):
    """The first contact with a member (§7.3)."""

    made_by = forms.CharField(
        label="Who made personal contact",
        required=False,
        max_length=200,
        help_text="The most appropriate practitioner, and their role: e.g. the social worker.",
    )
    made_on = GovukDateField(label="Date of the personal contact", required=False)
    letter_delivery = forms.ChoiceField(
        label="How the letter was delivered (§7.3.2)",
        choices=Delivery.choices,
        initial=Delivery.NOT_SENT,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the letter was delivered, or 'Not sent'."},
    )
    leaflet_delivery = forms.ChoiceField(
        label="How the leaflet was delivered (§7.3.2)",
        choices=Delivery.choices,
        initial=Delivery.NOT_SENT,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the leaflet was delivered, or 'Not sent'."},
    )
    response = _textarea("Their response (optional)", rows=4)
    version = _version_field()


class ParticipationForm(forms.Form):
    """Whether the member takes part, and why not (§7.3.1, §7.4.2)."""

    participation = forms.ChoiceField(
        label="Are they taking part in the review?",
        choices=Participation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they are taking part."},
    )
    non_participation_reason = forms.ChoiceField(
        label="Why are they not taking part? (if not)",
        choices=NonParticipationReason.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Every reason for non-involvement is documented in the final report (§7.4.2).",
    )
    non_participation_detail = _textarea(
        "More detail (optional; needed for 'Another reason')",
        help_text="Do not write anyone's name: this may be carried into the report.",
        rows=3,
    )
    version = _version_field()


class ConversationForm(forms.Form):
    """A conversation with family members (§7.4.1)."""

    held_on = GovukDateField(label="Date of the conversation")
    members = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Who was it with?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose who the conversation was with.",
            "invalid_choice": "Choose people from this family network.",
        },
    )
    held_by = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Who held it?",
        empty_label="Someone who does not use the product",
        help_text="Normally the Reviewer (§7.4.1).",
        error_messages={"invalid_choice": "Choose the Reviewer, a Panel member or the office."},
    )
    held_by_name = forms.CharField(
        label="Their name and role (if they do not use the product)",
        required=False,
        max_length=200,
    )
    note = _textarea(
        "Note of the conversation",
        required=True,
        message="Write a note of the conversation.",
        rows=8,
    )

    def __init__(self, *args, network, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = network
        self.fields["members"].label_from_instance = _member_label
        self.fields["held_by"].queryset = people


class ConversationEditForm(ConversationForm):
    """A recorded conversation, corrected at the version it was opened at."""

    version = _version_field()

    @staticmethod
    def initial_of(conversation) -> dict:
        return {
            "held_on": conversation.held_on,
            "members": [m.pk for m in conversation.members.all()],
            "held_by": conversation.held_by_id,
            "held_by_name": conversation.held_by_name,
            "note": conversation.note,
            "version": conversation.version,
        }
