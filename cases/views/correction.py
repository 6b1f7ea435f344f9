"""The Business Office's corrections to a case, and the withdrawal of a duplicate case."""

from django.contrib import messages
from django.shortcuts import redirect, render

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.correction import (
    ChildrenForm,
    LeadOfficerForm,
    ReceivedDateForm,
    SummaryForm,
    WithdrawForm,
)
from cases.permissions import Action
from cases.services.correction import CaseConflict
from cases.web import form_error, scope_required, with_current_version

RECEIVED_DATE_SAVED = "The date received is corrected. Its open deadlines have moved."
SUMMARY_SAVED = "The summary is corrected."
CHILDREN_SAVED = "The children are corrected."
LEAD_OFFICER_SAVED = "The lead officer is changed."
WITHDRAWN = "The case is withdrawn as a duplicate. It no longer shows in lists or figures."


def _correct(request, case, form, *, apply, saved, template, form_kwargs=None, **context):
    """Apply a valid correction, or show the form again as typed, with the service's
    refusal beside its field; after a conflict, at the version now stored."""
    if form.is_bound and form.is_valid():
        try:
            apply(form.cleaned_data)
        except CaseConflict as conflict:
            current = selectors.case_get(scope=request.scope, reference=case.reference)
            form = with_current_version(form, current.version, **(form_kwargs or {}))
            form_error(form, conflict)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, saved)
            return redirect(case)
    return render(request, template, {"case": case, "tab": "overview", "form": form, **context})


def _case_and_data(request, reference):
    """The case, and the posted data unless it was withdrawn (it is then only shown)."""
    case = selectors.case_get(scope=request.scope, reference=reference)
    data = request.POST if request.method == "POST" and not case.is_withdrawn else None
    return case, data


@scope_required(Action.OPEN_CASE)
def case_correct_received_date(request, reference):
    case, data = _case_and_data(request, reference)
    intake = selectors.case_intake(case=case)
    record = intake["notification"] or intake["referral"]
    form = ReceivedDateForm(
        data, initial={"received_on": record and record.received_on, "version": case.version}
    )
    return _correct(
        request,
        case,
        form,
        apply=lambda data: services.case_received_date_correct(
            case=case,
            received_on=data["received_on"],
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        saved=RECEIVED_DATE_SAVED,
        template="cases/correct_received_date.html",
        heading="Correct the date received",
        record=record,
    )


@scope_required(Action.OPEN_CASE)
def case_correct_summary(request, reference):
    case, data = _case_and_data(request, reference)
    intake = selectors.case_intake(case=case)
    record = intake["notification"] or intake["referral"]
    form = SummaryForm(
        data, initial={"summary": record and record.summary, "version": case.version}
    )
    return _correct(
        request,
        case,
        form,
        apply=lambda data: services.case_summary_correct(
            case=case,
            summary=data["summary"],
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        saved=SUMMARY_SAVED,
        template="cases/correct_summary.html",
        heading="Correct the summary",
        record=record,
    )


@scope_required(Action.OPEN_CASE)
def case_correct_children(request, reference):
    case, data = _case_and_data(request, reference)
    children = selectors.case_intake(case=case)["children"]
    form = ChildrenForm(data, children=children, initial={"version": case.version})
    return _correct(
        request,
        case,
        form,
        apply=lambda data: services.case_children_correct(
            case=case,
            children=form.corrections(),
            added=form.added(),
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        saved=CHILDREN_SAVED,
        template="cases/correct_children.html",
        heading="Correct the children",
        form_kwargs={"children": children},
    )


@scope_required(Action.OPEN_CASE)
def case_correct_lead_officer(request, reference):
    case, data = _case_and_data(request, reference)
    officers = selectors.business_office_officers(partnership=case.partnership)
    form = LeadOfficerForm(
        data,
        officers=officers,
        initial={"lead_officer": case.lead_officer_id, "version": case.version},
    )
    return _correct(
        request,
        case,
        form,
        apply=lambda data: services.case_lead_officer_correct(
            case=case,
            lead_officer=data["lead_officer"],
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        saved=LEAD_OFFICER_SAVED,
        template="cases/correct_lead_officer.html",
        heading="Change the lead officer",
        form_kwargs={"officers": officers},
    )


@scope_required(Action.OPEN_CASE)
def case_withdraw(request, reference):
    case, data = _case_and_data(request, reference)
    form = WithdrawForm(data, partnership=case.partnership, initial={"version": case.version})
    return _correct(
        request,
        case,
        form,
        apply=lambda data: services.case_withdraw(
            case=case,
            duplicate_of=data["duplicate_of"],
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        saved=WITHDRAWN,
        template="cases/case_withdraw.html",
        form_kwargs={"partnership": case.partnership},
        heading="Withdraw this case as a duplicate",
    )
