"""The CRG's decision on a looked-after child's or care leaver's death (§1.3.5)."""

from django import forms

from cases.forms.fields import GovukDateField
from rapidreview.models import CareDeathOutcome


class CareDeathDecisionForm(forms.Form):
    meeting = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="At which CRG meeting was it decided?",
        error_messages={"required": "Choose the CRG meeting at which it was decided."},
    )
    decided_on = GovukDateField(label="Date of the decision")
    outcome = forms.ChoiceField(
        choices=CareDeathOutcome.choices,
        widget=forms.RadioSelect,
        label="What did the CRG decide?",
        error_messages={"required": "Select what the CRG decided."},
    )
    rationale = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        label="The CRG's rationale",
        help_text="Use pseudonyms (Child A), never names.",
        error_messages={"required": "Give the CRG's rationale for its decision."},
    )

    def __init__(self, *args, meetings, adult: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [(m.pk, str(m)) for m in meetings]
        if adult:  # §1.3.5: the serious-incident criteria are for a care leaver under 18
            self.fields["outcome"].choices = [
                c for c in CareDeathOutcome.choices if c[0] != CareDeathOutcome.RAPID_REVIEW
            ]
