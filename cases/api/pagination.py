"""Every API list's paging: page numbers by default (`?page=`, as clients have always used),
or, opted into with `?pagination=cursor` (or any `?cursor=`), a cursor that keeps its place
while rows are added: each page ends at a row, and the next page starts after that row's
values in the list's own order, with the row's id last so that the order is strict.

A cursor is the list's order values of one row, base64: rows are found by comparing those
values (a keyset), never by counting an offset, so that a page costs the same at the start of
a list of 100,000 rows as at its end, and a row added meanwhile neither shifts the rows
after it nor is shown twice. The list's query is the scoped queryset its view reads, so a
made-up cursor finds only rows the caller may see anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cases.api.exceptions import RuleBroken

PAGE, CURSOR = "page", "cursor"
CURSOR_PATTERN = re.compile(r"[A-Za-z0-9_-]*")
NOT_OUR_CURSOR = "Give a cursor from this list's `next` or `previous` link, as it is."


def _positive_int(request, name: str, maximum: int | None = None) -> int | None:
    """The query parameter as a whole number from 1 (to `maximum`), or a 400 naming it: DRF
    itself would quietly fall back to the default, so that `page_size=0.79` "worked"."""
    if name not in request.query_params:
        return None
    raw = request.query_params[name]
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: ["Give a whole number from 1."]})
    if maximum is not None and int(raw) > maximum:
        raise ValidationError({name: [f"Give a whole number from 1 to {maximum}."]})
    return int(raw)


# --- The keyset: a list's order as keys, and the rows after a position ------------------


@dataclass(frozen=True)
class Key:
    """One column of a list's order. `nulls` is where a nullable column's NULLs sort
    ("first" or "last", stated in the query so that every database agrees); None for a
    column that is never NULL."""

    path: str
    descending: bool
    nulls: str | None
    field: object

    def reversed(self) -> Key:
        swapped = {"first": "last", "last": "first"}.get(self.nulls)
        return replace(self, descending=not self.descending, nulls=swapped)

    def order_by(self) -> OrderBy:
        return OrderBy(
            F(self.path),
            descending=self.descending,
            nulls_first=True if self.nulls == "first" else None,
            nulls_last=True if self.nulls == "last" else None,
        )

    def beyond(self, value) -> Q | None:
        """Rows strictly after `value` in this column's order; None if there can be none."""
        if value is None:
            return Q(**{f"{self.path}__isnull": False}) if self.nulls == "first" else None
        after = Q(**{f"{self.path}__{'lt' if self.descending else 'gt'}": value})
        return (after | Q(**{f"{self.path}__isnull": True})) if self.nulls == "last" else after

    def equal(self, value) -> Q:
        return Q(**{f"{self.path}__isnull": True}) if value is None else Q(**{self.path: value})

    def value_of(self, row):
        for part in self.path.split("__"):
            row = getattr(row, part, None)
            if row is None:
                return None
        return row


def _column(model, path: str):
    """The field a path names (`opened_on`, `case__stage`), and whether it can be NULL
    (a nullable field, or one reached through a nullable relation)."""
    nullable = False
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"Cursor paging cannot order by {path!r}.") from None
        nullable = nullable or field.null
        if field.is_relation:
            model = field.related_model
    if field is None or field.is_relation:
        raise ImproperlyConfigured(f"Cursor paging orders by columns, not {path!r}.")
    return field, nullable


def cursor_keys(queryset: QuerySet) -> list[Key]:
    """The queryset's own order (as its view lists it) with the id last, as keys."""
    model = queryset.model
    ordering = list(queryset.query.order_by)
    if not ordering and queryset.query.default_ordering:
        ordering = list(model._meta.ordering)
    keys: list[Key] = []
    for item in ordering:
        nulls = None
        if isinstance(item, str) and item != "?":
            descending, path = item.startswith("-"), item.lstrip("-")
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending, path = item.descending, item.expression.name
            nulls = "first" if item.nulls_first else "last" if item.nulls_last else None
        else:
            raise ImproperlyConfigured(f"Cursor paging cannot order by {item!r}.")
        if path == "pk":
            path = model._meta.pk.name
        field, nullable = _column(model, path)
        if nullable and nulls is None:  # as PostgreSQL sorts them by default
            nulls = "first" if descending else "last"
        keys.append(
            Key(path=path, descending=descending, nulls=nulls if nullable else None, field=field)
        )
        if field.primary_key and "__" not in path:
            return keys  # unique: any column after it never decides
    pk = model._meta.pk
    descending = keys[-1].descending if keys else False
    return [*keys, Key(path=pk.name, descending=descending, nulls=None, field=pk)]


def rows_after(keys: list[Key], values: list) -> Q:
    """Rows after the position `values` in the keys' order: after it in the first key, or
    equal in the first and after it in the second, and so on (the id, last, is unique)."""
    found = Q(pk__in=[])
    tie = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            found |= tie & beyond
        tie &= key.equal(value)
    return found


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(values: list, *, backwards: bool) -> str:
    body = {"v": [_jsonable(v) for v in values]}
    if backwards:
        body["b"] = 1
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position_value(key: Key, raw):
    """A cursor's value for one key, as the column holds it, or ValueError: within the
    column's own limits (a length, an integer's range, a choice), an aware date-time, and
    no NUL character, so that a made-up cursor cannot make the query itself fail."""
    if raw is None:
        if key.nulls is None:
            raise ValueError("NULL in a column without NULLs")
        return None
    if not isinstance(raw, str | int) or isinstance(raw, bool) or "\x00" in str(raw):
        raise ValueError("not a column's value")
    value = key.field.to_python(raw)
    if isinstance(value, datetime) and timezone.is_naive(value):
        raise ValueError("a date-time without its offset")
    key.field.run_validators(value)
    if key.field.choices and value not in {c for c, _ in key.field.flatchoices}:
        raise ValueError("not one of the column's choices")
    return value


