"""The partnership's theme list, kept by its partnership admin, and the review's key themes,
named by the Panel and tagged on chronology entries and submissions (§8.8)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from cases.errors import ApplicationError
from cases.models import ChronologyEntry, InformationRequest, Partnership, RequestPurpose, User
from reviews.models import KeyTheme, Lcspr, ThemeCode
from reviews.rules import KEY_THEMES_WITHOUT_REASON, STARTING_THEMES

STALE = "Someone else changed this while you were editing it. Check what is shown and save again."
CODE_TAKEN = "The list already has a theme with this code. Choose another."
CODE_IN_USE = (
    "A review's key theme is coded with this theme, so it cannot be deleted. Deactivate it "
    "instead: it then stays on the reviews that use it but is not offered for new ones."
)
CODE_INACTIVE = "Choose a theme from the partnership's list."
REASON_RECORDED_MEANWHILE = (
    "Someone else recorded why the review needs more than five key themes while you were "
    "adding this one. Read their reason on this page: add the theme again with this box "
    "empty to keep it, or change it with 'Save the reason'."
)
REASON_NEEDED = (
    "Say why the review needs more than {n} key themes: they should be as few as "
    "practicable (§8.8.1)."
)


# --- The partnership's theme list (§8.8) ------------------------------------------------


def starting_themes_give(partnership: Partnership) -> int:
    """Give a partnership the starting theme list (reviews/rules.py STARTING_THEMES); a
    code it already has is left as it is. Safe to run twice. Returns how many were added."""
    added = 0
    for order, (code, label, description) in enumerate(STARTING_THEMES, start=1):
        _, created = ThemeCode.objects.for_partnership(partnership).get_or_create(
            partnership=partnership,
            code=code,
            defaults={"label": label, "description": description, "order": order * 10},
        )
        added += created
    return added


def on_partnership_saved(sender, instance, created, raw=False, **kwargs):
    """A new partnership starts with the theme list (post_save of cases.Partnership)."""
    if created and not raw:
        starting_themes_give(instance)


def chron_ready() -> None:
    """Called from reviews/apps.py ready(): the chronology's and the themes' tasks on the
    LCSPR page (their selectors modules register them), and the starting theme list for
    every new partnership."""
    from django.db.models.signals import post_save

    from reviews.selectors import chronology, themes  # noqa: F401 - each registers its task

    post_save.connect(
        on_partnership_saved, sender=Partnership, dispatch_uid="reviews.starting_themes"
    )


def _next_order(queryset) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 10


def theme_code_add(
    *, partnership: Partnership, code: str, label: str, description: str = ""
) -> ThemeCode:
    """Add a theme to the list, at its end. Adding the same code twice is refused (so a
    form sent twice adds it once)."""
    with transaction.atomic():
        codes = ThemeCode.objects.for_partnership(partnership).select_for_update()
        if codes.filter(code=code).exists():
            raise ApplicationError(CODE_TAKEN, field="code")
        return ThemeCode.objects.for_partnership(partnership).create(
            partnership=partnership,
            code=code,
            label=label,
            description=description,
            order=_next_order(codes),
        )


def theme_code_update(
    *, theme: ThemeCode, label: str, description: str, is_active: bool, version: int
) -> ThemeCode:
    """Rename, describe, deactivate or bring back a theme, from the version the form was
    opened at: another's edit in between is refused (STALE), never overwritten. Its code
    never changes: the reviews coded with it keep it (the learning search across reviews
    reads it)."""
    with transaction.atomic():
        current = (
            ThemeCode.objects.for_partnership(theme.partnership_id)
            .select_for_update()
            .get(pk=theme.pk)
        )
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        current.label, current.description, current.is_active = label, description, is_active
        current.version += 1
        current.save(update_fields=["label", "description", "is_active", "version"])
        return current


def theme_code_move(*, theme: ThemeCode, direction: str) -> None:
    """Swap a theme with its neighbour above ("up") or below ("down") in the list."""
    _move(ThemeCode.objects.for_partnership(theme.partnership_id), theme, direction)


def theme_code_delete(*, theme: ThemeCode) -> None:
    """Delete a theme no review's key theme uses; one in use is refused (deactivate it)."""
    with transaction.atomic():
        if KeyTheme.objects.for_partnership(theme.partnership_id).filter(code=theme).exists():
            raise ApplicationError(CODE_IN_USE)
        theme.delete()


def _move(siblings, row, direction: str) -> None:
    with transaction.atomic():
        rows = list(siblings.select_for_update().order_by("order", "id"))
        before = {sibling.pk: sibling.order for sibling in rows}
        # Number them afresh first, so that equal orders still move.
        for number, sibling in enumerate(rows, start=1):
            sibling.order = number * 10
        index = next(i for i, sibling in enumerate(rows) if sibling.pk == row.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index].order, rows[other].order = rows[other].order, rows[index].order
        for sibling in rows:
            if sibling.order != before[sibling.pk]:
                sibling.save(update_fields=["order"])


