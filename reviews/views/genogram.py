"""The genogram (§7.2.1): the product's drawing of the family network, named and
anonymised, as a page, SVG and PDF, and the lead agency's own uploaded versions.

Restricted to the review team (Action.VIEW_REVIEW_TEAM_RECORDS): every page view is
access-logged by cases.security.AccessLogMiddleware, every download by log_download.
Uploading, and asking an agency for its genogram, need Action.ENGAGE_FAMILY (checked on
POST and in the service). The asked agency's own side is reviews/views/genogram_portal.py.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.uploads import upload_stopped_at_limit
from cases.web import (
    form_error,
    log_download,
    pdf_response,
    scope_required,
)
from reviews import services
from reviews.documents import genogram as documents
from reviews.forms.genogram import GenogramAskForm, GenogramUploadForm
from reviews.selectors import genogram as selectors
from reviews.web import case_and_lcspr

UPLOADED = "Version {number} of the genogram is uploaded. The earlier versions are kept."
ASKED = "{agency} is asked for its genogram. Its portal users are emailed (§7.2.1)."
ONLY_FAMILY_TEAM = (
    "Only the Business Office, the review's Reviewer and its Panel members upload a genogram."
)


def _anonymised_or_refusal(lcspr):
    """(the anonymised genogram, None), or (None, why it cannot be produced)."""
    try:
        return selectors.anonymised_genogram(lcspr), None
    except selectors.GenogramNotAnonymous as error:
        return None, error.message


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram(request, reference):
    """Both versions of the drawn genogram, each with its table of the same people, the
    lead agency's uploaded versions and (for those who keep the family's records) the
    form to upload a new one."""
    case, lcspr = case_and_lcspr(request, reference)
    can_upload = request.scope.can(Action.ENGAGE_FAMILY)
    if request.method == "POST" and not can_upload:
        raise PermissionDenied(ONLY_FAMILY_TEAM)
    url = reverse("lcspr_genogram", kwargs={"reference": case.reference})
    asking = request.method == "POST" and request.POST.get("form") == "ask"
    uploading = request.method == "POST" and not asking
    once = Once(request, "genogram_upload")
    form = GenogramUploadForm(
        request.POST if uploading else None,
        request.FILES if uploading else None,
        partnership=case.partnership,
        stopped_at_limit=uploading and upload_stopped_at_limit(request),
    )
    standing = selectors.genogram_ask_standing(scope=request.scope, lcspr=lcspr)
    ask_form = GenogramAskForm(
        request.POST if asking else None,
        partnership=case.partnership,
        initial={
            "version": standing.ask.version if standing.ask else 0,
            "agency": standing.ask.agency_id if standing.ask else None,
            "due_on": standing.ask.due_on if standing.ask else None,
            "note": standing.ask.note if standing.ask else "",
        },
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                version = services.genogram_upload_add(
                    lcspr=lcspr,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    agency=form.cleaned_data["agency"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, UPLOADED.format(number=version.number))
                return redirect(url)
    if ask_form.is_bound and ask_form.is_valid():
        try:
            ask = services.genogram_ask_record(
                lcspr=lcspr,
                agency=ask_form.cleaned_data["agency"],
                due_on=ask_form.cleaned_data["due_on"],
                note=ask_form.cleaned_data["note"],
                version=ask_form.cleaned_data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            if error.field == "version":
                standing = selectors.genogram_ask_standing(scope=request.scope, lcspr=lcspr)
                # As typed, at the version now stored: saving again goes through.
                data = ask_form.data.copy()
                data[ask_form.add_prefix("version")] = standing.ask.version if standing.ask else 0
                ask_form = GenogramAskForm(data, partnership=case.partnership)
                ask_form.is_valid()
                ask_form.add_error(None, error.message)  # the hidden version has no place
            else:
                form_error(ask_form, error)
        else:
            messages.success(request, ASKED.format(agency=ask.agency.name))
            return redirect(url + "#genogram-ask")
    anonymised, refusal = _anonymised_or_refusal(lcspr)
    return render(
        request,
        "reviews/genogram/genogram.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "Genogram",
            "named": selectors.named_genogram(lcspr),
            "anonymised": anonymised,
            "anonymised_refusal": refusal,
            "uploads": selectors.genogram_uploads(scope=request.scope, lcspr=lcspr),
            "standing": standing,
            "form": form if can_upload else None,
            "ask_form": ask_form if can_upload else None,
            "more_forms": [ask_form] if can_upload else [],
            "more_errors": bool(ask_form.errors),
            "more_non_form_errors": ask_form.non_field_errors(),
            "once": once,
        },
    )


def _svg_response(request, case, svg: str, *, name: str, what: str) -> HttpResponse:
    log_download(request, reference=case.reference, what=what)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-{name}.svg"'
    return response


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram_svg(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    return _svg_response(
        request,
        case,
        selectors.named_genogram(lcspr).svg,
        name="genogram-named",
        what="named genogram",
    )


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram_pdf(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    return pdf_response(
        request,
        documents.named_genogram_pdf(case=case, lcspr=lcspr),
        case=case,
        name="genogram-named",
        what="named genogram",
    )


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram_anonymised_svg(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    anonymised, refusal = _anonymised_or_refusal(lcspr)
    if anonymised is None:
        return _not_anonymous(request, case, refusal)
    return _svg_response(
        request, case, anonymised.svg, name="genogram-anonymised", what="anonymised genogram"
    )


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram_anonymised_pdf(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    try:
        pdf = documents.anonymised_genogram_pdf(case=case, lcspr=lcspr)
    except selectors.GenogramNotAnonymous as error:
        return _not_anonymous(request, case, error.message)
    return pdf_response(
        request, pdf, case=case, name="genogram-anonymised", what="anonymised genogram"
    )


def _not_anonymous(request, case, refusal):
    messages.error(request, refusal)
    return redirect("lcspr_genogram", reference=case.reference)


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_genogram_upload(request, reference, pk):
    """One version of the lead agency's genogram, named by reference and version (the
    name it was uploaded under may name the family), its download logged."""
    case, lcspr = case_and_lcspr(request, reference)
    upload = selectors.genogram_upload_get(scope=request.scope, lcspr=lcspr, pk=pk)
    log_download(request, reference=case.reference, what="uploaded genogram")
    extension = Path(upload.original_name).suffix.lower()
    return FileResponse(
        upload.file.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-genogram-version-{upload.number}{extension}",
        content_type=upload.content_type,
    )