def decode_cursor(cursor: str, keys: list[Key]) -> tuple[list, bool]:
    """The position and direction in a cursor from `encode_cursor`; a 422 naming `cursor`
    for anything else (it is as the schema says, a string of those characters, but not
    one of this list's)."""
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = body["v"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        backwards = body.get("b", 0) == 1
        return [_position_value(key, raw) for key, raw in zip(keys, values, strict=True)], backwards
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        DjangoValidationError,
    ):
        raise RuleBroken({CURSOR: [NOT_OUR_CURSOR]}) from None


# --- The paginator ------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """Pages of 50 by default; reporting systems may ask for up to 500 with ?page_size=.
    Page numbers unless the request asks for a cursor (see the module's docstring)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    mode_query_param = "pagination"
    cursor_query_param = CURSOR

    mode = PAGE

    def _mode(self, request) -> str:
        params = request.query_params
        asked = params.get(self.mode_query_param)
        if asked is not None and asked not in (PAGE, CURSOR):
            raise ValidationError({self.mode_query_param: [f"Give {PAGE} or {CURSOR}."]})
        if self.cursor_query_param in params:
            if not CURSOR_PATTERN.fullmatch(params[self.cursor_query_param]):
                raise ValidationError({self.cursor_query_param: [NOT_OUR_CURSOR]})
            if asked == PAGE:
                raise RuleBroken(
                    {
                        self.cursor_query_param: [
                            "A cursor pages by cursor: leave out pagination=page."
                        ]
                    }
                )
            return CURSOR
        return asked or PAGE

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        self.mode = self._mode(request)
        if self.mode == PAGE:
            return super().paginate_queryset(queryset, request, view)
        if self.page_query_param in request.query_params:
            raise RuleBroken(
                {self.page_query_param: ["Page numbers and cursors do not mix: give one."]}
            )
        return self._cursor_page(queryset, request)

    def _cursor_page(self, queryset: QuerySet, request) -> list:
        self.request = request
        self.keys = cursor_keys(queryset)
        raw = request.query_params.get(self.cursor_query_param, "")
        values, backwards = decode_cursor(raw, self.keys) if raw else (None, False)
        keys = [k.reversed() for k in self.keys] if backwards else self.keys
        rows = queryset.order_by(*[k.order_by() for k in keys])
        if values is not None:
            rows = rows.filter(rows_after(keys, values))
        size = self.get_page_size(request)
        page = list(rows[: size + 1])
        more = len(page) > size
        page = page[:size]
        if backwards:
            page.reverse()
        self.next_position = self.previous_position = None
        if page:
            if more or backwards:
                self.next_position = [k.value_of(page[-1]) for k in self.keys]
            if (more and backwards) or (values is not None and not backwards):
                self.previous_position = [k.value_of(page[0]) for k in self.keys]
        return page

    def _cursor_link(self, position, *, backwards: bool) -> str | None:
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(
            remove_query_param(url, self.page_query_param), self.mode_query_param
        )
        return replace_query_param(
            url, self.cursor_query_param, encode_cursor(position, backwards=backwards)
        )

    def get_paginated_response(self, data):
        if self.mode == PAGE:
            return super().get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("next", self._cursor_link(self.next_position, backwards=False)),
                    ("previous", self._cursor_link(self.previous_position, backwards=True)),
                    ("results", data),
                ]
            )
        )

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "example": 123,
                    "description": "The number of rows in the whole list: with page numbers "
                    "only (a cursor's pages do not count them).",
                },
                "next": {
                    **link,
                    "description": "The next page's address; null on the last page.",
                    "example": "https://lcspr.example/api/v1/cases/?cursor="
                    "eyJ2IjpbIjIwMjYtMDItMDMiLDQxXX0",
                },
                "previous": {
                    **link,
                    "description": "The previous page's address; null on the first page.",
                    "example": None,
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"].update({"minimum": 1})
        page["description"] = (
            "A page number, from 1; past the last page answers 404. Not with a cursor."
        )
        page["examples"] = {"second": {"value": 2, "summary": "The second page"}}
        page_size["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        page_size["description"] = (
            f"Results per page, from 1 to {self.max_page_size} (default {self.page_size}), "
            "with page numbers or a cursor."
        )
        page_size["examples"] = {"most": {"value": self.max_page_size, "summary": "The most"}}
        mode = {
            "name": self.mode_query_param,
            "required": False,
            "in": "query",
            "description": "How to page: `page` (by default) numbers the pages and counts "
            "the rows; `cursor` answers the first page with a `next` link whose cursor "
            "starts the next page after this page's last row, so that rows added while a "
            "client pages through neither shift nor repeat the rows it has not read yet.",
            "schema": {"type": "string", "enum": [PAGE, CURSOR]},
            "examples": {
                "cursor": {"value": CURSOR, "summary": "The first page, by cursor"},
            },
        }
        cursor = {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": "A position in the list, opaque, as the `next` or `previous` "
            "link of this list gave it (empty: the first page). Pages by cursor; any other "
            "value answers 422, and a value with other characters 400.",
            "schema": {"type": "string", "pattern": f"^{CURSOR_PATTERN.pattern}$"},
            "examples": {
                "first": {"value": "", "summary": "The first page, by cursor"},
            },
        }
        return [page, page_size, mode, cursor]
