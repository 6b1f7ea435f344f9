"""The create forms' one-time token, as views use it (the rows: `services/once.py`).

    once = Once(request, "notification")
    ...
    if form.is_valid():
        with transaction.atomic():
            if (replay := once.replay()) is not None:
                return replay
            thing = services.thing_create(...)
            once.spend(url_of(thing))

and `{{ once }}` inside the form's template, beside `{% csrf_token %}`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html

from cases import services
from cases.errors import ApplicationError

FIELD = "once_token"
ALREADY_SENT = (
    "You had already sent this form, so nothing more was saved. This is what the first submit made."
)


class Once:
    def __init__(self, request, purpose: str):
        self.request, self.purpose = request, purpose
        self.token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        self._claim = None

    def __str__(self) -> str:
        """The hidden field: the submitted token again if the form is shown back with its
        errors (it is unspent), otherwise a new one."""
        if not self.token or self._claim is not None and self._claim.used_at is not None:
            self.token = services.form_token_issue(user=self.request.user, purpose=self.purpose)
        return format_html('<input type="hidden" name="{}" value="{}">', FIELD, self.token)

    def replay(self) -> HttpResponse | None:
        """Inside the create's transaction: a redirect to what the first submit made if this
        form was sent before. A form sent without a token (a script, not a browser showing
        the page) is not protected; one with a token not issued to this user is refused."""
        if not self.token:
            return None
        try:
            self._claim = services.form_token_claim(
                user=self.request.user, token=self.token, purpose=self.purpose
            )
        except ApplicationError:
            # Out of date or not this user's: the form shown again carries a new token, so
            # that sending it again goes through.
            self.token = ""
            raise
        if self._claim.used_at is None:
            return None
        messages.info(self.request, ALREADY_SENT)
        return redirect(self._claim.result_url)

    def replay_before_validating(self) -> HttpResponse | None:
        """For a form whose choices change once it is sent (agencies already asked are no
        longer offered): a spent token redirects before the form would refuse its own
        earlier choices. A spent token stays spent, so no lock is needed to read it."""
        if not self.token:
            return None
        spent = services.form_token_spent_url(
            user=self.request.user, token=self.token, purpose=self.purpose
        )
        if not spent:
            return None
        messages.info(self.request, ALREADY_SENT)
        return redirect(spent)

    def spend(self, result_url: str) -> None:
        if self._claim is not None:
            services.form_token_spend(claim=self._claim, result_url=result_url)
