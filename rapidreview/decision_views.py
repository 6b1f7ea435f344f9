"""The meeting's record, decision and sign-off pages (§4.6, §4.7, §1.4).

Everyone in the partnership reads them; the Business Office and the chair write the
record (Action.RECORD_DECISION); the chair approves and each Safeguarding Partner's
representative confirms the decision. A signed-off record is shown, not offered for edit.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.intake_views import form_error
from cases.once import Once
from cases.permissions import Action
from cases.views import scope_required
from rapidreview import selectors, services
from rapidreview.decision_forms import (
    ActionDoneForm,
    AdviceForm,
    DecisionForm,
    DecisionSentForm,
    ImmediateActionForm,
    PartnerSignOffForm,
    RecordForm,
    ReopenForm,
    ScrutineerAttendingForm,
    SectionsForm,
    SignOffForm,
    criteria_assessed,
)
from rapidreview.models import (
    Decision,
    ImmediateAction,
    ScrutineerAdvice,
    SignOff,
    SignOffRole,
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
from rapidreview.views import with_current_version

ONLY_SIGNERS = "Only the CRG chair and the Safeguarding Partners' representatives sign."
RECORD_SAVED = "The meeting record is saved."
DECISION_SAVED = "The decision is recorded. It now needs signing off."
ACTION_ADDED = "The immediate safety action is added."
NO_ACTION_SAVED = "Recorded: the meeting found no immediate safety action needed."
ACTION_DONE = "Action {number} is recorded as done."
ADVICE_SAVED = "The Independent Scrutineer's advice is recorded."
SENT_SAVED = "The date the decision was sent to the Independent Scrutineer is recorded."
ATTENDING_SAVED = "Recorded whether the Independent Scrutineer will attend."
REOPENED = (
    "The discussion is reopened with the Safeguarding Partners. The representatives who "
    "signed the decision are told by email."
)
SECTIONS_SAVED = "Sections 2 and 3 of the Combined Summary are agreed."
CHAIR_APPROVED = "You have approved the decision."
PARTNER_CONFIRMED = "You have confirmed the decision for the {role}."
SIGNED_OFF_NOW = "The decision is signed off."
PARTNER_RECORDED = (
    "You have recorded the sign-off for the {role}, with your reason. Its representatives "
    "on the Case Review Group are told by email."
)
NOTHING_FOR_PARTNER = "No Safeguarding Partner's signature is waiting."
NO_DECISION_TO_SIGN = (
    "There is no decision to sign yet: the meeting's decision is recorded first, on the "
    "decision task."
)
NOT_A_PARTNERS_REPRESENTATIVE = (
    "Your membership does not say which Safeguarding Partner you represent on the Case "
    "Review Group: ask a partnership admin to record it."
)


def _case_and_review(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    return case, selectors.rapid_review(case=case)


def _refuse_post_without(request, action: Action, message: str) -> None:
    if request.method == "POST" and not request.scope.can(action):
        raise PermissionDenied(message)


def _meeting_refusal(review) -> str | None:
    """Why the meeting's record cannot be written now, if it cannot."""
    if review is None or review.meeting is None:
        return NO_MEETING
    if review.is_signed_off:
        return SIGNED_OFF
    return None


def _context(case, review, heading, **extra):
    return {
        "case": case,
        "tab": "rapid_review",
        "heading": heading,
        "review": review,
        "meeting_set": review is not None and review.meeting is not None,
        **extra,
    }


def _refused(request, case, message, url_name):
    messages.error(request, message)
    return redirect(url_name, reference=case.reference)


@scope_required(Action.VIEW_CASES)
def rapid_review_record(request, reference):
    """§4.6.2: the facts reviewed, immediate learning and how it is shared, and the
    potential for improvement."""
    case, review = _case_and_review(request, reference)
    _refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    refusal = _meeting_refusal(review)
    can_edit = request.scope.can(Action.RECORD_DECISION) and refusal is None
    form = None
    if can_edit:
        form = RecordForm(
            request.POST if request.method == "POST" else None,
            initial=RecordForm.initial_for(review),
        )
    elif request.method == "POST":
        return _refused(request, case, refusal, "rapid_review_record")
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
        _context(case, review, "Meeting record", form=form, can_edit=can_edit),
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
        return BEFORE_MEETING.format(day=f"{review.meeting.held_on:%-d %B %Y}"), quorum
    if not quorum.quorate:
        return NOT_QUORATE.format(why=quorum.explanation), quorum
    return None, quorum


