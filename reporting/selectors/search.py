"""The learning search across reviews (issue 17, §11) and the recurrent themes (§1.4.1).

What a scope may find:

- a review's restricted records, its key themes (§8.8), findings and recommendations
  (§9.2) and its action plan's actions (§10.1.2), only where it may see the case: read
  through `visible_to(scope)`, which limits Reviewers and Panel members to their own
  reviews and gives the cross-partnership role nothing;
- published material, the publication record and the text of the published report, by
  everyone who may search, in each partnership it searches (`search_partnerships`): the
  cross-partnership role's reporting partnerships, anyone else's own. "Published" is what
  the public page shows (publication.selectors.public.published_now).

The text is matched by PostgreSQL's full-text search where the database is PostgreSQL and
by plain case-insensitive matching on SQLite (the `make run` demo): `text_search` is the one
place that chooses. Every kind of result is one part of a single UNION, so a page costs a
count, the page itself and a few look-ups for it, whatever the number of reviews.

Nothing here reads a child's or a family member's name into a result: the snippets come
from the reviews' texts, and the names of the page's cases are read only to withhold them
should a text hold one (reporting.rules.search.names_withheld).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import add, or_

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    F,
    FloatField,
    Min,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower, NullIf, TruncDate
from django.urls import reverse

from cases.models import Agency, Case, Child, FamilyMember, Partnership, Stage
from cases.tenancy import Scope
from publication.models import PlanAction, Publication, PublishChoice
from publication.selectors.public import DEFAULT_TITLE, published_now
from reporting.rules import search as rules
from reporting.rules.access import reporting_partnerships
from reporting.rules.period import Period
from reporting.rules.search import Kind, Segment
from reviews.models import Finding, KeyTheme, Recommendation, RecommendationStatus, ThemeCode

CONFIG = "english"

# The columns every kind of result gives, in this order, for the UNION.
COLUMNS = (
    "hit_kind",
    "hit_id",
    "hit_case",
    "hit_partnership",
    "hit_day",
    "hit_rank",
    "hit_heading",
    "hit_text",
    "hit_owner",
    "hit_status",
)


# --- Which partnerships, and what may be counted ---------------------------------------


def search_partnerships(scope: Scope) -> list[Partnership]:
    """The partnerships whose published material the scope searches: the cross-partnership
    role's reporting partnerships, anyone else's own."""
    if scope.aggregates_only:
        return reporting_partnerships(scope)
    return [scope.partnership] if scope.partnership is not None else []


def _published_lcsprs(partnerships, today: date) -> QuerySet:
    return (
        Publication.objects.for_partnerships(partnerships)
        .filter(published_now(today))
        .values("lcspr_id")
    )


def _seen_or_published(scope: Scope, partnerships, today: date) -> Q:
    """A review's rows the scope may count: of a case it may see, or of a published
    review (for rows reached through `lcspr`)."""
    return Q(lcspr__case__in=Case.objects.visible_to(scope)) | Q(
        lcspr_id__in=_published_lcsprs(partnerships, today)
    )


# --- Matching the text: the one place that chooses PostgreSQL's or plain matching --------


class _FullText:
    """PostgreSQL full-text search ("english"): the websearch syntax ("a b", "a or b",
    "-a", quotes), ranked, with ts_headline's snippet."""

    def __init__(self, query: str):
        self.query = SearchQuery(query, config=CONFIG, search_type="websearch")

    def matching(self, rows: QuerySet, fields) -> QuerySet:
        vector = reduce(
            add, [SearchVector(expr, weight=weight, config=CONFIG) for expr, weight in fields]
        )
        return rows.alias(hit_vector=vector).filter(hit_vector=self.query)

    def rank(self):
        return SearchRank(F("hit_vector"), self.query)

    def snippet(self, expression):
        return SearchHeadline(
            expression,
            self.query,
            config=CONFIG,
            start_sel=rules.START_MARK,
            stop_sel=rules.STOP_MARK,
            max_words=40,
            min_words=20,
        )

    def marked(self, text: str) -> str:
        return text


