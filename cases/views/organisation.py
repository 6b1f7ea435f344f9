"""Choosing which organisation a person with several memberships works for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from cases.forms.account import OrganisationChoiceForm
from cases.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from cases.web import NO_ROLE_MESSAGE, signed_in_required


@signed_in_required
def organisation_choose(request):
    memberships = request.memberships
    if not memberships:
        raise PermissionDenied(NO_ROLE_MESSAGE)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    initial = {"membership": request.scope.membership.pk} if request.scope else {}
    form = OrganisationChoiceForm(
        request.POST if request.method == "POST" else None,
        memberships=memberships,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = form.cleaned_data["membership"]
        chosen = next(m for m in memberships if m.pk == form.cleaned_data["membership"])
        messages.success(request, f"You are now working for {chosen.organisation_name}.")
        # The page asked for before choosing, or the case of the organisation switched to
        # (templates/cases/case_elsewhere.html); the header's switch sends no `next`.
        if next_url:
            return HttpResponseRedirect(next_url)
        return redirect("dashboard")
    return render(request, "cases/organisation_choose.html", {"form": form, "next": next_url})
