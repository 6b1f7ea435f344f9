"""The report's drafts (§9.1): the list and who must act next, a draft's sections written
in the product with a preview, Word drafts uploaded and downloaded, any two drafts compared,
the Panel's comments, and where a draft meets each point of the minimum content (§9.1.2).

The review team reads them (Action.VIEW_REVIEW_TEAM_RECORDS); every page that shows a
draft's text is access-logged under the case's reference (never a heading or the text), and
every download of a Word original by log_download. Writing needs Action.WRITE_REPORT,
commenting Action.COMMENT_ON_REPORT (checked on POST and in the services).
"""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cases.errors import ApplicationError
from cases.models import AccessAction
from cases.once import Once
from cases.permissions import Action
from cases.services import access_record
from cases.uploads import upload_stopped_at_limit
from cases.web import form_error, log_download, scope_required, with_current_version
from reviews.checklist import missing_points
from reviews.forms.report import (
    ChecklistForm,
    CommentForm,
    DraftUploadForm,
    FinishForm,
    ReplyForm,
    RequirementForm,
    SectionAddForm,
    SectionForm,
    VersionForm,
)
from reviews.models import DraftSource
from reviews.rules import ReviewConflict
from reviews.selectors import report as report_selectors
from reviews.selectors import report_drafts as selectors
from reviews.selectors.report_approval import qa_passed, report_final
from reviews.services import report_drafts as services
from reviews.web import case_and_lcspr

ONLY_WRITERS = services.ONLY_WRITERS
ONLY_COMMENTERS = services.ONLY_COMMENTERS
STARTED = "Draft {number} is started. Write its sections, then finish it."
UPLOADED = "Draft {number} is uploaded from Word and checked."
FINISHED = "Draft {number} is finished and checked. It will not change again."
SECTION_SAVED = "The section is saved."
SECTION_ADDED = "The section is added at the end of the draft."
SECTION_REMOVED = "The section is removed."
MOVED = "The order is changed."
COMMENT_ADDED = "Your comment is added. The Reviewer is told."
ANSWERED = "Your answer is added."
RESOLVED = "The comment is resolved."
CHECKLIST_SAVED = "Where the draft addresses the minimum content is saved."
REQUIREMENT_ADDED = "The requirement is added to every draft's checklist."
REQUIREMENT_REMOVED = "The requirement is removed from the checklist."
NO_FILE = "This draft was written in the product: it has no Word file."


def _refuse_post_unless(request, action: Action, message: str) -> None:
    if request.method == "POST" and not request.scope.can(action):
        raise PermissionDenied(message)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _render(request, case, template, context, *, what="report draft"):
    """The page, written to the access log under the case's reference (never a heading
    or the text), whatever the method: a form shown back shows the draft too."""
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


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs, as the preview and the draft's page show them."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _failed(*forms):
    failed = [f for f in forms if f is not None and f.is_bound and f.errors]
    return {
        "failed_forms": failed,
        "failed_non_form_errors": [e for f in failed for e in f.non_field_errors()],
    }