class _PlainText:
    """Without full-text search (SQLite): each word of the query somewhere in the record,
    case-insensitively; newest first; a plain excerpt around the first match."""

    def __init__(self, query: str):
        self.words = rules.words_of(query)

    def matching(self, rows: QuerySet, fields) -> QuerySet:
        if not self.words:
            return rows.none()
        names = [f"hit_field_{i}" for i in range(len(fields))]
        rows = rows.alias(**{name: expr for name, (expr, _) in zip(names, fields, strict=True)})
        for word in self.words:
            rows = rows.filter(reduce(or_, [Q(**{f"{name}__icontains": word}) for name in names]))
        return rows

    def rank(self):
        return Value(0.0, output_field=FloatField())

    def snippet(self, expression):
        return expression

    def marked(self, text: str) -> str:
        return rules.excerpt(text, self.words)


def text_search(query: str) -> _FullText | _PlainText:
    """PostgreSQL's full-text search where the database is PostgreSQL; plain matching
    elsewhere (the SQLite demo)."""
    return _FullText(query) if connection.vendor == "postgresql" else _PlainText(query)


# --- The kinds of result ---------------------------------------------------------------


def _through_findings(code: str) -> QuerySet:
    """The findings linked to a key theme of this code (the M2M's rows: ids only)."""
    return Finding.themes.through.objects.filter(keytheme__code__code=code).values("finding_id")


def _text(path: str):
    return Coalesce(F(path), Value(""), output_field=TextField())


@dataclass(frozen=True)
class _Source:
    kind: Kind
    rows: QuerySet  # already scoped
    fields: tuple  # (expression, weight): what is searched
    snippet: object  # the expression the snippet is cut from
    heading: object
    day: object
    case: str  # the way to the case's id
    partnership: str
    stage: str  # the way to the case's stage
    themed: Callable[[str], Q]
    owner: object = field(default_factory=lambda: Value(""))
    status: object = field(default_factory=lambda: Value(""))


def _sources(scope: Scope, partnerships, today: date) -> list[_Source]:
    report_text = Choose(
        When(choice=PublishChoice.REPORT, then=_text("lcspr__report_final__draft__text")),
        default=Value(""),
        output_field=TextField(),
    )
    return [
        _Source(
            Kind.THEME,
            KeyTheme.objects.visible_to(scope),
            fields=((F("title"), "A"), (F("description"), "B")),
            snippet=_text("description"),
            heading=F("title"),
            day=TruncDate("created_at"),
            case="lcspr__case_id",
            partnership="lcspr__case__partnership_id",
            stage="lcspr__case__stage",
            themed=lambda code: Q(code__code=code),
        ),
        _Source(
            Kind.FINDING,
            Finding.objects.visible_to(scope),
            fields=((F("title"), "A"), (F("text"), "B")),
            snippet=_text("text"),
            heading=F("title"),
            day=TruncDate("created_at"),
            case="lcspr__case_id",
            partnership="lcspr__case__partnership_id",
            stage="lcspr__case__stage",
            themed=lambda code: Q(pk__in=_through_findings(code)),
        ),
        _Source(
            Kind.RECOMMENDATION,
            Recommendation.objects.visible_to(scope),
            fields=((F("action"), "A"), (F("measure"), "B")),
            snippet=_text("action"),
            heading=Value(""),
            day=TruncDate("created_at"),
            case="lcspr__case_id",
            partnership="lcspr__case__partnership_id",
            stage="lcspr__case__stage",
            themed=lambda code: Q(finding_id__in=_through_findings(code)),
            owner=Coalesce(F("owner_agency__name"), F("owner_group"), output_field=CharField()),
            status=F("status"),
        ),
        _Source(
            Kind.ACTION,
            PlanAction.objects.visible_to(scope),
            fields=((F("text"), "A"), (F("measure"), "B")),
            snippet=_text("text"),
            heading=F("plan__title"),
            day=TruncDate("created_at"),
            case="plan__case_id",
            partnership="plan__partnership_id",
            stage="plan__case__stage",
            themed=lambda code: Q(
                recommendation__source_recommendation__finding_id__in=_through_findings(code)
            ),
            owner=F("owner_agency__name"),
            status=F("status"),
        ),
        _Source(
            Kind.PUBLISHED,
            Publication.objects.for_partnerships(partnerships).filter(published_now(today)),
            fields=((F("public_title"), "A"), (report_text, "B")),
            snippet=report_text,
            heading=Coalesce(
                NullIf(F("public_title"), Value("")), Value(DEFAULT_TITLE), output_field=CharField()
            ),
            day=F("published_on"),
            case="lcspr__case_id",
            partnership="lcspr__case__partnership_id",
            stage="lcspr__case__stage",
            themed=lambda code: Q(
                lcspr_id__in=KeyTheme.objects.for_partnerships(partnerships)
                .filter(code__code=code)
                .values("lcspr_id")
            ),
        ),
    ]


