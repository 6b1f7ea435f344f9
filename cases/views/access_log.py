"""The partnership's access log (who saw what)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import selectors
from cases.forms.lists import AccessLogFilterForm
from cases.permissions import Action
from cases.web import keyset_paged, scope_required, valid_filters

ACCESS_EVENTS_PER_PAGE = 50


@require_GET
@scope_required(Action.VIEW_ACCESS_LOG)
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    events = selectors.access_log(scope=request.scope, **valid_filters(form))
    # Newest first by keyset: the log grows with every page anyone opens, for years, and
    # counting it (or skipping to page 4,000) read the whole table (issue 18).
    page = keyset_paged(request, events, ACCESS_EVENTS_PER_PAGE)
    return render(
        request,
        "cases/access_log.html",
        {
            "form": form,
            "events": page["rows"],
            "newer_url": page["newer_url"],
            "older_url": page["older_url"],
        },
    )
