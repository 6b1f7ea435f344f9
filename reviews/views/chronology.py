"""The multi-agency chronology (§8.4.3): every agency's received LCSPR chronology merged,
filtered, with its gaps and overlaps, its gap threshold, the tagging of its entries with
key themes, and its exports (landscape PDF, CSV, XLSX). The review team's record: read
with VIEW_REVIEW_TEAM_RECORDS, every read and download access-logged."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases import services as case_services
from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import AccessAction
from cases.permissions import Action
from cases.web import form_error, log_download, pdf_response, scope_required
from reviews.documents.chronology import chronology_csv, chronology_pdf, chronology_xlsx
from reviews.forms.chronology import (
    ORGANISATIONAL_CHOICES,
    ChronologyFilterForm,
    GapThresholdForm,
    TagEntriesForm,
)
from reviews.selectors import chronology as selectors
from reviews.selectors.themes import review_themes
from reviews.services.chronology import chronology_gap_days_set
from reviews.services.themes import entries_tag
from reviews.web import case_and_lcspr

THRESHOLD_SAVED = "The gap threshold is saved: gaps longer than {days} days are shown."
TAGGED = "{n} tagged with “{theme}”."
UNTAGGED = "“{theme}” taken off {n}."
WHAT = "multi-agency chronology"


def _filters(request, lcspr):
    """The filter form as the URL gives it, and the filters that are valid."""
    agencies, concerning = selectors.chronology_choices(lcspr)
    themes = review_themes(lcspr)
    form = ChronologyFilterForm(
        request.GET or None, agencies=agencies, concerning=concerning, themes=themes
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and not data:
        # Keep the fields that are valid, as the case list does.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    chosen = selectors.ChronologyFilters(
        agency=next((a for a in agencies if a.pk == data.get("agency")), None),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        concerning=data.get("concerning") or "",
        theme_id=data.get("theme"),
        organisational=data.get("organisational") or "with",
    )
    return form, chosen, themes


def _filters_text(chosen: selectors.ChronologyFilters, themes) -> list[str]:
    """The filters in words, for the PDF (what a reader of the paper cannot see)."""
    said = []
    if chosen.agency:
        said.append(chosen.agency.name)
    if chosen.date_from or chosen.date_to:
        start = format_date(chosen.date_from) or "the start"
        said.append(f"{start} to {format_date(chosen.date_to) or 'the end'}")
    if chosen.concerning:
        said.append(f"concerning {chosen.concerning}")
    if chosen.theme_id:
        said += [f"key theme “{t.title}”" for t in themes if t.pk == chosen.theme_id]
    if chosen.organisational != "with":
        said.append(dict(ORGANISATIONAL_CHOICES)[chosen.organisational].lower())
    return said


def _log_read(request, case) -> None:
    case_services.access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type=WHAT,
        object_reference=case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    request.access_logged = True


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_chronology(request, reference):
    """The multi-agency chronology, as the filters in the URL narrow it."""
    case, lcspr = case_and_lcspr(request, reference)
    form, chosen, themes = _filters(request, lcspr)
    return _page(request, case, lcspr, form, chosen, themes)


def _page(request, case, lcspr, form, chosen, themes, *, threshold_form=None, tag_form=None):
    chronology = selectors.multi_agency_chronology(lcspr, chosen)
    can_set = request.scope.can(Action.RUN_PANEL_MEETINGS)
    if can_set and threshold_form is None:
        threshold_form = GapThresholdForm(
            initial={"gap_days": lcspr.chronology_gap_days, "version": lcspr.version}
        )
    query = request.GET.urlencode()
    _log_read(request, case)
    failed = [f for f in (threshold_form, tag_form) if f is not None and f.is_bound and f.errors]
    return render(
        request,
        "reviews/chronology/chronology.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "The multi-agency chronology",
            "chronology": chronology,
            "filter_form": form,
            "filtered": bool(_filters_text(chosen, themes)),
            "themes": themes,
            "threshold_form": threshold_form if can_set else None,
            "can_tag": can_set and bool(themes),
            "tag_form": tag_form,
            "failed_forms": failed,
            "failed_non_form_errors": [e for f in failed for e in f.non_field_errors()],
            "query": f"?{query}" if query else "",
            "submissions": list(selectors.lcspr_submissions(lcspr)),
        },
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_chronology_settings(request, reference):
    """Set the gap threshold (§8.4.3); back to the chronology as it was filtered, or the
    chronology page again with the error."""
    case, lcspr = case_and_lcspr(request, reference)
    form = GapThresholdForm(request.POST)
    if form.is_valid():
        try:
            lcspr = chronology_gap_days_set(
                lcspr=lcspr,
                days=form.cleaned_data["gap_days"],
                version=form.cleaned_data["version"],
            )
        except ApplicationError as error:
            form = GapThresholdForm(
                {"gap_days": form.cleaned_data["gap_days"], "version": lcspr.version}
            )
            form.is_valid()
            form.add_error(None, error.message)
        else:
            messages.success(request, THRESHOLD_SAVED.format(days=lcspr.chronology_gap_days))
            return _back(case, request)
    filter_form, chosen, themes = _filters(request, lcspr)
    return _page(request, case, lcspr, filter_form, chosen, themes, threshold_form=form)


def _back(case, request):
    response = redirect("lcspr_chronology", reference=case.reference)
    query = request.POST.get("query", "")
    if query.startswith("?") and "\n" not in query:
        response["Location"] += query
    return response


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_chronology_tag(request, reference):
    """Tag the selected entries with a key theme, or take it off them (§8.8); back to the
    chronology, or the chronology page again with the error."""
    case, lcspr = case_and_lcspr(request, reference)
    themes = review_themes(lcspr)
    chronology = selectors.multi_agency_chronology(lcspr)
    entries = chronology.entries + chronology.outside + chronology.organisational
    form = TagEntriesForm(request.POST, themes=themes, entries=entries)
    if form.is_valid():
        theme = next(t for t in themes if t.pk == form.cleaned_data["theme"])
        chosen = [e for e in entries if e.pk in set(form.cleaned_data["entries"])]
        try:
            count = entries_tag(theme=theme, entries=chosen, remove=form.cleaned_data["remove"])
        except ApplicationError as error:
            form_error(form, error)
        else:
            message = UNTAGGED if form.cleaned_data["remove"] else TAGGED
            entries_said = f"{count} entr{'y' if count == 1 else 'ies'}"
            messages.success(request, message.format(n=entries_said, theme=theme.title))
            return _back(case, request)
    filter_form, chosen_filters, themes = _filters(request, lcspr)
    return _page(request, case, lcspr, filter_form, chosen_filters, themes, tag_form=form)


def _export(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    _, chosen, themes = _filters(request, lcspr)
    return case, selectors.multi_agency_chronology(lcspr, chosen), chosen, themes


def _download(request, case, content: bytes, *, content_type: str, extension: str):
    log_download(request, reference=case.reference, what=f"{WHAT} ({extension})")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{case.reference}-multi-agency-chronology.{extension}"'
    )
    return response


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_chronology_pdf(request, reference):
    case, chronology, chosen, themes = _export(request, reference)
    pdf = chronology_pdf(
        case=case, chronology=chronology, filters_text=_filters_text(chosen, themes)
    )
    return pdf_response(
        request, pdf, case=case, name="multi-agency-chronology", what=f"{WHAT} (pdf)"
    )


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_chronology_csv(request, reference):
    case, chronology, _, _ = _export(request, reference)
    return _download(
        request,
        case,
        chronology_csv(chronology),
        content_type="text/csv; charset=utf-8",
        extension="csv",
    )


@require_GET
@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_chronology_xlsx(request, reference):
    case, chronology, _, _ = _export(request, reference)
    return _download(
        request,
        case,
        chronology_xlsx(case=case, chronology=chronology),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extension="xlsx",
    )
