"""Intake: the notification and referral forms that open a case."""

from django.contrib import messages
from django.db import transaction
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.intake import (
    FOLLOW_UPS,
    MOST_CHILDREN,
    ChildFormSet,
    NotificationForm,
    ReferralForm,
)
from cases.models import Stage
from cases.once import FIELD, Once
from cases.permissions import Action
from cases.web import form_error, scope_required

CHILD_PREFIX = "child"
# The notification form's buttons that only move between its parts: nothing is saved.
ADD_CHILD = "add_child"
BACK = "back"
STEP_KEYS = {"csrfmiddlewaretoken", FIELD, "asked", ADD_CHILD, BACK}


@scope_required(Action.OPEN_CASE)
def notification_new(request):
    """The notification in two steps: the first page, then (only when its answers make
    them relevant) the follow-up questions about a looked-after child or care leaver
    (§1.3.5). Everything typed travels between them; all errors show at once."""
    partnership = request.scope.partnership
    data = request.POST if request.method == "POST" else None
    form = NotificationForm(
        data, partnership=partnership, asked=data.getlist("asked") if data else ()
    )
    children = ChildFormSet(data, prefix=CHILD_PREFIX)
    once = Once(request, "notification")
    matches = []
    if data is not None and ADD_CHILD in data:
        children = _with_another_child(data)
        return _notification_page(request, form, children, once, quiet=True)
    if data is not None and BACK in data:
        return _notification_page(request, form, children, once, quiet=True)
    if data is not None and form.is_valid() & children.is_valid():
        if form.pending:
            return _notification_page(request, form, children, once, follow_up=True)
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
                messages.success(request, _recorded_message(case))
                return redirect(case)
    first_page_errors = children.total_error_count() or any(
        name not in FOLLOW_UPS for name in form.errors
    )
    follow_up = data is not None and form.is_bound and not first_page_errors and bool(form.asked)
    return _notification_page(request, form, children, once, follow_up=follow_up, matches=matches)


def _recorded_message(case) -> str:
    if case.stage == Stage.CRG_CONSIDERATION:
        return (
            f"Notification recorded. Case {case.reference} goes to the Case Review Group, "
            "which considers whether the serious-incident criteria apply or a local review "
            "would bring learning (§1.3.5). It needs no Rapid Review."
        )
    return (
        f"Notification recorded. Case {case.reference} is at the Rapid Review stage and its "
        "deadlines are set."
    )


def _with_another_child(data):
    """The children as typed, with one more blank section (up to the case's limit)."""
    more = data.copy()
    typed = more.get(f"{CHILD_PREFIX}-TOTAL_FORMS", "")
    total = int(typed) if typed.isdecimal() and typed.isascii() else 1
    more[f"{CHILD_PREFIX}-TOTAL_FORMS"] = str(min(total + 1, MOST_CHILDREN))
    return ChildFormSet(more, prefix=CHILD_PREFIX)


def _notification_page(request, form, children, once, *, follow_up=False, quiet=False, matches=()):
    """The first page, or the follow-up questions, carrying the other page's answers as
    hidden fields. `quiet` shows what was typed without judging it (nothing was sent)."""
    if quiet:
        _quiet(form, children)
    shown = [form[name] for name in form.relevant_follow_ups()] if follow_up else []
    on_page = {field.html_name for field in shown} if follow_up else _first_page_names(form)
    if matches:
        on_page.add(form["confirm_duplicate"].html_name)
    carried = [
        (key, value)
        for key in (form.data or {})
        if key not in STEP_KEYS and _field_of(key) not in on_page
        for value in form.data.getlist(key)
    ]
    template = "intake_notification_follow_up" if follow_up else "intake_notification"
    return render(
        request,
        f"cases/{template}.html",
        {
            "form": form,
            "children": children,
            "once": once,
            "matches": matches,
            "follow_ups": shown,
            "carried": carried,
            "most_children": MOST_CHILDREN,
        },
    )


def _quiet(form, children) -> None:
    """Show what was typed without judging it: the user only moved within the form."""
    for each in (form, *children.forms):
        each._errors = ErrorDict()
    children._non_form_errors = children.error_class()
    children._errors = []


def _first_page_names(form) -> set[str]:
    return {form[name].html_name for name in form.fields if name not in FOLLOW_UPS} | {CHILD_PREFIX}


def _field_of(key: str) -> str:
    """The form field a posted key belongs to: `received_on-day` to `received_on`,
    `child-0-name` to `child`."""
    return key.split("-", 1)[0]


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
    if data is not None and ADD_CHILD in data:
        children = _with_another_child(data)
        _quiet(form, children)
    elif data is not None and form.is_valid() & children.is_valid():
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
        {"form": form, "children": children, "once": once, "most_children": MOST_CHILDREN},
    )
