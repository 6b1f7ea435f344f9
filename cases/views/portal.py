"""The agency portal: an agency's users see and answer only the requests addressed to it,
from either partnership (DESIGN.md "Tenancy"). The Business Office uses the same pages to
enter a reply an agency sent by email, on its behalf (issue 12: agencies not on the portal).
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.portal import (
    AttachmentForm,
    ChronologyEntryEditForm,
    ChronologyEntryForm,
    LcsprChronologyEntryEditForm,
    LcsprChronologyEntryForm,
    OrganisationalChangeEditForm,
    OrganisationalChangeForm,
    ReplyForm,
    SharingDecisionForm,
    SubmissionForm,
)
from cases.models import AccessAction, RequestPurpose, RequestStatus
from cases.once import Once
from cases.permissions import Action
from cases.services import information_request as services_ir
from cases.services.information_request import NOT_OPEN_FOR_AGENCY
from cases.uploads import upload_stopped_at_limit
from cases.web import form_error, paged, scope_required, with_current_version
from reviews import services as review_services
from reviews.forms.practitioners import NamedPractitionerForm
from reviews.selectors import practitioners as practitioner_selectors

# Where each side's pages are: the agency's, and the office's acting for it.
PORTAL_URLS = {
    "reply": "portal_request",
    "chronology": "portal_chronology",
    "documents": "portal_documents",
    "decisions": "portal_sharing_decisions",
    "chronology_edit": "portal_chronology_edit",
    "chronology_remove": "portal_chronology_remove",
    "document_remove": "portal_document_remove",
    "practitioners": "portal_practitioners",
    "practitioner_remove": "portal_practitioner_remove",
}
ON_BEHALF_URLS = {
    "reply": "on_behalf_request",
    "chronology": "on_behalf_chronology",
    "documents": "on_behalf_documents",
    "decisions": "on_behalf_sharing_decisions",
    "chronology_edit": "on_behalf_chronology_edit",
    "chronology_remove": "on_behalf_chronology_remove",
    "document_remove": "on_behalf_document_remove",
    "practitioners": "on_behalf_practitioners",
    "practitioner_remove": "on_behalf_practitioner_remove",
}


def _log_view(request, item) -> None:
    """Portal reads name the case by reference, like every other read of a case."""
    services.access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type="information request",
        object_reference=item.case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )


REQUESTS_PER_PAGE = 25


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_home(request):
    """What the agency must answer, the soonest due first; then its submitted replies, the
    newest first: each list a page at a time (issue 18: an agency like the police serves
    nearly every case of both partnerships)."""
    to_answer = paged(
        request, selectors.portal_requests_to_answer(scope=request.scope), REQUESTS_PER_PAGE
    )
    to_answer["page"].object_list = selectors.with_due_states(
        to_answer["page"].object_list, today=timezone.localdate()
    )
    return render(
        request,
        "portal/home.html",
        {
            "to_answer": to_answer,
            "due_soon_days": selectors.DUE_SOON_WORKING_DAYS,
            "answered": paged(
                request,
                selectors.portal_requests_answered(scope=request.scope),
                REQUESTS_PER_PAGE,
                parameter="submitted_page",
            ),
        },
    )


def _page(request, item, template, tab, urls, **context):
    _log_view(request, item)
    return render(
        request,
        template,
        {
            "item": item,
            "case": item.case,
            "tab": tab,
            "urls": urls,
            "on_behalf": urls is ON_BEHALF_URLS,
            **_submission_context(request, item),
            **context,
        },
    )


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_request(request, pk):
    return _reply(request, selectors.portal_request_get(scope=request.scope, pk=pk), PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_request(request, pk):
    return _on_behalf(request, pk, _reply)


def _on_behalf(request, pk, page):
    """The office's side of a reply section, once it has attached the agency's original."""
    item = selectors.request_get(scope=request.scope, pk=pk)
    if not item.is_entered_on_behalf:
        return render(
            request, "portal/on_behalf_not_started.html", {"item": item, "case": item.case}
        )
    return page(request, item, ON_BEHALF_URLS)


def _submitted(request, item, urls):
    if urls is ON_BEHALF_URLS:
        messages.success(
            request,
            f"The reply from {item.agency} is recorded as submitted, entered on its behalf.",
        )
        return redirect("case_request", reference=item.case.reference, pk=item.pk)
    messages.success(
        request,
        f"Your reply about case {item.case.reference} has been submitted to the Business Office.",
    )
    return redirect("portal_home")


def _reply(request, item, urls):
    """The reply template as a form: save a draft, or save and submit."""
    if item.purpose == RequestPurpose.LCSPR:
        return _submission(request, item, urls)
    if request.method == "POST" and item.is_open_for_agency:
        form = ReplyForm(request.POST)
        if form.is_valid():
            submit = "submit" in request.POST
            action = services.reply_submit if submit else services.reply_save
            try:
                action(
                    scope=request.scope,
                    request=item,
                    details=form.details(),
                    version=form.cleaned_data["version"],
                )
            except services.ReplyIncomplete as incomplete:
                # Saved as a draft: say what is missing, keep what was typed.
                form = ReplyForm(request.POST.copy())
                form.data["version"] = incomplete.version
                form.is_valid()
                for field, message in incomplete.problems.items():
                    form.add_error(field, message)
                messages.info(request, incomplete.message)
            except ApplicationError as error:
                form_error(form, error)
            else:
                if submit:
                    return _submitted(request, item, urls)
                messages.success(request, "The draft is saved.")
                return redirect(urls["reply"], pk=item.pk)
    else:
        form = ReplyForm(initial=ReplyForm.initial_for(item))
    identities = selectors.identifying_details(scope=request.scope, request=item)
    if identities is not None:
        _log_identities_view(request, item)
    return _page(
        request,
        item,
        "portal/request_reply.html",
        "reply",
        urls,
        form=form,
        identities=identities,
        intake=selectors.case_intake(case=item.case),
        parts=selectors.request_parts(scope=request.scope, request=item),
    )


def _log_identities_view(request, item) -> None:
    """Every showing of who the child and family are is in the access log (issue 12)."""
    services.access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type="identifying details",
        object_reference=item.case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology(request, pk):
    item = selectors.portal_request_get(scope=request.scope, pk=pk)
    return _chronology(request, item, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology(request, pk):
    return _on_behalf(request, pk, _chronology)


def _chronology(request, item, urls):
    if item.purpose == RequestPurpose.LCSPR:
        return _lcspr_chronology(request, item, urls)
    form = ChronologyEntryForm(request.POST if request.method == "POST" else None)
    once = Once(request, f"chronology-entry-{item.pk}")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.chronology_entry_add(
                    scope=request.scope, request=item, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse(urls["chronology"], kwargs={"pk": item.pk}))
                messages.success(request, "Chronology entry added.")
                return redirect(urls["chronology"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/request_chronology.html",
        "chronology",
        urls,
        form=form,
        once=once,
        entries=selectors.request_parts(scope=request.scope, request=item)["entries"],
    )


ORGANISATIONAL = "organisational"


def _event_form_kwargs(item) -> dict:
    return {
        "concerning": selectors.chronology_concerning_options(case=item.case),
        "with_analysis": item.with_analysis,
    }


def _lcspr_chronology(request, item, urls):
    """An LCSPR chronology (§8.4.1): the events, each saying whom it concerns, and where
    asked for a second section of organisational changes."""
    posted = request.method == "POST"
    section = request.POST.get("section") if posted else None
    if section == ORGANISATIONAL and not item.with_organisational_changes:
        section = None
    is_change = section == ORGANISATIONAL
    form = LcsprChronologyEntryForm(
        request.POST if posted and not is_change else None, **_event_form_kwargs(item)
    )
    change_form = OrganisationalChangeForm(
        request.POST if posted and is_change else None, prefix="change"
    )
    once = Once(request, f"chronology-entry-{item.pk}")
    change_once = Once(request, f"organisational-change-{item.pk}")
    (change_once if not is_change else once).token = ""  # each form its own token
    bound, bound_once = (change_form, change_once) if is_change else (form, once)
    if posted and bound.is_valid():
        with transaction.atomic():
            try:
                if (replay := bound_once.replay()) is not None:
                    return replay
                services.chronology_entry_add(
                    scope=request.scope,
                    request=item,
                    is_organisational_change=is_change,
                    **bound.cleaned_data,
                )
            except ApplicationError as error:
                form_error(bound, error)
            else:
                bound_once.spend(reverse(urls["chronology"], kwargs={"pk": item.pk}))
                messages.success(
                    request,
                    "Organisational change added." if is_change else "Chronology entry added.",
                )
                return redirect(urls["chronology"], pk=item.pk)
    entries = selectors.request_parts(scope=request.scope, request=item)["entries"]
    return _page(
        request,
        item,
        "portal/submission_chronology.html",
        "chronology",
        urls,
        form=form,
        once=once,
        change_form=change_form,
        change_once=change_once,
        more_forms=[change_form],
        entries=[e for e in entries if not e.is_organisational_change],
        changes=[e for e in entries if e.is_organisational_change],
    )


def _entry_form(item, entry, data=None):
    """The edit form for one entry: the Rapid Review's, an LCSPR event, or an
    organisational change (§8.4.1)."""
    if item.purpose != RequestPurpose.LCSPR:
        form_class, kwargs = ChronologyEntryEditForm, {}
    elif entry.is_organisational_change:
        form_class, kwargs = OrganisationalChangeEditForm, {}
    else:
        form_class, kwargs = LcsprChronologyEntryEditForm, _event_form_kwargs(item)
    if data is None:
        return form_class(initial=form_class.initial_for(entry), **kwargs), kwargs
    return form_class(data, **kwargs), kwargs


def _entry_and_request(request, pk, urls):
    """A chronology entry and its request, each read as the side that asks for it."""
    entry = selectors.chronology_entry_get(scope=request.scope, pk=pk)
    if urls is PORTAL_URLS:
        return entry, selectors.portal_request_get(scope=request.scope, pk=entry.request_id)
    item = selectors.request_get(scope=request.scope, pk=entry.request_id)
    if not item.is_entered_on_behalf:
        # The agency's own draft stays the agency's until it submits it.
        raise Http404("No such entry.")
    return entry, item


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_edit(request, pk):
    return _chronology_edit(request, pk, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_edit(request, pk):
    return _chronology_edit(request, pk, ON_BEHALF_URLS)


def _chronology_edit(request, pk, urls):
    """One entry of the chronology (§8.4.1), changed while the reply is open; a colleague's
    edit since the page was opened is refused, keeping what was typed."""
    entry, item = _entry_and_request(request, pk, urls)
    form = None
    if item.is_open_for_agency and request.method == "POST":
        form, form_kwargs = _entry_form(item, entry, request.POST)
        if form.is_valid():
            try:
                services.chronology_entry_edit(
                    scope=request.scope, entry=entry, **form.cleaned_data
                )
            except ApplicationError as error:
                try:
                    current = selectors.chronology_entry_get(scope=request.scope, pk=pk)
                except Http404:  # a colleague removed it meanwhile
                    messages.error(request, error.message)
                    return redirect(urls["chronology"], pk=item.pk)
                form = with_current_version(form, current.version, **form_kwargs)
                form_error(form, error)
            else:
                messages.success(request, "Chronology entry changed.")
                return redirect(urls["chronology"], pk=item.pk)
    elif item.is_open_for_agency:
        form, _ = _entry_form(item, entry)
    return _page(
        request,
        item,
        "portal/chronology_entry_edit.html",
        "chronology",
        urls,
        form=form,
        entry=entry,
        closed=NOT_OPEN_FOR_AGENCY,
    )


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_remove(request, pk):
    return _chronology_remove(request, pk, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_remove(request, pk):
    return _chronology_remove(request, pk, ON_BEHALF_URLS)


def _chronology_remove(request, pk, urls):
    """GOV.UK's confirm-before-deleting: a page that shows the entry, then the removal."""
    entry, item = _entry_and_request(request, pk, urls)
    if item.is_open_for_agency and request.method == "POST":
        try:
            services.chronology_entry_remove(scope=request.scope, entry=entry)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Chronology entry removed.")
        return redirect(urls["chronology"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/chronology_entry_remove.html",
        "chronology",
        urls,
        entry=entry,
        closed=NOT_OPEN_FOR_AGENCY,
    )


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_documents(request, pk):
    item = selectors.portal_request_get(scope=request.scope, pk=pk)
    return _documents(request, item, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_documents(request, pk):
    return _on_behalf(request, pk, _documents)


def _documents(request, item, urls):
    form = AttachmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        stopped_at_limit=request.method == "POST" and upload_stopped_at_limit(request),
    )
    once = Once(request, f"document-{item.pk}")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.attachment_add(
                    scope=request.scope, request=item, upload=form.cleaned_data["file"]
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse(urls["documents"], kwargs={"pk": item.pk}))
                messages.success(request, "The document is attached.")
                return redirect(urls["documents"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/request_documents.html",
        "documents",
        urls,
        form=form,
        once=once,
        attachments=selectors.request_parts(scope=request.scope, request=item)["attachments"],
    )


@require_POST
@scope_required(Action.REPLY_TO_REQUESTS)
def portal_document_remove(request, pk):
    attachment = selectors.attachment_get(scope=request.scope, pk=pk)
    return _document_remove(request, attachment, PORTAL_URLS)


@require_POST
@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_document_remove(request, pk):
    attachment = selectors.attachment_get(scope=request.scope, pk=pk)
    return _document_remove(request, attachment, ON_BEHALF_URLS)


def _document_remove(request, attachment, urls):
    try:
        services.attachment_remove(scope=request.scope, attachment=attachment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The document is withdrawn.")
    return redirect(urls["documents"], pk=attachment.request_id)


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_sharing_decisions(request, pk):
    """§2.1.6: each information-sharing decision with its reason."""
    item = selectors.portal_request_get(scope=request.scope, pk=pk)
    return _sharing_decisions(request, item, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_sharing_decisions(request, pk):
    return _on_behalf(request, pk, _sharing_decisions)


def _sharing_decisions(request, item, urls):
    form = SharingDecisionForm(request.POST if request.method == "POST" else None)
    once = Once(request, f"sharing-decision-{item.pk}")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.sharing_decision_record(
                    scope=request.scope, request=item, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse(urls["decisions"], kwargs={"pk": item.pk}))
                messages.success(request, "Information-sharing decision recorded.")
                return redirect(urls["decisions"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/request_decisions.html",
        "decisions",
        urls,
        form=form,
        once=once,
        decisions=selectors.request_parts(scope=request.scope, request=item)["decisions"],
        statuses=RequestStatus,
    )


# --- An LCSPR submission (issue 14, §8.4-8.7, §8.10.1) ------------------------------------


def _submission_context(request, item) -> dict:
    """What every page of an LCSPR submission shows: the kind asked for, and the Panel's
    latest quality-assurance decision on it (§8.7), the agency's own only."""
    if item.purpose != RequestPurpose.LCSPR:
        return {"is_lcspr": False}
    return {
        "is_lcspr": True,
        "qa": practitioner_selectors.qa_latest(scope=request.scope, request=item),
        "qa_awaiting": practitioner_selectors.qa_awaiting_answer(request=item),
        "names_practitioners": item.submission_kind in services_ir.NAMES_PRACTITIONERS,
    }


def _submission_form(item, data=None):
    kwargs = {
        "kind": item.submission_kind,
        "answering_qa": practitioner_selectors.qa_awaiting_answer(request=item) is not None,
        "names_practitioners": item.submission_kind in services_ir.NAMES_PRACTITIONERS,
    }
    if data is None:
        return SubmissionForm(initial=SubmissionForm.initial_for(item), **kwargs), kwargs
    return SubmissionForm(data, **kwargs), kwargs


def _submission(request, item, urls):
    """An LCSPR submission as a form of the kind asked for: save a draft, or save and
    submit; submitting checks what the kind needs (services.submission_problems)."""
    if request.method == "POST" and item.is_open_for_agency:
        form, kwargs = _submission_form(item, request.POST)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                if submit:
                    services.reply_submit(
                        scope=request.scope,
                        request=item,
                        details=form.details(item.submission_kind),
                        version=form.cleaned_data["version"],
                        response_note=form.cleaned_data.get("response_note", ""),
                        no_practitioners_confirmed=form.cleaned_data.get("no_practitioners", False),
                    )
                else:
                    services.reply_save(
                        scope=request.scope,
                        request=item,
                        details=form.details(item.submission_kind),
                        version=form.cleaned_data["version"],
                    )
            except services.ReplyIncomplete as incomplete:
                data = request.POST.copy()
                data["version"] = incomplete.version
                form = SubmissionForm(data, **kwargs)
                form.is_valid()
                for field, message in incomplete.problems.items():
                    form.add_error(field if field in form.fields else None, message)
                messages.info(request, SUBMISSION_SAVED_INCOMPLETE)
            except ApplicationError as error:
                form_error(form, error)
            else:
                if submit:
                    return _submitted(request, item, urls)
                messages.success(request, "The draft is saved.")
                return redirect(urls["reply"], pk=item.pk)
    else:
        form, _ = _submission_form(item)
    parts = selectors.request_parts(scope=request.scope, request=item)
    # Who the pseudonyms are, for the agency to find its records, as for a Rapid Review.
    identities = selectors.identifying_details(scope=request.scope, request=item)
    if identities is not None:
        _log_identities_view(request, item)
    return _page(
        request,
        item,
        "portal/submission_reply.html",
        "reply",
        urls,
        form=form,
        identities=identities,
        entries=[e for e in parts["entries"] if not e.is_organisational_change],
        changes=[e for e in parts["entries"] if e.is_organisational_change],
        practitioners=practitioner_selectors.request_practitioners(
            scope=request.scope, request=item
        ),
    )


SUBMISSION_SAVED_INCOMPLETE = "Your submission has been saved as a draft but is not complete."


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_practitioners(request, pk):
    item = selectors.portal_request_get(scope=request.scope, pk=pk)
    return _practitioners(request, item, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_practitioners(request, pk):
    return _on_behalf(request, pk, _practitioners)


def _practitioners(request, item, urls):
    """The practitioners and line managers the agency names for the learning workshop
    (§8.10.1-8.10.2), added while its submission is open."""
    # A Rapid Review request's page says that nothing of the kind is asked of it.
    form = NamedPractitionerForm(request.POST if request.method == "POST" else None)
    once = Once(request, f"named-practitioner-{item.pk}")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                review_services.practitioner_add(scope=request.scope, request=item, **form.values())
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(reverse(urls["practitioners"], kwargs={"pk": item.pk}))
                messages.success(request, f"{form.cleaned_data['name']} is named.")
                return redirect(urls["practitioners"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/submission_practitioners.html",
        "practitioners",
        urls,
        form=form,
        once=once,
        practitioners=practitioner_selectors.request_practitioners(
            scope=request.scope, request=item
        ),
    )


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_practitioner_remove(request, pk):
    return _practitioner_remove(request, pk, PORTAL_URLS)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_practitioner_remove(request, pk):
    return _practitioner_remove(request, pk, ON_BEHALF_URLS)


def _practitioner_remove(request, pk, urls):
    """GOV.UK's confirm-before-deleting, as for a chronology entry."""
    practitioner = practitioner_selectors.practitioner_get(scope=request.scope, pk=pk)
    if urls is PORTAL_URLS:
        item = selectors.portal_request_get(scope=request.scope, pk=practitioner.request_id)
    else:
        item = selectors.request_get(scope=request.scope, pk=practitioner.request_id)
        if not item.is_entered_on_behalf:
            raise Http404("No such practitioner.")  # the agency's draft stays its own
    if item.is_open_for_agency and request.method == "POST":
        try:
            review_services.practitioner_remove(scope=request.scope, practitioner=practitioner)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{practitioner.name} is no longer named.")
        return redirect(urls["practitioners"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/submission_practitioner_remove.html",
        "practitioners",
        urls,
        practitioner=practitioner,
        closed=NOT_OPEN_FOR_AGENCY,
    )
