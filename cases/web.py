"""Helpers the view modules of every app share: access declarations, filters and paging
(by page number, or by keyset for a list that grows for ever), service refusals on
forms, conflict re-binding, logged PDF downloads, and banners with a heading and
details."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from cases import selectors, services
from cases.errors import ApplicationError
from cases.keyset import NotOurCursor, keyset_page
from cases.models import AccessAction
from cases.permissions import Action

NO_ROLE_MESSAGE = (
    "Your account has no role in a partnership or agency yet. Ask your partnership admin."
)


ARCHIVED_READ_ONLY = (
    "This case is archived after a retention decision: it is kept read only and can no "
    "longer be changed."
)


def scope_required(action: Action | None = None):
    """Signed in, working for one organisation, and (optionally) allowed `action`."""

    def decorator(view):
        @login_required
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.scope is None:
                if not request.memberships and request.user.is_staff:
                    # A configuration account has no role in the product: its home is
                    # the admin, where sign-in without a `next` brings it.
                    return redirect("admin:index")
                if len(request.memberships) > 1:
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('organisation_choose')}?{query}")
                raise PermissionDenied(NO_ROLE_MESSAGE)
            if action is not None and not request.scope.can(action):
                raise PermissionDenied("Your role does not give access to this page.")
            if request.method == "POST" and selectors.case_archived(
                scope=request.scope, reference=kwargs.get("reference")
            ):
                # issue 18: retention. An archived case is kept read only.
                raise PermissionDenied(ARCHIVED_READ_ONLY)
            try:
                return view(request, *args, **kwargs)
            except Http404:
                undeclared = _undeclared_appointment(request, kwargs.get("reference"))
                if undeclared is not None:
                    return undeclared
                elsewhere = _case_elsewhere(request, kwargs.get("reference"))
                if elsewhere is None:
                    raise
                return render(
                    request,
                    "cases/case_elsewhere.html",
                    {"membership": elsewhere, "next": request.get_full_path()},
                    status=404,
                )

        wrapped.required_action = action  # read by the role x route access matrix test
        wrapped.requires_scope = True
        return wrapped

    return decorator


DECLARE_FIRST = (
    "Before you can open the papers of case {reference}, declare any conflict of interest "
    "and agree to keep the review confidential (§1.5.8)."
)


def _undeclared_appointment(request, reference):
    """§1.5.8: a Reviewer or Panel member appointed to this case's review who has not yet
    declared sees nothing of the case (cases/tenancy.py): rather than a 404, they are sent
    to their declaration, with why. None for anybody else."""
    if not reference or not request.scope.appointed_only:
        return None
    if not selectors.appointment_undeclared(scope=request.scope, reference=reference):
        return None
    messages.warning(request, DECLARE_FIRST.format(reference=reference))
    return redirect("lcspr_declaration", reference=reference)


def _case_elsewhere(request, reference):
    """A case not found here, of a partnership where the user also works in a role that
    reads cases: that membership, to offer the switch; None for anybody else, who sees
    the plain 404 and learns nothing of the case."""
    if not reference:
        return None
    return selectors.case_membership_elsewhere(
        scope=request.scope, memberships=request.memberships, reference=reference
    )


def signed_in_required(view):
    """Signed in with both factors, but working for no organisation in particular: the
    page where one chooses it. Declared, like `scope_required`, for the access tests."""
    wrapped = login_required(never_cache(view))
    wrapped.requires_sign_in = True
    return wrapped


def valid_filters(form) -> dict:
    """The filters that are valid; a bad value is reported beside its field."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def paged(request, rows, per_page, *, parameter="page") -> dict:
    """One page of rows with GOV.UK pagination links that keep the filters. A page with
    two lists gives the second its own `parameter`, so that each keeps its page."""
    page = Paginator(rows, per_page).get_page(request.GET.get(parameter))
    query_without_page = request.GET.copy()
    query_without_page.pop(parameter, None)
    return {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query_without_page": query_without_page.urlencode(),
        "page_parameter": parameter,
    }


def keyset_paged(request, rows, per_page, *, parameter="cursor") -> dict:
    """One page of a long list, newest first, by keyset (cases/keyset.py) rather than by
    page number: no count, no OFFSET, so that the 1,000th page costs what the first does
    (issue 18). The GOV.UK pagination's "Newer" and "Older" links keep the filters; their
    cursor holds one row's order values (a time and an id), never case content. A cursor
    that no link gave shows the first page."""
    try:
        page = keyset_page(rows, cursor=request.GET.get(parameter, ""), size=per_page)
    except NotOurCursor:
        page = keyset_page(rows, cursor="", size=per_page)
    query = request.GET.copy()
    query.pop(parameter, None)

    def link(cursor):
        if cursor is None:
            return None
        query[parameter] = cursor
        return "?" + query.urlencode()

    return {
        "rows": page.rows,
        "newer_url": link(page.previous_cursor),
        "older_url": link(page.next_cursor),
    }


def form_error(form, error: ApplicationError) -> None:
    """Show a service's refusal beside its field, or at the top of the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def with_current_version(form, version, **kwargs):
    """The form as typed, but at the version now stored: after a conflict the user checks
    what changed and can save again, rather than conflicting for ever."""
    data = form.data.copy()
    data["version"] = version
    rebound = type(form)(data, **kwargs)
    rebound.is_valid()
    return rebound


def log_download(request, *, reference: str, what: str) -> None:
    services.access_record(
        request=request,
        action=AccessAction.DOWNLOAD,
        scope=request.scope,
        object_type=what,
        object_reference=reference,
        route=request.resolver_match.url_name or "",
        status_code=200,
    )
    request.access_logged = True


def pdf_response(request, pdf: bytes, *, case, name: str, what: str) -> HttpResponse:
    """A generated PDF, named by case reference (never content), its download logged."""
    log_download(request, reference=case.reference, what=what)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-{name}.pdf"'
    return response


def stored_pdf_response(request, document, *, case, name: str, what: str) -> FileResponse:
    """A PDF rendered in the background (cases/services/rendered_document.py), streamed
    from storage, named by case reference, its download logged like `pdf_response`."""
    log_download(request, reference=case.reference, what=what)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-{name}.pdf",
        content_type="application/pdf",
    )


def summary_context(case):
    """What the Combined Summary Report (§4.5.1) shows, on its page and in the papers."""
    intake = selectors.case_intake(case=case)
    return {
        "summary": selectors.combined_summary(case=case),
        "requests": list(selectors.case_requests(case=case)),
        **intake,
    }


def banner(request, heading: str, *paragraphs: str, items=(), level=messages.SUCCESS) -> None:
    """A notification banner (base.html) with a short heading, then the details in short
    paragraphs, and a list of `items` after the first paragraph if there are any."""
    first, *rest = paragraphs or ("",)
    body = format_html(
        '<h3 class="govuk-notification-banner__heading">{}</h3>{}{}{}',
        heading,
        format_html('<p class="govuk-body">{}</p>', first) if first else "",
        format_html(
            '<ul class="govuk-list govuk-list--bullet">{}</ul>',
            format_html_join("", "<li>{}</li>", ((item,) for item in items)),
        )
        if items
        else "",
        format_html_join("", '<p class="govuk-body">{}</p>', ((p,) for p in rest)),
    )
    messages.add_message(request, level, body, extra_tags="banner")
