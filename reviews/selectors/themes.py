"""Reading the partnership's theme list and the review's key themes (§8.8), and the
task "Name the key themes" on the LCSPR page.

`review_themes(lcspr)` and `themes_shared_summary(lcspr)` are what other parts read: the
learning workshop shares the key themes with its participants beforehand (§8.8.2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from cases.models import Partnership
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import KeyTheme, Lcspr, ThemeCode
from reviews.rules import KEY_THEMES_WITHOUT_REASON
from reviews.workspace import Task, TaskState, TaskStatus


def theme_codes(partnership: Partnership, *, active_only: bool = False) -> QuerySet[ThemeCode]:
    """The partnership's theme list in its order, each with how many key themes use it."""
    codes = ThemeCode.objects.for_partnership(partnership)
    if active_only:
        codes = codes.filter(is_active=True)
    uses = (
        KeyTheme.objects.for_partnership(partnership)
        .filter(code=OuterRef("pk"))
        .order_by()
        .values("code")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return codes.annotate(uses=Coalesce(Subquery(uses), 0)).order_by("order", "label")


def theme_code_get(*, scope: Scope, pk: int) -> ThemeCode:
    """One code of the scope's partnership's list; any other is not found."""
    try:
        return theme_codes(scope.partnership).get(pk=pk)
    except ThemeCode.DoesNotExist:
        raise Http404("No such theme.") from None


def theme_code_in_use(code: ThemeCode) -> bool:
    """Whether a review's key theme is coded with it: then it is never deleted (§8.8: the
    coded themes are what the learning search across reviews uses)."""
    return KeyTheme.objects.for_partnership(code.partnership_id).filter(code=code).exists()


def review_themes(lcspr: Lcspr) -> list[KeyTheme]:
    """The review's key themes (§8.8.1) in the Panel's order, each with its code and how
    many chronology entries and submissions are tagged with it."""
    return list(
        KeyTheme.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("code")
        .annotate(
            entry_count=Count("entries", distinct=True),
            submission_count=Count("submissions", distinct=True),
        )
        .order_by("order", "id")
    )


def key_theme_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> KeyTheme:
    """One key theme of this review; a theme of any other review is not found."""
    theme = (
        KeyTheme.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("code")
        .prefetch_related("submissions__agency", "entries__request__agency")
        .first()
    )
    if theme is None:
        raise Http404("No such key theme.")
    return theme


@dataclass(frozen=True)
class SharedTheme:
    """A key theme as it may be shared with the workshop's participants (§8.8.2): its
    title, description and code, nothing of the chronology."""

    title: str
    description: str
    code: str
    code_label: str


def themes_shared_summary(lcspr: Lcspr) -> list[SharedTheme]:
    """The key themes to share with the learning workshop's participants beforehand
    (§8.8.2): titles, descriptions and codes only, never the entries tagged with them."""
    return [
        SharedTheme(
            title=theme.title,
            description=theme.description,
            code=theme.code.code,
            code_label=theme.code.label,
        )
        for theme in review_themes(lcspr)
    ]


def themes_need_reason(lcspr: Lcspr, count: int | None = None) -> bool:
    """§8.8.1: more than five key themes and no reason recorded for so many."""
    count = len(review_themes(lcspr)) if count is None else count
    return count > KEY_THEMES_WITHOUT_REASON and not lcspr.themes_over_five_reason.strip()


def themes_status(lcspr: Lcspr) -> TaskStatus:
    """The task "Name the key themes": how many are named, or the reason missing."""
    themes = review_themes(lcspr)
    if not themes:
        return TaskStatus(TaskState.NOT_STARTED, "No key themes named yet")
    count = f"{len(themes)} key theme{'' if len(themes) == 1 else 's'} named"
    if themes_need_reason(lcspr, len(themes)):
        return TaskStatus(
            TaskState.ATTENTION,
            f"{count}: record why more than {KEY_THEMES_WITHOUT_REASON} are needed (§8.8.1)",
        )
    return TaskStatus(TaskState.COMPLETED, count)


workspace.register(
    Task(
        order=57,
        key="themes",
        title="Name the key themes",
        url_name="lcspr_themes",
        status=themes_status,
    )
)
