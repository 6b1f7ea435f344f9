"""Invitations and outcomes that nobody could be emailed, sent another way by the office
(issue 12: agencies with nobody on the portal)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required
from rapidreview import selectors, services
from rapidreview.forms.papers import DeliveryForm
from rapidreview.views.shared import case_and_review


@scope_required(Action.SEND_RAPID_REVIEW_PAPERS)
def invitation_delivery(request, reference, pk):
    case, review = case_and_review(request, reference)
    if review is None:
        raise Http404("No Rapid Review.")
    invitation = selectors.invitation_for_delivery(review=review, pk=pk)
    whom = invitation.agency.name if invitation.agency_id else str(invitation.user)
    return _delivery(
        request,
        case,
        invitation,
        whom=whom,
        what="invitation",
        back="rapid_review_papers",
        sent={"invitation": invitation},
    )


@scope_required(Action.SEND_RAPID_REVIEW_PAPERS)
def outcome_delivery(request, reference, pk):
    case, review = case_and_review(request, reference)
    if review is None:
        raise Http404("No Rapid Review.")
    notice = selectors.outcome_for_delivery(review=review, pk=pk)
    return _delivery(
        request,
        case,
        notice,
        whom=notice.agency.name,
        what="outcome",
        back="rapid_review_after",
        sent={"outcome": notice},
    )


def _delivery(request, case, row, *, whom, what, back, sent):
    form = DeliveryForm(
        request.POST if request.method == "POST" else None,
        initial={"delivered_on": timezone.localdate()},
    )
    once = Once(request, f"delivery-{what}-{row.pk}")
    back_url = reverse(back, kwargs={"reference": case.reference})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.delivery_record(actor=request.user, **form.cleaned_data, **sent)
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(back_url)
                messages.success(request, f"The {what} to {whom} is recorded as sent.")
                return redirect(back_url)
    return render(
        request,
        "rapidreview/delivery.html",
        {
            "case": case,
            "tab": "rapid_review",
            "form": form,
            "once": once,
            "whom": whom,
            "what": what,
            "back_url": back_url,
        },
    )
