"""The family's part in the review (§7): its network, the first contact with each member
(§7.3), whether they take part (§7.4.2), and the conversations with them (§7.4.1).

Restricted to the review team: reading needs Action.VIEW_REVIEW_TEAM_RECORDS, changing
Action.ENGAGE_FAMILY; an appointed Reviewer or Panel member sees only their own review
(scope_required and the tenancy). Every page shown, and every letter or leaflet
downloaded, is written to the access log under the case's reference. Names appear on
these pages and in the letter only: URLs carry a row's id, never a name.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from cases.errors import ApplicationError
from cases.models import AccessAction
from cases.once import Once
from cases.permissions import Action
from cases.services import access_record
from cases.web import form_error, pdf_response, scope_required, with_current_version
from reviews.documents.family import family_leaflet_pdf, family_letter_pdf
from reviews.forms.family import (
    ConversationEditForm,
    ConversationForm,
    CoupleForm,
    InitialContactForm,
    MemberEditForm,
    MemberForm,
    ParticipationForm,
)
from reviews.models import Delivery
from reviews.rules import ReviewConflict, partnership_people
from reviews.selectors import family as selectors
from reviews.services import family as services
from reviews.web import case_and_lcspr

ONLY_TEAM = "Only the Business Office, the Reviewer and the Panel engage the family (§7)."
BROUGHT_IN = "{count} brought into the family network from the case's records."
NOTHING_TO_BRING = "Everyone in the case's records is already in the family network."
MEMBER_ADDED = "The family member is added to the network."
MEMBER_SAVED = "The family member's details are saved."
MEMBER_REMOVED = "The family member is removed from the network."
CONTACT_SAVED = "The first contact is recorded."
PARTICIPATION_SAVED = "Whether they are taking part is recorded."
COUPLE_ADDED = "The couple is recorded."
COUPLE_REMOVED = "The couple is removed."
CONVERSATION_ADDED = "The conversation is recorded."
CONVERSATION_SAVED = "The conversation is saved."
CONFIRM_REMOVE = "Confirm that the couple is to be removed."


def _refuse_post_without_engage(request) -> None:
    if request.method == "POST" and not request.scope.can(Action.ENGAGE_FAMILY):
        raise PermissionDenied(ONLY_TEAM)


def _render(request, case, template, context, *, what="family network"):
    """The page, written to the access log under the case's reference (never a name),
    whatever the method: a form shown back with its errors shows the family too."""
    access_record(
        request=request,
        action=AccessAction.VIEW,
        scope=request.scope,
        object_type=what,
        object_reference=case.reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    request.access_logged = True
    return render(request, template, {"case": case, "tab": "lcspr", **context})


def _genogram_url(case) -> str | None:
    """The genogram's page, where that part of the review is installed."""
    try:
        return reverse("lcspr_genogram", kwargs={"reference": case.reference})
    except NoReverseMatch:
        return None


# --- The family network (§7.1.2, §7.2.1) --------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_family(request, reference):
    """The family network, its couples, the conversations, and who takes part. Its
    forms: bring in the case's children and family members, and record a couple."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_engage(request)
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "bring-in":
        return _bring_in(request, case, lcspr)
    if which == "couple":
        return _couple_add(request, case, lcspr)
    return _family_page(request, case, lcspr)


def _family_page(request, case, lcspr, *, couple_form=None, errors=()):
    network = selectors.members(lcspr=lcspr)
    can_engage = request.scope.can(Action.ENGAGE_FAMILY)
    if couple_form is None and can_engage:
        couple_form = CoupleForm(network=network)
    children, family = selectors.not_yet_in_network(lcspr=lcspr)
    spoken = selectors.spoken_to(lcspr=lcspr)
    return _render(
        request,
        case,
        "reviews/family/network.html",
        {
            "lcspr": lcspr,
            "heading": "Engage the family",
            "form": couple_form if couple_form is not None and couple_form.errors else None,
            "more_non_form_errors": list(errors),
            "members": [(m, m.pk in spoken) for m in network],
            "couples": list(selectors.couples(lcspr=lcspr)),
            "conversations": list(selectors.conversations(lcspr=lcspr)),
            "standing": selectors.family_standing(lcspr),
            "warning": selectors.workshop_before_family_spoken(lcspr),
            "coordinator": selectors.coordinator(lcspr=lcspr),
            "to_bring_in": len(children) + len(family),
            "couple_form": couple_form if can_engage else None,
            "can_engage": can_engage,
            "genogram_url": _genogram_url(case),
        },
    )


def _bring_in(request, case, lcspr):
    """Everyone of the case's children and family members not in the network yet."""
    try:
        added = services.network_bring_in(lcspr=lcspr, actor=request.user)
    except ApplicationError as error:
        return _family_page(request, case, lcspr, errors=[error.message])
    if added:
        count = len(added)
        people = f"{count} {'person' if count == 1 else 'people'}"
        messages.success(request, BROUGHT_IN.format(count=people))
    else:
        messages.info(request, NOTHING_TO_BRING)
    return redirect("lcspr_family", reference=case.reference)


