"""Factories that keep related objects in one partnership."""

import factory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services
from cases.models import Agency, AgencyKind, Membership, Partnership, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.POLICE

    @factory.post_generation
    def partnerships(self, create, extracted, **kwargs):
        if create:
            self.partnerships.set(extracted or Partnership.objects.all())


def sign_in(client, user):
    """Signed in with both factors, as after the real two-step sign-in."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Authenticator app"}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def membership(user, role, *, partnership=None, agency=None):
    return Membership.objects.create(user=user, role=role, partnership=partnership, agency=agency)


def staff_user(partnership, role=Role.BUSINESS_OFFICE, **kwargs):
    user = UserFactory(**kwargs)
    membership(user, role, partnership=partnership)
    return user


def agency_user(agency, **kwargs):
    user = UserFactory(**kwargs)
    membership(user, Role.AGENCY_USER, agency=agency)
    return user


def open_case(partnership, *, opened_on=None, stage=None, **kwargs):
    """A case opened by the system; `stage` moves it straight on from intake."""
    case = services.case_open(
        partnership=partnership,
        opened_on=opened_on or timezone.localdate(),
        actor=None,
        **kwargs,
    )
    if stage is not None:
        services.case_stage_set(case=case, stage=stage, actor=None, reason="Test set-up")
    return case


def working_days_ahead(n: int, partnership=None):
    """The nth working day after today (a reply deadline must be a working day)."""
    from cases.selectors import working_calendar
    from cases.workdays import WorkingCalendar

    cal = working_calendar(partnership=partnership) if partnership else WorkingCalendar()
    return cal.add(timezone.localdate(), n)


def appoint(case, user, role=Role.REVIEWER, *, on=None, declared=True, **kwargs):
    """`user` (with a Reviewer or Panel member membership) appointed to the case's LCSPR,
    which is opened if it is not yet (§6): the only case such a user may see. `declared`:
    they have made their declarations (§1.5.8), without which the case stays closed to them.
    """
    from reviews.services import appointment_make, declaration_make, lcspr_open

    on = on or timezone.localdate()
    lcspr = lcspr_open(case=case, decided_on=on, key_lines_of_enquiry="", actor=None)
    if role == Role.PANEL_MEMBER and "agency" not in kwargs and "expertise" not in kwargs:
        kwargs["expertise"] = "Safeguarding"
    appointment = appointment_make(
        lcspr=lcspr, user=user, role=role, appointed_on=on, actor=None, **kwargs
    )
    if declared:  # as the appointee, through the same service as the declaration page
        appointment = declaration_make(
            appointment=appointment,
            actor=user,
            has_conflict=False,
            conflict_details="",
            confidentiality_agreed=True,
        )
    return appointment