@dataclass(frozen=True)
class Filters:
    theme: str = ""  # a theme code
    stage: str = ""
    agency: int | None = None  # the owner agency of recommendations and actions
    start: date | None = None
    end: date | None = None


def learning_search(
    scope: Scope, query: str, filters: Filters = Filters(), *, today: date
) -> QuerySet:
    """Every record the scope may see, and every published report it may search, that
    matches the query and the filters: one UNION of `COLUMNS` rows, best match first (on
    PostgreSQL), then newest. Nothing for an empty query."""
    partnerships = search_partnerships(scope)
    matcher = text_search(query)
    parts = []
    for source in _sources(scope, partnerships, today):
        if filters.agency is not None and source.kind not in rules.KINDS_WITH_OWNER:
            continue
        rows = source.rows
        if filters.theme:
            rows = rows.filter(source.themed(filters.theme))
        if filters.stage:
            rows = rows.filter(**{source.stage: filters.stage})
        if filters.agency is not None:
            rows = rows.filter(owner_agency_id=filters.agency)
        rows = matcher.matching(rows, source.fields)
        rows = rows.annotate(
            hit_kind=Value(source.kind.value, output_field=CharField()),
            hit_id=F("pk"),
            hit_case=F(source.case),
            hit_partnership=F(source.partnership),
            hit_day=source.day,
            hit_rank=matcher.rank(),
            hit_heading=Coalesce(source.heading, Value(""), output_field=CharField()),
            hit_text=matcher.snippet(source.snippet),
            hit_owner=Coalesce(source.owner, Value(""), output_field=CharField()),
            hit_status=Coalesce(source.status, Value(""), output_field=CharField()),
        )
        if filters.start:
            rows = rows.filter(hit_day__gte=filters.start)
        if filters.end:
            rows = rows.filter(hit_day__lte=filters.end)
        parts.append(rows.order_by().values(*COLUMNS))
    first, *others = parts  # the recommendations and actions whatever the filters
    if not query.strip():
        return first.none()
    return first.union(*others, all=True).order_by("-hit_rank", "-hit_day", "hit_kind", "hit_id")


# --- A page of results, as the page shows them ------------------------------------------


@dataclass(frozen=True)
class Result:
    kind: Kind
    heading: str
    snippet: list[Segment]
    day: date | None
    case_reference: str  # "" where the scope may not see the case
    partnership: Partnership | None
    published_url: str  # the partnership's public page, for published material
    owner: str
    status: str

    @property
    def kind_label(self) -> str:
        return self.kind.label


def _visible_references(scope: Scope, case_ids) -> dict[int, str]:
    """{case id: reference} of the cases among these the scope may see."""
    case_ids = {pk for pk in case_ids if pk}
    if not case_ids:
        return {}
    return dict(
        Case.objects.visible_to(scope).filter(pk__in=case_ids).values_list("pk", "reference")
    )


def _names_of(partnerships, case_ids) -> list[str]:
    """The children's and family members' names of these cases, only to withhold them
    from the snippets: never shown."""
    case_ids = {pk for pk in case_ids if pk}
    if not case_ids or not partnerships:
        return []
    names = list(
        Child.objects.for_partnerships(partnerships)
        .filter(case_id__in=case_ids)
        .exclude(name="")
        .values_list("name", flat=True)
    )
    names += (
        FamilyMember.objects.for_partnerships(partnerships)
        .filter(case_id__in=case_ids)
        .values_list("name", flat=True)
    )
    return names


STATUS_LABELS = {
    (Kind.RECOMMENDATION, RecommendationStatus.DRAFT): "Draft",
    (Kind.ACTION, "closed"): "Closed",
}


