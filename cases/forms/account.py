"""Signing in, two factors, choosing an organisation, resetting a password."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm


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
