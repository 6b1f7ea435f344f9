"""GET /api/v1/reports/ and /api/v1/reports/{measure}/: each measure's figures for a
partnership and period, and, for a role that may see them, the case references behind
them. Figures only: never a child's name or a case's content."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from cases.api.exceptions import RuleBroken
from cases.api.views import ScopedApiMixin
from cases.partnerships import PARTNERSHIPS
from cases.permissions import Action
from reporting.rules.access import may_see_cases, reporting_partnerships
from reporting.rules.measures import MEASURES
from reporting.rules.period import PeriodError, period_from
from reporting.selectors.base import COMPUTATIONS, cases_behind, results

PARTNERSHIP_SLUGS = [p["slug"] for p in PARTNERSHIPS]
YEAR_RANGE = (2000, 2100)  # as reporting.rules.period reads `year`

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "partnership",
        enum=PARTNERSHIP_SLUGS,
        description="The partnership's slug. By default the token's own; the "
        "cross-partnership reporting role may name any partnership it reports on. "
        "Another partnership answers 403.",
    ),
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="The period's first day, YYYY-MM-DD, with `to` (one without the "
        "other answers 422).",
        examples=[OpenApiExample("The financial year 2025-26", value="2025-04-01")],
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="The period's last day, YYYY-MM-DD, with `from`; before `from`, or more "
        "than ten years after it, answers 422.",
        examples=[OpenApiExample("Its last day", value="2026-03-31")],
    ),
    OpenApiParameter(
        "year",
        {"type": "integer", "minimum": YEAR_RANGE[0], "maximum": YEAR_RANGE[1]},
        description="Instead of from/to: the financial year starting 1 April of this year. "
        "By default the current financial year.",
        examples=[OpenApiExample("2025-26", value=2025)],
    ),
]
MEASURE_PARAMETER = OpenApiParameter(
    "measure",
    location=OpenApiParameter.PATH,
    enum=[m.slug for m in MEASURES],
    description="A measure's slug, as GET /api/v1/reports/ lists them; a measure defined "
    "but not yet computed answers 404.",
)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _refusal(error: PeriodError, params) -> APIException:
    """A value not as the schema says (a date that is not one, a year out of range): 400;
    values each as the schema says that make no period together: 422, naming the field."""
    value = params.get(error.field) or ""
    malformed = error.field not in ("from", "to") or (value and not _is_date(value))
    return (ValidationError if malformed else RuleBroken)({error.field: [error.message]})


def _refuse_empty(params) -> None:
    """A parameter given with no value is not as the schema says (a date, a year, a
    slug): 400, rather than read as absent as the reporting pages' empty form fields are."""
    empty = [p.name for p in PERIOD_PARAMETERS if p.name in params and not params[p.name]]
    if empty:
        raise ValidationError(
            {name: ["Give a value, or leave the parameter out."] for name in empty}
        )


class MeasureIndexSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="The slug, as in /api/v1/reports/{measure}/.")
    title = serializers.CharField()
    part = serializers.CharField()
    seed = serializers.CharField(help_text="The framework paragraph that asks for it.")
    summary = serializers.CharField()
    url = serializers.URLField()


class ReportRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A month as YYYY-MM, an agency's id, a theme's code…")
    label = serializers.CharField()
    values = serializers.DictField(help_text="The measure's breakdown columns.")


class ReportCaseSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    row = serializers.CharField(help_text="The breakdown row's key this case counts in.")
    values = serializers.DictField()


class MeasureReportSerializer(serializers.Serializer):
    measure = serializers.CharField()
    title = serializers.CharField()
    seed = serializers.CharField()
    partnership = serializers.CharField()
    from_ = serializers.DateField()
    to = serializers.DateField()
    figures = serializers.DictField(
        help_text="The headline figures, by key; a rate is a share from 0 to 1, or null "
        "when there is nothing to share."
    )
    rows = ReportRowSerializer(many=True)
    cases = ReportCaseSerializer(
        many=True,
        required=False,
        help_text="The cases behind the figures, for a role that may see cases; absent "
        "for the cross-partnership reporting role.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


class ReportIndexApi(ScopedApiMixin, APIView):
    """Every measure the reporting API answers, with its framework paragraph."""

    name = "Reports"
    required_action = Action.VIEW_REPORTS

    @extend_schema(responses=MeasureIndexSerializer(many=True))
    def get(self, request):
        return Response(
            [
                {
                    "measure": m.slug,
                    "title": m.title,
                    "part": str(m.part),
                    "seed": m.seed,
                    "summary": m.summary,
                    "url": reverse("api_report", kwargs={"measure": m.slug}, request=request),
                }
                for m in MEASURES
            ]
        )


class ReportApi(ScopedApiMixin, APIView):
    """One measure's figures for a partnership and period, with its breakdown and, for a
    role that may see cases, the case references behind it."""

    name = "Report"
    required_action = Action.VIEW_REPORTS

    @extend_schema(
        parameters=[MEASURE_PARAMETER, *PERIOD_PARAMETERS],
        responses=MeasureReportSerializer,
        examples=[
            OpenApiExample(
                "Rapid Review timeliness",
                value={
                    "measure": "rapid-review-timeliness",
                    "title": "Rapid Reviews completed and sent within 15 working days",
                    "seed": "§3.1.2",
                    "partnership": "leicester",
                    "from": "2025-04-01",
                    "to": "2026-03-31",
                    "figures": {
                        "total": 12,
                        "met": 9,
                        "missed": 2,
                        "open": 1,
                        "waived": 0,
                        "rate": 0.8182,
                    },
                    "rows": [
                        {
                            "key": "2025-04",
                            "label": "April 2025",
                            "values": {"met": 1, "missed": 0, "open": 0, "rate": 1.0},
                        }
                    ],
                    "cases": [
                        {
                            "case_reference": "LCSCP-2025-0007",
                            "row": "2025-04",
                            "values": {"met": True, "due_date": "2025-04-22"},
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, measure):
        if measure not in COMPUTATIONS:
            raise Http404("No such measure.")
        _refuse_empty(request.query_params)
        try:
            period = period_from(request.query_params, today=timezone.localdate())
        except PeriodError as error:
            raise _refusal(error, request.query_params) from None
        allowed = reporting_partnerships(request.scope)
        slug = request.query_params.get("partnership") or request.scope.partnership.slug
        if slug not in PARTNERSHIP_SLUGS:
            raise ValidationError({"partnership": ["Give a partnership's slug."]})
        chosen = [p for p in allowed if p.slug == slug]
        if not chosen:
            raise PermissionDenied("Not a partnership you report on.")
        (result,) = results(measure, chosen, period)
        body = {
            "measure": measure,
            "title": result.measure.title,
            "seed": result.measure.seed,
            "partnership": chosen[0].slug,
            "from": period.start,
            "to": period.end,
            "figures": {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.figures.items()
            },
            "rows": [
                {"key": row.key, "label": row.label, "values": _jsonable(row.values)}
                for row in result.rows
            ],
        }
        if may_see_cases(request.scope) and chosen[0] == request.scope.partnership:
            body["cases"] = [
                {
                    "case_reference": line.case_reference,
                    "row": line.row,
                    "values": _jsonable(line.values),
                }
                for line in cases_behind(measure, scope=request.scope, period=period)
            ]
        return Response(body)