@scope_required(Action.ENGAGE_FAMILY)
def lcspr_family_member_add(request, reference):
    """A family member the case's records do not hold."""
    case, lcspr = case_and_lcspr(request, reference)
    network = selectors.members(lcspr=lcspr)
    once = Once(request, f"family-member-{lcspr.pk}")
    form = MemberForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                member = services.network_member_add(
                    lcspr=lcspr, actor=request.user, **form.service_fields()
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse(
                    "lcspr_family_member", kwargs={"reference": case.reference, "pk": member.pk}
                )
                once.spend(url)
                messages.success(request, MEMBER_ADDED)
                return redirect(url)
    return _render(
        request,
        case,
        "reviews/family/member_add.html",
        {"lcspr": lcspr, "heading": "Add a family member", "form": form, "once": once},
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_family_member(request, reference, pk):
    """One member: their details, the first contact (§7.3) and whether they take part
    (§7.4.2), each its own form at its own version."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_engage(request)
    member = selectors.member_get(scope=request.scope, lcspr=lcspr, pk=pk)
    network = selectors.members(lcspr=lcspr).exclude(pk=member.pk)
    which = request.POST.get("form", "details") if request.method == "POST" else None
    forms = {}
    if which == "contact":
        forms["contact_form"] = _save_member_form(
            request,
            case,
            lcspr,
            member,
            form_class=InitialContactForm,
            prefix="contact",
            service=services.initial_contact_record,
            version_of=_contact_version,
            saved=CONTACT_SAVED,
        )
    elif which == "participation":
        forms["participation_form"] = _save_member_form(
            request,
            case,
            lcspr,
            member,
            form_class=ParticipationForm,
            prefix="taking-part",
            service=services.participation_record,
            version_of=lambda current: current.version,
            saved=PARTICIPATION_SAVED,
        )
    elif which is not None:
        forms["details_form"] = _save_details(request, case, lcspr, member, network)
    for answer in forms.values():
        if isinstance(answer, HttpResponseBase):  # saved: the redirect
            return answer
    return _member_page(request, case, lcspr, member, network, **forms)


def _save_details(request, case, lcspr, member, network):
    form = MemberEditForm(request.POST, network=network)
    if not form.is_valid():
        return form
    try:
        services.network_member_update(
            member=member,
            actor=request.user,
            version=form.cleaned_data["version"],
            **form.service_fields(),
        )
    except ReviewConflict as conflict:
        current = selectors.member_get(scope=request.scope, lcspr=lcspr, pk=member.pk)
        form = with_current_version(form, current.version, network=network)
        form_error(form, conflict)
        return form
    except ApplicationError as error:
        form_error(form, error)
        return form
    messages.success(request, MEMBER_SAVED)
    return redirect("lcspr_family_member", reference=case.reference, pk=member.pk)


def _save_member_form(
    request, case, lcspr, member, *, form_class, prefix, service, version_of, saved
):
    """One of the member's own forms (the first contact, taking part), saved through its
    service at the version it was opened at. Returns the redirect once saved, or the form
    with its errors; after a conflict, what was typed is kept at the version stored now
    (`version_of` the member as it is now), to check and save again."""
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        return form
    try:
        service(member=member, actor=request.user, **form.cleaned_data)
    except ReviewConflict as conflict:
        current = selectors.member_get(scope=request.scope, lcspr=lcspr, pk=member.pk)
        data = form.data.copy()
        data[form.add_prefix("version")] = version_of(current)
        form = form_class(data, prefix=prefix)
        form.is_valid()
        form_error(form, conflict)
        return form
    except ApplicationError as error:
        form_error(form, error)
        return form
    messages.success(request, saved)
    return redirect("lcspr_family_member", reference=case.reference, pk=member.pk)


def _contact_version(member) -> int:
    contact = getattr(member, "initial_contact", None)
    return contact.version if contact else 0


def _member_page(
    request,
    case,
    lcspr,
    member,
    network,
    *,
    details_form=None,
    contact_form=None,
    participation_form=None,
    remove_errors=(),
):
    can_engage = request.scope.can(Action.ENGAGE_FAMILY)
    contact = getattr(member, "initial_contact", None)
    if can_engage:
        details_form = details_form or MemberEditForm(
            initial=MemberForm.initial_of(member), network=network
        )
        contact_form = contact_form or InitialContactForm(
            prefix="contact",
            initial={
                "made_by": contact.made_by if contact else "",
                "made_on": contact.made_on if contact else None,
                "letter_delivery": contact.letter_delivery if contact else Delivery.NOT_SENT,
                "leaflet_delivery": contact.leaflet_delivery if contact else Delivery.NOT_SENT,
                "response": contact.response if contact else "",
                "version": _contact_version(member),
            },
        )
        participation_form = participation_form or ParticipationForm(
            prefix="taking-part",
            initial={
                "participation": member.participation,
                "non_participation_reason": member.non_participation_reason,
                "non_participation_detail": member.non_participation_detail,
                "version": member.version,
            },
        )
    forms = [f for f in (details_form, contact_form, participation_form) if f is not None]
    failed = [f for f in forms if f.is_bound and f.errors]
    return _render(
        request,
        case,
        "reviews/family/member.html",
        {
            "lcspr": lcspr,
            "heading": "A member of the family network",
            "member": member,
            "contact": contact,
            "form": failed[0] if failed else None,
            "more_forms": failed[1:],
            "more_non_form_errors": list(remove_errors),
            "details_form": details_form if can_engage else None,
            "contact_form": contact_form if can_engage else None,
            "participation_form": participation_form if can_engage else None,
            "conversations": [
                c for c in selectors.conversations(lcspr=lcspr) if member in c.members.all()
            ],
            "can_engage": can_engage,
        },
    )


@require_POST
@scope_required(Action.ENGAGE_FAMILY)
def lcspr_family_member_remove(request, reference, pk):
    """Someone added by mistake, at the version shown: a member changed meanwhile, or in
    a recorded conversation, stays."""
    case, lcspr = case_and_lcspr(request, reference)
    member = selectors.member_get(scope=request.scope, lcspr=lcspr, pk=pk)
    network = selectors.members(lcspr=lcspr).exclude(pk=member.pk)
    version = request.POST.get("version", "")
    if not version.isdecimal() or int(version) != member.version:
        return _member_page(
            request,
            case,
            lcspr,
            member,
            network,
            remove_errors=[
                "This member changed since the page was shown: check it before removing."
            ],
        )
    try:
        services.network_member_remove(member=member, actor=request.user)
    except ApplicationError as error:
        return _member_page(request, case, lcspr, member, network, remove_errors=[error.message])
    messages.success(request, MEMBER_REMOVED)
    return redirect("lcspr_family", reference=case.reference)


# --- Couples --------------------------------------------------------------------------------


def _couple_add(request, case, lcspr):
    form = CoupleForm(request.POST, network=selectors.members(lcspr=lcspr))
    if form.is_valid():
        try:
            services.couple_add(lcspr=lcspr, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, COUPLE_ADDED)
            return redirect("lcspr_family", reference=case.reference)
    return _family_page(request, case, lcspr, couple_form=form)


@require_POST
@scope_required(Action.ENGAGE_FAMILY)
def lcspr_family_couple_remove(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    couple = selectors.couple_get(scope=request.scope, lcspr=lcspr, pk=pk)
    if request.POST.get("confirm") != "yes":
        return _family_page(request, case, lcspr, errors=[CONFIRM_REMOVE])
    services.couple_remove(couple=couple, actor=request.user)
    messages.success(request, COUPLE_REMOVED)
    return redirect("lcspr_family", reference=case.reference)


# --- Conversations (§7.4.1) ------------------------------------------------------------


@scope_required(Action.ENGAGE_FAMILY)
def lcspr_family_conversation_add(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    network = selectors.members(lcspr=lcspr)
    people = partnership_people(lcspr)
    once = Once(request, f"family-conversation-{lcspr.pk}")
    appointment = selectors.reviewer(lcspr=lcspr)
    form = ConversationForm(
        request.POST or None,
        network=network,
        people=people,
        initial={"held_by": appointment.user_id if appointment else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.conversation_record(
                    lcspr=lcspr,
                    actor=request.user,
                    held_on=data["held_on"],
                    members=list(data["members"]),
                    held_by=data["held_by"],
                    held_by_name=data["held_by_name"],
                    note=data["note"],
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_family", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(request, CONVERSATION_ADDED)
                return redirect(url)
    return _render(
        request,
        case,
        "reviews/family/conversation.html",
        {
            "lcspr": lcspr,
            "heading": "Record a conversation with the family",
            "form": form,
            "once": once,
            "no_network": not network.exists(),
            "submit": "Record the conversation",
        },
    )


@scope_required(Action.ENGAGE_FAMILY)
def lcspr_family_conversation(request, reference, pk):
    """Change a recorded conversation (§7.4.1): the same form as recording it, prefilled,
    at the version it was opened at. Only one of this case's review is found."""
    case, lcspr = case_and_lcspr(request, reference)
    conversation = selectors.conversation_get(scope=request.scope, lcspr=lcspr, pk=pk)
    kwargs = {
        "network": selectors.members(lcspr=lcspr),
        "people": partnership_people(lcspr, also=conversation.held_by_id),
    }
    if request.method != "POST":
        form = ConversationEditForm(initial=ConversationEditForm.initial_of(conversation), **kwargs)
    else:
        form = ConversationEditForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.conversation_update(
                    conversation=conversation,
                    actor=request.user,
                    version=data["version"],
                    held_on=data["held_on"],
                    members=list(data["members"]),
                    held_by=data["held_by"],
                    held_by_name=data["held_by_name"],
                    note=data["note"],
                )
            except ReviewConflict as conflict:
                current = selectors.conversation_get(scope=request.scope, lcspr=lcspr, pk=pk)
                form = with_current_version(form, current.version, **kwargs)
                form_error(form, conflict)
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, CONVERSATION_SAVED)
                return redirect("lcspr_family", reference=case.reference)
    return _render(
        request,
        case,
        "reviews/family/conversation.html",
        {
            "lcspr": lcspr,
            "heading": "Change a conversation with the family",
            "form": form,
            "conversation": conversation,
            "submit": "Save the conversation",
        },
    )


# --- The letter and the leaflet (§7.3.2) --------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_family_letter_pdf(request, reference, pk):
    """The letter to one member: it names them; its address and file name do not."""
    case, lcspr = case_and_lcspr(request, reference)
    member = selectors.member_get(scope=request.scope, lcspr=lcspr, pk=pk)
    pdf = family_letter_pdf(case=case, lcspr=lcspr, member=member)
    return pdf_response(
        request, pdf, case=case, name=f"family-letter-{member.pk}", what="family letter"
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_family_leaflet_pdf(request, reference):
    case, lcspr = case_and_lcspr(request, reference)
    pdf = family_leaflet_pdf(case=case, lcspr=lcspr)
    return pdf_response(request, pdf, case=case, name="family-leaflet", what="family leaflet")
