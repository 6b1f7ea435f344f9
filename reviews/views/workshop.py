"""The reflective learning workshop (§8.9-8.12): the review team's pages, and the
invitee's personal page reached by the secret link in their invitation (no account)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from cases.errors import ApplicationError
from cases.models import Agency
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, pdf_response, scope_required, with_current_version
from reviews.documents.workshop import workshop_briefing_pdf
from reviews.forms.workshop import (
    AttendanceForm,
    ConversationForm,
    InvitationAnswerForm,
    InviteeByHandForm,
    InviteePractitionerForm,
    WorkshopPlanForm,
    WorkshopRecordForm,
)
from reviews.models import InviteeResponse, Workshop
from reviews.rules import partnership_people
from reviews.selectors import workshop as selectors
from reviews.selectors.family import workshop_before_family_spoken
from reviews.services import workshop as services
from reviews.web import case_and_lcspr

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel run the learning workshop."
PLAN_SAVED = "The workshop's plan is saved."
PLAN_CHANGE_TOLD = (
    "The invitations had gone, so everyone sent one, including those who declined, is being "
    "emailed the new date, times and place. Their answers are kept, not reset."
)
INVITEE_ADDED = "{name} is on the invitation list."
DIRECT_ADDED = "{count} named practitioners with direct involvement added to the list."
NONE_TO_ADD = "Every named practitioner with direct involvement is already on the list."
INVITATIONS_SENT = (
    "Invitations on their way by email: {count}, each with the briefing and a personal "
    "link to answer."
)
ATTENDANCE_SAVED = "Attendance is recorded."
RECORD_SAVED = "The record of discussion is saved."
CONVERSATION_ADDED = "The conversation is recorded."
REMOVED = "{name} is taken off the list: no invitation had gone to them."
WITHDRAWN = (
    "{name}'s invitation is withdrawn: their personal link no longer works, and they are "
    "being emailed that it is withdrawn."
)
WITHDRAWN_UNSENT = "{name}'s invitation is withdrawn before it went: nothing is sent to them."
ALREADY_WITHDRAWN = "This invitation was already withdrawn: nothing more was done."
RESENT = (
    "The invitation is on its way to {name} again, with the briefing and a new personal "
    "link. The link in the earlier email no longer works."
)
ALREADY_RESENT = (
    "A new invitation already went to {name} since that page was shown: nothing more was sent."
)
INVITED_AGAIN = (
    "{name} is back on the list, not yet sent: send the invitation from the send page. "
    "Their earlier answer is cleared, and the new invitation carries a new link."
)
ALREADY_BACK = "{name} is already back on the list: nothing more was done."
ANSWER_SAVED = {
    InviteeResponse.ACCEPTED: "Thank you: your answer is recorded. You will attend.",
    InviteeResponse.DECLINED: "Thank you: your answer is recorded. You cannot attend.",
}


def _refuse_post_without_panel(request) -> None:
    if request.method == "POST" and not request.scope.can(Action.RUN_PANEL_MEETINGS):
        raise PermissionDenied(ONLY_PANEL)


def _agencies(case):
    return Agency.objects.filter(partnerships=case.partnership).order_by("name")


def _page(request, case, lcspr, template, heading, **context):
    standing = context.pop("standing", None) or selectors.workshop_standing(lcspr=lcspr)
    return render(
        request,
        template,
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": heading,
            "standing": standing,
            "workshop": standing.workshop,
            "can_change": request.scope.can(Action.RUN_PANEL_MEETINGS),
            **context,
        },
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop(request, reference):
    """Whether a workshop is held (§8.9.2), its half days and place (§8.11.1), who is
    invited and how they answered, and the links to the rest of the workshop's work."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    standing = selectors.workshop_standing(lcspr=lcspr)
    form = None
    if request.scope.can(Action.RUN_PANEL_MEETINGS):
        initial = WorkshopPlanForm.initial_for(standing.workshop, standing.sessions)
        form = WorkshopPlanForm(request.POST or None, initial=initial)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            changes_before = standing.change_number
            try:
                saved, note = services.workshop_plan(
                    lcspr=lcspr,
                    version=data["version"],
                    is_held={"yes": True, "no": False}.get(data["is_held"]),
                    not_held_reason=data["not_held_reason"],
                    place=data["place"],
                    sessions=data["sessions"],
                    share_themes=data["share_themes"],
                    actor=request.user,
                )
            except ApplicationError as error:
                if error.field == "version":
                    current = selectors.workshop_of(lcspr=lcspr)
                    form = with_current_version(form, current.version if current else 0)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, PLAN_SAVED)
                if saved.plan_change_number > changes_before:
                    messages.info(request, PLAN_CHANGE_TOLD)
                if note:
                    messages.warning(request, note)
                return redirect("lcspr_workshop", reference=case.reference)
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/workshop.html",
        "Hold the learning workshop",
        standing=standing,
        form=form,
        notice_warning=selectors.notice_warning(lcspr=lcspr, standing=standing)
        if standing.unsent
        else None,
        themes_count=len(selectors.shared_themes(workshop=standing.workshop))
        if standing.workshop
        else 0,
        # §7.4.1: the family's views should be heard before the workshop.
        family_warning=workshop_before_family_spoken(lcspr),
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop_invitees(request, reference):
    """Who is invited: chosen from the agencies' named practitioners and line managers
    (§8.10.1), or added by hand; without direct involvement only with a reason (§8.10.2)."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    standing = selectors.workshop_standing(lcspr=lcspr)
    candidates = selectors.candidates(lcspr=lcspr, workshop=standing.workshop)
    which = request.POST.get("form") if request.method == "POST" else None
    named_form = InviteePractitionerForm(
        request.POST if which == "named" else None, candidates=candidates, prefix="named"
    )
    hand_form = InviteeByHandForm(
        request.POST if which == "hand" else None, agencies=_agencies(case), prefix="hand"
    )
    once = Once(request, f"workshop-invitee-{lcspr.pk}")
    url = reverse("lcspr_workshop_invitees", kwargs={"reference": case.reference})
    if which == "direct":
        try:
            count = services.invitees_add_direct(lcspr=lcspr, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, DIRECT_ADDED.format(count=count) if count else NONE_TO_ADD)
        return redirect(url)
    form = named_form if which == "named" else hand_form if which == "hand" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                if which == "named":
                    invitee = services.invitee_add(
                        lcspr=lcspr,
                        actor=request.user,
                        practitioner_id=data["practitioner"],
                        email=data["email"],
                        invited_reason=data["invited_reason"],
                    )
                else:
                    invitee = services.invitee_add(
                        lcspr=lcspr,
                        actor=request.user,
                        name=data["name"],
                        email=data["email"],
                        agency=data["agency"],
                        role=data["role"],
                        invited_reason=data["invited_reason"],
                    )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, INVITEE_ADDED.format(name=invitee.name))
                return redirect(url)
    direct_left = [row for row in candidates if row.direct_involvement and not row.has_left_agency]
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/invitees.html",
        "Invite the practitioners",
        standing=standing,
        form=form,
        named_form=named_form,
        hand_form=hand_form,
        once=once,
        candidates=candidates,
        direct_left=direct_left,
    )


def _version(request) -> int:
    value = request.POST.get("version", "")
    return int(value) if value.isdecimal() else -1


def _invitee_action(request, reference, pk, *, purpose, act):
    """The GOV.UK confirmation page of an action on one invitee: GET asks, POST acts at
    the version the page showed. A form sent twice (its one-time token spent) goes where
    the first went, even if the first removed the row."""
    case, lcspr = case_and_lcspr(request, reference)
    once = Once(request, f"workshop-{purpose}-{lcspr.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()) is not None:
        return replay
    invitee = selectors.invitee_get(scope=request.scope, lcspr=lcspr, pk=pk)
    url = reverse("lcspr_workshop_invitees", kwargs={"reference": case.reference})
    errors = []
    if request.method == "POST":
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                level, message = act(invitee, _version(request))
            except ApplicationError as error:
                errors = [error.message]
                invitee = selectors.invitee_get(scope=request.scope, lcspr=lcspr, pk=pk)
            else:
                once.spend(url)
                messages.add_message(request, level, message)
                return redirect(url)
    return case, lcspr, invitee, once, errors


def _confirm_page(request, case, lcspr, invitee, once, errors, **context):
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/invitee_confirm.html",
        context.pop("heading"),
        invitee=invitee,
        once=once,
        more_non_form_errors=errors,
        **context,
    )


@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_workshop_invitee_withdraw(request, reference, pk):
    """Withdraw an invitation (§8.10.3): before it is sent, the invitee is taken off the
    list; after, their link stops at once and they are emailed. Confirmed first."""

    def act(invitee, version):
        name = invitee.name
        outcome = services.invitee_withdraw(invitee=invitee, version=version, actor=request.user)
        if outcome == services.Withdrawal.ALREADY:
            return messages.INFO, ALREADY_WITHDRAWN
        if outcome == services.Withdrawal.REMOVED:
            return messages.SUCCESS, REMOVED.format(name=name)
        if invitee.email_sent_at is None:
            return messages.SUCCESS, WITHDRAWN_UNSENT.format(name=name)
        return messages.SUCCESS, WITHDRAWN.format(name=name)

    result = _invitee_action(request, reference, pk, purpose="withdraw", act=act)
    if not isinstance(result, tuple):
        return result
    case, lcspr, invitee, once, errors = result
    return _confirm_page(
        request,
        case,
        lcspr,
        invitee,
        once,
        errors,
        heading="Withdraw an invitation",
        action="withdraw",
    )


@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_workshop_invitee_resend(request, reference, pk):
    """Send an invitation again, for a lost email: a new personal link, the old one dead
    at once. One click sends one email; the same page sent twice sends nothing more."""

    def act(invitee, version):
        if services.invitation_resend(invitee=invitee, version=version, actor=request.user):
            return messages.SUCCESS, RESENT.format(name=invitee.name)
        return messages.INFO, ALREADY_RESENT.format(name=invitee.name)

    result = _invitee_action(request, reference, pk, purpose="resend", act=act)
    if not isinstance(result, tuple):
        return result
    case, lcspr, invitee, once, errors = result
    return _confirm_page(
        request,
        case,
        lcspr,
        invitee,
        once,
        errors,
        heading="Send an invitation again",
        action="resend",
        has_started=selectors.workshop_standing(lcspr=lcspr).has_started,
    )


@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_workshop_invitee_invite_again(request, reference, pk):
    """A withdrawn invitee back on the list, to be sent a new invitation."""

    def act(invitee, version):
        if services.invitee_invite_again(invitee=invitee, version=version, actor=request.user):
            return messages.SUCCESS, INVITED_AGAIN.format(name=invitee.name)
        return messages.INFO, ALREADY_BACK.format(name=invitee.name)

    result = _invitee_action(request, reference, pk, purpose="invite-again", act=act)
    if not isinstance(result, tuple):
        return result
    case, lcspr, invitee, once, errors = result
    return _confirm_page(
        request,
        case,
        lcspr,
        invitee,
        once,
        errors,
        heading="Invite someone again",
        action="invite_again",
    )


@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_workshop_send(request, reference):
    """Check and send the invitations not yet sent, with the briefing (§8.10.3); warned
    when they give less than plenty of notice."""
    case, lcspr = case_and_lcspr(request, reference)
    standing = selectors.workshop_standing(lcspr=lcspr)
    error = None
    if request.method == "POST":
        try:
            count = services.invitations_send(lcspr=lcspr, actor=request.user)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(request, INVITATIONS_SENT.format(count=count))
            return redirect("lcspr_workshop", reference=case.reference)
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/send.html",
        "Send the invitations",
        standing=standing,
        error=error,
        notice_warning=selectors.notice_warning(lcspr=lcspr, standing=standing),
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop_briefing_pdf(request, reference):
    """The briefing as the invitees receive it (§8.10.3)."""
    case, lcspr = case_and_lcspr(request, reference)
    workshop = selectors.workshop_of(lcspr=lcspr) or Workshop(lcspr=lcspr)
    return pdf_response(
        request,
        workshop_briefing_pdf(workshop=workshop),
        case=case,
        name="learning-workshop-briefing",
        what="learning workshop briefing",
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop_attendance(request, reference):
    """Who attended, recorded once the workshop has started."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    standing = selectors.workshop_standing(lcspr=lcspr)
    form = AttendanceForm(request.POST or None, invitees=standing.invitees)
    if form.is_bound and form.is_valid():
        try:
            services.attendance_record(lcspr=lcspr, attended=form.attended(), actor=request.user)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, ATTENDANCE_SAVED)
            return redirect("lcspr_workshop", reference=case.reference)
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/attendance.html",
        "Record attendance",
        standing=standing,
        form=form,
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop_record(request, reference):
    """The record of discussion under the §8.11.3 headings, with a version."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    standing = selectors.workshop_standing(lcspr=lcspr)
    workshop = standing.workshop
    form = None
    if request.scope.can(Action.RUN_PANEL_MEETINGS) and workshop is not None:
        initial = {name: getattr(workshop, name) for name, _, _ in selectors.RECORD_HEADINGS}
        initial["version"] = workshop.record_version
        form = WorkshopRecordForm(request.POST or None, initial=initial)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                services.workshop_record_save(
                    lcspr=lcspr,
                    version=data["version"],
                    texts={name: data[name] for name, _, _ in selectors.RECORD_HEADINGS},
                    actor=request.user,
                )
            except ApplicationError as error:
                if error.field == "version":
                    current = selectors.workshop_of(lcspr=lcspr)
                    form = with_current_version(form, current.record_version)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, RECORD_SAVED)
                return redirect("lcspr_workshop", reference=case.reference)
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/record.html",
        "Record of discussion",
        standing=standing,
        form=form,
        headings=[
            (heading, hint, getattr(workshop, name) if workshop else "")
            for name, heading, hint in selectors.RECORD_HEADINGS
        ],
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_workshop_conversations(request, reference):
    """Conversations with key practitioners who could not attend (§8.12.1)."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    standing = selectors.workshop_standing(lcspr=lcspr)
    once = Once(request, f"workshop-conversation-{lcspr.pk}")
    form = ConversationForm(
        request.POST or None, agencies=_agencies(case), people=partnership_people(lcspr)
    )
    url = reverse("lcspr_workshop_conversations", kwargs={"reference": case.reference})
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.practitioner_conversation_add(
                    lcspr=lcspr, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, CONVERSATION_ADDED)
                return redirect(url)
    return _page(
        request,
        case,
        lcspr,
        "reviews/workshop/conversations.html",
        "Conversations with key practitioners",
        standing=standing,
        form=form if request.scope.can(Action.RUN_PANEL_MEETINGS) else None,
        once=once,
        conversations=list(selectors.conversations(workshop=standing.workshop)),
    )


