"""The report's approval pages (§9.1.4-9.1.5): where it stands, the Panel's QA, the CRG's
approval, the partnership's, and the final version with its PDF. Addressed by case
reference only; the draft by its number. Each page says who must act when it cannot go
on."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, log_download, scope_required, with_current_version
from rapidreview import selectors as rr_selectors
from reviews.forms.report_approval import (
    CrgOutcomeForm,
    FinalForm,
    PartnerForm,
    QaForm,
    ReportPutToCrgForm,
)
from reviews.models import PanelMeeting, ReportCrgOutcome, SafeguardingPartner
from reviews.report_status import WHO_ACTS, ReportStatus, Step
from reviews.selectors import report_approval as selectors
from reviews.selectors.report import draft_missing_points
from reviews.services import report_approval as services
from reviews.web import case_and_lcspr

QA_PASSED = "Draft {number} passed the Panel's QA. The Business Office can put it to the CRG."
QA_NOT_PASSED = "Recorded: draft {number} did not pass the Panel's QA. The Reviewer revises it."
PUT_TO_CRG = "Draft {number} is on the business of the CRG meeting on {day}."
CRG_APPROVED = "The CRG's approval of draft {number} is recorded."
CRG_SIGNED = (
    "The CRG's approval of draft {number} is signed off. The Safeguarding Partners are asked "
    "for the partnership's approval."
)
CRG_NOT_APPROVED = "Recorded: the CRG did not approve draft {number}. The Reviewer revises it."
PARTNER_RECORDED = "The {partner}'s approval of draft {number} is recorded."
MARKED_FINAL = "Draft {number} is the final report. Its PDF is stored and the report is frozen."
NOT_FINAL_HITS = (
    "Draft {number} is not final: the anonymisation guard found what is listed below in its "
    "PDF (§9.1.3)."
)
NOT_FINAL_YET = "The report is not final yet: there is no final PDF to download."
NO_MEETING_AHEAD = (
    "There is no CRG meeting ahead in the calendar. Ask the Business Office to add one to "
    "the CRG calendar."
)

# The timeline's stages, in order (§9.1.4-9.1.5).
TIMELINE = [
    (ReportStatus.QA, "Panel quality assurance (§9.1.4)"),
    (ReportStatus.CRG_APPROVAL, "Approval by the Case Review Group (§9.1.5)"),
    (ReportStatus.PARTNERSHIP_APPROVAL, "Approval by the Safeguarding Children Partnership"),
    (ReportStatus.FINAL, "Final version"),
]
ORDER = [
    ReportStatus.DRAFTING,
    ReportStatus.QA,
    ReportStatus.CRG_APPROVAL,
    ReportStatus.PARTNERSHIP_APPROVAL,
    ReportStatus.FINAL,
]


def _context(case, heading, **extra):
    return {"case": case, "tab": "lcspr", "heading": heading, **extra}


def _timeline(state) -> list[dict]:
    # All three partners have approved: the partnership's stage is done, the final one next.
    ready = state.step == Step.MARK_FINAL
    at = ORDER.index(ReportStatus.FINAL if ready else state.status)
    rows = []
    for status, title in TIMELINE:
        here = ORDER.index(status)
        if state.status == ReportStatus.FINAL or here < at:
            label, colour = "Completed", ""
        elif here == at:
            if state.step in {Step.CLEAR_HITS, Step.NEW_DRAFT}:
                label, colour = "Needs attention", "govuk-tag--red"
            elif ready:
                label, colour = "Ready to mark final", "govuk-tag--blue"
            else:
                label, colour = "In progress", "govuk-tag--light-blue"
        else:
            label, colour = "Cannot start yet", "govuk-tag--grey"
        rows.append({"title": title, "label": label, "colour": colour})
    return rows


def _back(case):
    return redirect("lcspr_report_approval", reference=case.reference)


def _url(case):
    return reverse("lcspr_report_approval", kwargs={"reference": case.reference})


@scope_required(Action.VIEW_CASES)
def lcspr_report_approval(request, reference):
    """Where the report stands: its timeline, who must act next, the QA, CRG and partnership
    records of the latest finished draft, and the six-month clock's part (§3.1.3)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    scope = request.scope
    people = selectors.partner_people(lcspr.case.partnership)
    partners = [
        {
            "value": value,
            "label": label,
            "approval": state.partners.get(value),
            "people": people[value],
        }
        for value, label in SafeguardingPartner.choices
    ]
    return render(
        request,
        "reviews/report_approval/approval.html",
        _context(
            case,
            "Approve the report",
            state=state,
            timeline=_timeline(state),
            partners=partners,
            missing=draft_missing_points(state.draft) if state.draft else [],
            clock=selectors.report_clock(lcspr),
            reviewer=selectors.reviewer_name(lcspr)
            if state.step in {Step.FINISH_DRAFT, Step.NEW_DRAFT, Step.CLEAR_HITS}
            else "",
            can_qa=scope.can(Action.RUN_PANEL_MEETINGS),
            can_put=scope.can(Action.MANAGE_REVIEW),
            can_record=scope.can(Action.RECORD_CRG_AGREEMENT),
            can_sign=scope.can(Action.APPROVE_DECISION),
            can_partner=scope.can(Action.RECORD_CRG_AGREEMENT)
            or bool(selectors.represented_partners(request.user, lcspr.case.partnership)),
            can_final=scope.can(Action.MANAGE_REVIEW),
            can_download=scope.can(Action.VIEW_REVIEW_TEAM_RECORDS),
        ),
    )


