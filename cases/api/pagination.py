"""Every API list's paging: page numbers by default (`?page=`, as clients have always used),
or, opted into with `?pagination=cursor` (or any `?cursor=`), a cursor that keeps its place
while rows are added (cases/keyset.py): a page costs the same at the start of a list of
100,000 rows as at its end, and counts nothing.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cases.api.exceptions import RuleBroken
from cases.keyset import NotOurCursor, keyset_page

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
        try:
            page = keyset_page(
                queryset,
                cursor=request.query_params.get(self.cursor_query_param, ""),
                size=self.get_page_size(request),
            )
        except NotOurCursor:
            # As the schema says, a string of those characters, but not one of this list's.
            raise RuleBroken({CURSOR: [NOT_OUR_CURSOR]}) from None
        self.next_cursor, self.previous_cursor = page.next_cursor, page.previous_cursor
        return page.rows

    def _cursor_link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(
            remove_query_param(url, self.page_query_param), self.mode_query_param
        )
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        if self.mode == PAGE:
            return super().get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("next", self._cursor_link(self.next_cursor)),
                    ("previous", self._cursor_link(self.previous_cursor)),
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
