"""Demo data: the real LLR agencies, demo users and a few cases in each partnership.

Idempotent: running it again changes nothing that is already there.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services
from cases.models import Agency, AgencyKind, Case, Membership, Partnership, Role, Stage, User
from cases.timescales import NOT_DUTIES, Event

# The demo users' authenticator key (README: add it to an app, or run `make code`).
DEMO_TOTP_KEY_HEX = b"lcspr-demo-totp-key!".hex()

BOTH = ("leicester", "leicestershire-rutland")
AGENCIES = [
    ("Leicestershire Police", AgencyKind.POLICE, BOTH),
    (
        "Leicester, Leicestershire and Rutland Integrated Care Board",
        AgencyKind.INTEGRATED_CARE_BOARD,
        BOTH,
    ),
    ("Leicester City Council", AgencyKind.LOCAL_AUTHORITY, ("leicester",)),
    ("Leicestershire County Council", AgencyKind.LOCAL_AUTHORITY, ("leicestershire-rutland",)),
    ("Rutland County Council", AgencyKind.LOCAL_AUTHORITY, ("leicestershire-rutland",)),
    ("University Hospitals of Leicester NHS Trust", AgencyKind.HEALTH_TRUST, BOTH),
    ("Leicestershire Partnership NHS Trust", AgencyKind.HEALTH_TRUST, BOTH),
    ("Probation Service – Leicester, Leicestershire and Rutland", AgencyKind.PROBATION, BOTH),
    (
        "Leicester City Council Education Safeguarding (Education representative)",
        AgencyKind.EDUCATION_REPRESENTATIVE,
        ("leicester",),
    ),
    (
        "Leicestershire and Rutland Education Safeguarding (Education representative)",
        AgencyKind.EDUCATION_REPRESENTATIVE,
        ("leicestershire-rutland",),
    ),
    ("Riverside Primary Academy (demo school)", AgencyKind.SCHOOL, ("leicester",)),
    (
        "Charnwood Heights Secondary School (demo school)",
        AgencyKind.SCHOOL,
        ("leicestershire-rutland",),
    ),
    ("Oakham Vale Primary School (demo school)", AgencyKind.SCHOOL, ("leicestershire-rutland",)),
]

# username, full name, memberships as (role, partnership slug or None, agency name or None)
USERS = [
    ("leicester-office", "Priya Shah", [(Role.BUSINESS_OFFICE, "leicester", None)]),
    ("lr-office", "Tom Ellis", [(Role.BUSINESS_OFFICE, "leicestershire-rutland", None)]),
    ("leicester-chair", "Dr Ruth Adeyemi", [(Role.CRG_CHAIR, "leicester", None)]),
    ("lr-chair", "Mark Holloway", [(Role.CRG_CHAIR, "leicestershire-rutland", None)]),
    (
        "scrutineer",
        "Helen Carter",
        [
            (Role.INDEPENDENT_SCRUTINEER, "leicester", None),
            (Role.INDEPENDENT_SCRUTINEER, "leicestershire-rutland", None),
        ],
    ),
    ("police-portal", "DS Sam Patel", [(Role.AGENCY_USER, None, "Leicestershire Police")]),
    (
        "school-portal",
        "Jo Bennett",
        [(Role.AGENCY_USER, None, "Riverside Primary Academy (demo school)")],
    ),
]

# Demo cases per partnership: (days ago received, the stages it went through, led by
# the office user?)
CASES = [
    (3, [Stage.RAPID_REVIEW], True),
    (12, [Stage.RAPID_REVIEW], True),
    (25, [Stage.REFERRAL_DECISION], True),
    (70, [Stage.RAPID_REVIEW, Stage.LCSPR], False),
    (200, [Stage.RAPID_REVIEW, Stage.LCSPR, Stage.PUBLICATION], True),
    (120, [Stage.RAPID_REVIEW, Stage.CLOSED], False),
]
OFFICE_USER = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}


class Command(BaseCommand):
    help = "Create the demo agencies, users and cases (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data has known passwords: it is only loaded with DEBUG=1 or DEMO=1, "
                "never in production."
            )
        password = settings.DEMO_PASSWORD
        partnerships = {p.slug: p for p in Partnership.objects.all()}
        agencies = self._agencies(partnerships)
        users = {
            username: self._user(username, full_name, password, roles, partnerships, agencies)
            for username, full_name, roles in USERS
        }
        self._superuser(password)
        opened = 0
        for slug, partnership in partnerships.items():
            if Case.objects.for_partnership(partnership).exists():
                continue
            office = users[OFFICE_USER[slug]]
            for days_ago, stages, led in CASES:
                opened += 1
                case = services.case_open(
                    partnership=partnership,
                    opened_on=timezone.localdate() - timedelta(days=days_ago),
                    actor=office,
                    lead_officer=office if led else None,
                    reason="Demo case",
                )
                for stage in stages:
                    services.case_stage_set(
                        case=case, stage=stage, actor=office, reason="Demo: moved on"
                    )
                self._deadlines(case, stages, office)
        self.stdout.write(
            f"Demo data ready: {len(agencies)} agencies, {len(users)} users, "
            f"{opened} new cases. Demo password: "
            f"{'from DEMO_PASSWORD' if password != settings.DEMO_PASSWORD_DEFAULT else password}"
        )

    def _deadlines(self, case, stages, office):
        """The statutory dates the demo case's story started, some already done."""
        received = case.opened_on
        first = (
            Event.REFERRAL_RECEIVED
            if Stage.REFERRAL_DECISION in stages
            else (Event.NOTIFICATION_RECEIVED)
        )
        deadlines = services.deadlines_schedule(
            case=case, event=first, event_date=received, actor=office, reason="Demo: received"
        )
        if Stage.LCSPR not in stages and Stage.CLOSED not in stages:
            return
        for deadline in deadlines:  # the Rapid Review is over: its duties were done
            if deadline.kind not in NOT_DUTIES:
                services.deadline_complete(
                    deadline=deadline, on=min(deadline.due_date, timezone.localdate()), actor=office
                )
        if Stage.LCSPR in stages:
            decided = received + timedelta(days=21)
            lcspr = services.deadlines_schedule(
                case=case,
                event=Event.LCSPR_DECISION,
                event_date=decided,
                actor=office,
                reason="Demo: decision to hold an LCSPR",
            )
        if Stage.PUBLICATION in stages:
            for deadline in lcspr:  # the review is written and approved
                services.deadline_complete(
                    deadline=deadline, on=min(deadline.due_date, timezone.localdate()), actor=office
                )
            services.deadlines_schedule(
                case=case,
                event=Event.PUBLICATION_PLANNED,
                event_date=timezone.localdate() + timedelta(days=30),
                actor=office,
                reason="Demo: publication planned",
            )

    def _agencies(self, partnerships):
        agencies = {}
        for name, kind, serves in AGENCIES:
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind})
            wanted = {partnerships[slug] for slug in serves}
            if set(agency.partnerships.all()) != wanted:
                agency.partnerships.set(wanted)
            agencies[name] = agency
        return agencies

    def _user(self, username, full_name, password, roles, partnerships, agencies):
        first, _, last = full_name.rpartition(" ")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:  # an existing user's password is theirs; never reset it
            user.set_password(password)
            user._change_reason = "Demo user"
            user.save()
            self._demo_authenticator(user)
        for role, slug, agency_name in roles:
            Membership.objects.get_or_create(
                user=user,
                role=role,
                partnership=partnerships.get(slug),
                agency=agencies.get(agency_name),
            )
        return user

    def _superuser(self, password):
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Demo",
                "last_name": "Admin",
            },
        )
        if created:
            admin.set_password(password)
            admin._change_reason = "Demo configuration user"
            admin.save()
            self._demo_authenticator(admin)

    def _demo_authenticator(self, user):
        """Every account needs two factors: demo users share one published app key."""
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
        )