def results_of(scope: Scope, query: str, rows) -> list[Result]:
    """The page's rows as results: the case reference only where the scope may see the
    case, the snippet marked where it matches and with any name withheld."""
    rows = list(rows)
    partnerships = {p.pk: p for p in search_partnerships(scope)}
    references = _visible_references(scope, (row["hit_case"] for row in rows))
    names = _names_of(list(partnerships.values()), (row["hit_case"] for row in rows))
    matcher = text_search(query)
    results = []
    for row in rows:
        kind = Kind(row["hit_kind"])
        partnership = partnerships.get(row["hit_partnership"])
        snippet = rules.names_withheld(rules.segments(matcher.marked(row["hit_text"] or "")), names)
        results.append(
            Result(
                kind=kind,
                heading=rules.names_withheld([Segment(row["hit_heading"] or "")], names)[0].text,
                snippet=snippet,
                day=row["hit_day"],
                case_reference=references.get(row["hit_case"], ""),
                partnership=partnership,
                published_url=reverse("published_list", args=[partnership.slug])
                if kind == Kind.PUBLISHED and partnership is not None
                else "",
                owner=row["hit_owner"] or "",
                status=STATUS_LABELS.get((kind, row["hit_status"]), ""),
            )
        )
    return results


# --- The filters' choices ---------------------------------------------------------------


def theme_choices(scope: Scope) -> list[tuple[str, str]]:
    """(code, label) of the theme lists of the partnerships searched, each code once."""
    partnerships = search_partnerships(scope)
    if not partnerships:
        return []
    seen: dict[str, str] = {}
    for code, label in (
        ThemeCode.objects.for_partnerships(partnerships)
        .order_by("label", "code")
        .values_list("code", "label")
    ):
        seen.setdefault(code, label)
    return sorted(seen.items(), key=lambda item: item[1].casefold())


def agency_choices(scope: Scope) -> list[tuple[int, str]]:
    """The agencies serving the partnerships searched: the owners of recommendations and
    actions."""
    partnerships = search_partnerships(scope)
    if not partnerships:
        return []
    return list(
        Agency.objects.filter(partnerships__in=partnerships)
        .distinct()
        .order_by(Lower("name"), "pk")
        .values_list("pk", "name")
    )


STAGE_CHOICES = Stage.choices


# --- Recurrence (§1.4.1) ----------------------------------------------------------------


@dataclass(frozen=True)
class RecurringReview:
    reference: str  # "" where the scope may not see the case
    title: str  # a published review's public title, where the scope may not see the case
    partnership: Partnership | None
    decided_on: date
    this_case: bool = False


@dataclass
class Recurrence:
    code: str
    label: str
    reviews: int
    recommendations: int = 0
    listed: list[RecurringReview] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """Reviews counted that the scope can neither open nor read as published."""
        return self.reviews - len(self.listed)


@dataclass
class RecurrenceFound:
    period: Period
    themes: list[Recurrence]
    recommendations: list[Recurrence]


def _counted(rows: QuerySet, scope, partnerships, period: Period, today: date) -> QuerySet:
    return rows.filter(
        _seen_or_published(scope, partnerships, today),
        lcspr__decided_on__range=(period.start, period.end),
    )


def _recurring_theme_rows(scope, partnerships, period, today, codes=None) -> QuerySet:
    rows = _counted(
        KeyTheme.objects.for_partnerships(partnerships), scope, partnerships, period, today
    )
    if codes is not None:
        rows = rows.filter(code__code__in=codes)
    return rows


def _recurring_recommendation_rows(scope, partnerships, period, today) -> QuerySet:
    return _counted(
        Recommendation.objects.for_partnerships(partnerships).filter(
            status=RecommendationStatus.AGREED
        ),
        scope,
        partnerships,
        period,
        today,
    )


