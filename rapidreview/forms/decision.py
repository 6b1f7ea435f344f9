"""Forms of the meeting's record, decision and sign-off pages (§4.6, §4.7, §1.4).

The services decide; these forms check what can be checked on the page, so that every
missing answer is listed at once, with the same words the services use.
"""

from __future__ import annotations

from django import forms

from cases.forms.fields import GovukDateField, GovukTextareaField
from cases.models import CombinedSummary
from rapidreview.forms.meetings import STALE_PAGE
from rapidreview.models import (
    DECISION_CRITERIA,
    AdviceKind,
    CriterionFinding,
    Decision,
    RapidReview,
)
from rapidreview.services import DecisionDetails

DECISION_NEEDED = "Choose whether to proceed to an LCSPR."
RATIONALE_NEEDED = "Give the rationale for the decision."
FINDING_NEEDED = "Say whether this applies: {criterion}."
CRITERION_RATIONALE_NEEDED = "Give the rationale for: {criterion}."
KLOE_NEEDED = "Agree the Key Lines of Enquiry for the review (§4.6.2)."
DISSEMINATION_NEEDED = "Say how the Rapid Review learning will be disseminated (§4.6.2)."
OTHER_LEARNING_NEEDED = "Say whether other learning processes will bring improvements (§1.4.6)."
ROLE_NEEDED = "Choose the Safeguarding Partner you confirm the decision for."

# §1.4.1 "must take into account", §1.4.2 "have regard to": the criterion's label says which.
CRITERIA_GROUPS = (
    ("Must take into account (§1.4.1)", "§1.4.1"),
    ("Have regard to (§1.4.2)", "§1.4.2"),
)


def criterion_text(criterion) -> str:
    """The criterion without its paragraph number, which its group's legend gives."""
    paragraph, _, text = str(criterion.label).partition(" ")
    return text if paragraph.startswith("§") else str(criterion.label)


def criteria_in(paragraph: str) -> list:
    return [c for c in DECISION_CRITERIA if str(c.label).startswith(paragraph + " ")]


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE}
    )


def _textarea(label, *, help_text="", required=False, message=None, rows=5):
    return GovukTextareaField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=20000,
        rows=rows,
        error_messages={"required": message} if message else {},
    )


class RecordForm(forms.Form):
    """§4.6.2: what the meeting reviewed and learnt."""

    facts_reviewed = _textarea(
        "Facts of the case reviewed",
        help_text="The facts about the case as presented in the documentation (§4.6.2).",
    )
    immediate_learning = _textarea(
        "Immediate learning",
        help_text="Learning that can be acted upon now. It may remove the need for further review.",
    )
    learning_sharing = _textarea(
        "How the immediate learning will be shared",
        help_text="Needed when there is immediate learning.",
        rows=3,
    )
    improvement_potential = _textarea(
        "Potential for identifying improvements",
        help_text="The potential for identifying improvements to safeguard and promote the "
        "welfare of children.",
    )
    version = _version_field()

    @staticmethod
    def initial_for(review: RapidReview) -> dict:
        return {
            "facts_reviewed": review.facts_reviewed,
            "immediate_learning": review.immediate_learning,
            "learning_sharing": review.learning_sharing,
            "improvement_potential": review.improvement_potential,
            "version": review.version,
        }


