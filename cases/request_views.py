"""The Business Office's information requests and Combined Summary, and the documents
both sides download (§4.1.7, §4.3, §4.5.1)."""

from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from cases import documents, selectors, services
from cases.errors import ApplicationError
from cases.forms import (
    CombinedSummaryForm,
    EscalationForm,
    ReturnRequestForm,
    SendRequestsForm,
)
from cases.intake_views import form_error
from cases.models import AccessAction, RequestStatus, SchoolRequestRoute, Stage
from cases.once import Once
from cases.permissions import Action
from cases.services.information_request import REFERRAL_NOT_DECIDED, REQUEST_STAGES
from cases.views import scope_required


def _log_download(request, *, reference: str, what: str) -> None:
    services.access_record(
        request=request,
        action=AccessAction.DOWNLOAD,
        scope=request.scope,
        object_type=what,
        object_reference=reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    request.access_logged = True


def pdf_response(request, pdf: bytes, *, case, name: str, what: str) -> HttpResponse:
    """A generated PDF, named by case reference (never content), its download logged."""
    _log_download(request, reference=case.reference, what=what)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-{name}.pdf"'
    return response


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
            "today": timezone.localdate(),
        },
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
            note = (
                " Nobody at "
                + ", ".join(a.name for a in unreachable)
                + " uses the portal yet: send them the letter (PDF) another way, and ask "
                "your partnership admin to give them portal accounts."
                if unreachable
                else " Each agency's portal users have been emailed a link."
            )
            messages.success(
                request,
                f"Information requests sent to {len(sent)} "
                f"agenc{'y' if len(sent) == 1 else 'ies'}.{note}",
            )
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


def _request_page(request, case, item, *, return_form=None, escalation_form=None, once=None):
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
        },
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def case_request(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return _request_page(request, case, selectors.case_request_get(case=case, pk=pk))


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def request_accept(request, reference, pk):
    case = selectors.case_get(scope=request.scope, reference=reference)
    item = selectors.case_request_get(case=case, pk=pk)
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
    item = selectors.case_request_get(case=case, pk=pk)
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
    item = selectors.case_request_get(case=case, pk=pk)
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
    item = selectors.case_request_get(case=case, pk=pk)
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


# --- Documents: the letter and templates (both sides), and agencies' attachments ----------

REQUEST_DOCUMENTS = {
    "letter": (documents.information_request_letter_pdf, "information-request-letter"),
    "reply": (documents.reply_template_pdf, "information-request-reply"),
    "chronology": (documents.chronology_template_pdf, "chronology"),
}


def _request_document(request, pk, kind):
    item = selectors.request_get(scope=request.scope, pk=pk)
    if kind != "letter" and not selectors.reply_visible(scope=request.scope, request=item):
        raise Http404("The agency has not submitted its reply yet.")
    if kind == "chronology" and not (
        item.includes_chronology_template
        or selectors.request_parts(scope=request.scope, request=item)["entries"]
    ):
        raise Http404("No chronology was asked for.")
    render_pdf, name = REQUEST_DOCUMENTS[kind]
    if kind == "letter":
        # The addressed agency's letter says who the child and family are (issue 12).
        pdf = render_pdf(
            item, identities=selectors.identifying_details(scope=request.scope, request=item)
        )
    else:
        pdf = render_pdf(item)
    return pdf_response(
        request,
        pdf,
        case=item.case,
        name=f"{name}-{slugify(item.agency.name)}",
        what=name.replace("-", " "),
    )


@require_GET
@scope_required()
def request_letter_pdf(request, pk):
    return _request_document(request, pk, "letter")


@require_GET
@scope_required()
def request_reply_pdf(request, pk):
    return _request_document(request, pk, "reply")


@require_GET
@scope_required()
def request_chronology_pdf(request, pk):
    return _request_document(request, pk, "chronology")


@require_GET
@scope_required()
def attachment_download(request, pk):
    """An agency's document, to its own agency or its partnership's staff, logged."""
    attachment = selectors.attachment_get(scope=request.scope, pk=pk)
    reference = attachment.request.case.reference
    _log_download(request, reference=reference, what="attached document")
    # The name an agency gave a file may name the child: downloads are named by reference.
    extension = Path(attachment.original_name).suffix.lower()
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{reference}-document-{attachment.pk}{extension}",
        content_type=attachment.content_type,
    )


# --- The Combined Summary Report (§4.5.1) --------------------------------------------------


def summary_context(case):
    intake = selectors.case_intake(case=case)
    return {
        "summary": selectors.combined_summary(case=case),
        "requests": list(selectors.case_requests(case=case)),
        **intake,
    }


@scope_required(Action.VIEW_CASES)
def combined_summary(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    context = summary_context(case)
    summary = context["summary"]
    can_edit = request.scope.can(Action.MANAGE_REQUESTS)
    initial = {
        "background": summary.background if summary else "",
        "collation_notes": summary.collation_notes if summary else "",
        "version": summary.version if summary else 1,
    }
    data = request.POST if request.method == "POST" and can_edit else None
    form = CombinedSummaryForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            services.combined_summary_save(case=case, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "Section 1 of the Combined Summary is saved.")
            return redirect("combined_summary", reference=case.reference)
    return render(
        request,
        "cases/combined_summary.html",
        {"case": case, "tab": "summary", "form": form, "can_edit": can_edit, **context},
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def combined_summary_pdf(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    context = summary_context(case)
    pdf = documents.combined_summary_pdf(case=case, **context)
    return pdf_response(request, pdf, case=case, name="combined-summary", what="combined summary")


@require_GET
@scope_required(Action.VIEW_CASES)
def combined_chronology(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    return render(
        request,
        "cases/combined_chronology.html",
        {"case": case, "tab": "summary", "entries": selectors.combined_chronology(case=case)},
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def combined_chronology_pdf(request, reference):
    case = selectors.case_get(scope=request.scope, reference=reference)
    pdf = documents.combined_chronology_pdf(
        case=case, entries=selectors.combined_chronology(case=case)
    )
    return pdf_response(
        request, pdf, case=case, name="combined-chronology", what="combined chronology"
    )
