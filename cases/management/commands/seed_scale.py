"""Realistic volume for the load test (issue 18), on top of the demo.

At --scale 1: 10,000 cases across both partnerships and every stage, 100,000 deadlines,
50,000 information requests with the agencies' replies and some 120,000 chronology
entries, 2,000 Rapid Reviews decided at 400 CRG meetings with their attendance, and
1,000,000 rows of the access log; each row with its history, all written in bulk
(cases/management/bulk.py), then VACUUM ANALYZE. It prints its run time and, for every table it
writes, the rows it added and the rows the table holds.

It loads the demo first if the demo is not there (seed_demo), and builds on it: the demo's
agencies receive the requests, its office officers lead cases, its chairs and CRG members
sit at the meetings and open the cases in the access log.

Running it again is safe: its cases have references of their own (`LSCP-S2023-000001`),
and it adds only what is missing up to the volume asked for. Twice at the same --scale adds
nothing; a larger --scale adds the difference (a smaller one removes nothing).
"""

import math
import time
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cases.management.bulk import SCALE_NETWORK, bulk_access_events, bulk_cases
from cases.management.commands.seed_demo import CHAIR_USER, OFFICE_USER
from cases.models import (
    AccessEvent,
    Agency,
    AgencyKind,
    Case,
    ChronologyEntry,
    Deadline,
    Escalation,
    InformationRequest,
    Membership,
    Notification,
    Partnership,
    Referral,
    Role,
    User,
)
from rapidreview.models import Attendance, CrgMeeting, RapidReview
from reviews.models import Lcspr

CASES = 10_000
DEADLINES_PER_CASE = 10
REQUESTS_PER_CASE = 5
ENTRIES_PER_REPLY = 5  # a draft has half as many
RAPID_REVIEWS = 2_000
ACCESS_EVENTS = 1_000_000
CHUNK = 1_000  # cases written at once: memory stays flat whatever the scale
MARK = "S"  # in the reference: LSCP-S2023-000001
YEARS = 3

MODELS = [
    Case,
    Notification,
    Referral,
    Deadline,
    InformationRequest,
    Escalation,
    ChronologyEntry,
    CrgMeeting,
    Attendance,
    RapidReview,
    Lcspr,
]


def tables() -> list[str]:
    """Every table seed_scale writes: each model's and its history's, and the access log."""
    names = []
    for model in MODELS:
        names += [model._meta.db_table, model.history.model._meta.db_table]
    return [*names, AccessEvent._meta.db_table]


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in tables():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our own names
            counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Load realistic volume (10,000 cases at --scale 1) on the demo, for make loadtest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply the volume: 0.01 for a quick try, 1 for 10,000 cases.",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Scale data is built on the demo, which has known passwords: it is only "
                "loaded with DEBUG=1 or DEMO=1, never in production."
            )
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL's COPY: use PostgreSQL.")
        scale = options["scale"]
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        began = time.perf_counter()
        demo = ""
        if not User.objects.filter(username__in=OFFICE_USER.values()).exists():
            self.stderr.write("loading the demo first (seed_demo)")
            call_command("seed_demo", stdout=self.stderr)
            demo = f", the demo loaded first in {time.perf_counter() - began:.1f} s"
        before = row_counts()
        partnerships = list(Partnership.objects.filter(slug__in=OFFICE_USER).order_by("slug"))
        share = len(partnerships)
        for partnership in partnerships:
            self._partnership(partnership, scale, share)
        # VACUUM as well, so that index-only scans see the new rows as visible at once (the
        # portal's open-request counts); it cannot run inside a transaction (a test's).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        self.stderr.write(command)
        with connection.cursor() as cursor:
            cursor.execute(command)
        after = row_counts()
        seconds = time.perf_counter() - began
        added_cases = after[Case._meta.db_table] - before[Case._meta.db_table]
        self.stdout.write(
            f"seed_scale --scale {scale:g}: {added_cases:,} cases added in {seconds:.1f} s{demo}"
        )
        self.stdout.write(f"{'table':<44}{'added':>12}{'rows':>12}")
        for table in tables():
            self.stdout.write(f"{table:<44}{after[table] - before[table]:>12,}{after[table]:>12,}")

    def _partnership(self, partnership, scale, share):
        slug = partnership.slug
        prefix = f"{partnership.reference_prefix}-{MARK}"
        ours = Case.objects.for_partnership(partnership).filter(reference__startswith=prefix)
        target = round(CASES * scale / share)
        existing = ours.count()
        reviews_target = round(RAPID_REVIEWS * scale / share)
        reviews = RapidReview.objects.for_partnership(partnership).filter(
            case__reference__startswith=prefix
        )
        reviews_left = max(reviews_target - reviews.count(), 0)
        office = User.objects.get(username=OFFICE_USER[slug])
        members = list(
            Membership.objects.filter(partnership=partnership, is_active=True)
            .exclude(role__in=[Role.REVIEWER, Role.PANEL_MEMBER, Role.JOINT_REPORTING])
            .select_related("user", "represents")
            .order_by("user__username", "role")
        )
        attendees = [
            (m.user, m.represents, m.get_role_display())
            for m in members
            if m.role in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.CRG_MEMBER)
        ]
        # The police first: an agency like it serves nearly every case (issue 18).
        agencies = sorted(
            Agency.objects.filter(partnerships=partnership),
            key=lambda a: (a.kind != AgencyKind.POLICE, a.name),
        )
        today = timezone.localdate()
        start = today - timedelta(days=YEARS * 365)
        number = existing + 1
        while number <= target:
            count = min(CHUNK, target - number + 1)
            cap = math.ceil(reviews_left * count / (target - number + 1))
            self.stderr.write(f"{slug}: cases {number:,}-{number + count - 1:,} of {target:,}")
            bulk_cases(
                partnership,
                count,
                start=start,
                days=YEARS * 365,
                agencies=agencies,
                first_number=number,
                deadlines_per_case=DEADLINES_PER_CASE,
                requests_per_case=REQUESTS_PER_CASE,
                mark=MARK,
                history=True,
                user=office,
                lead_officers=[office],
                entries_per_reply=ENTRIES_PER_REPLY,
                rapid_reviews=cap,
                attendees=attendees,
            )
            reviews_left -= cap
            number += count
        self._access_log(partnership, ours, members, round(ACCESS_EVENTS * scale / share))
        if not User.objects.filter(username=CHAIR_USER[slug]).exists():
            self.stderr.write(f"{slug}: no chair in the demo")

    def _access_log(self, partnership, ours, members, target):
        logged = AccessEvent.objects.for_partnership(partnership).filter(
            partnership=partnership, ip_address__startswith=str(SCALE_NETWORK.network_address)[:-1]
        )
        missing = target - logged.count()
        references = list(ours.values_list("reference", flat=True))
        if missing <= 0 or not references:
            return
        self.stderr.write(f"{partnership.slug}: {missing:,} access log rows")
        users = [(m.user, m.role) for m in members]
        # Older than anything already logged, so the newest rows stay the real ones.
        until = timezone.now() - timedelta(days=1) - timedelta(seconds=target - missing)
        bulk_access_events(partnership, missing, cases=references, users=users, until=until)