def _blocked(request, case, heading, reason: str):
    """A step that cannot be taken now: why, and who must act."""
    return render(
        request,
        "reviews/report_approval/blocked.html",
        _context(case, heading, reason=reason),
    )


@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_report_qa(request, reference):
    """The Panel's QA of the latest finished draft (§9.1.4)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Record the Panel's quality assurance"
    once = Once(request, f"report-qa-{lcspr.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()):
        return replay
    if state.draft is None or state.status == ReportStatus.FINAL:
        return _blocked(request, case, heading, state.state.who_acts)
    if state.open_hits:
        return _blocked(
            request,
            case,
            heading,
            services.OPEN_HITS.format(
                number=state.draft.number,
                count=len(state.open_hits),
                s="" if len(state.open_hits) == 1 else "s",
            ),
        )
    if state.qa_passed is not None:
        return _blocked(
            request, case, heading, services.QA_ALREADY_PASSED.format(number=state.draft.number)
        )
    missing = draft_missing_points(state.draft)
    panel_meetings = list(
        PanelMeeting.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, milestone__cancelled_on__isnull=True)
        .select_related("milestone")
        .order_by("milestone__due_on")
    )
    form = QaForm(
        request.POST if request.method == "POST" else None,
        missing=missing,
        panel_meetings=panel_meetings,
        initial={"number": state.draft.number},
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                qa = services.report_qa_record(
                    lcspr=lcspr,
                    actor=request.user,
                    number=form.cleaned_data["number"],
                    answers=form.answers(),
                    panel_meeting=form.chosen_panel_meeting(),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_url(case))
                message = QA_PASSED if qa.outcome == "passed" else QA_NOT_PASSED
                messages.success(request, message.format(number=qa.draft.number))
                return _back(case)
    return render(
        request,
        "reviews/report_approval/qa.html",
        _context(case, heading, form=form, once=once, state=state, missing=missing),
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_report_put_to_crg(request, reference):
    """Put the QA-passed draft to a CRG meeting from the calendar (§9.1.5)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Put the report to the CRG"
    once = Once(request, f"report-crg-{lcspr.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()):
        return replay
    if state.step != Step.PUT_TO_CRG:
        return _blocked(request, case, heading, state.state.who_acts)
    meetings = selectors.crg_meetings_ahead(lcspr)
    form = ReportPutToCrgForm(
        request.POST if request.method == "POST" else None,
        meetings=meetings,
        initial={"number": state.draft.number},
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                approval = services.report_put_to_crg(
                    lcspr=lcspr,
                    actor=request.user,
                    number=form.cleaned_data["number"],
                    meeting=form.chosen_meeting(),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_url(case))
                messages.success(
                    request,
                    PUT_TO_CRG.format(
                        number=approval.draft.number, day=format_date(approval.meeting.held_on)
                    ),
                )
                return _back(case)
    return render(
        request,
        "reviews/report_approval/put_to_crg.html",
        _context(
            case,
            heading,
            form=form,
            once=once,
            state=state,
            meetings=meetings,
            no_meeting=NO_MEETING_AHEAD,
        ),
    )


@scope_required(Action.RECORD_CRG_AGREEMENT)
def lcspr_report_crg_outcome(request, reference):
    """The CRG's decision on the draft put to it, after its meeting (§9.1.5)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Record the CRG's decision on the report"
    pending = selectors.crg_pending(lcspr)
    if pending is None or state.draft is None or pending.draft_id != state.draft.pk:
        return _blocked(request, case, heading, state.state.who_acts)
    attendances = rr_selectors.attendance(meeting=pending.meeting)
    quorum = rr_selectors.meeting_quorum(attendances=attendances) if attendances else None
    form = CrgOutcomeForm(
        request.POST if request.method == "POST" else None,
        initial={"number": state.draft.number, "version": pending.version},
    )
    if form.is_bound and form.is_valid():
        try:
            approval = services.report_crg_outcome_record(
                lcspr=lcspr,
                actor=request.user,
                number=form.cleaned_data["number"],
                version=form.cleaned_data["version"],
                approved=form.cleaned_data["approved"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if error.field == "version":
                current = selectors.crg_pending(lcspr)
                if current is not None:
                    form = with_current_version(form, current.version)
                form.add_error(None, error.message)
            else:
                form_error(form, error)
        else:
            if approval.outcome == ReportCrgOutcome.NOT_APPROVED:
                message = CRG_NOT_APPROVED
            elif approval.chair_signed_at:
                message = CRG_SIGNED
            else:
                message = CRG_APPROVED
            messages.success(request, message.format(number=approval.draft.number))
            return _back(case)
    return render(
        request,
        "reviews/report_approval/crg_outcome.html",
        _context(
            case,
            heading,
            form=form,
            state=state,
            pending=pending,
            attendances=attendances,
            quorum=quorum,
            meeting_ahead=pending.meeting.held_on > _today(),
        ),
    )


def _today():
    return timezone.localdate()


@scope_required(Action.APPROVE_DECISION)
def lcspr_report_crg_sign(request, reference):
    """The CRG chair signs off the CRG's approval (§9.1.5). GET asks to confirm."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Sign off the CRG's approval of the report"
    if state.step != Step.CHAIR_SIGN:
        return _blocked(request, case, heading, state.state.who_acts)
    error = ""
    if request.method == "POST":
        try:
            number = int(request.POST.get("number", ""))
        except ValueError:
            number = -1
        try:
            approval = services.report_crg_sign(lcspr=lcspr, actor=request.user, number=number)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(request, CRG_SIGNED.format(number=approval.draft.number))
            return _back(case)
    return render(
        request,
        "reviews/report_approval/crg_sign.html",
        _context(case, heading, state=state, approval=state.crg_latest, error=error),
    )


@scope_required(Action.VIEW_CASES)
def lcspr_report_partner(request, reference):
    """A Safeguarding Partner's approval for the partnership (§9.1.5): its representative
    confirms, or the Business Office or the chair record it for them."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Record a Safeguarding Partner's approval"
    once = Once(request, f"report-partner-{lcspr.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()):
        return replay
    partnership = lcspr.case.partnership
    represents = selectors.represented_partners(request.user, partnership)
    records_for = request.scope.can(Action.RECORD_CRG_AGREEMENT)
    if state.step != Step.PARTNERS:
        return _blocked(request, case, heading, state.state.who_acts)
    waiting = [p for p in SafeguardingPartner.values if p not in state.partners]
    allowed = waiting if records_for else [p for p in waiting if p in represents]
    if not allowed:
        return _blocked(request, case, heading, WHO_ACTS[Step.PARTNERS])
    form = PartnerForm(
        request.POST if request.method == "POST" else None,
        partners=allowed,
        initial={"number": state.draft.number},
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                confirmation = services.report_partner_confirm(
                    lcspr=lcspr,
                    actor=request.user,
                    number=form.cleaned_data["number"],
                    partner=form.cleaned_data["partner"],
                    name=form.cleaned_data["name"],
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_url(case))
                messages.success(
                    request,
                    PARTNER_RECORDED.format(
                        partner=confirmation.get_partner_display(),
                        number=confirmation.draft.number,
                    ),
                )
                return _back(case)
    return render(
        request,
        "reviews/report_approval/partner.html",
        _context(
            case,
            heading,
            form=form,
            once=once,
            state=state,
            represents=represents,
            records_for=records_for,
        ),
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_report_final(request, reference):
    """Mark the approved draft final: its PDF passes the anonymisation guard first
    (§9.1.3), then it is stored and the report frozen (§9.1.5)."""
    case, lcspr = case_and_lcspr(request, reference)
    state = selectors.approval_state(lcspr)
    heading = "Mark the report final"
    once = Once(request, f"report-final-{lcspr.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()):
        return replay
    if state.step != Step.MARK_FINAL:
        return _blocked(request, case, heading, state.state.who_acts)
    form = FinalForm(
        request.POST if request.method == "POST" else None,
        initial={"number": state.draft.number},
    )
    hits = []
    if form.is_bound and form.is_valid():
        # The guard reads the PDF and keeps what it finds, so it runs outside the final's
        # own transaction; the service locks the review before it records the final.
        try:
            result = services.report_mark_final(
                lcspr=lcspr,
                actor=request.user,
                number=form.cleaned_data["number"],
                anonymous_reviewer=form.cleaned_data["anonymous_reviewer"],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            if result.final is not None:
                _spend(once, _url(case))
                messages.success(request, MARKED_FINAL.format(number=result.final.draft.number))
                return _back(case)
            hits = result.hits
            form.add_error(None, NOT_FINAL_HITS.format(number=state.draft.number))
    return render(
        request,
        "reviews/report_approval/final.html",
        _context(
            case,
            heading,
            form=form,
            once=once,
            state=state,
            hits=hits,
            reviewer=selectors.reviewer_name(lcspr),
        ),
    )


def _spend(once: Once, url: str) -> None:
    """Spend the form's token once what it made is saved (a second submit is shown it)."""
    try:
        with transaction.atomic():
            if once.replay() is None:
                once.spend(url)
    except ApplicationError:
        pass  # an out-of-date token: what was made is saved all the same


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_final_pdf(request, reference):
    """The final report's PDF as stored when it was marked final: the review team and the
    office only, its download logged; named by case reference."""
    case, lcspr = case_and_lcspr(request, reference)
    final = selectors.report_final(lcspr)
    if final is None:
        return _blocked(request, case, "The final report", NOT_FINAL_YET)
    log_download(request, reference=case.reference, what="final report")
    return FileResponse(
        final.file.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-lcspr-report.pdf",
        content_type="application/pdf",
    )
