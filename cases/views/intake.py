"""Intake: the notification and referral forms that open a case."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.intake import ChildFormSet, NotificationForm, ReferralForm
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required

CHILD_PREFIX = "child"


@scope_required(Action.OPEN_CASE)
def notification_new(request):
    partnership = request.scope.partnership
    data = request.POST if request.method == "POST" else None
    form = NotificationForm(data, partnership=partnership)
    children = ChildFormSet(data, prefix=CHILD_PREFIX)
    once = Once(request, "notification")
    matches = []
    if data is not None and form.is_valid() & children.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                matches = _possible_duplicates(partnership, form, children)
                if matches and not form.cleaned_data["confirm_duplicate"]:
                    raise ApplicationError(
                        f"This may be a case already open: {', '.join(matches)}. Check it, "
                        "then tick the box to record a new case anyway.",
                        field="confirm_duplicate",
                    )
                case = services.notification_record(
                    partnership=partnership,
                    details=form.details(),
                    children=children.children(),
                    actor=request.user,
                    lead_officer=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(case.get_absolute_url())
                messages.success(
                    request,
                    f"Notification recorded. Case {case.reference} is at the Rapid Review "
                    "stage and its deadlines are set.",
                )
                return redirect(case)
    return render(
        request,
        "cases/intake_notification.html",
        {"form": form, "children": children, "once": once, "matches": matches},
    )


def _possible_duplicates(partnership, form, children) -> list[str]:
    """Open cases with a subject child of the same Local Authority reference and the same
    date received or incident date."""
    details = form.details()
    return sorted(
        {
            reference
            for child in children.children()
            for reference in selectors.matching_open_cases(
                partnership=partnership,
                child_reference=child.local_authority_reference,
                received_on=details.received_on,
                incident_on=details.incident_on,
            )
        }
    )


@scope_required(Action.OPEN_CASE)
def referral_new(request):
    partnership = request.scope.partnership
    data = request.POST if request.method == "POST" else None
    form = ReferralForm(data, partnership=partnership)
    children = ChildFormSet(data, prefix=CHILD_PREFIX)
    once = Once(request, "referral")
    if data is not None and form.is_valid() & children.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                case = services.referral_record(
                    partnership=partnership,
                    details=form.details(),
                    children=children.children(),
                    actor=request.user,
                    lead_officer=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(case.get_absolute_url())
                messages.success(
                    request,
                    f"Referral recorded. Case {case.reference} goes to the Case Review Group "
                    "within a month (§4.9).",
                )
                return redirect(case)
    return render(
        request,
        "cases/intake_referral.html",
        {"form": form, "children": children, "once": once},
    )
