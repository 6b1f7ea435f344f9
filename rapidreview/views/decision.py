"""The meeting's record, the CRG's decision (§4.6.2) and the agreed summary sections."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from cases import selectors as case_selectors
from cases.dates import format_date
from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from rapidreview import selectors, services
from rapidreview.forms.decision import (
    DecisionForm,
    RecordForm,
    SectionsForm,
    criteria_assessed,
)
from rapidreview.rules import DECIDING_STAGES
from rapidreview.services.decision import (
    BEFORE_MEETING,
    NO_MEETING,
    NOT_DECIDING,
    NOT_QUORATE,
    ONLY_RECORDERS,
    SIGNED_OFF,
)
from rapidreview.views.shared import (
    case_and_review,
    decision_context,
    meeting_refusal,
    refuse_post_without,
    refused,
)
from reporting.selectors.search import case_recurrence

RECORD_SAVED = "The meeting record is saved."
DECISION_SAVED = "The decision is recorded. It now needs signing off."
SECTIONS_SAVED = "Sections 2 and 3 of the Combined Summary are agreed."


@scope_required(Action.VIEW_CASES)
def rapid_review_record(request, reference):
    """§4.6.2: the facts reviewed, immediate learning and how it is shared, and the
    potential for improvement."""
    case, review = case_and_review(request, reference)
    refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    refusal = meeting_refusal(review)
    can_edit = request.scope.can(Action.RECORD_DECISION) and refusal is None
    form = None
    if can_edit:
        form = RecordForm(
            request.POST if request.method == "POST" else None,
            initial=RecordForm.initial_for(review),
        )
    elif request.method == "POST":
        return refused(request, case, refusal, "rapid_review_record")
    if form is not None and form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.record_save(review=review, actor=request.user, **data)
        except ApplicationError as error:
            form = with_current_version(form, review.version)
            form_error(form, error)
        else:
            messages.success(request, RECORD_SAVED)
            return redirect("rapid_review_record", reference=case.reference)
    return render(
        request,
        "rapidreview/record.html",
        decision_context(case, review, "Meeting record", form=form, can_edit=can_edit),
    )


def _decision_refusal(case, review, today) -> tuple[str | None, object]:
    """Why the decision cannot be recorded now, and the meeting's quorum."""
    if review is None or review.meeting is None:
        return NO_MEETING, None
    quorum = selectors.meeting_quorum(attendances=selectors.attendance(meeting=review.meeting))
    if review.is_signed_off:
        return SIGNED_OFF, quorum
    if case.stage not in DECIDING_STAGES:
        return NOT_DECIDING, quorum
    if review.meeting.held_on > today:
        return BEFORE_MEETING.format(day=f"{format_date(review.meeting.held_on)}"), quorum
    if not quorum.quorate:
        return NOT_QUORATE.format(why=quorum.explanation), quorum
    return None, quorum


@scope_required(Action.VIEW_CASES)
def rapid_review_decision(request, reference):
    """§4.6.2 and §1.4: the decision, reasoned against each criterion, by a quorate
    meeting (§4.6.1)."""
    case, review = case_and_review(request, reference)
    refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    refusal, quorum = _decision_refusal(case, review, timezone.localdate())
    can_edit = request.scope.can(Action.RECORD_DECISION) and refusal is None
    form = None
    if can_edit:
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            initial=DecisionForm.initial_for(review),
        )
    elif request.method == "POST":
        return refused(request, case, refusal, "rapid_review_decision")
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.decision_record(
                review=review,
                actor=request.user,
                version=form.cleaned_data["version"],
                details=form.details(),
            )
        except ApplicationError as error:
            form = with_current_version(form, review.version)
            form_error(form, error)
        else:
            messages.success(request, DECISION_SAVED)
            return redirect("rapid_review_decision", reference=case.reference)
    return render(
        request,
        "rapidreview/decision.html",
        decision_context(
            case,
            review,
            "Decision",
            form=form,
            can_edit=can_edit,
            quorum=quorum,
            meeting_ahead=bool(
                review and review.meeting and review.meeting.held_on > timezone.localdate()
            ),
            assessed=criteria_assessed(review) if review and review.decision else [],
            awaited=selectors.scrutineer_advice_awaited(review),
            # issue 17: the evidence for §1.4.1's "recurrent themes".
            recurrence=case_recurrence(request.scope, case, today=timezone.localdate()),
        ),
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_sections(request, reference):
    """§4.6.3: sections 2 and 3 of the Combined Summary, completed and agreed at the
    meeting."""
    case, review = case_and_review(request, reference)
    refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    today = timezone.localdate()
    summary = case_selectors.combined_summary(case=case)
    refusal = meeting_refusal(review)
    if refusal is None and review.meeting.held_on > today:
        refusal = (
            f"Sections 2 and 3 are agreed at the meeting on {format_date(review.meeting.held_on)} "
            "(§4.6.3)."
        )
    can_edit = request.scope.can(Action.RECORD_DECISION) and refusal is None
    form = None
    if can_edit:
        form = SectionsForm(
            request.POST if request.method == "POST" else None,
            initial=SectionsForm.initial_for(summary),
        )
    elif request.method == "POST":
        return refused(request, case, refusal, "rapid_review_sections")
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.summary_sections_agree(case=case, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form = with_current_version(form, summary.version if summary else 1)
            form_error(form, error)
        else:
            messages.success(request, SECTIONS_SAVED)
            return redirect("rapid_review_sections", reference=case.reference)
    return render(
        request,
        "rapidreview/sections.html",
        decision_context(
            case,
            review,
            "Combined Summary sections 2 and 3",
            form=form,
            can_edit=can_edit,
            refusal=refusal,
            summary=summary,
        ),
    )
