from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.exceptions import RuleBroken
from cases.api.views import ScopedApiMixin
from cases.dates import format_date
from cases.models import Partnership
from cases.partnerships import PARTNERSHIPS
from cases.selectors import working_calendar
from cases.timescales import Event, timescales_for

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
OUT_OF_RANGE = f"Give a date from {format_date(EARLIEST)} to {format_date(LATEST)}."


class TimescalesInputSerializer(serializers.Serializer):
    partnership = serializers.ChoiceField(choices=[p["slug"] for p in PARTNERSHIPS])
    event = serializers.ChoiceField(choices=[e.value for e in Event])
    date = serializers.DateField(
        input_formats=["iso-8601"],
        help_text=f"From {EARLIEST.isoformat()} to {LATEST.isoformat()}; outside, 422.",
    )


class SkippedDaySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    reason = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField(source="timescale.kind")
    title = serializers.CharField(source="timescale.title")
    due_date = serializers.DateField(source="due")
    direction = serializers.CharField(source="timescale.direction")
    seed = serializers.CharField(source="timescale.seed")
    explanation = serializers.CharField()
    skipped = SkippedDaySerializer(many=True)


class TimescalesOutputSerializer(serializers.Serializer):
    partnership = serializers.CharField()
    event = serializers.CharField()
    date = serializers.DateField()
    deadlines = DeadlineSerializer(many=True)


class TimescalesApi(ScopedApiMixin, APIView):
    """Every statutory date an event starts for a partnership, and how each was worked out."""

    name = "Timescales"

    @extend_schema(parameters=[TimescalesInputSerializer], responses=TimescalesOutputSerializer)
    def get(self, request):
        given = TimescalesInputSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        if not EARLIEST <= given.validated_data["date"] <= LATEST:
            # A calendar is built around the date: year 1 has no year before it.
            raise RuleBroken({"date": [OUT_OF_RANGE]})
        partnership = Partnership.objects.get(slug=given.validated_data["partnership"])
        event, start = Event(given.validated_data["event"]), given.validated_data["date"]
        workings = timescales_for(
            partnership, event, start, working_calendar(partnership=partnership)
        )
        return Response(
            TimescalesOutputSerializer(
                {
                    "partnership": partnership.slug,
                    "event": event.value,
                    "date": start,
                    "deadlines": workings,
                }
            ).data
        )
