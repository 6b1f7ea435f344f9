"""Sending the meeting's invitations and papers (§4.6.1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.models import Agency, User
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import selectors, services
from rapidreview.forms.papers import InviteForm
from rapidreview.views.shared import ONLY_THE_OFFICE

# --- The papers and who is invited to them (§4.5.1, §4.5.2, §4.7.1) ----------------------


@scope_required(Action.VIEW_CASES)
def rapid_review_papers(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    partnership = case.partnership
    can_manage = request.scope.can(Action.SEND_RAPID_REVIEW_PAPERS)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(ONLY_THE_OFFICE)
    review = selectors.rapid_review(case=case)
    invitations = selectors.invitations(review)
    can_invite = bool(can_manage and review and review.meeting_id and not review.is_signed_off)
    invited_agencies = {i.agency_id for i in invitations if i.agency_id}
    invited_users = {i.user_id for i in invitations if i.user_id}
    requests = list(case_selectors.case_requests(case=case))
    people = selectors.invitable_people(partnership, invited_users)
    agencies = (
        Agency.objects.filter(partnerships=partnership)
        .exclude(pk__in=invited_agencies)
        .values_list("pk", "name")
    )
    # Ticked to start with: the CRG and the Scrutineer (§4.5.2, §4.7.1), and the agencies
    # already asked for information on the case.
    form = InviteForm(
        request.POST if request.method == "POST" and can_invite else None,
        agencies=agencies,
        people=people,
        initial={
            "agencies": [r.agency_id for r in requests if r.agency_id not in invited_agencies],
            "users": [pk for pk, _ in people],
        },
    )
    if form.is_bound and form.is_valid():
        try:
            made = services.invitations_send(
                review=review,
                actor=request.user,
                agencies=list(Agency.objects.filter(pk__in=form.cleaned_data["agencies"])),
                users=list(User.objects.filter(pk__in=form.cleaned_data["users"])),
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"{len(made)} invitation{'' if len(made) == 1 else 's'} sent. Each is emailed "
                "a link to the papers, by case reference only.",
            )
            return redirect("rapid_review_papers", reference=case.reference)
    roles = selectors.invitee_roles(partnership, invited_users)
    return render(
        request,
        "rapidreview/papers.html",
        {
            "case": case,
            "tab": "rapid_review",
            "heading": "Meeting papers and invitations",
            "form": form,
            "review": review,
            "can_manage": can_manage,
            "can_invite": can_invite,
            "with_chronology": partnership.uses_chronology_template,
            "rows": [(i, roles.get(i.user_id, [])) for i in invitations],
            "replies_outstanding": [r.agency.name for r in requests if not r.is_received],
            "unreachable": selectors.unreachable(invitations),
        },
    )
