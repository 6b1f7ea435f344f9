"""The terms of reference's pages (§5.1-§5.7): the versions and where they stand, the
draft, what changed between versions, the PDF, putting a version to the CRG and its
agreement, issues referred to the CRG and the parallel processes."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, pdf_response, scope_required, with_current_version
from reviews import services
from reviews.documents.terms import terms_of_reference_pdf
from reviews.forms.terms import (
    AgreementForm,
    IssueDecisionForm,
    IssueForm,
    ParallelProcessForm,
    PutToCrgForm,
    TermsForm,
)
from reviews.rules import TERMS_SECTIONS, terms_section_lines
from reviews.selectors import panel as panel_selectors
from reviews.selectors import terms as selectors
from reviews.web import case_and_lcspr

SAVED = "Version {number} of the terms of reference is saved."
SIGNIFICANT_SAVED = (
    "Version {number} is saved. It changes the key lines of enquiry, the scoping period or "
    "the methodology, so it must go back to the CRG for approval (§5.3.1): until then, "
    "version {in_force} stays in force."
)
PUT_TO_CRG = "Version {number} is on the business of the CRG meeting on {day}."
AGREED = "The CRG's agreement is recorded: version {number} is in force."
NOT_AGREED = "Recorded: the CRG did not agree version {number}. The Reviewer and Panel are told."
MINOR_ACCEPTED = "Version {number} is accepted as a minor change and is now in force."
ISSUE_REFERRED = "The issue is on the business of the CRG meeting on {day}."
ISSUE_DECIDED = "The CRG's decision on the issue is recorded."
PROCESS_ADDED = "The parallel process is recorded."
PROCESS_SAVED = "The parallel process is updated."
NO_MEETING_AHEAD = (
    "There is no CRG meeting ahead in the calendar. Ask the Business Office to add one "
    "to the CRG calendar."
)
ONLY_DRAFTERS = "Only the Panel, the Reviewer or the Business Office can do this."
ONLY_RECORDERS = "Only the Business Office or the CRG chair record the CRG's decisions."


def _context(case, heading, **extra):
    return {"case": case, "tab": "lcspr", "heading": heading, **extra}


def _can_edit_parallel(scope) -> bool:
    return scope.can(Action.DRAFT_TERMS_OF_REFERENCE) or scope.can(Action.MANAGE_REVIEW)


def _sections(version) -> list[dict]:
    lines = terms_section_lines(version)
    return [{"title": s.title, "lines": lines[s.key]} for s in TERMS_SECTIONS]


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@scope_required(Action.VIEW_CASES)
def lcspr_terms(request, reference):
    """Where the terms of reference stand: the version in force, any change awaiting
    approval, every version, what is before the CRG and what it decided (§5.1.3)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.terms_state(lcspr)
    versions = selectors.terms_versions(lcspr)
    number = _number(request.GET.get("version"))
    shown = (
        selectors.terms_version_get(lcspr, number)
        if number is not None
        else state.in_force or state.latest
    )
    agreements = selectors.terms_agreements(lcspr)
    agreed_numbers = {a.version.number for a in agreements if a.outcome == "agreed"}
    can_draft = request.scope.can(Action.DRAFT_TERMS_OF_REFERENCE)
    can_record = request.scope.can(Action.RECORD_CRG_AGREEMENT)
    return render(
        request,
        "reviews/terms.html",
        _context(
            case,
            "Terms of reference",
            lcspr=lcspr,
            state=state,
            status=selectors.terms_status(lcspr),
            versions=versions,
            shown=shown,
            sections=_sections(shown) if shown else [],
            agreements=agreements,
            agreed_numbers=agreed_numbers,
            can_draft=can_draft,
            can_record=can_record,
            can_put=can_draft
            and state.latest is not None
            and state.pending is None
            and (state.in_force is None or state.change_pending),
            can_accept_minor=can_record
            and state.change_pending
            and not state.latest.significant_change,
            processes=selectors.parallel_processes(lcspr),
            issues=selectors.referred_issues(lcspr),
        ),
    )


