"""Forms of the terms of reference (§5): the draft, putting it to the CRG, the CRG's
decision, referred issues and parallel processes. The services decide; these check what
can be checked on the page, with the same words."""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from reviews.models import (
    CollectionTool,
    LegalAdvice,
    ParallelKind,
    ParallelProcess,
    ParallelStatus,
    TermsVersion,
)
from reviews.services import TermsDraft
from reviews.services.terms import (
    CHANGES_NEEDED,
    DECISION_NEEDED,
    ISSUE_NEEDED,
    LEAD_NEEDED,
    SCOPING_END_BEFORE_START,
)

STALE_PAGE = "This page is out of date. Open it again and make your change."

# The Terms of Reference Template's guidance (§5.1.2): where a first draft starts.
TEMPLATE_GUIDANCE = {
    "methodology": (
        "A systems-based review (§8.1): the Panel and the Reviewer will look at what "
        "happened and why, in the context of the systems practitioners worked in, to "
        "maximise learning for frontline practice and organisational structures."
    ),
    "family_invitation": (
        "Which family members are relevant to the review, and how the child (where the "
        "review does not involve a death), their siblings and family will be invited to "
        "contribute (§5.5.1)."
    ),
    "family_support": (
        "The information and support each family member is likely to need to take part, "
        "and how parallel investigations affect when and how they are approached (§5.5.2, "
        "§5.5.3)."
    ),
}


def _textarea(label, *, help_text="", rows=4, max_length=20000):
    return GovukTextareaField(
        label=label, help_text=help_text, required=False, max_length=max_length, rows=rows
    )


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )


class TermsForm(forms.Form):
    """One version of the terms of reference, §5.1-§5.7 in order."""

    version = _version_field()
    crg_early_input = _textarea(
        "The CRG's early input",
        help_text="What the Case Review Group asked the review to consider (§5.1.1).",
    )
    scrutineer_issues = _textarea(
        "The Independent Scrutineer's issues",
        help_text="Specific issues the Independent Scrutineer wants included (§5.1.1).",
    )
    scoping_start = GovukDateField(
        label="Start of the scoping period", required=False, help_text="For example, 1 4 2025"
    )
    scoping_end = GovukDateField(
        label="End of the scoping period", required=False, help_text="For example, 31 3 2026"
    )
    scoping_reason = _textarea(
        "Why this period",
        help_text="As short and recent as possible, but long enough to understand the pattern "
        "of abuse or neglect and whether early help could have made a difference (§5.2.1).",
    )
    key_lines_of_enquiry = _textarea(
        "Key lines of enquiry",
        help_text="One per line. Carried over from the Rapid Review decision; confirm or revise "
        "them (§5.3.1).",
        rows=6,
    )
    methodology = _textarea(
        "Methodology",
        help_text="How this case will be reviewed, adapted to its needs (§5.4.1, §8.1.3).",
    )
    collection_tools = forms.MultipleChoiceField(
        choices=CollectionTool.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Information collection and collation tools",
        help_text="Select all that the review will use (§5.4.2, §8.3).",
    )
    other_method = _textarea("The other method agreed", rows=3)
    other_method_reason = _textarea(
        "Why the other method", help_text="The reason for using it (§8.1.3).", rows=3
    )
    family_invitation = _textarea("How the child and family will be invited to contribute")
    family_support = _textarea(
        "The information and support they will need",
        help_text="Taking any parallel investigations into account (§5.5.3).",
    )
    legal_advice = forms.ChoiceField(
        choices=LegalAdvice.choices,
        required=False,
        widget=forms.RadioSelect,
        label="Will legal advice be needed?",
        help_text="At the outset, or later in the review (§5.7.1).",
    )
    legal_advice_from = forms.CharField(label="Asked of whom", required=False, max_length=200)
    legal_advice_when = forms.CharField(label="When", required=False, max_length=200)
    change_note = forms.CharField(
        label="What this version changes (optional)",
        required=False,
        max_length=500,
        help_text="Shown in the list of versions.",
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("scoping_start"), cleaned.get("scoping_end")
        if start and end and end < start:
            self.add_error("scoping_end", SCOPING_END_BEFORE_START)
        return cleaned

    @staticmethod
    def initial_for(latest: TermsVersion | None, carried_kloe: str) -> dict:
        """The latest version, or the template's guidance and the key lines of enquiry
        the Rapid Review decision carried over (§5.3.1)."""
        if latest is None:
            return {
                "version": 0,
                "key_lines_of_enquiry": "\n".join(
                    line.strip() for line in carried_kloe.splitlines() if line.strip()
                ),
                **TEMPLATE_GUIDANCE,
            }
        return {
            "version": latest.number,
            "crg_early_input": latest.crg_early_input,
            "scrutineer_issues": latest.scrutineer_issues,
            "scoping_start": latest.scoping_start,
            "scoping_end": latest.scoping_end,
            "scoping_reason": latest.scoping_reason,
            "key_lines_of_enquiry": "\n".join(latest.key_lines_of_enquiry),
            "methodology": latest.methodology,
            "collection_tools": latest.collection_tools,
            "other_method": latest.other_method,
            "other_method_reason": latest.other_method_reason,
            "family_invitation": latest.family_invitation,
            "family_support": latest.family_support,
            "legal_advice": latest.legal_advice,
            "legal_advice_from": latest.legal_advice_from,
            "legal_advice_when": latest.legal_advice_when,
        }

    def draft(self) -> TermsDraft:
        data = self.cleaned_data
        return TermsDraft(
            crg_early_input=data["crg_early_input"],
            scrutineer_issues=data["scrutineer_issues"],
            scoping_start=data["scoping_start"],
            scoping_end=data["scoping_end"],
            scoping_reason=data["scoping_reason"],
            key_lines_of_enquiry=data["key_lines_of_enquiry"].splitlines(),
            methodology=data["methodology"],
            collection_tools=list(data["collection_tools"]),
            other_method=data["other_method"],
            other_method_reason=data["other_method_reason"],
            family_invitation=data["family_invitation"],
            family_support=data["family_support"],
            legal_advice=data["legal_advice"],
            legal_advice_from=data["legal_advice_from"],
            legal_advice_when=data["legal_advice_when"],
        )


def _meeting_choices(meetings) -> list[tuple[str, str]]:
    return [(str(m.pk), str(m)) for m in meetings]


class MeetingChoiceForm(forms.Form):
    """Choose a CRG meeting from the calendar (§5.1.2, §5.1.3)."""

    meeting = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which CRG meeting?",
        error_messages={"required": "Choose a CRG meeting."},
    )

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = {m.pk: m for m in meetings}
        self.fields["meeting"].choices = _meeting_choices(meetings)

    def chosen_meeting(self):
        return self.meetings.get(self.cleaned_data["meeting"])


