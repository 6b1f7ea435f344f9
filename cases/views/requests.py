"""The office's side of information requests (§4.3): sending, reviewing, returning, escalating."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.requests import (
    EscalationForm,
    OriginalReplyForm,
    ReturnRequestForm,
    SendRequestsForm,
)
from cases.models import RequestStatus, SchoolRequestRoute, Stage
from cases.once import Once
from cases.permissions import Action
from cases.rules import sent_late
from cases.services.information_request import REFERRAL_NOT_DECIDED, REQUEST_STAGES
from cases.uploads import upload_stopped_at_limit
from cases.web import banner, form_error, scope_required

# --- The case's requests -----------------------------------------------------------------


def _can_send(scope, case) -> bool:
    """The Business Office, during a Rapid Review, or on the referral path once the CRG
    wants agencies' information (§4.9)."""
    if not scope.can(Action.MANAGE_REQUESTS) or case.stage not in REQUEST_STAGES:
        return False
    if case.stage == Stage.REFERRAL_DECISION:
        referral = selectors.case_intake(case=case)["referral"]
        return bool(referral and referral.request_information)
    return True


@scope_required(Action.VIEW_CASES)
def case_requests(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    requests = list(selectors.case_requests(case=case))
    sending_due = selectors.request_sending_due(case=case)
    counts = dict.fromkeys(RequestStatus, 0)
    for item in requests:
        counts[item.status] += 1
    return render(
        request,
        "cases/case_requests.html",
        {
            "case": case,
            "tab": "requests",
            "requests": requests,
            "counts": [(RequestStatus(s).label, n) for s, n in counts.items()],
            "can_send": _can_send(request.scope, case),
            "can_manage": request.scope.can(Action.MANAGE_REQUESTS),
            "today": timezone.localdate(),
            "sending_due": sending_due,
            "late": {item.pk for item in requests if sent_late(item, sending_due)},
        },
    )


def _others_emailed(reached: int) -> str:
    others = "The other agency's" if reached == 1 else f"The other {reached} agencies'"
    return f"{others} portal users have been emailed a link."


def _sent_banner(request, sent, unreachable) -> None:
    """Short sentences: how many went, and which agencies need the letter another way."""
    heading = f"Requests sent to {len(sent)} agenc{'y' if len(sent) == 1 else 'ies'}"
    if not unreachable:
        banner(request, heading, "Each agency's portal users have been emailed a link.")
        return
    reached = len(sent) - len(unreachable)
    banner(
        request,
        heading,
        "Nobody at these agencies uses the portal yet:",
        "Send each of them its letter another way. The letter is on the agency's request page.",
        "Ask your partnership admin to give them portal accounts.",
        *([_others_emailed(reached)] if reached else []),
        items=[agency.name for agency in unreachable],
    )


@scope_required(Action.VIEW_CASES)
def requests_send(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    can_send = _can_send(request.scope, case)
    partnership = case.partnership
    already = {r.agency_id for r in selectors.case_requests(case=case)}
    agencies = services.agencies_for_requests(case=case).exclude(pk__in=already)
    direct = partnership.school_request_route == SchoolRequestRoute.DIRECT
    data = request.POST if request.method == "POST" and can_send else None
    form = SendRequestsForm(
        data,
        agencies=agencies,
        direct_to_schools=direct,
        initial={
            "agencies": [a.pk for a in partnership.usual_agencies.all() if a.pk not in already],
            "reply_due_on": services.reply_due_suggestion(case=case, today=timezone.localdate()),
        },
    )
    once = Once(request, f"requests-send-{case.pk}")
    if data is not None and (replay := once.replay_before_validating()) is not None:
        return replay
    if data is not None and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                sent = services.information_requests_send(
                    case=case,
                    agencies=list(form.cleaned_data["agencies"]),
                    reply_due_on=form.cleaned_data["reply_due_on"],
                    letter_note=form.cleaned_data["letter_note"],
                    school_holiday_exception=form.cleaned_data.get("school_holiday_exception", ""),
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse("case_requests", kwargs={"reference": case.reference}))
        if not form.errors:
            unreachable = selectors.agencies_without_portal_users(agencies=[r.agency for r in sent])
            _sent_banner(request, sent, unreachable)
            return redirect("case_requests", reference=case.reference)
    return render(
        request,
        "cases/requests_send.html",
        {
            "case": case,
            "tab": "requests",
            "form": form,
            "once": once,
            "can_send": can_send,
            "referral_not_decided": REFERRAL_NOT_DECIDED,
            "partnership": partnership,
            "direct_to_schools": direct,
        },
    )


def _request_page(
    request,
    case,
    item,
    *,
    return_form=None,
    escalation_form=None,
    once=None,
    original_form=None,
    original_once=None,
):
    return render(
        request,
        "cases/case_request.html",
        {
            "case": case,
            "tab": "requests",
            "item": item,
            **selectors.request_parts(scope=request.scope, request=item),
            "reply_visible": selectors.reply_visible(scope=request.scope, request=item),
            "escalations": selectors.request_escalations(request=item),
            "can_manage": request.scope.can(Action.MANAGE_REQUESTS),
            "return_form": return_form
            or ReturnRequestForm(
                initial={
                    "reply_due_on": services.reply_due_suggestion(
                        case=case, today=timezone.localdate()
                    )
                }
            ),
            "escalation_form": escalation_form
            or EscalationForm(initial={"escalated_on": timezone.localdate()}),
            "escalation_once": once or Once(request, f"escalation-{item.pk}"),
            "original_form": original_form or OriginalReplyForm(),
            "original_once": original_once or Once(request, f"on-behalf-{item.pk}"),
            "unreachable": not item.is_entered_on_behalf
            and bool(selectors.agencies_without_portal_users(agencies=[item.agency])),
        },
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def case_request(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return _request_page(
        request, case, selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    )


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_accept(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    try:
        services.information_request_accept(request=item, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The reply from {item.agency} is accepted.")
    return redirect("case_request", reference=case.reference, pk=item.pk)


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_return(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    form = ReturnRequestForm(request.POST)
    if form.is_valid():
        try:
            services.information_request_return(
                request=item,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                reply_due_on=form.cleaned_data["reply_due_on"],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, f"The reply has gone back to {item.agency}.")
            return redirect("case_request", reference=case.reference, pk=item.pk)
    return _request_page(request, case, item, return_form=form)


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_escalation_resolve(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    try:
        services.escalation_resolve(request=item, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The escalation is recorded as resolved.")
    return redirect("case_request", reference=case.reference, pk=item.pk)


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_escalate(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    form = EscalationForm(request.POST)
    # Each escalation is the next step: a second submit would record a step not taken.
    once = Once(request, f"escalation-{item.pk}")
    if form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                escalation = services.escalation_record(
                    request=item, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("case_request", kwargs={"reference": case.reference, "pk": item.pk})
                once.spend(url)
                messages.success(request, f"Escalation recorded: {escalation.get_step_display()}.")
                return redirect(url)
    return _request_page(request, case, item, escalation_form=form, once=once)


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_on_behalf_start(request, reference, pk):
    """A reply came by email: attach the original, then enter the reply in the portal's
    forms on the agency's behalf (issue 12)."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(scope=request.scope, case=case, pk=pk)
    form = OriginalReplyForm(
        request.POST, request.FILES, stopped_at_limit=upload_stopped_at_limit(request)
    )
    once = Once(request, f"on-behalf-{item.pk}")
    if form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.reply_on_behalf_start(
                    scope=request.scope, request=item, original=form.cleaned_data["file"]
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("on_behalf_request", kwargs={"pk": item.pk})
                once.spend(url)
                messages.success(
                    request,
                    f"The original is attached. Enter the reply from {item.agency} as it sent it.",
                )
                return redirect(url)
    return _request_page(request, case, item, original_form=form, original_once=once)