@scope_required(Action.VIEW_CASES)
def rapid_review_decision(request, reference):
    """§4.6.2 and §1.4: the decision, reasoned against each criterion, by a quorate
    meeting (§4.6.1)."""
    case, review = _case_and_review(request, reference)
    _refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    refusal, quorum = _decision_refusal(case, review, timezone.localdate())
    can_edit = request.scope.can(Action.RECORD_DECISION) and refusal is None
    form = None
    if can_edit:
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            initial=DecisionForm.initial_for(review),
        )
    elif request.method == "POST":
        return _refused(request, case, refusal, "rapid_review_decision")
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
        _context(
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
        ),
    )


def _actions_page(request, case, review, *, form=None, failed_done=None, once=None):
    """The actions table with its forms; `failed_done` is a refused done form, as typed."""
    today = timezone.localdate()
    can_record = request.scope.can(Action.RECORD_DECISION)
    can_add = can_record and _meeting_refusal(review) is None
    if can_add and form is None:
        form = ImmediateActionForm()
    items = (
        list(ImmediateAction.objects.for_partnership(case.partnership).filter(review=review))
        if review is not None
        else []
    )
    rows = []
    for number, item in enumerate(items, start=1):
        done_form = None
        if can_record and item.done_on is None:
            if failed_done is not None and failed_done.prefix == f"done-{item.pk}":
                done_form = failed_done
            else:
                done_form = ActionDoneForm(prefix=f"done-{item.pk}", number=number)
        rows.append(
            {
                "number": number,
                "item": item,
                "overdue": item.done_on is None and item.due_on < today,
                "done_form": done_form,
            }
        )
    return render(
        request,
        "rapidreview/actions.html",
        _context(
            case,
            review,
            "Immediate safety actions",
            form=form if can_add else None,
            once=once if once is not None else Once(request, f"immediate-action-{case.pk}"),
            failed_done=failed_done,
            failed_forms=[failed_done] if failed_done is not None else [],
            can_add=can_add,
            rows=rows,
            has_errors=bool(
                (form is not None and form.errors) or (failed_done and failed_done.errors)
            ),
        ),
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_actions(request, reference):
    """§4.6.2: actions for the safety of the child(ren) and any other vulnerable person."""
    case, review = _case_and_review(request, reference)
    _refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    form = None
    once = Once(request, f"immediate-action-{case.pk}")
    if request.method == "POST":
        refusal = _meeting_refusal(review)
        if refusal is not None:
            return _refused(request, case, refusal, "rapid_review_actions")
        if request.POST.get("form") == "none":  # §4.6.2: safety considered, none needed
            try:
                services.no_immediate_action_record(review=review, actor=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, NO_ACTION_SAVED)
            return redirect("rapid_review_actions", reference=case.reference)
        form = ImmediateActionForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                try:
                    if (replay := once.replay()) is not None:
                        return replay
                    services.immediate_action_add(
                        review=review, actor=request.user, **form.cleaned_data
                    )
                except ApplicationError as error:
                    form_error(form, error)
                else:
                    url = reverse("rapid_review_actions", kwargs={"reference": case.reference})
                    once.spend(url)
                    messages.success(request, ACTION_ADDED)
                    return redirect(url)
    return _actions_page(request, case, review, form=form, once=once)


@require_POST
@scope_required(Action.RECORD_DECISION)
def immediate_action_done(request, reference, pk):
    """An open action recorded as done; still possible once the decision is signed off."""
    case, review = _case_and_review(request, reference)
    items = list(
        ImmediateAction.objects.visible_to(request.scope)
        .filter(review__case=case)
        .select_related("review__case__partnership")
    )
    numbers = {item.pk: number for number, item in enumerate(items, start=1)}
    if pk not in numbers:
        raise Http404("No such action.")
    item = next(i for i in items if i.pk == pk)
    form = ActionDoneForm(request.POST, prefix=f"done-{pk}", number=numbers[pk])
    if form.is_valid():
        try:
            services.immediate_action_done(
                item=item,
                actor=request.user,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, ACTION_DONE.format(number=numbers[pk]))
            return redirect("rapid_review_actions", reference=case.reference)
    return _actions_page(request, case, review, failed_done=form)


@scope_required(Action.VIEW_CASES)
def rapid_review_scrutineer(request, reference):
    """§4.7: the Independent Scrutineer's advice, in the meeting or in writing before it,
    and their reply once an absent Scrutineer was sent the decision (§4.7.5)."""
    case, review = _case_and_review(request, reference)
    _refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    can_record = request.scope.can(Action.RECORD_DECISION)
    meeting_set = review is not None and review.meeting is not None
    # §4.7.5 follows the decision, so these stay open once it is signed off.
    can_advise = can_record and meeting_set
    can_send = can_advise and bool(review.decision)
    can_ask = can_advise and not review.decision
    can_reopen = request.scope.can(Action.APPROVE_DECISION)
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form") if posted is not None else None
    allowed = {
        "advice": can_advise,
        "sent": can_send,
        "attending": can_ask,
        "reopen": can_reopen and meeting_set,
    }
    if posted is not None and not allowed.get(which, False):
        if which == "reopen" and not can_reopen:
            raise PermissionDenied("Only the CRG chair reopens the discussion.")
        return _refused(
            request,
            case,
            NO_MEETING if not meeting_set else "Record the decision first.",
            "rapid_review_scrutineer",
        )
    if which == "attending":
        attending_form = ScrutineerAttendingForm(posted)
        if attending_form.is_valid():
            try:
                services.scrutineer_attendance_record(
                    review=review,
                    actor=request.user,
                    attending=attending_form.cleaned_data["attending"] == "yes",
                )
            except ApplicationError as error:
                form_error(attending_form, error)
            else:
                messages.success(request, ATTENDING_SAVED)
                return redirect("rapid_review_scrutineer", reference=case.reference)
    elif can_ask:
        attending_form = ScrutineerAttendingForm(
            initial={"attending": {True: "yes", False: "no"}.get(review.scrutineer_attending)}
        )
    else:
        attending_form = None
    reopen_form = ReopenForm(posted if which == "reopen" else None)
    if which == "reopen" and reopen_form.is_valid():
        advice_pk = posted.get("advice", "")
        if not advice_pk.isdigit():
            raise Http404("No such advice.")
        advice_item = get_object_or_404(
            ScrutineerAdvice.objects.for_partnership(case.partnership),
            review=review,
            pk=int(advice_pk),
        )
        try:
            services.discussion_reopen(
                advice=advice_item, actor=request.user, note=reopen_form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form_error(reopen_form, error)
        else:
            messages.success(request, REOPENED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    advice_form = AdviceForm(posted if which == "advice" else None) if can_advise else None
    sent_form = None
    if can_send:
        sent_form = DecisionSentForm(
            posted if which == "sent" else None, initial={"sent_on": review.scrutineer_sent_on}
        )
    if advice_form is not None and advice_form.is_bound and advice_form.is_valid():
        try:
            services.scrutineer_advice_record(
                review=review, actor=request.user, **advice_form.advice_details()
            )
        except ApplicationError as error:
            form_error(advice_form, error)
        else:
            messages.success(request, ADVICE_SAVED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    if sent_form is not None and sent_form.is_bound and sent_form.is_valid():
        try:
            services.scrutineer_decision_sent(
                review=review, actor=request.user, sent_on=sent_form.cleaned_data["sent_on"]
            )
        except ApplicationError as error:
            form_error(sent_form, error)
        else:
            messages.success(request, SENT_SAVED)
            return redirect("rapid_review_scrutineer", reference=case.reference)
    other_forms = [
        f for f in (sent_form, attending_form, reopen_form) if f is not None and f.errors
    ]
    advice = (
        list(ScrutineerAdvice.objects.for_partnership(case.partnership).filter(review=review))
        if review is not None
        else []
    )
    return render(
        request,
        "rapidreview/scrutineer.html",
        _context(
            case,
            review,
            "Independent Scrutineer's advice",
            form=advice_form,
            sent_form=sent_form,
            attending_form=attending_form,
            reopen_form=reopen_form if can_reopen else None,
            other_forms=other_forms,
            other_non_field_errors=[e for f in other_forms for e in f.non_field_errors()],
            advice=advice,
            awaited=selectors.scrutineer_advice_awaited(review),
            scrutineers=selectors.scrutineers(case.partnership),
            has_errors=bool(
                (advice_form is not None and advice_form.errors)
                or any(f is not None and f.errors for f in (sent_form, attending_form))
                or (which == "reopen" and reopen_form.errors)
            ),
        ),
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_sections(request, reference):
    """§4.6.3: sections 2 and 3 of the Combined Summary, completed and agreed at the
    meeting."""
    case, review = _case_and_review(request, reference)
    _refuse_post_without(request, Action.RECORD_DECISION, ONLY_RECORDERS)
    today = timezone.localdate()
    summary = case_selectors.combined_summary(case=case)
    refusal = _meeting_refusal(review)
    if refusal is None and review.meeting.held_on > today:
        refusal = (
            f"Sections 2 and 3 are agreed at the meeting on {review.meeting.held_on:%-d %B %Y} "
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
        return _refused(request, case, refusal, "rapid_review_sections")
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
        _context(
            case,
            review,
            "Combined Summary sections 2 and 3",
            form=form,
            can_edit=can_edit,
            refusal=refusal,
            summary=summary,
        ),
    )


@scope_required(Action.VIEW_CASES)
def rapid_review_sign_off(request, reference):
    """The chair approves the decision and each Safeguarding Partner present confirms it;
    the last signature makes it take effect."""
    case, review = _case_and_review(request, reference)
    if request.method == "POST":
        role = request.POST.get("role")
        needed = Action.APPROVE_DECISION if role == SignOffRole.CHAIR else Action.CONFIRM_DECISION
        if not request.scope.can(needed):
            raise PermissionDenied(ONLY_SIGNERS)
    meeting_set = review is not None and review.meeting is not None
    if not meeting_set:
        if request.method == "POST":
            return _refused(request, case, NO_MEETING, "rapid_review_sign_off")
        return render(
            request,
            "rapidreview/sign_off.html",
            _context(case, review, "Sign-off", form=None),
        )
    readiness = selectors.sign_off_readiness(review)
    needed_roles = selectors.sign_off_roles_needed(review)
    sign_offs = {
        s.role: s
        for s in SignOff.objects.for_partnership(case.partnership)
        .filter(review=review)
        .select_related("user")
    }
    has_signed = any(s.user_id == request.user.pk for s in sign_offs.values())
    open_to_sign = readiness.ready and not review.is_signed_off and not has_signed
    roles = []
    if open_to_sign and request.scope.can(Action.APPROVE_DECISION):
        if SignOffRole.CHAIR not in sign_offs:
            roles = [(SignOffRole.CHAIR.value, SignOffRole.CHAIR.label)]
    elif open_to_sign and request.scope.can(Action.CONFIRM_DECISION):
        # A member confirms only for the partner agency they represent (§4.6.1).
        represented = selectors.represented_partners(request.user, case.partnership)
        roles = [
            (role.value, SignOffRole(role).label)
            for role in needed_roles
            if role in represented and role not in sign_offs
        ]
    form = SignOffForm(request.POST if request.method == "POST" else None, roles=roles)
    if form.is_bound:
        if not roles:
            if review.is_signed_off:
                why = SIGNED_OFF
            elif not readiness.ready:
                why = "Before signing, record " + "; ".join(readiness.missing) + "."
            elif has_signed:
                why = "You have already signed this decision."
            elif request.scope.can(Action.CONFIRM_DECISION) and not selectors.represented_partners(
                request.user, case.partnership
            ):
                why = NOT_A_PARTNERS_REPRESENTATIVE
            else:
                why = "There is nothing left for you to sign."
            return _refused(request, case, why, "rapid_review_sign_off")
        if form.is_valid():
            role = form.cleaned_data["role"]
            try:
                review = services.decision_sign(review=review, actor=request.user, role=role)
            except ApplicationError as error:
                form_error(form, error)
            else:
                review.refresh_from_db()
                if role == SignOffRole.CHAIR:
                    messages.success(request, CHAIR_APPROVED)
                else:
                    messages.success(
                        request, PARTNER_CONFIRMED.format(role=SignOffRole(role).label)
                    )
                if review.is_signed_off:
                    messages.success(request, SIGNED_OFF_NOW)
                return redirect("rapid_review_sign_off", reference=case.reference)
    signers = selectors.eligible_signers(review=review)
    waiting = [
        {"role": SignOffRole(role).label, "people": signers.get(role, [])}
        for role in needed_roles
        if role not in sign_offs
    ]
    chair_signs = roles and roles[0][0] == SignOffRole.CHAIR
    if chair_signs and form.errors.get("role"):
        # The chair's role is not a choice on the page: show its refusal at the top.
        for message in form.errors.pop("role"):
            form.add_error(None, message)
    return render(
        request,
        "rapidreview/sign_off.html",
        _context(
            case,
            review,
            "Sign-off",
            form=form if roles else None,
            chair_signs=chair_signs,
            has_signed=has_signed,
            readiness=readiness,
            signatures=[
                {"role": SignOffRole(role).label, "sign_off": sign_offs.get(role)}
                for role in needed_roles
            ],
            waiting=waiting,
            partners_waiting=request.scope.can(Action.APPROVE_DECISION)
            and readiness.ready
            and not review.is_signed_off
            and any(role != SignOffRole.CHAIR for role in needed_roles if role not in sign_offs),
            partner_from=services.partner_sign_off_from(review) if review.decided_on else None,
            proceeded=review.decision == Decision.PROCEED,
        ),
    )


@scope_required(Action.APPROVE_DECISION)
def rapid_review_sign_off_for_partner(request, reference):
    """The chair records a Safeguarding Partner's sign-off when the partner could not sign
    within two working days of the meeting, with the reason (§4.6.2)."""
    case, review = _case_and_review(request, reference)
    # A page that cannot proceed says why, and where to go instead.
    if review is None or review.meeting is None or not review.decision:
        refusal = NO_DECISION_TO_SIGN
    elif review.is_signed_off:
        refusal = SIGNED_OFF
    else:
        signed = set(
            SignOff.objects.for_partnership(case.partnership)
            .filter(review=review)
            .values_list("role", flat=True)
        )
        roles = [
            (role, SignOffRole(role).label)
            for role in selectors.sign_off_roles_needed(review)
            if role != SignOffRole.CHAIR and role not in signed
        ]
        refusal = "" if roles else NOTHING_FOR_PARTNER
    if refusal:
        if request.method == "POST":
            return _refused(request, case, refusal, "rapid_review_sign_off")
        return render(
            request,
            "rapidreview/sign_off_for_partner.html",
            _context(case, review, "Record a Safeguarding Partner's sign-off", refusal=refusal),
        )
    form = PartnerSignOffForm(request.POST if request.method == "POST" else None, roles=roles)
    if form.is_bound and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            review = services.decision_sign_for_partner(
                review=review, actor=request.user, role=role, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            review.refresh_from_db()
            messages.success(request, PARTNER_RECORDED.format(role=SignOffRole(role).label))
            if review.is_signed_off:
                messages.success(request, SIGNED_OFF_NOW)
            return redirect("rapid_review_sign_off", reference=case.reference)
    return render(
        request,
        "rapidreview/sign_off_for_partner.html",
        _context(
            case,
            review,
            "Record a Safeguarding Partner's sign-off",
            form=form,
            partner_from=services.partner_sign_off_from(review),
            today=timezone.localdate(),
        ),
    )