class PutToCrgForm(MeetingChoiceForm):
    number = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE})


class IssueForm(MeetingChoiceForm):
    issue = GovukTextareaField(
        label="The issue the CRG is asked to decide",
        help_text="An issue the Panel or the Reviewer cannot resolve (§5.1.2).",
        max_length=5000,
        error_messages={"required": ISSUE_NEEDED},
    )


class AgreementForm(forms.Form):
    """The CRG's decision on the version put to it (§5.1.3, §5.3.1): `number` is the
    version the person saw, refused unless it is still the one before the CRG."""

    number = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )
    agreed = forms.TypedChoiceField(
        choices=[("yes", "Yes, the CRG agreed them"), ("no", "No, it asked for changes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Did the CRG agree the terms of reference?",
        error_messages={"required": "Choose whether the CRG agreed them."},
    )
    changes_asked = GovukTextareaField(
        label="What the CRG asked to change",
        required=False,
        max_length=5000,
        rows=4,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agreed") is False and not cleaned.get("changes_asked", "").strip():
            self.add_error("changes_asked", CHANGES_NEEDED)
        return cleaned


class IssueDecisionForm(forms.Form):
    version = _version_field()
    decision = GovukTextareaField(
        label="The CRG's decision",
        max_length=5000,
        error_messages={"required": DECISION_NEEDED},
    )


class ParallelProcessForm(forms.Form):
    """A parallel investigation or review (§5.6.1 and footnote 16)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        choices=ParallelKind.choices,
        widget=forms.RadioSelect,
        label="What kind of process is it?",
        error_messages={"required": "Choose what kind of process it is."},
    )
    other_description = forms.CharField(
        label="Describe the other process", required=False, max_length=200
    )
    lead = forms.CharField(
        label="Who leads it",
        help_text="The organisation, for example the police force or the coroner's office.",
        max_length=200,
        error_messages={"required": LEAD_NEEDED},
    )
    contact = forms.CharField(
        label="Contact",
        help_text="A role or team, for example the SIO.",
        required=False,
        max_length=200,
    )
    status = forms.ChoiceField(
        choices=ParallelStatus.choices,
        widget=forms.RadioSelect,
        label="Status",
        error_messages={"required": "Choose its status."},
    )
    ended_on = GovukDateField(
        label="Date it concluded", required=False, help_text="Only when it has concluded."
    )
    effect_on_timing = GovukTextareaField(
        label="How it affects the review's timing",
        help_text="For example, the police asked the review to wait before involving key "
        "individuals (§3.1.3).",
        required=False,
        max_length=5000,
        rows=3,
    )
    effect_on_family = GovukTextareaField(
        label="How it affects engaging the family (§5.5.3)",
        required=False,
        max_length=5000,
        rows=3,
    )

    @staticmethod
    def initial_for(process: ParallelProcess) -> dict:
        return {
            "version": process.version,
            "kind": process.kind,
            "other_description": process.other_description,
            "lead": process.lead,
            "contact": process.contact,
            "status": process.status,
            "ended_on": process.ended_on,
            "effect_on_timing": process.effect_on_timing,
            "effect_on_family": process.effect_on_family,
        }

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data