class DecisionForm(forms.Form):
    """§4.6.2 and §1.4: the decision, reasoned against every criterion."""

    version = _version_field()
    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        label="What did the meeting decide?",
        error_messages={"required": DECISION_NEEDED},
    )
    key_lines_of_enquiry = _textarea(
        "Key Lines of Enquiry",
        help_text="Enter one Key Line of Enquiry per line (§4.6.2).",
    )
    dissemination = _textarea(
        "How the Rapid Review learning will be disseminated",
        help_text="For example, a 7-minute briefing to all agencies (§4.6.2).",
        rows=3,
    )
    other_learning_processes = _textarea(
        "Other learning processes that will bring forward improvements",
        help_text="Or say that there are none (§1.4.6).",
        rows=3,
    )
    decision_rationale = _textarea(
        "Rationale for the decision", required=True, message=RATIONALE_NEEDED
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in DECISION_CRITERIA:
            text = criterion_text(criterion)
            self.fields[f"finding_{criterion.value}"] = forms.ChoiceField(
                choices=CriterionFinding.choices,
                widget=forms.RadioSelect,
                label=text,
                error_messages={"required": FINDING_NEEDED.format(criterion=criterion.label)},
            )
            self.fields[f"rationale_{criterion.value}"] = _textarea(
                f"Rationale: {text}",
                required=True,
                message=CRITERION_RATIONALE_NEEDED.format(criterion=criterion.label),
                rows=2,
            )

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == Decision.PROCEED and not cleaned.get("key_lines_of_enquiry", "").strip():
            self.add_error("key_lines_of_enquiry", KLOE_NEEDED)
        if decision == Decision.NOT_PROCEED:
            if not cleaned.get("dissemination", "").strip():
                self.add_error("dissemination", DISSEMINATION_NEEDED)
            if not cleaned.get("other_learning_processes", "").strip():
                self.add_error("other_learning_processes", OTHER_LEARNING_NEEDED)
        return cleaned

    @property
    def criteria_groups(self) -> list[dict]:
        """Each §1.4 paragraph's criteria, with their bound fields, for the template."""
        return [
            {
                "legend": legend,
                "items": [
                    {
                        "text": criterion_text(c),
                        "finding": self[f"finding_{c.value}"],
                        "rationale": self[f"rationale_{c.value}"],
                    }
                    for c in criteria_in(paragraph)
                ],
            }
            for legend, paragraph in CRITERIA_GROUPS
        ]

    @staticmethod
    def initial_for(review: RapidReview) -> dict:
        initial = {
            "version": review.version,
            "decision": review.decision or None,
            "decision_rationale": review.decision_rationale,
            "key_lines_of_enquiry": review.key_lines_of_enquiry,
            "dissemination": review.dissemination,
            "other_learning_processes": review.other_learning_processes,
        }
        for value, assessed in (review.criteria_assessment or {}).items():
            initial[f"finding_{value}"] = assessed.get("finding")
            initial[f"rationale_{value}"] = assessed.get("rationale", "")
        return initial

    def details(self) -> DecisionDetails:
        data = self.cleaned_data
        return DecisionDetails(
            decision=data["decision"],
            rationale=data["decision_rationale"],
            criteria={
                c.value: {
                    "finding": data[f"finding_{c.value}"],
                    "rationale": data[f"rationale_{c.value}"],
                }
                for c in DECISION_CRITERIA
            },
            key_lines_of_enquiry=data["key_lines_of_enquiry"],
            dissemination=data["dissemination"],
            other_learning_processes=data["other_learning_processes"],
        )


def criteria_assessed(review: RapidReview) -> list[dict]:
    """The recorded finding and rationale of each criterion, grouped as on the form."""
    assessed = review.criteria_assessment or {}
    findings = dict(CriterionFinding.choices)
    return [
        {
            "legend": legend,
            "items": [
                {
                    "text": criterion_text(c),
                    "finding": findings.get((assessed.get(c.value) or {}).get("finding"), ""),
                    "rationale": (assessed.get(c.value) or {}).get("rationale", ""),
                }
                for c in criteria_in(paragraph)
            ],
        }
        for legend, paragraph in CRITERIA_GROUPS
    ]


class ImmediateActionForm(forms.Form):
    """§4.6.2: an action to keep the child(ren) or another vulnerable person safe."""

    action = _textarea("Action", required=True, message="Describe the action.", rows=3)
    owner = forms.CharField(
        max_length=200,
        label="Owner",
        help_text="Who is to do it, and for which agency.",
        error_messages={"required": "Say who owns the action."},
    )
    due_on = GovukDateField(label="Due date")


class ActionDoneForm(forms.Form):
    """One open action recorded as done; prefixed by the action so that ids stay unique."""

    done_on = GovukDateField(label="Date done")
    note = _textarea("Note (optional)", rows=2)

    def __init__(self, *args, number: int, **kwargs):
        super().__init__(*args, **kwargs)
        date_label = f"Date action {number} was done"
        done_on = self.fields["done_on"]
        done_on.label = date_label
        done_on.name_in_errors = date_label
        done_on.error_messages["required"] = f"Enter the date action {number} was done."
        done_on.error_messages["incomplete"] = done_on.error_messages["required"]
        self.fields["note"].label = f"Note on action {number} (optional)"


class AdviceForm(forms.Form):
    """§4.7: the Independent Scrutineer's advice."""

    kind = forms.ChoiceField(
        choices=AdviceKind.choices,
        widget=forms.RadioSelect,
        label="When was the advice given?",
        error_messages={"required": "Choose when the advice was given."},
    )
    advice = _textarea("Advice", required=True, message="Enter the advice.")
    received_on = GovukDateField(label="Date the advice was given")
    raises_concern = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        required=False,
        label="For a reply to the decision: does it raise a concern about the decision?",
        help_text="The chair can then reopen the discussion with the Safeguarding Partners "
        "(§4.7.5).",
    )

    def advice_details(self) -> dict:
        data = dict(self.cleaned_data)
        data["raises_concern"] = {"yes": True, "no": False}.get(data["raises_concern"])
        return data