# --- The review's key themes (§8.8.1) ----------------------------------------------------


def _check_code(lcspr: Lcspr, code: ThemeCode, *, keep: ThemeCode | None = None) -> None:
    if code.partnership_id != lcspr.case.partnership_id or (not code.is_active and code != keep):
        raise ApplicationError(CODE_INACTIVE, field="code")


def key_theme_add(
    *,
    lcspr: Lcspr,
    code: ThemeCode,
    title: str,
    description: str,
    actor: User | None,
    reason: str = "",
) -> KeyTheme:
    """Name a key theme (§8.8.1). The sixth and each later one needs the reason the review
    needs so many (kept on the review, shown with its themes)."""
    with transaction.atomic():
        partnership = lcspr.case.partnership_id
        lcspr = Lcspr.objects.for_partnership(partnership).select_for_update().get(pk=lcspr.pk)
        _check_code(lcspr, code)
        themes = KeyTheme.objects.for_partnership(partnership).filter(lcspr=lcspr)
        count = themes.count() + 1
        typed, stored = reason.strip(), lcspr.themes_over_five_reason.strip()
        if count > KEY_THEMES_WITHOUT_REASON and not (typed or stored):
            raise ApplicationError(
                REASON_NEEDED.format(n=KEY_THEMES_WITHOUT_REASON), field="reason"
            )
        if count > KEY_THEMES_WITHOUT_REASON and typed and typed != stored:
            if stored:
                # The form asks for the reason only while none is recorded: one recorded
                # since is another's, and is not overwritten from here.
                raise ApplicationError(REASON_RECORDED_MEANWHILE, field="reason")
            lcspr.themes_over_five_reason = typed
            lcspr.version += 1  # a reason form opened before this is stale
            lcspr.save(update_fields=["themes_over_five_reason", "version"])
        return themes.create(
            lcspr=lcspr,
            code=code,
            title=title,
            description=description,
            order=_next_order(themes),
            created_by=actor,
        )


def key_theme_update(
    *,
    theme: KeyTheme,
    code: ThemeCode,
    title: str,
    description: str,
    submissions,
    version: int,
) -> KeyTheme:
    """Change a key theme's title, description, code or the submissions tagged with it,
    from the version the form was opened at: another's change in between is refused."""
    with transaction.atomic():
        partnership = theme.lcspr.case.partnership_id
        current = KeyTheme.objects.for_partnership(partnership).select_for_update().get(pk=theme.pk)
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        _check_code(current.lcspr, code, keep=current.code)
        allowed = set(
            InformationRequest.objects.for_partnership(partnership)
            .filter(case=current.lcspr.case_id, purpose=RequestPurpose.LCSPR)
            .values_list("pk", flat=True)
        )
        current.code, current.title, current.description = code, title, description
        current.version += 1
        current.save()
        current.submissions.set([s for s in submissions if s.pk in allowed])
        return current


def key_theme_move(*, theme: KeyTheme, direction: str) -> None:
    partnership = theme.lcspr.case.partnership_id
    siblings = KeyTheme.objects.for_partnership(partnership).filter(lcspr=theme.lcspr_id)
    _move(siblings, theme, direction)


def key_theme_remove(*, theme: KeyTheme, version: int) -> None:
    """Remove a key theme (its tags go with it; its history stays)."""
    with transaction.atomic():
        rows = KeyTheme.objects.for_partnership(theme.lcspr.case.partnership_id)
        current = rows.select_for_update().filter(pk=theme.pk).first()
        if current is None:
            return  # removed already: removing twice is removing once
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        current.delete()


def themes_reason_save(*, lcspr: Lcspr, reason: str, version: int) -> Lcspr:
    """Record why the review needs more than five key themes (§8.8.1), from the review's
    version the form was opened at: another's change of the review in between (this
    reason included) is refused (STALE), never overwritten."""
    with transaction.atomic():
        current = (
            Lcspr.objects.for_partnership(lcspr.case.partnership_id)
            .select_for_update()
            .get(pk=lcspr.pk)
        )
        if current.version != version:
            raise ApplicationError(STALE, field="version")
        reason = reason.strip()
        if current.themes_over_five_reason != reason:
            current.themes_over_five_reason = reason
            current.version += 1
            current.save(update_fields=["themes_over_five_reason", "version"])
        return current


def entries_tag(*, theme: KeyTheme, entries: list[ChronologyEntry], remove: bool = False) -> int:
    """Tag chronology entries of the theme's review with it (or take the tag off).
    Entries of any other case are ignored. Tagging twice tags once."""
    own = [e for e in entries if e.request.case_id == theme.lcspr.case_id]
    if remove:
        theme.entries.remove(*own)
    else:
        theme.entries.add(*own)
    return len(own)
