"""The review's findings and recommendations (§9.2): the review team reads them; the
Reviewer and the Business Office write them (Action.WRITE_FINDINGS, checked on POST); the
Business Office or the chair record the partnership's decision about a separate group
(§9.2.2-9.2.3, Action.MANAGE_REVIEW) and that the findings were sent to it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, pdf_response, scope_required, with_current_version
from reviews.documents.findings import findings_pdf
from reviews.forms.findings import (
    FindingEditForm,
    FindingForm,
    GroupDecisionForm,
    RecommendationEditForm,
    RecommendationForm,
)
from reviews.forms.themes import RemoveForm
from reviews.recommendations import RECOMMENDATIONS_LIMIT
from reviews.selectors import findings as selectors
from reviews.services import findings as services
from reviews.web import case_and_lcspr

ONLY_WRITERS = "Only the Reviewer and the Business Office write the findings and recommendations."
ONLY_DECIDERS = (
    "Only the Business Office and the CRG chair record the partnership's decision about a "
    "separate group."
)
FINDING_ADDED = "The finding is recorded."
FINDING_SAVED = "The finding is saved."
FINDING_REMOVED = "The finding is removed."
RECOMMENDATION_ADDED = "The recommendation is added."
RECOMMENDATION_SAVED = "The recommendation is saved."
RECOMMENDATION_REMOVED = "The recommendation is removed."
MOVED = "The order is changed."
GROUP_SAVED = "The partnership's decision about a separate group is recorded."
GROUP_SENT = "Recorded: the findings were sent to the group."
ANSWERS_NOTHING = (
    "Its key themes have been removed since: choose the key themes or key lines of enquiry "
    "it answers."
)
NO_THEMES_NOR_KLOES = (
    "This review has no key themes and no agreed key lines of enquiry yet, so a finding "
    "has nothing to answer. Name the key themes, or have the CRG agree the terms of "
    "reference (§5.1.3), first."
)


def _can_write(request) -> bool:
    return request.scope.can(Action.WRITE_FINDINGS)


def _refuse_post_without(request, action: Action, message: str) -> None:
    if request.method == "POST" and not request.scope.can(action):
        raise PermissionDenied(message)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _direction(request) -> str:
    return "up" if request.POST.get("move") == "up" else "down"


def _kloe_choices(lcspr, keep=()) -> list[tuple[str, str]]:
    """(text, label) of each KLOE of the terms in force, and of any a finding already
    answers though the terms have changed since."""
    in_force = selectors.kloes_in_force(lcspr)
    choices = [(text, f"KLOE {n}: {text}") for n, text in enumerate(in_force, start=1)]
    choices += [
        (text, f"{text} (no longer in the terms of reference in force)")
        for text in keep
        if text not in in_force
    ]
    return choices


def _failed(*forms):
    failed = [f for f in forms if f is not None and f.is_bound and f.errors]
    return failed, [e for f in failed for e in f.non_field_errors()]


# --- The list of findings ------------------------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_findings(request, reference):
    """The findings in order, each with its themes, KLOEs and recommendations and what
    each recommendation still misses to be SMART; record a finding, or reorder them."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without(request, Action.WRITE_FINDINGS, ONLY_WRITERS)
    themes = selectors.review_key_themes(lcspr)
    kloes = _kloe_choices(lcspr)
    once = Once(request, f"finding-{lcspr.pk}")
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "move":
        finding = selectors.findings_of(lcspr).filter(pk=_int(request.POST.get("finding"))).first()
        if finding is not None:
            services.finding_move(
                finding=finding, direction=_direction(request), actor=request.user
            )
            messages.success(request, MOVED)
        return redirect("lcspr_findings", reference=case.reference)
    form = FindingForm(request.POST if which == "add" else None, themes=themes, kloes=kloes)
    if which == "add" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.finding_add(
                    lcspr=lcspr,
                    title=data["title"],
                    text=data["text"],
                    themes=[t for t in themes if t.pk in set(data["themes"])],
                    kloes=data["kloes"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_findings", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(request, FINDING_ADDED)
                return redirect(url)
    rows = selectors.findings_with_recommendations(lcspr)
    summary = selectors.findings_summary(lcspr, rows)
    group = selectors.findings_group(lcspr)
    failed, failed_non_form = _failed(form)
    return render(
        request,
        "reviews/findings/findings.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Findings and recommendations",
            "rows": rows,
            "summary": summary,
            "limit": RECOMMENDATIONS_LIMIT,
            "group": group,
            "changed_since_sent": selectors.findings_changed_since_sent(lcspr, group),
            "form": form if _can_write(request) else None,
            "nothing_to_answer": not themes and not kloes,
            "nothing_to_answer_message": NO_THEMES_NOR_KLOES,
            "answers_nothing_message": ANSWERS_NOTHING,
            "once": once,
            "can_write": _can_write(request),
            "can_decide": request.scope.can(Action.MANAGE_REVIEW),
            "failed_forms": failed,
            "failed_non_form_errors": failed_non_form,
        },
    )


# --- One finding: change, remove, and its recommendations ----------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_finding(request, reference, pk):
    """One finding: change or remove it, add a recommendation answering it, or reorder its
    recommendations."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without(request, Action.WRITE_FINDINGS, ONLY_WRITERS)
    finding = selectors.finding_get(scope=request.scope, lcspr=lcspr, pk=pk)
    themes = selectors.review_key_themes(lcspr)
    kwargs = {"themes": themes, "kloes": _kloe_choices(lcspr, keep=finding.kloes)}
    agencies = list(selectors.owner_agencies(lcspr))
    once = Once(request, f"recommendation-{finding.pk}")
    which = request.POST.get("form") if request.method == "POST" else None
    form = remove_form = None
    rec_form = RecommendationForm(request.POST if which == "recommend" else None, agencies=agencies)
    if which == "move":
        rec = (
            selectors.recommendations_of(lcspr)
            .filter(finding=finding, pk=_int(request.POST.get("recommendation")))
            .first()
        )
        if rec is not None:
            services.recommendation_move(
                recommendation=rec, direction=_direction(request), actor=request.user
            )
            messages.success(request, MOVED)
        return redirect("lcspr_finding", reference=case.reference, pk=finding.pk)
    if which == "remove":
        remove_form = RemoveForm(request.POST, prefix="remove")
        if remove_form.is_valid():
            try:
                services.finding_remove(
                    finding=finding,
                    version=remove_form.cleaned_data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                remove_form.add_error(None, error.message)
            else:
                messages.success(request, FINDING_REMOVED)
                return redirect("lcspr_findings", reference=case.reference)
    if which == "edit":
        form = FindingEditForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.finding_update(
                    finding=finding,
                    title=data["title"],
                    text=data["text"],
                    themes=[t for t in themes if t.pk in set(data["themes"])],
                    kloes=data["kloes"],
                    version=data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                if error.field == "version":
                    # Another's change came first: the page shows the finding as it is
                    # now; the form keeps what was typed, at the current version.
                    finding = selectors.finding_get(scope=request.scope, lcspr=lcspr, pk=pk)
                    form = with_current_version(form, finding.version, **kwargs)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, FINDING_SAVED)
                return redirect("lcspr_findings", reference=case.reference)
    if which == "recommend" and rec_form.is_valid():
        data = rec_form.cleaned_data
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.recommendation_add(
                    finding=finding,
                    action=data["action"],
                    owner_agency=next((a for a in agencies if a.pk == data["owner_agency"]), None),
                    owner_group=data["owner_group"],
                    measure=data["measure"],
                    due_on=data["due_on"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(rec_form, error)
            else:
                url = reverse(
                    "lcspr_finding", kwargs={"reference": case.reference, "pk": finding.pk}
                )
                once.spend(url)
                messages.success(request, RECOMMENDATION_ADDED)
                return redirect(url)
    if form is None:
        form = FindingEditForm(
            initial={
                "title": finding.title,
                "text": finding.text,
                "themes": [t.pk for t in finding.themes.all()],
                "kloes": finding.kloes,
                "version": finding.version,
            },
            **kwargs,
        )
    if remove_form is None:
        remove_form = RemoveForm(initial={"version": finding.version}, prefix="remove")
    row = next(r for r in selectors.findings_with_recommendations(lcspr) if r.finding.pk == pk)
    can_write = _can_write(request)
    failed, failed_non_form = _failed(form, remove_form, rec_form)
    return render(
        request,
        "reviews/findings/finding.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": f"Finding {row.number}",
            "row": row,
            "finding": finding,
            "form": form if can_write else None,
            "remove_form": remove_form if can_write else None,
            "rec_form": rec_form if can_write else None,
            "once": once,
            "group_decided": selectors.group_turns_findings_into_actions(lcspr),
            "answers_nothing_message": ANSWERS_NOTHING,
            "failed_forms": failed,
            "failed_non_form_errors": failed_non_form,
        },
    )


# --- One recommendation --------------------------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_recommendation(request, reference, pk):
    """One recommendation: change it, agree it once SMART, or remove it. The page asks for
    each SMART element it still misses (§9.1.2 footnote 22)."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without(request, Action.WRITE_FINDINGS, ONLY_WRITERS)
    rec = selectors.recommendation_get(scope=request.scope, lcspr=lcspr, pk=pk)
    rows = selectors.findings_with_recommendations(lcspr)
    agencies = list(selectors.owner_agencies(lcspr))
    kwargs = {"agencies": agencies, "findings": rows}
    form = remove_form = None
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "remove":
        remove_form = RemoveForm(request.POST, prefix="remove")
        if remove_form.is_valid():
            try:
                services.recommendation_remove(
                    recommendation=rec,
                    version=remove_form.cleaned_data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                remove_form.add_error(None, error.message)
            else:
                messages.success(request, RECOMMENDATION_REMOVED)
                return redirect("lcspr_finding", reference=case.reference, pk=rec.finding_id)
    elif which == "edit":
        form = RecommendationEditForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.recommendation_update(
                    recommendation=rec,
                    finding=next(
                        (r.finding for r in rows if r.finding.pk == data["finding"]), None
                    ),
                    action=data["action"],
                    owner_agency=next((a for a in agencies if a.pk == data["owner_agency"]), None),
                    owner_group=data["owner_group"],
                    measure=data["measure"],
                    due_on=data["due_on"],
                    agreed=data["agreed"],
                    version=data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                if error.field == "version":
                    rec = selectors.recommendation_get(scope=request.scope, lcspr=lcspr, pk=pk)
                    form = with_current_version(form, rec.version, **kwargs)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, RECOMMENDATION_SAVED)
                return redirect("lcspr_findings", reference=case.reference)
    if form is None:
        form = RecommendationEditForm(
            initial={
                "finding": rec.finding_id,
                "action": rec.action,
                "owner_agency": rec.owner_agency_id,
                "owner_group": rec.owner_group,
                "measure": rec.measure,
                "due_on": rec.due_on,
                "agreed": rec.status == "agreed",
                "version": rec.version,
            },
            **kwargs,
        )
    if remove_form is None:
        remove_form = RemoveForm(initial={"version": rec.version}, prefix="remove")
    rec_row = next(
        (r for row in rows for r in row.recommendations if r.recommendation.pk == rec.pk), None
    )
    can_write = _can_write(request)
    failed, failed_non_form = _failed(form, remove_form)
    return render(
        request,
        "reviews/findings/recommendation.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": f"Recommendation {rec_row.number if rec_row else ''}".strip(),
            "rec": rec,
            "rec_row": rec_row,
            "form": form if can_write else None,
            "remove_form": remove_form if can_write else None,
            "failed_forms": failed,
            "failed_non_form_errors": failed_non_form,
        },
    )


# --- The separate group (§9.2.2-9.2.3) -----------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_findings_group(request, reference):
    """The partnership's decision that a separate group will turn the findings into
    actions, and the record that the findings were sent to it."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without(request, Action.MANAGE_REVIEW, ONLY_DECIDERS)
    group = selectors.findings_group(lcspr)
    which = request.POST.get("form") if request.method == "POST" else None
    send_error = ""
    if which == "sent":
        try:
            services.findings_group_sent(lcspr=lcspr, actor=request.user)
        except ApplicationError as error:
            send_error = error.message
        else:
            messages.success(request, GROUP_SENT)
            return redirect("lcspr_findings", reference=case.reference)
    form = GroupDecisionForm(request.POST if which == "decide" else None)
    if which == "decide" and form.is_valid():
        data = form.cleaned_data
        try:
            services.findings_group_record(lcspr=lcspr, actor=request.user, **data)
        except ApplicationError as error:
            if error.field == "version":
                group = selectors.findings_group(lcspr)
                form = with_current_version(form, group.version if group else 0)
                form.add_error(None, error.message)
            else:
                form_error(form, error)
        else:
            messages.success(request, GROUP_SAVED)
            return redirect("lcspr_findings", reference=case.reference)
    if not form.is_bound:
        form = GroupDecisionForm(
            initial={
                "decided": ("yes" if group.decided else "no") if group else None,
                "at_outset": group.at_outset if group else False,
                "group_name": group.group_name if group else "",
                "contact_email": group.contact_email if group else "",
                "decided_on": group.decided_on if group else None,
                "note": group.note if group else "",
                "version": group.version if group else 0,
            }
        )
    can_decide = request.scope.can(Action.MANAGE_REVIEW)
    failed, failed_non_form = _failed(form)
    if send_error:
        failed_non_form = [*failed_non_form, send_error]
    return render(
        request,
        "reviews/findings/group.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "A separate group for the findings",
            "group": group,
            "form": form if can_decide else None,
            "send_error": send_error,
            "changed_since_sent": selectors.findings_changed_since_sent(lcspr, group),
            "failed_forms": failed,
            "failed_non_form_errors": failed_non_form,
        },
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_findings_pdf(request, reference):
    """The findings as a PDF, for the separate group (§9.2.3); the download is logged."""
    case, lcspr = case_and_lcspr(request, reference)
    return pdf_response(
        request, findings_pdf(lcspr=lcspr), case=case, name="findings", what="review findings"
    )
