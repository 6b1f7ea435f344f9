from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cases.models import (
    AbuseOrNeglect,
    AccessAction,
    Agency,
    AgencyKind,
    CareStatus,
    Criterion,
    EscalationCause,
    ExpectedPractice,
    IncidentKind,
    Involvement,
    Partnership,
    ReplyKind,
    SharingDecision,
    Stage,
)
from cases.services.information_request import UPLOAD_TOO_BIG
from cases.timescales import Event


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask your partnership admin.",
    }


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or a recovery code.",
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class TwoFactorSetupForm(TwoFactorCodeForm):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code the app shows for the LCSPR case manager.",
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class CaseFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=30, label="Case reference", strip=True)
    stage = forms.MultipleChoiceField(
        required=False, choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )


class AccessLogFilterForm(forms.Form):
    reference = forms.CharField(required=False, max_length=60, label="Case reference")
    username = forms.CharField(required=False, max_length=150, label="Username")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(AccessAction.choices), label="Event"
    )


class TimescaleCalculatorForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.all(),
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a partnership."},
    )
    event = forms.ChoiceField(
        choices=[(e.value, e.label) for e in Event],
        widget=forms.RadioSelect,
        label="What happened?",
        error_messages={"required": "Select what happened."},
    )
    day = forms.IntegerField(required=False, min_value=1, max_value=31)
    month = forms.IntegerField(required=False, min_value=1, max_value=12)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get("day"), cleaned.get("month"), cleaned.get("year")]
        if any(f in self.errors for f in ("day", "month", "year")) or None in parts:
            self.add_error(None, DATE_MISSING)
            return cleaned
        try:
            cleaned["date"] = date(parts[2], parts[1], parts[0])
        except ValueError:
            self.add_error(None, DATE_NOT_REAL)
        return cleaned


DATE_MISSING = "Enter the date as a day, month and year, for example 18 12 2026."
DATE_NOT_REAL = "The date must be a real date."


class OrganisationChoiceForm(forms.Form):
    membership = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which organisation are you working for?",
        error_messages={"required": "Select the organisation you are working for."},
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.organisation_name} – {m.get_role_display()}") for m in memberships
        ]


# --- GOV.UK date input -----------------------------------------------------------------


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput, forms.TextInput, forms.TextInput], attrs)
        self.widgets_names = ["-day", "-month", "-year"]

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with errors that name the date (GOV.UK)."""

    widget = GovukDateWidget

    def __init__(self, *, required=True, **kwargs):
        label = str(kwargs.get("label", "Date"))
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {label[0].lower()}{label[1:]}."
        self.error_messages["incomplete"] = self.error_messages["required"]
        self.name_in_errors = label

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        parts = [str(part or "").strip() for part in data_list]
        if not all(part.isdecimal() and part.isascii() and len(part) <= 4 for part in parts):
            raise forms.ValidationError(
                f"{self.name_in_errors} must be a day, month and year in numbers, "
                "for example 18 12 2026."
            )
        day, month, year = (int(part) for part in parts)
        if not 1900 <= year <= 2100:
            raise forms.ValidationError(
                f"{self.name_in_errors} must have the year as 4 digits, for example 2026."
            )
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):
            raise forms.ValidationError(f"{self.name_in_errors} must be a real date.") from None


class GovukTimeField(forms.TimeField):
    def __init__(self, **kwargs):
        super().__init__(input_formats=["%H:%M", "%H.%M", "%H%M"], **kwargs)
        self.error_messages["invalid"] = "Enter the time as hours and minutes, for example 14:30."


# --- Intake ------------------------------------------------------------------------------


class ChildForm(forms.Form):
    """One child: the notifying authority's reference, and (restricted) name and birth date."""

    local_authority_reference = forms.CharField(
        required=False, max_length=60, label="Local Authority reference"
    )
    name = forms.CharField(
        required=False,
        max_length=200,
        label="Full name",
        help_text="Kept in the restricted case file only; documents use the pseudonym.",
    )
    date_of_birth = GovukDateField(required=False, label="Date of birth")

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past.")
        return born

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("local_authority_reference", "name", "date_of_birth"))


class BaseChildFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        """Each child's labels say whose they are: "Sibling 2: full name"."""
        form = super()._construct_form(i, **kwargs)
        who = "Subject child" if i == 0 else f"Sibling {i}"
        for field in form.fields.values():
            field.label = f"{who}: {field.label[0].lower()}{field.label[1:]}"
            if isinstance(field, GovukDateField):
                field.name_in_errors = field.label
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.forms:
            raise forms.ValidationError("Record at least the subject child.")
        subject = self.forms[0]
        identified = getattr(subject, "cleaned_data", {})
        if not (identified.get("local_authority_reference") or identified.get("name")):
            subject.add_error(
                "local_authority_reference",
                "Enter the subject child's Local Authority reference or name.",
            )

    def children(self):
        from cases.models import ChildRole
        from cases.services import ChildDetails

        return [
            ChildDetails(
                role=ChildRole.SUBJECT if index == 0 else ChildRole.SIBLING,
                local_authority_reference=form.cleaned_data["local_authority_reference"],
                name=form.cleaned_data["name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
            for index, form in enumerate(self.forms)
            if not form.is_blank
        ]


ChildFormSet = forms.formset_factory(ChildForm, formset=BaseChildFormSet, extra=4, max_num=4)


class NotificationForm(forms.Form):
    """A Local Authority notification to the National Panel (§4.1.2-4.1.4)."""

    notifying_authority = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Notifying Local Authority",
        empty_label="Choose the Local Authority",
        error_messages={"required": "Choose the Local Authority that notified."},
    )
    received_on = GovukDateField(
        label="Date the partnership received the notification",
        help_text="The Rapid Review's timescales run from this date (§4.2.2). "
        "For example, 18 12 2026.",
    )
    notified_national_panel_on = GovukDateField(
        required=False, label="Date the Local Authority notified the National Panel"
    )
    incident_kind = forms.ChoiceField(
        choices=IncidentKind.choices,
        widget=forms.RadioSelect,
        label="What happened to the child?",
        error_messages={"required": "Select whether the child died or was seriously harmed."},
    )
    abuse_or_neglect = forms.ChoiceField(
        choices=AbuseOrNeglect.choices,
        widget=forms.RadioSelect,
        label="Is abuse or neglect known or suspected?",
        error_messages={"required": "Select whether abuse or neglect is known or suspected."},
    )
    incident_on = GovukDateField(required=False, label="Date of the incident")
    summary = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        label="Summary of the incident",
        help_text="Use pseudonyms (Child A, Child B): names belong only in the child's details.",
        error_messages={"required": "Enter a summary of the incident."},
    )
    care_status = forms.ChoiceField(
        choices=CareStatus.choices,
        widget=forms.RadioSelect,
        initial=CareStatus.NEITHER,
        label="Was the child looked after, or a care leaver? (§1.3.5)",
    )
    care_leaver_age = forms.IntegerField(
        required=False, min_value=0, max_value=99, label="Care leaver's age"
    )
    secretary_of_state_notified_on = GovukDateField(
        required=False, label="Date the Secretary of State for Education was notified"
    )
    ofsted_notified_on = GovukDateField(required=False, label="Date Ofsted was notified")
    # Shown only when the notification matches an open case (issue 11, item 5).
    confirm_duplicate = forms.BooleanField(
        required=False, label="This is a different notification: record a new case"
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notifying_authority"].queryset = Agency.objects.filter(
            partnerships=partnership, kind=AgencyKind.LOCAL_AUTHORITY
        )

    def details(self):
        from cases.services import NotificationDetails

        data = {k: v for k, v in self.cleaned_data.items() if k != "confirm_duplicate"}
        return NotificationDetails(**data)


