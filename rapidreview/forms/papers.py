"""Forms of the meeting's papers and invitations (§4.5, §4.7.1) and of what follows the
signed-off decision (§4.8, §1.6.3)."""

from django import forms

from cases.forms.fields import GovukDateField
from rapidreview.models import OTHER_DELIVERY_METHODS

STALE_CHOICE = (
    "Someone you chose has been invited since this page was opened, or no longer works "
    "with this partnership: choose again."
)
CHOOSE_INVITEES = "Choose who to invite."


class InviteForm(forms.Form):
    """The partnership's agencies, and its CRG chair, members and Independent Scrutineer,
    not yet invited: the choices are made by the view, from the partnership's own rows."""

    agencies = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agencies",
        help_text="Each agency's portal users are emailed a link to the papers.",
        error_messages={"invalid_choice": STALE_CHOICE},
    )
    users = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Case Review Group and Independent Scrutineer",
        help_text="Each person is emailed a link to their own copy of the papers (§4.7.1).",
        error_messages={"invalid_choice": STALE_CHOICE},
    )

    def __init__(self, *args, agencies, people, **kwargs):
        """`agencies`: (id, name); `people`: (user id, "Name (role)")."""
        super().__init__(*args, **kwargs)
        self.fields["agencies"].choices = list(agencies)
        self.fields["users"].choices = list(people)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("agencies") and not cleaned.get("users"):
            # Beside a field the page shows: the agencies may all be invited already.
            self.add_error(
                "agencies" if self.fields["agencies"].choices else "users", CHOOSE_INVITEES
            )
        return cleaned


class ReportSentForm(forms.Form):
    sent_on = GovukDateField(label="Date sent to the National Panel")

    def __init__(self, *args, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if label:  # its error messages name the date, so the field is made anew
            self.fields["sent_on"] = GovukDateField(label=label)


class DecisionNotifiedForm(forms.Form):
    notified_on = GovukDateField(label="Date the decision was notified to the National Panel")


class OutcomesForm(forms.Form):
    """Only a button: whom the outcome goes to is decided by the service (§4.8.2)."""


class DeliveryForm(forms.Form):
    """How and when the office sent an invitation or outcome nobody could be emailed."""

    method = forms.ChoiceField(
        choices=OTHER_DELIVERY_METHODS,
        widget=forms.RadioSelect,
        label="How was it sent?",
        error_messages={"required": "Select how it was sent."},
    )
    delivered_on = GovukDateField(label="Date it was sent")