def recurrence(
    scope: Scope,
    period: Period,
    *,
    today: date,
    codes=None,
    this_case: int | None = None,
    with_recommendations: bool = True,
) -> RecurrenceFound:
    """The themes, and the recommendations' themes, that recur in the period's reviews
    (their LCSPR decided in the period) the scope may count: the same theme code in
    RECURRENCE_THRESHOLD reviews or more, counted in SQL by theme code. `codes`: only these
    themes (a case's own)."""
    partnerships = search_partnerships(scope)
    if not partnerships:
        return RecurrenceFound(period, [], [])
    theme_rows = _recurring_theme_rows(scope, partnerships, period, today, codes)
    themes = [
        Recurrence(code=row["theme"], label=row["label"], reviews=row["reviews"])
        for row in theme_rows.values(theme=F("code__code"))
        .annotate(reviews=Count("lcspr__case", distinct=True), label=Min("code__label"))
        .filter(reviews__gte=rules.RECURRENCE_THRESHOLD)
        .order_by("-reviews", "label", "theme")
    ]
    members = []
    if themes:
        members += [
            ("theme", *row)
            for row in theme_rows.filter(code__code__in=[t.code for t in themes])
            .values_list(
                "code__code", "lcspr__case_id", "lcspr__case__partnership_id", "lcspr__decided_on"
            )
            .distinct()
            .order_by("code__code", "-lcspr__decided_on", "lcspr__case_id")
        ]
    recommendations = []
    if with_recommendations:
        recommendation_rows = _recurring_recommendation_rows(scope, partnerships, period, today)
        recommendations = [
            Recurrence(
                code=row["theme"],
                label=row["label"],
                reviews=row["reviews"],
                recommendations=row["count"],
            )
            for row in recommendation_rows.values(theme=F("finding__themes__code__code"))
            .filter(theme__isnull=False)
            .annotate(
                reviews=Count("lcspr__case", distinct=True),
                count=Count("pk", distinct=True),
                label=Min("finding__themes__code__label"),
            )
            .filter(reviews__gte=rules.RECURRENCE_THRESHOLD)
            .order_by("-reviews", "label", "theme")
        ]
        if recommendations:
            members += [
                ("recommendation", *row)
                for row in recommendation_rows.filter(
                    finding__themes__code__code__in=[r.code for r in recommendations]
                )
                .values_list(
                    "finding__themes__code__code",
                    "lcspr__case_id",
                    "lcspr__case__partnership_id",
                    "lcspr__decided_on",
                )
                .distinct()
                .order_by("finding__themes__code__code", "-lcspr__decided_on", "lcspr__case_id")
            ]
    _list_reviews(scope, partnerships, today, themes, recommendations, members, this_case)
    return RecurrenceFound(period, themes, recommendations)


def _list_reviews(scope, partnerships, today, themes, recommendations, members, this_case):
    """Each recurrence's reviews: by reference where the scope may see the case, by its
    public title where it is published; any other is only counted."""
    case_ids = {case_id for _, _, case_id, _, _ in members}
    references = _visible_references(scope, case_ids)
    titles = {}
    if case_ids:
        titles = {
            case_id: title or DEFAULT_TITLE
            for case_id, title in Publication.objects.for_partnerships(partnerships)
            .filter(published_now(today), lcspr__case_id__in=case_ids)
            .values_list("lcspr__case_id", "public_title")
        }
    by_pk = {p.pk: p for p in partnerships}
    by_code = {("theme", t.code): t for t in themes} | {
        ("recommendation", r.code): r for r in recommendations
    }
    seen = defaultdict(set)
    for which, code, case_id, partnership_id, decided_on in members:
        recurring = by_code.get((which, code))
        if recurring is None or case_id in seen[(which, code)]:
            continue
        seen[(which, code)].add(case_id)
        reference, title = references.get(case_id, ""), titles.get(case_id, "")
        if reference or title:
            recurring.listed.append(
                RecurringReview(
                    reference=reference,
                    title="" if reference else title,
                    partnership=by_pk.get(partnership_id),
                    decided_on=decided_on,
                    this_case=case_id == this_case,
                )
            )


@dataclass
class CaseRecurrence:
    """What the Rapid Review's decision page shows as evidence for §1.4.1: the recurring
    themes that match the case's own key themes or, where it has none coded yet, the
    partnership's recurring themes."""

    case_themes: list[str]  # the labels of the case's own key themes
    found: RecurrenceFound


def case_recurrence(scope: Scope, case: Case, *, today: date) -> CaseRecurrence:
    own = list(
        KeyTheme.objects.visible_to(scope)
        .filter(lcspr__case=case)
        .order_by("code__label")
        .values_list("code__code", "code__label")
        .distinct()
    )
    period = rules.recurrence_period(today)
    found = recurrence(
        scope,
        period,
        today=today,
        codes=[code for code, _ in own] if own else None,
        this_case=case.pk,
        with_recommendations=False,
    )
    return CaseRecurrence(case_themes=[label for _, label in own], found=found)
