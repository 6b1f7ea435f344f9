from django.core.management.base import BaseCommand

from cases.tasks import deadlines_sweep


class Command(BaseCommand):
    help = "Queue the daily deadline sweep now (reminders and escalations), as beat does at 07:00."

    def handle(self, *args, **options):
        deadlines_sweep.delay()
        self.stdout.write("Deadline sweep queued: the worker sends any reminders due today.")
