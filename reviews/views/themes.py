"""The review's key themes, named by the Panel (§8.8.1), and the partnership's theme list
they are coded from, kept by the partnership admin (§8.8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from reviews.forms.themes import (
    KeyThemeAddForm,
    KeyThemeEditForm,
    RemoveForm,
    ThemeCodeAddForm,
    ThemeCodeForm,
    ThemesReasonForm,
)
from reviews.rules import KEY_THEMES_WITHOUT_REASON
from reviews.selectors import themes as selectors
from reviews.selectors.chronology import lcspr_submissions
from reviews.selectors.review import lcspr_get
from reviews.services import themes as services
from reviews.web import case_and_lcspr

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel name the key themes."
THEME_ADDED = "The key theme is added."
THEME_SAVED = "The key theme is saved."
THEME_REMOVED = "The key theme is removed."
REASON_SAVED = "The reason for more than five key themes is recorded."
MOVED = "The order is changed."
CODE_ADDED = "The theme is added to the list."
CODE_SAVED = "The theme is saved."
CODE_DELETED = "The theme is deleted from the list."


def _refuse_post_without_panel(request) -> None:
    if request.method == "POST" and not request.scope.can(Action.RUN_PANEL_MEETINGS):
        raise PermissionDenied(ONLY_PANEL)


def _move_direction(request) -> str:
    return "up" if request.POST.get("move") == "up" else "down"


# --- The review's key themes (§8.8.1) ----------------------------------------------------


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_themes(request, reference):
    """The key themes in the Panel's order; add one, reorder them, or record why there
    are more than five."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    codes = list(selectors.theme_codes(case.partnership, active_only=True))
    once = Once(request, f"key-theme-{lcspr.pk}")
    which = request.POST.get("form") if request.method == "POST" else None
    form = KeyThemeAddForm(request.POST if which == "add" else None, codes=codes)
    reason_form = ThemesReasonForm(
        request.POST if which == "reason" else None,
        initial={"reason": lcspr.themes_over_five_reason, "version": lcspr.version},
    )
    if which == "move":
        themes = {theme.pk: theme for theme in selectors.review_themes(lcspr)}
        theme = themes.get(_int(request.POST.get("theme")))
        if theme is not None:
            services.key_theme_move(theme=theme, direction=_move_direction(request))
            messages.success(request, MOVED)
        return redirect("lcspr_themes", reference=case.reference)
    if which == "reason" and reason_form.is_valid():
        try:
            services.themes_reason_save(
                lcspr=lcspr,
                reason=reason_form.cleaned_data["reason"],
                version=reason_form.cleaned_data["version"],
            )
        except ApplicationError as error:
            # Shown with what is stored now, and what was typed kept to save again.
            lcspr = lcspr_get(scope=request.scope, case=case)
            reason_form = with_current_version(reason_form, lcspr.version)
            reason_form.add_error(None, error.message)
        else:
            messages.success(request, REASON_SAVED)
            return redirect("lcspr_themes", reference=case.reference)
    if which == "add" and form.is_valid():
        data = form.cleaned_data
        code = next(c for c in codes if c.pk == data["code"])
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.key_theme_add(
                    lcspr=lcspr,
                    code=code,
                    title=data["title"],
                    description=data["description"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("lcspr_themes", kwargs={"reference": case.reference})
                once.spend(url)
                messages.success(request, THEME_ADDED)
                return redirect(url)
    themes = selectors.review_themes(lcspr)
    can_name = request.scope.can(Action.RUN_PANEL_MEETINGS)
    failed = [f for f in (form, reason_form) if f.is_bound and f.errors]
    return render(
        request,
        "reviews/themes/themes.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Name the key themes",
            "themes": themes,
            "form": form if can_name else None,
            "reason_form": reason_form if can_name else None,
            "failed_forms": failed,
            "failed_non_form_errors": [e for f in failed for e in f.non_field_errors()],
            "once": once,
            "codes": codes,
            "limit": KEY_THEMES_WITHOUT_REASON,
            "over_limit": len(themes) > KEY_THEMES_WITHOUT_REASON,
            "reason_missing": selectors.themes_need_reason(lcspr, len(themes)),
            "next_needs_reason": len(themes) >= KEY_THEMES_WITHOUT_REASON
            and not lcspr.themes_over_five_reason.strip(),
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_key_theme(request, reference, pk):
    """One key theme: change it and the submissions tagged with it, or remove it."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    theme = selectors.key_theme_get(scope=request.scope, lcspr=lcspr, pk=pk)
    codes = [
        c for c in selectors.theme_codes(case.partnership) if c.is_active or c.pk == theme.code_id
    ]
    submissions = list(lcspr_submissions(lcspr))
    kwargs = {"codes": codes, "submissions": submissions}
    form = remove_form = None
    if request.method == "POST" and "remove" in request.POST:
        remove_form = RemoveForm(request.POST, prefix="remove")
        if remove_form.is_valid():
            try:
                services.key_theme_remove(theme=theme, version=remove_form.cleaned_data["version"])
            except ApplicationError as error:
                remove_form.add_error(None, error.message)
            else:
                messages.success(request, THEME_REMOVED)
                return redirect("lcspr_themes", reference=case.reference)
    elif request.method == "POST":
        form = KeyThemeEditForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.key_theme_update(
                    theme=theme,
                    code=next(c for c in codes if c.pk == data["code"]),
                    title=data["title"],
                    description=data["description"],
                    submissions=[s for s in submissions if s.pk in set(data["submissions"])],
                    version=data["version"],
                )
            except ApplicationError as error:
                if error.field == "version":
                    current = selectors.key_theme_get(scope=request.scope, lcspr=lcspr, pk=pk)
                    form = with_current_version(form, current.version, **kwargs)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, THEME_SAVED)
                return redirect("lcspr_themes", reference=case.reference)
    if form is None:
        form = KeyThemeEditForm(
            initial={
                "code": theme.code_id,
                "title": theme.title,
                "description": theme.description,
                "submissions": [s.pk for s in theme.submissions.all()],
                "version": theme.version,
            },
            **kwargs,
        )
    if remove_form is None:
        remove_form = RemoveForm(initial={"version": theme.version}, prefix="remove")
    can_name = request.scope.can(Action.RUN_PANEL_MEETINGS)
    failed = [f for f in (form, remove_form) if f.is_bound and f.errors]
    return render(
        request,
        "reviews/themes/key_theme.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": f"Key theme: {theme.title}",
            "theme": theme,
            "entries": sorted(
                theme.entries.all(), key=lambda e: (e.happened_on, e.happened_at is not None)
            ),
            "form": form if can_name else None,
            "remove_form": remove_form if can_name else None,
            "failed_forms": failed,
            "failed_non_form_errors": [e for f in failed for e in f.non_field_errors()],
        },
    )


# --- The partnership's theme list (§8.8), kept by its partnership admin -------------------


@scope_required(Action.KEEP_THEME_LIST)
def theme_list(request):
    """The partnership's theme list: add a theme, or move one up or down."""
    partnership = request.scope.partnership
    once = Once(request, "theme-code")
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "move":
        theme = selectors.theme_codes(partnership).filter(pk=_int(request.POST.get("theme")))
        if theme.exists():
            services.theme_code_move(theme=theme.get(), direction=_move_direction(request))
            messages.success(request, MOVED)
        return redirect("theme_list")
    form = ThemeCodeAddForm(request.POST if which == "add" else None)
    if which == "add" and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.theme_code_add(partnership=partnership, **form.cleaned_data)
            except ApplicationError as error:
                form_error(form, error)
            else:
                url = reverse("theme_list")
                once.spend(url)
                messages.success(request, CODE_ADDED)
                return redirect(url)
    return render(
        request,
        "reviews/themes/theme_list.html",
        {
            "heading": "Theme list",
            "partnership": partnership,
            "codes": list(selectors.theme_codes(partnership)),
            "form": form,
            "once": once,
        },
    )


@scope_required(Action.KEEP_THEME_LIST)
def theme_code(request, pk):
    """One theme of the list: rename, describe or deactivate it, or delete it if no
    review uses it."""
    code = selectors.theme_code_get(scope=request.scope, pk=pk)
    form = None
    delete_error = ""
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.theme_code_delete(theme=code)
        except ApplicationError as error:
            delete_error = error.message
        else:
            messages.success(request, CODE_DELETED)
            return redirect("theme_list")
    elif request.method == "POST":
        form = ThemeCodeForm(request.POST)
        if form.is_valid():
            try:
                services.theme_code_update(theme=code, **form.cleaned_data)
            except ApplicationError as error:
                # Another's edit came first: the page shows the theme as it is now, the
                # form keeps what was typed, at the current version, to save again.
                code = selectors.theme_code_get(scope=request.scope, pk=pk)
                form = with_current_version(form, code.version)
                form.add_error(None, error.message)
            else:
                messages.success(request, CODE_SAVED)
                return redirect("theme_list")
    if form is None:
        form = ThemeCodeForm(
            initial={
                "label": code.label,
                "description": code.description,
                "is_active": code.is_active,
                "version": code.version,
            }
        )
    return render(
        request,
        "reviews/themes/theme_code.html",
        {
            "heading": f"Theme: {code.label}",
            "code": code,
            "form": form,
            "in_use": selectors.theme_code_in_use(code),
            "delete_error": delete_error,
        },
    )