@scope_required(Action.DRAFT_TERMS_OF_REFERENCE)
def lcspr_terms_edit(request, reference):
    """The draft (§5.1.2): from the template and the Rapid Review's key lines of enquiry
    at first, then from the latest version. Each save is a new version; a save over a
    version someone else saved meanwhile is a conflict, the typed text kept."""
    case, lcspr = case_and_lcspr(request, reference)
    latest = selectors.terms_latest(lcspr)
    form = TermsForm(
        request.POST if request.method == "POST" else None,
        initial=TermsForm.initial_for(latest, lcspr.key_lines_of_enquiry),
    )
    conflict_with = None
    if form.is_bound and form.is_valid():
        try:
            version = services.terms_version_save(
                lcspr=lcspr,
                actor=request.user,
                based_on=form.cleaned_data["version"],
                draft=form.draft(),
                change_note=form.cleaned_data["change_note"],
            )
        except ApplicationError as error:
            current = selectors.terms_latest(lcspr)
            current_number = current.number if current else 0
            if current_number != form.cleaned_data["version"]:
                conflict_with = (form.cleaned_data["version"], current_number)
            form = with_current_version(form, current_number)
            form_error(form, error)
        else:
            in_force = selectors.terms_in_force(lcspr)
            if version.significant_change and in_force is not None:
                messages.success(
                    request,
                    SIGNIFICANT_SAVED.format(number=version.number, in_force=in_force.number),
                )
            else:
                messages.success(request, SAVED.format(number=version.number))
            return redirect("lcspr_terms", reference=case.reference)
    return render(
        request,
        "reviews/terms_edit.html",
        _context(
            case,
            "Draft the terms of reference",
            form=form,
            latest=latest,
            in_force=selectors.terms_in_force(lcspr),
            conflict_with=conflict_with,
        ),
    )


