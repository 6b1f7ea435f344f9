from django.core.management.base import BaseCommand, CommandError

from cases.management.commands.timescales import _parse_date
from cases.models import Partnership
from cases.selectors import working_calendar
from cases.workdays import WorkingCalendar


class Command(BaseCommand):
    help = (
        "Working-day arithmetic (England & Wales bank holidays; with --partnership, its "
        "closure days too): add DATE N, subtract DATE N, between DATE DATE."
    )

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["add", "subtract", "between"])
        parser.add_argument("date")
        parser.add_argument("other", help="N for add/subtract, a second DATE for between")
        parser.add_argument("--partnership", help="also skip this partnership's closure days")

    def handle(self, *args, operation, date, other, partnership, **options):
        calendar = WorkingCalendar()
        if partnership:
            chosen = Partnership.objects.filter(slug=partnership).first()
            if chosen is None:
                raise CommandError(f"No partnership {partnership!r}.")
            calendar = working_calendar(partnership=chosen)
        start = _parse_date(date)
        if operation == "between":
            self.stdout.write(str(calendar.between(start, _parse_date(other))))
            return
        try:
            n = int(other)
        except ValueError:
            raise CommandError(f"{other!r} is not a whole number of working days.") from None
        result = calendar.add(start, n) if operation == "add" else calendar.subtract(start, n)
        self.stdout.write(result.isoformat())
