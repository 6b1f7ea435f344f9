from django.core.management.base import BaseCommand

from cases import services
from cases.models import Partnership


class Command(BaseCommand):
    help = (
        "Move open deadlines whose dates the working-day calendar now changes: run after "
        "upgrading the bank holiday data (the `holidays` package) or changing closure days."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reason", default="Bank holiday data updated", help="recorded on each moved date"
        )

    def handle(self, *args, reason, **options):
        for partnership in Partnership.objects.all():
            moved = services.deadlines_recompute(partnership=partnership, actor=None, reason=reason)
            self.stdout.write(f"{partnership.slug}: {moved} open deadlines moved")
