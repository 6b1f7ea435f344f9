from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


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


class Pagination(PageNumberPagination):
    """Pages of 50 by default; reporting systems may ask for up to 500 with ?page_size=."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view):
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"].update({"minimum": 1})
        page["description"] = "A page number, from 1; past the last page answers 404."
        page_size["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        page_size["description"] = (
            f"Results per page, from 1 to {self.max_page_size} (default {self.page_size})."
        )
        return [page, page_size]
