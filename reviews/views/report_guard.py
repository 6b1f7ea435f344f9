"""The anonymisation guard's pages (§9.1.3, §7.2.1): what it found in a draft, where the
CRG chair accepts a hit with a reason and anyone who keeps the report runs the check
again; and the case's never-publish list, kept by the Reviewer and the Business Office.

Both pages show restricted data (names, dates, what the draft says around them): the
review team only, and every showing is written to the access log under the case's
reference.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from cases.errors import ApplicationError
from cases.models import AccessAction
from cases.once import Once
from cases.permissions import Action
from cases.services import access_record
from cases.web import form_error, scope_required
from reviews.forms.report_guard import HitAcceptForm, NeverPublishAddForm, NeverPublishRemoveForm
from reviews.selectors import report_guard as selectors
from reviews.selectors.report import report_draft_get
from reviews.services import report_guard as services
from reviews.web import case_and_lcspr

WHO_ACTS = "The Reviewer fixes these in a new draft, or the CRG chair accepts each with a reason."
ONLY_RUNNERS = "Only the Reviewer, the Business Office and the CRG chair run the check."
CHECKED = "The anonymisation check has run again on draft {number}."
ACCEPTED = "The hit is accepted, with your reason."
TERM_ADDED = "The term is on the never-publish list."
TERM_REMOVED = "The term is off the never-publish list."


def _render(request, case, template, context, *, what):
    """The page, written to the access log under the case's reference (never what it
    shows), whatever the method: a form shown back with its errors shows the hits too."""
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


def marked(context: str, found: str) -> str:
    """The hit's context, escaped, with each showing of what was found in <mark>."""
    if not found:
        return escape(context)
    parts = context.split(found)
    return mark_safe(f"<mark>{escape(found)}</mark>".join(escape(part) for part in parts))  # noqa: S308


# --- What the guard found in a draft -----------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_hits(request, reference, number):
    """Every hit in the draft and its PDF: its kind, where, the words around it, and
    whether it is open or accepted (by whom, why). The chair accepts one with a reason;
    the Reviewer, the office and the chair run the check again."""
    case, lcspr = case_and_lcspr(request, reference)
    draft = report_draft_get(lcspr=lcspr, number=number)
    can_accept = request.scope.can(Action.ACCEPT_ANONYMISATION_HIT)
    can_run = can_accept or request.scope.can(Action.KEEP_NEVER_PUBLISH_LIST)
    which = request.POST.get("form") if request.method == "POST" else None
    bound = None
    if which == "run":
        if not can_run:
            raise PermissionDenied(ONLY_RUNNERS)
        services.report_guard_run(draft=draft)
        messages.success(request, CHECKED.format(number=draft.number))
        return redirect(request.path)
    if which == "accept":
        if not can_accept:
            raise PermissionDenied(services.ONLY_CHAIR)
        bound = HitAcceptForm(request.POST, auto_id=f"hit-{_int(request.POST.get('hit'))}-%s")
        if bound.is_valid():
            hit = selectors.draft_hit_get(draft=draft, pk=bound.cleaned_data["hit"])
            try:
                if hit is None:
                    raise ApplicationError(services.HIT_GONE)
                services.anonymisation_hit_accept(
                    hit=hit, reason=bound.cleaned_data["reason"], actor=request.user
                )
            except ApplicationError as error:
                form_error(bound, error)
            else:
                messages.success(request, ACCEPTED)
                return redirect(request.path)
    rows = []
    for hit in selectors.draft_hits(draft):
        form = None
        if can_accept and hit.is_open:
            if bound is not None and bound.data.get("hit") == str(hit.pk):
                form = bound
            else:
                form = HitAcceptForm(initial={"hit": hit.pk}, auto_id=f"hit-{hit.pk}-%s")
        rows.append({"hit": hit, "context": marked(hit.context, hit.found), "form": form})
    failed = [bound] if bound is not None and bound.errors else []
    orphan = [e for f in failed for e in f.non_field_errors()]
    if bound is not None and bound.errors and not any(row["form"] is bound for row in rows):
        orphan += [e for field in bound for e in field.errors]
    return _render(
        request,
        case,
        "reviews/report/guard_hits.html",
        {
            "lcspr": lcspr,
            "draft": draft,
            "heading": f"Anonymisation check of report draft {draft.number}",
            "rows": rows,
            "open_count": sum(1 for row in rows if row["hit"].is_open),
            "can_accept": can_accept,
            "can_run": can_run,
            "who_acts": WHO_ACTS,
            "failed_forms": failed,
            "failed_non_form_errors": orphan,
        },
        what="report anonymisation hits",
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- The never-publish list --------------------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_never_publish(request, reference):
    """The case's never-publish list (§9.1.3): add a word or phrase, or take one off with
    the reason. Each change reads the latest checked draft again."""
    case, lcspr = case_and_lcspr(request, reference)
    can_keep = request.scope.can(Action.KEEP_NEVER_PUBLISH_LIST)
    if request.method == "POST" and not can_keep:
        raise PermissionDenied(services.ONLY_KEEPERS)
    which = request.POST.get("form") if request.method == "POST" else None
    once = Once(request, f"never-publish-{lcspr.pk}")
    url = reverse("lcspr_report_never_publish", kwargs={"reference": case.reference})
    form = NeverPublishAddForm(request.POST if which == "add" else None)
    removing = None
    if which == "add" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.never_publish_add(
                    lcspr=lcspr,
                    term=form.cleaned_data["term"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, TERM_ADDED)
                return redirect(url)
    if which == "remove":
        pk = _int(request.POST.get("term"))
        removing = NeverPublishRemoveForm(request.POST, auto_id=f"term-{pk}-%s")
        if removing.is_valid():
            term = selectors.never_publish_terms(lcspr).filter(pk=pk).first()
            try:
                if term is None:
                    raise ApplicationError(services.TERM_GONE)
                services.never_publish_remove(
                    term=term, reason=removing.cleaned_data["reason"], actor=request.user
                )
            except ApplicationError as error:
                form_error(removing, error)
            else:
                messages.success(request, TERM_REMOVED)
                return redirect(url)
    rows = []
    for term in selectors.never_publish_terms(lcspr):
        remove_form = None
        if can_keep:
            if removing is not None and removing.data.get("term") == str(term.pk):
                remove_form = removing
            else:
                remove_form = NeverPublishRemoveForm(
                    initial={"term": term.pk}, auto_id=f"term-{term.pk}-%s"
                )
        rows.append({"term": term, "form": remove_form})
    failed = [f for f in (form, removing) if f is not None and f.is_bound and f.errors]
    orphan = [e for f in failed for e in f.non_field_errors()]
    if removing is not None and removing.errors and not any(r["form"] is removing for r in rows):
        orphan += [e for field in removing for e in field.errors]
    return _render(
        request,
        case,
        "reviews/report/guard_never_publish.html",
        {
            "lcspr": lcspr,
            "heading": "Never publish",
            "rows": rows,
            "form": form if can_keep else None,
            "once": once,
            "failed_forms": failed,
            "failed_non_form_errors": orphan,
        },
        what="report never-publish list",
    )