def _diff_rows(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(kind, line) with kind "same", "added" or "removed", in reading order."""
    rows = []
    for line in difflib.ndiff(before, after):
        code, text = line[:2], line[2:]
        if code == "  ":
            rows.append(("same", text))
        elif code == "+ ":
            rows.append(("added", text))
        elif code == "- ":
            rows.append(("removed", text))
    return rows


@scope_required(Action.VIEW_CASES)
def lcspr_terms_changes(request, reference):
    """What changed between two versions, section by section (§5.3.1)."""
    case, lcspr = case_and_lcspr(request, reference)
    versions = selectors.terms_versions(lcspr)
    numbers = [v.number for v in versions]
    by_number = {v.number: v for v in versions}
    state = selectors.terms_state(lcspr)
    default_to = numbers[-1] if numbers else None
    default_from = (
        state.in_force.number
        if state.in_force and state.in_force.number != default_to
        else (numbers[-2] if len(numbers) > 1 else None)
    )
    first = _number(request.GET.get("from")) or default_from
    second = _number(request.GET.get("to")) or default_to
    before, after = by_number.get(first), by_number.get(second)
    comparison = []
    if before is not None and after is not None:
        old, new = terms_section_lines(before), terms_section_lines(after)
        for section in TERMS_SECTIONS:
            rows = _diff_rows(old[section.key], new[section.key])
            comparison.append(
                {
                    "title": section.title,
                    "rows": rows,
                    "changed": any(kind != "same" for kind, _ in rows),
                }
            )
    return render(
        request,
        "reviews/terms_changes.html",
        _context(
            case,
            "What changed in the terms of reference",
            versions=versions,
            before=before,
            after=after,
            comparison=comparison,
        ),
    )


@scope_required(Action.VIEW_CASES)
def lcspr_terms_pdf(request, reference):
    """The terms of reference in force (or the latest draft, or `?version=N`) as a PDF:
    case reference only, no child's name."""
    case, lcspr = case_and_lcspr(request, reference)
    number = _number(request.GET.get("version"))
    # The timetable (§5.8): the milestones still planned, soonest first. Their titles are
    # case content for the PDF's readers only (never an email or a log line).
    timetable = [
        {"label": milestone.label, "date": milestone.due_on, "kind": milestone.kind}
        for milestone in panel_selectors.milestones(lcspr=lcspr).filter(cancelled_on=None)
    ]
    pdf = terms_of_reference_pdf(
        case=case,
        lcspr=lcspr,
        version=selectors.terms_version_get(lcspr, number) if number is not None else None,
        milestones=timetable,
    )
    return pdf_response(
        request, pdf, case=case, name="terms-of-reference", what="terms of reference"
    )


@scope_required(Action.DRAFT_TERMS_OF_REFERENCE)
def lcspr_terms_put_to_crg(request, reference):
    """Put the latest version to a CRG meeting from the calendar for agreement (§5.1.3)
    or approval of its change (§5.3.1)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.terms_state(lcspr)
    meetings = selectors.crg_meetings_ahead(lcspr)
    form = PutToCrgForm(
        request.POST if request.method == "POST" else None,
        meetings=meetings,
        initial={"number": state.latest.number if state.latest else 0},
    )
    once = Once(request, f"terms-put-{lcspr.pk}")
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                agreement = services.terms_put_to_crg(
                    lcspr=lcspr,
                    actor=request.user,
                    number=form.cleaned_data["number"],
                    meeting=form.chosen_meeting(),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_terms", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(
                    request,
                    PUT_TO_CRG.format(
                        number=agreement.version.number,
                        day=format_date(agreement.meeting.held_on),
                    ),
                )
                return redirect(url)
    return render(
        request,
        "reviews/terms_put_to_crg.html",
        _context(
            case,
            "Put the terms of reference to the CRG",
            form=form,
            once=once,
            state=state,
            meetings=meetings,
            no_meeting=NO_MEETING_AHEAD,
        ),
    )


@scope_required(Action.RECORD_CRG_AGREEMENT)
def lcspr_terms_agreement(request, reference):
    """The CRG's decision on the version put to it: agreed on the meeting's date, or not
    agreed with what to change (§5.1.3, §5.3.1)."""
    case, lcspr = case_and_lcspr(request, reference)
    pending = selectors.terms_pending(lcspr)
    form = AgreementForm(
        request.POST if request.method == "POST" else None,
        initial={"number": pending.version.number} if pending else {},
    )
    if form.is_bound and pending is None:
        messages.error(request, services.terms.NOTHING_PENDING)
        return redirect("lcspr_terms", reference=case.reference)
    if form.is_bound and form.is_valid():
        try:
            agreement = services.terms_agreement_record(
                lcspr=lcspr,
                actor=request.user,
                agreed=form.cleaned_data["agreed"],
                changes_asked=form.cleaned_data["changes_asked"],
                number=form.cleaned_data["number"],
            )
        except ApplicationError as error:
            if error.field == "number":
                # The page showed another version: the decision is kept as chosen, for
                # the version now before the CRG, to send again once checked.
                data = form.data.copy()
                data["number"] = pending.version.number
                form = AgreementForm(data)
                form.is_valid()
                form.add_error(None, error.message)
            else:
                form_error(form, error)
        else:
            message = AGREED if agreement.outcome == "agreed" else NOT_AGREED
            messages.success(request, message.format(number=agreement.version.number))
            return redirect("lcspr_terms", reference=case.reference)
    return render(
        request,
        "reviews/terms_agreement.html",
        _context(
            case,
            "Record the CRG's agreement",
            form=form,
            pending=pending,
            meeting_ahead=pending is not None and pending.meeting.held_on > timezone.localdate(),
            agreements=selectors.terms_agreements(lcspr),
        ),
    )


@scope_required(Action.RECORD_CRG_AGREEMENT)
def lcspr_terms_minor(request, reference):
    """Accept a wording change after agreement as minor: in force without going back to
    the CRG. A significant change cannot be (§5.3.1). GET asks to confirm."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.terms_state(lcspr)
    if request.method == "POST":
        try:
            version = services.terms_minor_accept(
                lcspr=lcspr, actor=request.user, number=_number(request.POST.get("number")) or 0
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, MINOR_ACCEPTED.format(number=version.number))
        return redirect("lcspr_terms", reference=case.reference)
    return render(
        request,
        "reviews/terms_minor.html",
        _context(
            case,
            "Accept a minor change",
            state=state,
            acceptable=state.change_pending and not state.latest.significant_change,
        ),
    )


# --- Issues referred to the CRG (§5.1.2) ---------------------------------------------------------


@scope_required(Action.VIEW_CASES)
def lcspr_issues(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    can_refer = request.scope.can(Action.DRAFT_TERMS_OF_REFERENCE)
    if request.method == "POST" and not can_refer:
        raise PermissionDenied(ONLY_DRAFTERS)
    meetings = selectors.crg_meetings_ahead(lcspr) if can_refer else []
    form = IssueForm(request.POST if request.method == "POST" else None, meetings=meetings)
    once = Once(request, f"issue-{lcspr.pk}")
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                issue = services.issue_refer(
                    lcspr=lcspr,
                    actor=request.user,
                    issue=form.cleaned_data["issue"],
                    meeting=form.chosen_meeting(),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_issues", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(
                    request, ISSUE_REFERRED.format(day=format_date(issue.meeting.held_on))
                )
                return redirect(url)
    return render(
        request,
        "reviews/terms_issues.html",
        _context(
            case,
            "Issues referred to the CRG",
            form=form if can_refer else None,
            once=once,
            meetings=meetings,
            no_meeting=NO_MEETING_AHEAD,
            issues=selectors.referred_issues(lcspr),
            can_record=request.scope.can(Action.RECORD_CRG_AGREEMENT),
        ),
    )


@scope_required(Action.VIEW_CASES)
def lcspr_issue_decision(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    issue = selectors.referred_issue_get(scope=request.scope, lcspr=lcspr, pk=pk)
    can_record = request.scope.can(Action.RECORD_CRG_AGREEMENT)
    if request.method == "POST" and not can_record:
        raise PermissionDenied(ONLY_RECORDERS)
    form = None
    if can_record and issue.decided_on is None:
        form = IssueDecisionForm(
            request.POST if request.method == "POST" else None,
            initial={"version": issue.version},
        )
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.issue_decision_record(
                issue=issue,
                actor=request.user,
                version=form.cleaned_data["version"],
                decision=form.cleaned_data["decision"],
            )
        except ApplicationError as error:
            issue = selectors.referred_issue_get(scope=request.scope, lcspr=lcspr, pk=pk)
            form = with_current_version(form, issue.version)
            form_error(form, error)
        else:
            messages.success(request, ISSUE_DECIDED)
            return redirect("lcspr_issues", reference=case.reference)
    return render(
        request,
        "reviews/terms_issue_decision.html",
        _context(
            case,
            "The CRG's decision on a referred issue",
            form=form,
            issue=issue,
            meeting_ahead=issue.meeting.held_on > timezone.localdate(),
        ),
    )


# --- Parallel processes (§5.6) -------------------------------------------------------------------


@scope_required(Action.VIEW_CASES)
def lcspr_parallel_processes(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    can_edit = _can_edit_parallel(request.scope)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(ONLY_DRAFTERS)
    form = ParallelProcessForm(request.POST if request.method == "POST" else None)
    once = Once(request, f"parallel-{lcspr.pk}")
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.parallel_process_add(lcspr=lcspr, actor=request.user, **form.details())
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_parallel_processes", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(request, PROCESS_ADDED)
                return redirect(url)
    return render(
        request,
        "reviews/terms_parallel.html",
        _context(
            case,
            "Parallel investigations and reviews",
            form=form if can_edit else None,
            once=once,
            processes=selectors.parallel_processes(lcspr),
        ),
    )


@scope_required(Action.VIEW_CASES)
def lcspr_parallel_process(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    process = selectors.parallel_process_get(scope=request.scope, lcspr=lcspr, pk=pk)
    can_edit = _can_edit_parallel(request.scope)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(ONLY_DRAFTERS)
    form = None
    if can_edit:
        form = ParallelProcessForm(
            request.POST if request.method == "POST" else None,
            initial=ParallelProcessForm.initial_for(process),
        )
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.parallel_process_update(
                process=process,
                actor=request.user,
                version=form.cleaned_data["version"] or 0,
                **form.details(),
            )
        except ApplicationError as error:
            process = selectors.parallel_process_get(scope=request.scope, lcspr=lcspr, pk=pk)
            form = with_current_version(form, process.version)
            form_error(form, error)
        else:
            messages.success(request, PROCESS_SAVED)
            return redirect("lcspr_parallel_processes", reference=case.reference)
    return render(
        request,
        "reviews/terms_parallel_process.html",
        _context(
            case,
            process.kind_label,
            form=form,
            process=process,
            history=selectors.parallel_process_history(process),
        ),
    )