class ReferralForm(forms.Form):
    """An agency's Referral Form (§4.1.1, §4.1.5)."""

    referring_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Referring agency",
        empty_label="Choose the agency",
        error_messages={"required": "Choose the agency that made the referral."},
    )
    referrer_name = forms.CharField(max_length=200, required=False, label="Referrer's name")
    referrer_contact = forms.CharField(
        max_length=200, required=False, label="Referrer's email or telephone"
    )
    received_on = GovukDateField(
        label="Date the referral was received",
        help_text="The referral's one-month and two-month timescales run from this date (§4.9).",
    )
    summary = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        label="Summary of the incident",
        help_text="Use pseudonyms (Child A, Child B): names belong only in the child's details.",
        error_messages={"required": "Enter a summary of the incident."},
    )
    criteria = forms.MultipleChoiceField(
        choices=Criterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Which criteria does the referrer think apply? (§1.4)",
    )
    reasons = forms.CharField(
        widget=forms.Textarea,
        max_length=5000,
        label="The referrer's reasons",
        error_messages={"required": "Enter the referrer's reasons against the §1.4 criteria."},
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referring_agency"].queryset = Agency.objects.filter(partnerships=partnership)

    def details(self):
        from cases.services import ReferralDetails

        data = dict(self.cleaned_data)
        data["criteria"] = tuple(data["criteria"])
        return ReferralDetails(**data)


YES_NO_UNDECIDED = [("yes", "Yes"), ("no", "No"), ("", "Not decided yet")]


class ReferralProgressForm(forms.Form):
    """§4.1.6 and §4.9: what the Business Office does with a referral in its first month."""

    shared_with_local_authority_on = GovukDateField(
        required=False, label="Date shared with the Local Authority's CRG representative"
    )
    local_authority_representative = forms.CharField(
        required=False, max_length=200, label="Local Authority CRG representative"
    )
    first_crg_meeting_on = GovukDateField(
        required=False,
        label="First scheduled CRG meeting after receipt",
        help_text="The referral is first discussed there, within a month (§4.9).",
    )
    request_information = forms.ChoiceField(
        choices=YES_NO_UNDECIDED,
        widget=forms.RadioSelect,
        required=False,
        label="Does the CRG want agencies' information?",
    )
    request_information_reason = forms.CharField(
        widget=forms.Textarea, required=False, max_length=3000, label="Reason for the decision"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def cleaned_request_information(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("request_information"))


# --- Information requests ----------------------------------------------------------------


class SendRequestsForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Which agencies should receive the request?",
        error_messages={"required": "Select at least one agency."},
    )
    reply_due_on = GovukDateField(
        label="Reply deadline",
        help_text="The date in the letter by which agencies should reply (§4.3.4). "
        "Suggested: before the earliest Rapid Review meeting date, to leave time to "
        "analyse the replies (§4.4.2).",
    )
    letter_note = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=3000,
        label="Anything else the letter should ask (optional)",
    )
    school_holiday_exception = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        label="School-holiday exception (optional)",
        help_text="Where a school is closed for the holidays, say what was agreed "
        "(§4.4 footnote 15).",
    )

    def __init__(self, *args, agencies, direct_to_schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies
        if not direct_to_schools:
            del self.fields["school_holiday_exception"]


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea,
        max_length=3000,
        label="What more information is needed?",
        error_messages={"required": "Say what more information the agency should give."},
    )
    reply_due_on = GovukDateField(
        label="New reply deadline",
        help_text="The agency is chased again against this date.",
    )


class EscalationForm(forms.Form):
    cause = forms.ChoiceField(
        choices=EscalationCause.choices,
        widget=forms.RadioSelect,
        label="Why is it being escalated?",
        error_messages={"required": "Select why the request is being escalated."},
    )
    escalated_on = GovukDateField(label="Date escalated")
    note = forms.CharField(
        widget=forms.Textarea,
        max_length=3000,
        label="What was done, and with whom",
        error_messages={"required": "Say what was done and with whom."},
    )


class CombinedSummaryForm(forms.Form):
    background = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        label="Background to the case",
        help_text="Use pseudonyms (Child A, Child B).",
    )
    collation_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        label="Across the agencies' replies",
        help_text="Themes, gaps and conflicting accounts for the Rapid Review meeting.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- The agency portal -------------------------------------------------------------------


