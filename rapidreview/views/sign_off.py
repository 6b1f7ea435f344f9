"""Signing off the decision: the chair and each Safeguarding Partner (§4.6.2)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, paged, scope_required
from rapidreview import selectors, services
from rapidreview.forms.decision import (
    PartnerSignOffForm,
    SignOffForm,
)
from rapidreview.models import (
    Decision,
    SignOff,
    SignOffRole,
)
from rapidreview.services.decision import (
    NO_MEETING,
    SIGNED_OFF,
)
from rapidreview.views.shared import case_and_review, decision_context, refused

ONLY_SIGNERS = "Only the CRG chair and the Safeguarding Partners' representatives sign."
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


@scope_required(Action.VIEW_CASES)
def rapid_review_sign_off(request, reference):
    """The chair approves the decision and each Safeguarding Partner present confirms it;
    the last signature makes it take effect."""
    case, review = case_and_review(request, reference)
    if request.method == "POST":
        role = request.POST.get("role")
        needed = Action.APPROVE_DECISION if role == SignOffRole.CHAIR else Action.CONFIRM_DECISION
        if not request.scope.can(needed):
            raise PermissionDenied(ONLY_SIGNERS)
    meeting_set = review is not None and review.meeting is not None
    if not meeting_set:
        if request.method == "POST":
            return refused(request, case, NO_MEETING, "rapid_review_sign_off")
        return render(
            request,
            "rapidreview/sign_off.html",
            decision_context(case, review, "Sign-off", form=None),
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
            return refused(request, case, why, "rapid_review_sign_off")
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
        decision_context(
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
    case, review = case_and_review(request, reference)
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
            return refused(request, case, refusal, "rapid_review_sign_off")
        return render(
            request,
            "rapidreview/sign_off_for_partner.html",
            decision_context(
                case, review, "Record a Safeguarding Partner's sign-off", refusal=refusal
            ),
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
        decision_context(
            case,
            review,
            "Record a Safeguarding Partner's sign-off",
            form=form,
            partner_from=services.partner_sign_off_from(review),
            today=timezone.localdate(),
        ),
    )


@scope_required(Action.VIEW_CASES)
def sign_offs_waiting(request):
    """Every decision waiting for this person's signature, paginated: the dashboard shows
    the first few and links here (issue 18)."""
    waiting = selectors.sign_offs_waiting(scope=request.scope)
    context = {"scope": request.scope, **paged(request, waiting, 50)}
    return render(request, "rapidreview/sign_offs_waiting.html", context)
