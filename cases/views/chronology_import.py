"""A chronology imported from a spreadsheet (§8.4.1; issue 14): the template, the upload,
the check of every row, and the import. The agency in the portal, or the Business Office
entering the agency's reply on its behalf (issue 12), with the same pages."""

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.chronology_import import ChronologyConfirmForm, ChronologyUploadForm
from cases.models import AccessAction
from cases.permissions import Action
from cases.services.chronology_import import (
    DATE_FORMATS,
    TIME_FORMAT,
    asks_for_analysis,
    asks_for_organisational_changes,
    template_columns,
)
from cases.services.information_request import NOT_OPEN_FOR_AGENCY
from cases.uploads import upload_stopped_at_limit
from cases.views.portal import ON_BEHALF_URLS, PORTAL_URLS, _submission_context
from cases.web import form_error, log_download, scope_required

# Each side's pages: the portal's sub-navigation, and this part's own.
PORTAL = {
    **PORTAL_URLS,
    "import": "portal_chronology_import",
    "import_check": "portal_chronology_import_check",
    "template_xlsx": "portal_chronology_template_xlsx",
    "template_csv": "portal_chronology_template_csv",
}
ON_BEHALF = {
    **ON_BEHALF_URLS,
    "import": "on_behalf_chronology_import",
    "import_check": "on_behalf_chronology_import_check",
    "template_xlsx": "on_behalf_chronology_template_xlsx",
    "template_csv": "on_behalf_chronology_template_csv",
}
PREVIEW_ROWS = 10
SUMMARY_ERRORS = 20
IMPORTED = "{count} chronology entries imported."
ALREADY_IMPORTED = "This spreadsheet was already imported: nothing more was added."
DISCARDED = "The spreadsheet was discarded: nothing was imported."
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _agency_request(request, pk):
    return selectors.portal_request_get(scope=request.scope, pk=pk)


def _office_request(request, pk):
    """The request, and whether the office is entering its reply (else a page saying so)."""
    item = selectors.request_get(scope=request.scope, pk=pk)
    if not item.is_entered_on_behalf:
        return item, render(
            request, "portal/on_behalf_not_started.html", {"item": item, "case": item.case}
        )
    return item, None


def _page(request, item, template, urls, **context):
    services.access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type="chronology import",
        object_reference=item.case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    return render(
        request,
        template,
        {
            "item": item,
            "case": item.case,
            "tab": "chronology",
            "urls": urls,
            "on_behalf": urls is ON_BEHALF,
            "closed": NOT_OPEN_FOR_AGENCY,
            # An LCSPR submission's header and tabs, as its other pages have (§8.4.1).
            **_submission_context(request, item),
            **context,
        },
    )


# --- The template ------------------------------------------------------------------------


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_template_xlsx(request, pk):
    return _template_xlsx(request, _agency_request(request, pk))


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_template_xlsx(request, pk):
    return _template_xlsx(request, selectors.request_get(scope=request.scope, pk=pk))


def _template_xlsx(request, item):
    data = services.chronology_template_xlsx(
        request=item, concerning=selectors.chronology_concerning_options(case=item.case)
    )
    return _download(request, item, data, XLSX_TYPE, "xlsx")


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_template_csv(request, pk):
    return _template_csv(request, _agency_request(request, pk))


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_template_csv(request, pk):
    return _template_csv(request, selectors.request_get(scope=request.scope, pk=pk))


def _template_csv(request, item):
    data = services.chronology_template_csv(request=item)
    return _download(request, item, data, "text/csv; charset=utf-8", "csv")


def _download(request, item, data, content_type, extension):
    """Named by the case reference, never its content; the download is logged."""
    log_download(request, reference=item.case.reference, what="chronology template")
    response = HttpResponse(data, content_type=content_type)
    name = f"{item.case.reference}-chronology-template.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The upload --------------------------------------------------------------------------


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_import(request, pk):
    return _upload(request, _agency_request(request, pk), PORTAL)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_import(request, pk):
    item, not_started = _office_request(request, pk)
    return not_started or _upload(request, item, ON_BEHALF)


def _upload(request, item, urls):
    """The template to download, what each column takes, and the upload: checked on
    arrival, every row, then shown back before anything is saved."""
    posted = request.method == "POST" and item.is_open_for_agency
    form = ChronologyUploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        stopped_at_limit=posted and upload_stopped_at_limit(request),
    )
    concerning = selectors.chronology_concerning_options(case=item.case)
    if posted and form.is_valid():
        try:
            services.chronology_import_stage(
                scope=request.scope,
                request=item,
                upload=form.cleaned_data["file"],
                concerning=concerning,
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            return redirect(urls["import_check"], pk=item.pk)
    return _page(
        request,
        item,
        "portal/chronology_import.html",
        urls,
        form=form,
        columns=template_columns(item),
        concerning=concerning,
        date_formats=DATE_FORMATS,
        time_format=TIME_FORMAT,
        with_analysis=asks_for_analysis(item),
        with_organisational_changes=asks_for_organisational_changes(item),
        pending=selectors.chronology_import_pending(scope=request.scope, request=item),
    )


# --- The check, and the import -----------------------------------------------------------


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_chronology_import_check(request, pk):
    return _check(request, _agency_request(request, pk), PORTAL)


@scope_required(Action.MANAGE_REQUESTS)
def on_behalf_chronology_import_check(request, pk):
    item, not_started = _office_request(request, pk)
    return not_started or _check(request, item, ON_BEHALF)


def _check(request, item, urls):
    """The uploader's latest upload, checked: counts, every error by row and column, the
    first rows; then import it (all of it, or only its valid rows), or discard it."""
    if request.method == "POST" and item.is_open_for_agency:
        form = ChronologyConfirmForm(request.POST)
        if form.is_valid():
            staged = selectors.chronology_import_get(
                scope=request.scope, request=item, pk=form.cleaned_data["staged"]
            )
            action = form.cleaned_data["action"]
            try:
                if action == ChronologyConfirmForm.DISCARD:
                    services.chronology_import_discard(scope=request.scope, staged=staged)
                    messages.success(request, DISCARDED)
                    return redirect(urls["import"], pk=item.pk)
                count = services.chronology_import_confirm(
                    scope=request.scope,
                    staged=staged,
                    keep_valid_rows=action == ChronologyConfirmForm.KEEP_VALID,
                )
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect(urls["import_check"], pk=item.pk)
            if count:
                messages.success(request, IMPORTED.format(count=count))
            else:
                messages.info(request, ALREADY_IMPORTED)
            return redirect(urls["chronology"], pk=item.pk)
    staged = selectors.chronology_import_pending(scope=request.scope, request=item)
    errors = [
        {**error, "text": f"Row {error['row']}, {error['column']}: {error['message']}"}
        for error in (staged.errors if staged else [])
    ]
    return _page(
        request,
        item,
        "portal/chronology_import_check.html",
        urls,
        staged=staged,
        errors=errors,
        summary_errors=errors[:SUMMARY_ERRORS],
        more_errors=max(0, len(errors) - SUMMARY_ERRORS),
        preview=[
            {**row, "happened_on": date.fromisoformat(row["happened_on"])}
            for row in (staged.rows[:PREVIEW_ROWS] if staged else [])
        ],
        with_analysis=asks_for_analysis(item),
        with_organisational_changes=asks_for_organisational_changes(item),
        actions=ChronologyConfirmForm,
    )