class ReplyForm(forms.Form):
    """The Information Request Reply Template as a form (§4.3, §2.1.6, §4.3.5, §8.6.1)."""

    reply_kind = forms.ChoiceField(
        choices=ReplyKind.choices,
        widget=forms.RadioSelect,
        label="What are you sending?",
        help_text="An agency whose involvement was limited may send a Factual Summary (§8.6.1).",
    )
    involvement = forms.ChoiceField(
        choices=[("", "Not answered yet"), *Involvement.choices],
        widget=forms.RadioSelect,
        required=False,
        label="Has your agency been involved with the child or family?",
    )
    involvement_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Your agency's involvement with the child and family",
    )
    dates_and_contacts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Key dates and contacts",
    )
    actions_taken = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="What your agency did",
    )
    concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Concerns",
    )
    facts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Facts",
        help_text="What your records show (§2.1.6: distinguish fact from opinion).",
    )
    opinion = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Professional opinion",
        help_text="Your agency's view, kept apart from the facts (§2.1.6).",
    )
    records_secured = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No"), ("", "Not answered yet")],
        widget=forms.RadioSelect,
        required=False,
        label="Has your agency secured its records about the case? (§4.3.5)",
    )
    records_secured_on = GovukDateField(required=False, label="Date the records were secured")
    records_nominated_representative = forms.CharField(
        required=False,
        max_length=200,
        label="Nominated representative who can reach the records",
    )
    completed_by = forms.CharField(
        required=False, max_length=200, label="Completed by (name and role)"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def details(self):
        from cases.services import ReplyDetails

        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["records_secured"] = {"yes": True, "no": False}.get(data["records_secured"])
        return ReplyDetails(**data)

    @staticmethod
    def initial_for(request) -> dict:
        from cases.services.information_request import REPLY_FIELDS

        initial = {name: getattr(request, name) for name in REPLY_FIELDS}
        initial["records_secured"] = {True: "yes", False: "no"}.get(request.records_secured, "")
        initial["version"] = request.version
        return initial


class ChronologyEntryForm(forms.Form):
    happened_on = GovukDateField(label="Date")
    happened_at = GovukTimeField(
        required=False, label="Time (optional)", help_text="For example, 14:30."
    )
    source = forms.CharField(
        max_length=200,
        label="Source",
        help_text="Where it is recorded, for example the case file or a system.",
        error_messages={"required": "Enter where the event is recorded."},
    )
    event = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label="Event",
        error_messages={"required": "Describe the event."},
    )
    agency_response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Agency response",
    )
    analysis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Analysis (optional, §8.4.1)",
    )
    expected_practice = forms.ChoiceField(
        choices=[("", "Not answered"), *ExpectedPractice.choices],
        widget=forms.RadioSelect,
        required=False,
        label="Was the response expected practice? (optional, §8.4.1)",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Upload a document",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the file was dropped as it arrived, for its size (uploads.py)."""
        super().__init__(*args, **kwargs)
        self.stopped_at_limit = stopped_at_limit
        largest = filesizeformat(settings.UPLOAD_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"PDF, Word (.docx), Excel (.xlsx), ODT, PNG, JPEG or text, up to {largest}."
        if stopped_at_limit:
            self.fields["file"].required = False  # it was sent: say why it was refused

    def clean_file(self):
        if self.stopped_at_limit:
            raise forms.ValidationError(
                UPLOAD_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES))
            )
        return self.cleaned_data["file"]


class SharingDecisionForm(forms.Form):
    information = forms.CharField(
        max_length=300,
        label="What information?",
        error_messages={"required": "Say what information the decision is about."},
    )
    decision = forms.ChoiceField(
        choices=SharingDecision.choices,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Select the decision."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        label="Reason (§2.1.6)",
        error_messages={"required": "Give the reason for this decision (§2.1.6)."},
    )


class IdentityForm(forms.Form):
    """Who someone in the case is: restricted, for the agencies to find their records."""

    name = forms.CharField(required=False, max_length=200, label="Full name")
    date_of_birth = GovukDateField(required=False, label="Date of birth")
    address = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), label="Address"
    )
    local_authority_reference = forms.CharField(
        required=False, max_length=60, label="Local Authority reference"
    )
    nhs_number = forms.CharField(required=False, max_length=14, label="NHS number")

    def details(self):
        from cases.services import IdentityDetails

        data = self.cleaned_data
        return IdentityDetails(
            name=data["name"],
            date_of_birth=data["date_of_birth"],
            address=data["address"],
            local_authority_reference=data["local_authority_reference"],
            nhs_number=data["nhs_number"],
        )


class ChildIdentityForm(IdentityForm):
    child = forms.TypedChoiceField(coerce=int, label="Which child", choices=())
    reason = forms.CharField(
        max_length=1000,
        label="Why the details change",
        error_messages={"required": "Say why the details change: the history keeps the reason."},
    )

    field_order = ["child", "name", "date_of_birth", "address", "local_authority_reference"]

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(c.pk, c.pseudonym) for c in children]
        if len(children) == 1:  # one possible answer is pre-selected
            self.fields["child"].initial = children[0].pk


class FamilyMemberForm(IdentityForm):
    relationship = forms.CharField(
        max_length=100,
        label="Who they are to the child",
        help_text="For example: mother, stepfather, grandmother.",
        error_messages={"required": "Say who they are to the child."},
    )

    field_order = ["relationship", "name"]


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes out from the worker: a hung mail server
    never holds the request, and only the user's id is queued (the worker makes the link,
    so the token is never in the broker or a log)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from cases.mail_queue import NOT_SENT_NOTICE, enqueue
        from cases.tasks import password_reset_email

        enqueue(
            password_reset_email,
            notice=NOT_SENT_NOTICE,
            user_id=context["user"].pk,
            domain=context["domain"],
            protocol=context["protocol"],
        )
