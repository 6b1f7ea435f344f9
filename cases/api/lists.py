"""The filters every API list takes: `stage` (repeatable: the case's stage) and `from` and
`to` (ISO dates, both days included), each list saying which of its dates they read, in
its schema. A value not as the schema says answers 400 naming the parameter; `to` before
`from` answers 422 naming `to` (each date is as the schema says, the pair is not)."""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from cases.api.exceptions import RuleBroken
from cases.models import Stage

TO_BEFORE_FROM = "Give a date on or after `from`."


class ListFilterSerializer(serializers.Serializer):
    """`stage`, `from` and `to`; a list with filters of its own adds them in a subclass."""

    stage = serializers.MultipleChoiceField(choices=Stage.choices, required=False)
    from_ = serializers.DateField(input_formats=["iso-8601"], required=False)
    to = serializers.DateField(input_formats=["iso-8601"], required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def list_filters(request, serializer_class=ListFilterSerializer) -> dict:
    """The request's filters, validated: `stage` a list (empty: every stage), `from` and
    `to` dates or None, and the subclass's own fields as given (absent if not given)."""
    params = request.query_params
    fields = serializer_class().fields
    data = {}
    for name, field in fields.items():
        if name in params:
            many = isinstance(field, serializers.MultipleChoiceField | serializers.ListField)
            data[name] = params.getlist(name) if many else params[name]
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    found = dict(given.validated_data)
    found["stage"] = sorted(found.get("stage", []))
    found.setdefault("from", None)
    found.setdefault("to", None)
    start: date | None = found["from"]
    end: date | None = found["to"]
    if start is not None and end is not None and end < start:
        raise RuleBroken({"to": [TO_BEFORE_FROM]})
    return found


def list_parameters(*, rows: str, dated: str, stage_of: str = "the case") -> list:
    """The schema's `stage`, `from` and `to` for a list of `rows`, whose `dated` is the
    date `from` and `to` read, with examples."""
    return [
        OpenApiParameter(
            "stage",
            enum=Stage.values,
            many=True,
            description=f"Only {rows} of which {stage_of} is at one of these stages (repeat "
            "the parameter for several).",
            examples=[
                OpenApiExample("At the Rapid Review", value=[Stage.RAPID_REVIEW]),
                OpenApiExample(
                    "In an LCSPR or its publication", value=[Stage.LCSPR, Stage.PUBLICATION]
                ),
            ],
        ),
        OpenApiParameter(
            "from",
            OpenApiTypes.DATE,
            description=f"Only {rows} whose {dated} is on or after this day (YYYY-MM-DD).",
            examples=[OpenApiExample("From the financial year 2025-26", value="2025-04-01")],
        ),
        OpenApiParameter(
            "to",
            OpenApiTypes.DATE,
            description=f"Only {rows} whose {dated} is on or before this day (YYYY-MM-DD); "
            "before `from`, 422.",
            examples=[OpenApiExample("To its end", value="2026-03-31")],
        ),
    ]
