"""The Combined Summary Report and the combined chronology (§4.5.1)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases import documents, selectors, services
from cases.errors import ApplicationError
from cases.forms.combined import CombinedSummaryForm
from cases.models import DocumentKind
from cases.permissions import Action
from cases.web import (
    form_error,
    pdf_response,
    scope_required,
    stored_pdf_response,
    summary_context,
)


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
        {
            "case": case,
            "tab": "summary",
            "entries": selectors.combined_chronology(case=case),
            **_chronology_pdf_context(case),
        },
    )


def _chronology_pdf_context(case) -> dict:
    return {
        "state": selectors.document_state(case=case, kind=DocumentKind.COMBINED_CHRONOLOGY),
        "prepare_url": reverse("combined_chronology_pdf_status", args=[case.reference]),
        "download_url": reverse("combined_chronology_pdf", args=[case.reference]),
    }


@require_http_methods(["GET", "POST"])
@scope_required(Action.VIEW_CASES)
def combined_chronology_pdf_status(request, reference):
    """The combined chronology's PDF (issue 18): long, so the worker renders it. GET says
    how it stands; POST asks for it (again after a change or failure), idempotently."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    kind = DocumentKind.COMBINED_CHRONOLOGY
    if request.method == "POST":
        services.document_prepare(case=case, kind=kind, actor=request.user)
        return redirect("combined_chronology_pdf_status", reference=case.reference)
    return render(
        request,
        "cases/combined_chronology_pdf.html",
        {"case": case, "tab": "summary", **_chronology_pdf_context(case)},
    )


@require_GET
@scope_required(Action.VIEW_CASES)
def combined_chronology_pdf(request, reference):
    """The prepared PDF of the case as it is now, streamed from storage; until it is
    ready (or after the case changed), the page that prepares it."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    state = selectors.document_state(case=case, kind=DocumentKind.COMBINED_CHRONOLOGY)
    if not state.ready:
        return redirect("combined_chronology_pdf_status", reference=case.reference)
    return stored_pdf_response(
        request, state.current, case=case, name="combined-chronology", what="combined chronology"
    )