class ScrutineerAttendingForm(forms.Form):
    """§4.7.1, §4.7.4: whether the Independent Scrutineer will attend the meeting."""

    attending = forms.ChoiceField(
        choices=[
            ("yes", "Yes, they will attend"),
            ("no", "No: ask for their written advice before the meeting (§4.7.4)"),
        ],
        widget=forms.RadioSelect,
        label="Will the Independent Scrutineer attend the meeting?",
        error_messages={"required": "Say whether the Independent Scrutineer will attend."},
    )


class ReopenForm(forms.Form):
    """§4.7.5: the chair reopens the discussion with the partners after a concern."""

    note = _textarea(
        "How the discussion is reopened with the Safeguarding Partners",
        help_text="For example: an extraordinary CRG meeting on 9 April with the three "
        "partners' representatives.",
        rows=3,
    )


class DecisionSentForm(forms.Form):
    """§4.7.5: the decision and its rationale sent to a Scrutineer who was not there."""

    sent_on = GovukDateField(label="Date the decision and rationale were sent")


class SectionsForm(forms.Form):
    """§4.6.3: sections 2 and 3 of the Combined Summary, agreed at the meeting."""

    section_2 = _textarea(
        "Section 2",
        help_text="The analysis of practice and the emerging learning.",
        required=True,
        message="Complete section 2.",
        rows=10,
    )
    section_3 = _textarea(
        "Section 3",
        help_text="The Rapid Review's conclusions and recommendation.",
        required=True,
        message="Complete section 3.",
        rows=10,
    )
    version = _version_field()

    @staticmethod
    def initial_for(summary: CombinedSummary | None) -> dict:
        return {
            "section_2": summary.section_2 if summary else "",
            "section_3": summary.section_3 if summary else "",
            "version": summary.version if summary else 1,
        }


class SignOffForm(forms.Form):
    """The role the signer signs in: the chair's, or one Safeguarding Partner's."""

    role = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Which Safeguarding Partner do you confirm the decision for?",
        error_messages={"required": ROLE_NEEDED, "invalid_choice": ROLE_NEEDED},
    )

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class PartnerSignOffForm(forms.Form):
    """The chair records a Safeguarding Partner's sign-off, with the reason (§4.6.2)."""

    role = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Which Safeguarding Partner's sign-off are you recording?",
        error_messages={"required": ROLE_NEEDED, "invalid_choice": ROLE_NEEDED},
    )
    reason = _textarea(
        "Why the partner could not sign, and how they agreed the decision",
        help_text="For example: the representative is on leave; the Police agreed the "
        "decision at the meeting on 4 December.",
        rows=4,
    )

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        if len(roles) == 1:  # one possible answer is pre-selected
            self.fields["role"].initial = roles[0][0]