# --- The invitee's personal page: no account, reached by the link's secret token ---------


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def workshop_invitation(request, token):
    """What an invitee sees through their personal link: only the workshop's half days,
    place and briefing (and the key themes if shared), and their answer. Nothing of the
    case beyond that: no reference, no child, no agency, no other invitee. An unknown,
    withdrawn or past link is a 404 alike, saying what may have happened in words."""
    invitee = selectors.invitation_by_token(token)
    if invitee is None:
        return render(request, "reviews/workshop/invitation_closed.html", status=404)
    workshop = invitee.workshop
    held = selectors.sessions(workshop=workshop)
    is_open = held[0].starts_at > timezone.now()
    form = InvitationAnswerForm(
        request.POST if request.method == "POST" else None,
        initial={"response": invitee.response},
    )
    if form.is_bound and form.is_valid():
        try:
            invitee = services.invitation_answer(
                invitee=invitee, response=form.cleaned_data["response"]
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, ANSWER_SAVED[InviteeResponse(invitee.response)])
            return redirect(request.path)
    return render(
        request,
        "reviews/workshop/invitation.html",
        {
            "sessions": held,
            "place": workshop.place,
            "partnership": workshop.lcspr.case.partnership,
            "themes": selectors.shared_themes(workshop=workshop),
            "answer": InviteeResponse(invitee.response),
            "form": form if is_open else None,
            "is_open": is_open,
        },
    )