# --- The report page: drafts and who acts next ---------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report(request, reference):
    """Every draft with its source, author, date, note, state, the checklist points it
    does not locate and the guard's open hits; who must act next; start the next draft."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_unless(request, Action.WRITE_REPORT, ONLY_WRITERS)
    once = Once(request, f"report-draft-{lcspr.pk}")
    start_error = ""
    if request.method == "POST":
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                draft = services.report_draft_start(lcspr=lcspr, actor=request.user)
            except ApplicationError as error:
                start_error = error.message
            else:
                url = reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": draft.pk})
                once.spend(url)
                messages.success(request, STARTED.format(number=draft.number))
                return redirect(url)
    rows = selectors.report_draft_rows(lcspr)
    latest = rows[0].draft if rows else None
    return render(
        request,
        "reviews/report/report.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "The report's drafts",
            "rows": rows,
            "next_step": selectors.report_next_step(lcspr, rows),
            "can_write": request.scope.can(Action.WRITE_REPORT),
            "can_start": latest is None or latest.is_finished,
            "final": report_final(lcspr),
            "latest": latest,
            "once": once,
            "start_error": start_error,
            "requirements": selectors.report_requirements(lcspr),
        },
    )


@scope_required(Action.WRITE_REPORT)
def lcspr_report_upload(request, reference):
    """Upload a Word draft (.docx) as the next draft, with a note."""
    case, lcspr = case_and_lcspr(request, reference)
    limit = services.report_draft_limit()
    once = Once(request, f"report-upload-{lcspr.pk}")
    posting = request.method == "POST"
    form = DraftUploadForm(
        request.POST if posting else None,
        request.FILES if posting else None,
        limit=limit,
        stopped_at_limit=posting and upload_stopped_at_limit(request),
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                draft = services.report_draft_upload(
                    lcspr=lcspr,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": draft.pk})
                once.spend(url)
                messages.success(request, UPLOADED.format(number=draft.number))
                return redirect(url)
    return render(
        request,
        "reviews/report/upload.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "Upload a Word draft of the report",
            "form": form,
            "once": once,
            "final": report_final(lcspr),
        },
    )


# --- One draft ---------------------------------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_draft(request, reference, pk):
    """One draft: its sections and text, its comments; for the writers, add and reorder
    sections and finish the draft; for the review team, comment."""
    case, lcspr = case_and_lcspr(request, reference)
    draft = selectors.report_draft_by_pk(lcspr=lcspr, pk=pk)
    url = reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": draft.pk})
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "comment":
        _refuse_post_unless(request, Action.COMMENT_ON_REPORT, ONLY_COMMENTERS)
    elif which is not None:
        _refuse_post_unless(request, Action.WRITE_REPORT, ONLY_WRITERS)
    sections = list(selectors.report_sections(draft))
    by_pk = {s.pk: s for s in sections}
    add_form = SectionAddForm(request.POST if which == "add" else None, prefix="add")
    finish_form = FinishForm(request.POST if which == "finish" else None, prefix="finish")
    comment_form = CommentForm(request.POST if which == "comment" else None, sections=sections)
    once = Once(request, f"report-comment-{draft.pk}")
    action_error = ""
    try:
        if which == "move" and (section := by_pk.get(_int(request.POST.get("section")))):
            services.report_section_move(
                section=section,
                direction="up" if request.POST.get("move") == "up" else "down",
                actor=request.user,
            )
            messages.success(request, MOVED)
            return redirect(url + "#sections")
        if which == "add" and add_form.is_valid():
            services.report_section_add(
                draft=draft, heading=add_form.cleaned_data["heading"], actor=request.user
            )
            messages.success(request, SECTION_ADDED)
            return redirect(url + "#sections")
        if which == "finish" and finish_form.is_valid():
            services.report_draft_finish(
                draft=draft, note=finish_form.cleaned_data["note"], actor=request.user
            )
            messages.success(request, FINISHED.format(number=draft.number))
            return redirect(url)
    except ApplicationError as error:
        action_error = error.message
    if which == "comment" and comment_form.is_valid():
        data = comment_form.cleaned_data
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.report_comment_add(
                    draft=draft,
                    section=by_pk.get(data["section"]) if data["section"] else None,
                    body=data["body"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(comment_form, error)
            else:
                once.spend(url + "#comments")
                messages.success(request, COMMENT_ADDED)
                return redirect(url + "#comments")
    can_write = request.scope.can(Action.WRITE_REPORT) and not draft.is_finished
    comments = selectors.report_comments(draft)
    by_section: dict[int | None, list] = {}
    for comment in comments:
        by_section.setdefault(comment.section_id, []).append(comment)
    context = {
        "lcspr": lcspr,
        "heading": f"Draft {draft.number} of the report",
        "draft": draft,
        "sections": [
            {"section": s, "paragraphs": paragraphs(s.body), "comments": by_section.get(s.pk, [])}
            for s in sections
        ],
        "draft_comments": by_section.get(None, []),
        "comments": comments,
        "unresolved": sum(1 for c in comments if c.resolved_at is None),
        "missing": len(report_selectors.draft_missing_points(draft)),
        "open_hits": list(report_selectors.draft_open_hits(draft)),
        "can_write": can_write,
        "add_form": add_form if can_write else None,
        "finish_form": finish_form if can_write else None,
        "comment_form": comment_form if request.scope.can(Action.COMMENT_ON_REPORT) else None,
        "once": once,
        "action_error": action_error,
        "is_word": draft.source == DraftSource.WORD,
        **_failed(add_form, finish_form, comment_form),
    }
    if action_error:
        context["failed_non_form_errors"] = [*context["failed_non_form_errors"], action_error]
    return _render(request, case, "reviews/report/draft.html", context)


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_section(request, reference, pk):
    """One section: for the writers of a draft being written, its heading and text with a
    preview of what is typed (a "Preview" button: no script needed), or remove it."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_unless(request, Action.WRITE_REPORT, ONLY_WRITERS)
    section = selectors.report_section_get(lcspr=lcspr, pk=pk)
    draft = section.draft
    draft_url = reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": draft.pk})
    can_write = request.scope.can(Action.WRITE_REPORT) and not draft.is_finished
    form = remove_form = None
    preview = None
    conflict = None
    if request.method == "POST" and "remove" in request.POST:
        remove_form = VersionForm(request.POST, prefix="remove")
        if remove_form.is_valid():
            try:
                services.report_section_remove(
                    section=section,
                    version=remove_form.cleaned_data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                remove_form.add_error(None, error.message)
            else:
                messages.success(request, SECTION_REMOVED)
                return redirect(draft_url + "#sections")
    elif request.method == "POST":
        form = SectionForm(request.POST)
        if form.is_valid() and "preview" in request.POST:
            preview = paragraphs(form.cleaned_data["body"])
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.report_section_update(
                    section=section,
                    heading=data["heading"],
                    body=data["body"],
                    version=data["version"],
                    actor=request.user,
                )
            except ReviewConflict as error:
                # What is saved now is shown; what was typed is kept, at the version now
                # stored, to save again after checking.
                section = selectors.report_section_get(lcspr=lcspr, pk=pk)
                conflict = paragraphs(section.body)
                form = with_current_version(form, section.version)
                form.add_error(None, error.message)
                preview = paragraphs(form.cleaned_data.get("body", ""))
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, SECTION_SAVED)
                return redirect(draft_url + f"#section-{section.pk}")
    if form is None:
        form = SectionForm(
            initial={"heading": section.heading, "body": section.body, "version": section.version}
        )
    if remove_form is None:
        remove_form = VersionForm(initial={"version": section.version}, prefix="remove")
    return _render(
        request,
        case,
        "reviews/report/section.html",
        {
            "heading": f"Draft {draft.number}: a section",
            "draft": draft,
            "section": section,
            "saved": paragraphs(section.body),
            "preview": preview,
            "conflict": conflict,
            "form": form if can_write else None,
            "remove_form": remove_form if can_write else None,
            **_failed(form if can_write else None, remove_form if can_write else None),
        },
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_draft_file(request, reference, pk):
    """A Word draft's original file, named by case reference and draft number (the name it
    was uploaded under may name the family); its download logged."""
    case, lcspr = case_and_lcspr(request, reference)
    draft = selectors.report_draft_by_pk(lcspr=lcspr, pk=pk)
    if draft.source != DraftSource.WORD or not draft.file:
        raise Http404(NO_FILE)
    log_download(request, reference=case.reference, what="report draft (Word)")
    return FileResponse(
        draft.file.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-report-draft-{draft.number}.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


# --- Comments ----------------------------------------------------------------------------


@scope_required(Action.COMMENT_ON_REPORT)
def lcspr_report_comment(request, reference, pk):
    """One comment and its answers: answer it, or resolve it."""
    case, lcspr = case_and_lcspr(request, reference)
    comment = selectors.report_comment_get(lcspr=lcspr, pk=pk)
    if comment.reply_to_id is not None:
        comment = selectors.report_comment_get(lcspr=lcspr, pk=comment.reply_to_id)
    draft = comment.draft
    url = reverse("lcspr_report_comment", kwargs={"reference": reference, "pk": comment.pk})
    which = request.POST.get("form") if request.method == "POST" else None
    form = ReplyForm(request.POST if which == "reply" else None)
    once = Once(request, f"report-reply-{comment.pk}")
    if which == "resolve":
        services.report_comment_resolve(comment=comment, actor=request.user)
        messages.success(request, RESOLVED)
        return redirect(
            reverse("lcspr_report_draft", kwargs={"reference": reference, "pk": draft.pk})
            + "#comments"
        )
    if which == "reply" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.report_comment_add(
                    draft=draft,
                    body=form.cleaned_data["body"],
                    reply_to=comment,
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, ANSWERED)
                return redirect(url)
    return _render(
        request,
        case,
        "reviews/report/comment.html",
        {
            "heading": f"A comment on draft {draft.number}",
            "draft": draft,
            "comment": comment,
            "replies": list(comment.replies.select_related("author").order_by("created_at", "id")),
            "form": form,
            "once": once,
        },
        what="report draft comment",
    )


# --- The minimum content (§9.1.2) ------------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_checklist(request, reference, pk):
    """Every point of the minimum content (§9.1.2), the lines of enquiry one by one and the
    terms of reference's own requirements, with where this draft addresses it; the points
    it does not locate are listed as missing."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_unless(request, Action.WRITE_REPORT, ONLY_WRITERS)
    draft = selectors.report_draft_by_pk(lcspr=lcspr, pk=pk)
    points = report_selectors.report_checklist(lcspr)
    form = ChecklistForm(request.POST or None, points=points)
    if form.is_bound and form.is_valid():
        try:
            services.report_checklist_save(
                draft=draft,
                locations=form.locations(),
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            if isinstance(error, ReviewConflict):
                draft = selectors.report_draft_by_pk(lcspr=lcspr, pk=pk)
                form = with_current_version(form, draft.version, points=points)
            form.add_error(None, error.message)
        else:
            messages.success(request, CHECKLIST_SAVED)
            return redirect(
                reverse("lcspr_report_checklist", kwargs={"reference": reference, "pk": pk})
            )
    if not form.is_bound:
        form = ChecklistForm(
            initial=ChecklistForm.initial_for(points, draft.checklist, draft.version),
            points=points,
        )
    missing = missing_points(points, draft.checklist or {})
    rows = [
        {"point": point, "field": form[f"point_{n}"], "missing": point in missing}
        for n, point in enumerate(points, start=1)
    ]
    return _render(
        request,
        case,
        "reviews/report/checklist.html",
        {
            "heading": f"Draft {draft.number}: the minimum content (§9.1.2)",
            "draft": draft,
            "rows": rows,
            "missing": missing,
            # Kept as the Panel passed it (§9.1.4): shown, no longer edited.
            "passed": (passed := qa_passed(draft)) is not None,
            "passed_message": services.CHECKLIST_AFTER_QA.format(number=draft.number),
            "form": form if request.scope.can(Action.WRITE_REPORT) and not passed else None,
            "headings": [s.heading for s in selectors.report_sections(draft)],
            "is_word": draft.source == DraftSource.WORD,
        },
        what="report draft checklist",
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_requirements(request, reference):
    """The requirements the terms of reference add to the minimum content (§9.1.2): every
    draft's checklist lists them after the eighteen points."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_unless(request, Action.WRITE_REPORT, ONLY_WRITERS)
    url = reverse("lcspr_report_requirements", kwargs={"reference": reference})
    which = request.POST.get("form") if request.method == "POST" else None
    once = Once(request, f"report-requirement-{lcspr.pk}")
    form = RequirementForm(request.POST if which == "add" else None)
    if which == "remove":
        requirement = selectors.report_requirements(lcspr).filter(
            pk=_int(request.POST.get("requirement"))
        )
        if requirement.exists():
            services.report_requirement_remove(requirement=requirement.get(), actor=request.user)
            messages.success(request, REQUIREMENT_REMOVED)
        return redirect(url)
    if which == "add" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.report_requirement_add(
                    lcspr=lcspr, text=form.cleaned_data["text"], actor=request.user
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(request, REQUIREMENT_ADDED)
                return redirect(url)
    return render(
        request,
        "reviews/report/requirements.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "The terms of reference's own requirements of the report",
            "requirements": selectors.report_requirements(lcspr),
            "form": form if request.scope.can(Action.WRITE_REPORT) else None,
            "once": once,
        },
    )


# --- Compare two drafts ------------------------------------------------------------------


def _diff_rows(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(kind, line) with kind "same", "added" or "removed", in reading order."""
    rows = []
    for line in difflib.ndiff(before, after):
        code, text = line[:2], line[2:]
        if code == "  ":
            rows.append(("same", text))
        elif code == "+ ":
            rows.append(("added", text))
        elif code == "- ":
            rows.append(("removed", text))
    return rows


def _lines(section) -> list[str]:
    return [line.strip() for line in (section.body or "").splitlines() if line.strip()]


def draft_comparison(before_sections, after_sections) -> list[dict]:
    """Section by section, matched by heading: what was added, removed or changed."""
    old = {s.heading: s for s in before_sections}
    new = {s.heading: s for s in after_sections}
    comparison = []
    for section in after_sections:
        previous = old.get(section.heading)
        rows = _diff_rows(_lines(previous) if previous else [], _lines(section))
        if previous is None:
            state = "added"
        elif any(kind != "same" for kind, _ in rows):
            state = "changed"
        else:
            state = "same"
        comparison.append({"title": section.heading, "rows": rows, "state": state})
    for section in before_sections:
        if section.heading not in new:
            comparison.append(
                {
                    "title": section.heading,
                    "rows": _diff_rows(_lines(section), []),
                    "state": "removed",
                }
            )
    return comparison


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_report_compare(request, reference):
    """What changed between any two drafts, section by section."""
    case, lcspr = case_and_lcspr(request, reference)
    drafts = list(report_selectors.report_drafts(lcspr).order_by("number"))
    by_number = {d.number: d for d in drafts}
    default_to = drafts[-1].number if drafts else None
    default_from = drafts[-2].number if len(drafts) > 1 else None
    before = by_number.get(_int(request.GET.get("from")) or default_from)
    after = by_number.get(_int(request.GET.get("to")) or default_to)
    comparison = []
    if before is not None and after is not None:
        comparison = draft_comparison(
            list(selectors.report_sections(before)), list(selectors.report_sections(after))
        )
    return _render(
        request,
        case,
        "reviews/report/compare.html",
        {
            "heading": "Compare two drafts of the report",
            "drafts": drafts,
            "before": before,
            "after": after,
            "comparison": comparison,
        },
    )
