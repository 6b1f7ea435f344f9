"""The office's side of the agencies' submissions to the LCSPR (§8.2-8.7): the Safeguarding
Leads (§8.2.2), asking agencies for their submissions (§8.2.1, §8.3.1) with the letter,
template and guidance (§8.4.2, §8.5.2), the Panel's quality assurance (§8.7) and the
§2.1.7 escalation during the review. The agency answers in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases import services as case_services
from cases.errors import ApplicationError
from cases.forms.requests import EscalationForm
from cases.models import RECEIVED_STATUSES, EscalationStep, RequestStatus
from cases.once import Once
from cases.permissions import Action
from cases.services.information_request import NAMES_PRACTITIONERS
from cases.web import form_error, pdf_response, scope_required, with_current_version
from reviews.documents.submissions import (
    DOCUMENT_LABELS,
    DOCUMENTS,
    document_filename,
    submission_document_pdf,
)
from reviews.forms.submissions import (
    SafeguardingLeadForm,
    SubmissionReviewForm,
    SubmissionsRequestForm,
)
from reviews.models import QaOutcome
from reviews.rules import submission_kind_from_tools
from reviews.selectors import submissions as selectors
from reviews.selectors.terms import terms_in_force
from reviews.services import submissions as services
from reviews.web import case_and_lcspr

HEADING = "Gather the agencies' submissions"
ONLY_OFFICE = "Only the Business Office asks agencies for their submissions (§8.2.1)."
ONLY_ESCALATORS = (
    "Only the Business Office, the Reviewer or a Panel member escalates a submission (§2.1.7)."
)
SENT = (
    "Requests sent to {n}. Each agency's portal users and Safeguarding Lead have been "
    "emailed a link."
)
NO_LEAD_WARNING = "No Safeguarding Lead is named for {names}: only their portal users were emailed."
DECIDED = {
    QaOutcome.ACCEPTED: "The submission is accepted.",
    QaOutcome.MORE_INFORMATION: (
        "More information is asked for. The agency is emailed and sees it on its dashboard."
    ),
    QaOutcome.INVITED_TO_MEETING: "The agency is invited to the panel meeting and emailed.",
}


def _agencies_text(n: int) -> str:
    return f"{n} agenc{'y' if n == 1 else 'ies'}"


# --- Safeguarding Leads (§8.2.2) ------------------------------------------------------


@scope_required(Action.MANAGE_REQUESTS)
def safeguarding_leads(request):
    """The partnership's agencies, each with its Safeguarding Lead or "No Safeguarding Lead
    named"; `?agency=<id>` opens the form to name or change one."""
    partnership = request.scope.partnership
    agency = None
    form = None
    if "agency" in (request.POST if request.method == "POST" else request.GET):
        raw = (request.POST if request.method == "POST" else request.GET).get("agency", "")
        agency = selectors.partnership_agency_get(
            partnership=partnership, pk=int(raw) if raw.isdigit() else 0
        )
        lead = selectors.safeguarding_lead_for(partnership=partnership, agency_id=agency.pk)
        initial = {"version": lead.version if lead else 0}
        if lead:
            initial |= {
                "name": lead.name,
                "job_title": lead.job_title,
                "email": lead.email,
                "phone": lead.phone,
            }
        form = SafeguardingLeadForm(
            request.POST if request.method == "POST" else None, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.safeguarding_lead_save(
                    partnership=partnership, agency=agency, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                if error.field == "version":
                    current = selectors.safeguarding_lead_for(
                        partnership=partnership, agency_id=agency.pk
                    )
                    form = with_current_version(form, current.version if current else 0)
                form_error(form, error)
            else:
                messages.success(request, f"The Safeguarding Lead of {agency.name} is saved.")
                return redirect("safeguarding_leads")
    return render(
        request,
        "reviews/submissions/leads.html",
        {
            "leads": selectors.safeguarding_leads(partnership=partnership),
            "agency": agency,
            "form": form,
        },
    )


# --- The review's submissions (§8.2-8.7) ----------------------------------------------


@scope_required(Action.VIEW_CASES)
def lcspr_submissions(request, reference):
    """Each agency's submission: what was asked, by when, where it stands, its QA."""
    case, lcspr = case_and_lcspr(request, reference)
    today = timezone.localdate()
    rows = [
        {
            "request": item,
            "review": selectors.latest_review(item),
            "overdue": selectors.is_overdue(item, today),
        }
        for item in selectors.submissions(case=case)
    ]
    standing = selectors.submissions_standing(case=case, today=today)
    return render(
        request,
        "reviews/submissions/list.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": HEADING,
            "rows": rows,
            "hint": selectors.standing_hint(standing) if standing.asked else "",
            "can_send": request.scope.can(Action.MANAGE_REQUESTS),
            "terms_refusal": services.terms_refusal(lcspr),
        },
    )


@scope_required(Action.VIEW_CASES)
def lcspr_submissions_request(request, reference):
    """Ask agencies for their submissions (§8.2.1): the kind pre-selected from the agreed
    methodology for the agencies that answered the Rapid Review."""
    case, lcspr = case_and_lcspr(request, reference)
    can_send = request.scope.can(Action.MANAGE_REQUESTS)
    if request.method == "POST" and not can_send:
        raise PermissionDenied(ONLY_OFFICE)
    partnership = case.partnership
    asked = {item.agency_id for item in selectors.submissions(case=case)}
    agencies = selectors.partnership_agencies(partnership=partnership).exclude(pk__in=asked)
    terms = terms_in_force(lcspr)
    default_kind = submission_kind_from_tools(terms.collection_tools if terms else [])
    leads = {
        agency.pk: lead for agency, lead in selectors.safeguarding_leads(partnership=partnership)
    }
    data = request.POST if request.method == "POST" else None
    form = SubmissionsRequestForm(
        data,
        agencies=agencies,
        answered=selectors.rapid_review_answered(case=case),
        default_kind=default_kind,
        initial={"due_on": services.due_suggestion(partnership=partnership)},
    )
    form.with_lead = {agency_pk for agency_pk, lead in leads.items() if lead is not None}
    once = Once(request, f"submissions-request-{case.pk}")
    if data is not None and (replay := once.replay_before_validating()) is not None:
        return replay
    if data is not None and form.is_valid():
        asks = [
            services.SubmissionAsk(
                agency=agency,
                kind=kind,
                with_analysis=analysis,
                with_organisational_changes=organisational,
            )
            for agency, kind, analysis, organisational in form.asks()
        ]
        url = reverse("lcspr_submissions", kwargs={"reference": case.reference})
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                sent = services.submissions_request(
                    lcspr=lcspr,
                    asks=asks,
                    due_on=form.cleaned_data["due_on"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
        if not form.errors:
            messages.success(request, SENT.format(n=_agencies_text(len(sent))))
            missing = [r.agency.name for r in sent if leads.get(r.agency_id) is None]
            if missing:
                messages.warning(request, NO_LEAD_WARNING.format(names=", ".join(missing)))
            return redirect(url)
    return render(
        request,
        "reviews/submissions/request.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Ask agencies for their submissions",
            "form": form if can_send else None,
            "once": once,
            "terms": terms,
            "default_kind": default_kind,
            "terms_refusal": services.terms_refusal(lcspr),
        },
    )


def _may_escalate(scope) -> bool:
    return scope.can(Action.MANAGE_REQUESTS) or scope.can(Action.RUN_PANEL_MEETINGS)


@scope_required(Action.VIEW_CASES)
def lcspr_submission(request, reference, pk):
    """One agency's submission: what was asked, the documents, the Panel's decisions and
    the agency's answers (§8.7), and the §2.1.7 escalation."""
    case, lcspr = case_and_lcspr(request, reference)
    item = selectors.submission_get(scope=request.scope, lcspr=lcspr, pk=pk)
    scope = request.scope
    meetings = selectors.panel_meetings_ahead(lcspr=lcspr)
    review_form = SubmissionReviewForm(meetings=meetings, initial={"version": item.version})
    escalation_form = EscalationForm(initial={"escalated_on": timezone.localdate()})
    action = request.POST.get("action", "") if request.method == "POST" else ""
    url = reverse("lcspr_submission", kwargs={"reference": case.reference, "pk": item.pk})
    once = Once(request, f"submission-escalation-{item.pk}")
    if action == "review":
        if not scope.can(Action.RUN_PANEL_MEETINGS):
            raise PermissionDenied(services.ONLY_PANEL)
        review_form = SubmissionReviewForm(request.POST, meetings=meetings)
        if review_form.is_valid():
            data = review_form.cleaned_data
            try:
                decision = services.submission_review_record(
                    request=item,
                    outcome=data["outcome"],
                    version=data["version"],
                    asked_for=data["asked_for"],
                    respond_by=data["respond_by"],
                    panel_meeting=data["panel_meeting"],
                    actor=request.user,
                )
            except ApplicationError as error:
                if error.field == "version":
                    item = selectors.submission_get(scope=scope, lcspr=lcspr, pk=pk)
                    review_form = with_current_version(review_form, item.version, meetings=meetings)
                form_error(review_form, error)
            else:
                messages.success(request, DECIDED[QaOutcome(decision.outcome)])
                return redirect(url)
    elif action == "escalate":
        if not _may_escalate(scope):
            raise PermissionDenied(ONLY_ESCALATORS)
        escalation_form = EscalationForm(request.POST)
        if escalation_form.is_valid():
            with transaction.atomic():
                try:
                    if (replay := once.replay()) is not None:
                        return replay
                    escalation = case_services.escalation_record(
                        request=item, actor=request.user, **escalation_form.cleaned_data
                    )
                except ApplicationError as error:
                    form_error(escalation_form, error)
                else:
                    once.spend(url)
            if not escalation_form.errors:
                messages.success(request, f"Escalation recorded: {escalation.get_step_display()}.")
                return redirect(url)
    elif action == "resolve":
        if not scope.can(Action.MANAGE_REQUESTS):
            raise PermissionDenied("Only the Business Office records an escalation resolved.")
        try:
            case_services.escalation_resolve(request=item, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The escalation is recorded as resolved.")
        return redirect(url)
    escalations = case_selectors.request_escalations(request=item)
    latest = escalations[-1] if escalations else None
    # What the Panel quality-assures (§8.7.1), once submitted: the agency's draft stays its own.
    content = case_selectors.submission_parts(scope=scope, request=item)
    return render(
        request,
        "reviews/submissions/detail.html",
        {
            "content": content,
            "may_read_content": scope.can(Action.VIEW_REVIEW_TEAM_RECORDS),
            "perms_office": scope.can(Action.MANAGE_REQUESTS),
            **(content or {}),
            "names_practitioners": item.submission_kind in NAMES_PRACTITIONERS,
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": f"Submission from {item.agency.name}",
            "item": item,
            "reviews": selectors.submission_reviews(request=item),
            "documents": [(key, DOCUMENT_LABELS[key]) for key in DOCUMENTS],
            "lead": selectors.safeguarding_lead_for(
                partnership=case.partnership, agency_id=item.agency_id
            ),
            "overdue": selectors.is_overdue(item, timezone.localdate()),
            "review_form": review_form
            if scope.can(Action.RUN_PANEL_MEETINGS) and item.status == RequestStatus.SUBMITTED
            else None,
            "has_meetings": meetings.exists(),
            "escalation_form": escalation_form
            if _may_escalate(scope)
            and item.status not in RECEIVED_STATUSES
            and not (latest and latest.resolved)
            and len(escalations) < EscalationStep.SAFEGUARDING_PARTNERS
            else None,
            "escalations": escalations,
            "can_resolve": scope.can(Action.MANAGE_REQUESTS) and latest and not latest.resolved,
            "once": once,
            "form": review_form,
            "more_forms": [escalation_form],
        },
    )


def _document(request, item, document):
    return pdf_response(
        request,
        submission_document_pdf(item, document),
        case=item.case,
        name=f"{document_filename(document)}-{item.agency.name.lower().replace(' ', '-')}",
        what=f"LCSPR submission {document}",
    )


def _office_document(document):
    @require_GET
    @scope_required(Action.VIEW_CASES)
    def view(request, reference, pk):
        case, lcspr = case_and_lcspr(request, reference)
        return _document(
            request, selectors.submission_get(scope=request.scope, lcspr=lcspr, pk=pk), document
        )

    view.__name__ = f"lcspr_submission_{document}"
    return view


def _portal_document(document):
    @require_GET
    @scope_required(Action.REPLY_TO_REQUESTS)
    def view(request, pk):
        return _document(
            request, selectors.portal_submission_get(scope=request.scope, pk=pk), document
        )

    view.__name__ = f"portal_submission_{document}"
    return view


lcspr_submission_letter = _office_document("letter")
lcspr_submission_template = _office_document("template")
lcspr_submission_guidance = _office_document("guidance")
portal_submission_letter = _portal_document("letter")
portal_submission_template = _portal_document("template")
portal_submission_guidance = _portal_document("guidance")
