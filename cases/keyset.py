"""Keyset paging, shared by the API's cursor pages and the web's long lists (the access log):
each page ends at a row, and the next starts after that row's values in the list's own
order, with the row's id last so that the order is strict.

A cursor is the order values of one row (a date-time and an id, say: never case content),
base64: rows are found by comparing those values, never by counting an offset, so that a
page costs the same at the start of a list of a million rows as at its end, and a row
added meanwhile neither shifts the rows after it nor is shown twice. The list's query is
the scoped queryset its view reads, so a made-up cursor finds only rows the caller may see
anyway (issue 18).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone


class NotOurCursor(ValueError):
    """The cursor is not one this list's links gave."""


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
    equal in the first and after it in the second, and so on (the id, last, is unique).

    The first key's bound is repeated on its own (`at <= X` for `at < X OR (at = X AND
    id < Y)`): PostgreSQL cannot start an index scan from an OR, so without it every page
    read the index from the list's start, and a deep page cost as much as OFFSET did."""
    found = Q(pk__in=[])
    tie = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            found |= tie & beyond
        tie &= key.equal(value)
    first, value = keys[0], values[0]
    if value is not None and first.nulls is None and len(keys) > 1:
        found &= Q(**{f"{first.path}__{'lte' if first.descending else 'gte'}": value})
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
    """The position and direction in a cursor from `encode_cursor`; NotOurCursor for
    anything else."""
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
        raise NotOurCursor(cursor) from None


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows, and the cursors of the pages either side (None at either end)."""

    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def keyset_page(queryset: QuerySet, *, cursor: str, size: int) -> KeysetPage:
    """The page of `size` rows that `cursor` starts (empty: the first page), in the
    queryset's own order: one query of at most `size + 1` rows, wherever the page is.
    NotOurCursor for a cursor no link of this list gave."""
    keys = cursor_keys(queryset)
    values, backwards = decode_cursor(cursor, keys) if cursor else (None, False)
    order = [k.reversed() for k in keys] if backwards else keys
    rows = queryset.order_by(*[k.order_by() for k in order])
    if values is not None:
        rows = rows.filter(rows_after(order, values))
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    if backwards:
        page.reverse()
    next_cursor = previous_cursor = None
    if page:
        if more or backwards:
            next_cursor = encode_cursor([k.value_of(page[-1]) for k in keys], backwards=False)
        if (more and backwards) or (values is not None and not backwards):
            previous_cursor = encode_cursor([k.value_of(page[0]) for k in keys], backwards=True)
    return KeysetPage(rows=page, next_cursor=next_cursor, previous_cursor=previous_cursor)
