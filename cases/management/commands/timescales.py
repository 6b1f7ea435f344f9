import json as json_module
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cases.models import Partnership
from cases.selectors import working_calendar
from cases.timescales import Event, timescales_for


class Command(BaseCommand):
    help = "Every statutory deadline an event starts for a partnership, with how it was worked out."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", required=True, help="partnership slug")
        parser.add_argument("--event", required=True, choices=[e.value for e in Event])
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="one JSON object: kind to date")

    def handle(self, *args, partnership, event, date: str, json: bool, **options):
        try:
            start = _parse_date(date)
            chosen = Partnership.objects.get(slug=partnership)
        except Partnership.DoesNotExist:
            slugs = ", ".join(Partnership.objects.values_list("slug", flat=True))
            raise CommandError(f"No partnership {partnership!r}. Choose one of: {slugs}.") from None
        workings = timescales_for(chosen, Event(event), start, working_calendar(partnership=chosen))
        if json:
            self.stdout.write(
                json_module.dumps({w.timescale.kind: w.due.isoformat() for w in workings})
            )
            return
        for working in workings:
            self.stdout.write(f"{working.timescale.kind}: {working.due.isoformat()}")
            self.stdout.write(f"    {working.explanation()}")
            if working.skipped_lines:
                not_counted = "; ".join(working.skipped_lines)
                self.stdout.write(f"    {working.skipped_heading}: {not_counted}")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: use YYYY-MM-DD.") from None
