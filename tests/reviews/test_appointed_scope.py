"""Reviewers and Case Review Panel members see only the reviews they are appointed to
(§2.1.6 "the right information to the right individual", §6): the choke point in
cases/tenancy.py, the pages and the API."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.errors import ApplicationError
from cases.models import Case, Deadline, InformationRequest, Membership, Role
from cases.services import api_token_create
from cases.tenancy import Scope, TenantQuerySet, tenant_case_path
from rapidreview.models import CrgMeeting, MeetingKind
from rapidreview.services import crg_meeting_create
from reviews.models import Appointment, AppointmentRole, Lcspr
from reviews.services import appointment_end, appointment_make
from tests.factories import appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

# Rows that belong to no one case: a Reviewer or Panel member reads none of them.
ROWS_OF_NO_CASE = {
    "AccessEvent",
    "IdempotencyKey",
    "CrgMeeting",
    "Attendance",
    "ThemeCode",
    "SafeguardingLead",
    # The partnership's learning from national reviews (§11.5, §12): no case of its own, so
    # a Reviewer or Panel member sees none of it.
    "NationalReview",
    "NationalReviewRequest",
    "NationalReviewSupport",
}


def scope_of(user):
    return Scope(user=user, membership=Membership.objects.get(user=user))


@pytest.fixture
def three_cases(leicester, lr):
    """Two Leicester cases under review and one of Leicestershire & Rutland."""
    return {
        "mine": open_case(leicester),
        "other": open_case(leicester),
        "elsewhere": open_case(lr),
    }


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.PANEL_MEMBER])
def test_an_appointed_person_reads_the_rows_of_their_review_only(role, leicester, three_cases):
    person = staff_user(leicester, role=role)
    appoint(three_cases["mine"], person, role)
    appoint(three_cases["other"], staff_user(leicester, role=role), role)
    scope = scope_of(person)

    assert list(Case.objects.visible_to(scope)) == [three_cases["mine"]]
    assert {d.case for d in Deadline.objects.visible_to(scope)} == {three_cases["mine"]}
    assert [r.case for r in Lcspr.objects.visible_to(scope)] == [three_cases["mine"]]
    assert [a.user for a in Appointment.objects.visible_to(scope)] == [person]


def test_the_office_still_reads_every_case_of_its_partnership(leicester, three_cases):
    appoint(three_cases["mine"], staff_user(leicester, role=Role.REVIEWER))
    office = scope_of(staff_user(leicester))
    assert set(Case.objects.visible_to(office)) == {three_cases["mine"], three_cases["other"]}


def test_an_appointment_that_has_ended_opens_nothing(leicester, three_cases):
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appointment = appoint(three_cases["mine"], reviewer)
    appointment_end(
        appointment=appointment, ended_on=timezone.localdate(), reason="Stood down", actor=None
    )
    assert list(Case.objects.visible_to(scope_of(reviewer))) == []


def test_a_reviewer_appointed_to_none_reads_no_case_and_no_meeting(leicester, three_cases):
    office = staff_user(leicester)
    crg_meeting_create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate(),
        actor=office,
    )
    assert CrgMeeting.objects.visible_to(scope_of(office)).count() == 1
    reviewer = scope_of(staff_user(leicester, role=Role.REVIEWER))
    assert list(Case.objects.visible_to(reviewer)) == []
    assert list(InformationRequest.objects.visible_to(reviewer)) == []
    assert list(CrgMeeting.objects.visible_to(reviewer)) == []


def test_every_case_model_says_how_its_rows_reach_their_case():
    """A new model of case data must either reach its case (and so open to the review's
    appointed people) or be named here as belonging to no one case."""
    managers = [(model, getattr(model, "objects", None)) for model in apps.get_models()]
    tenant_models = [
        model
        for model, manager in managers
        if issubclass(getattr(manager, "_queryset_class", object), TenantQuerySet)
    ]
    without_case = {m.__name__ for m in tenant_models if tenant_case_path(m) is None}
    assert without_case == ROWS_OF_NO_CASE
    assert tenant_case_path(Case) == ""


def test_a_case_of_another_review_is_a_404_in_the_pages_and_the_api(client, leicester, three_cases):
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(three_cases["mine"], reviewer)
    sign_in(client, reviewer)
    mine, other = three_cases["mine"].reference, three_cases["other"].reference

    assert client.get(reverse("case_detail", args=[mine])).status_code == 200
    assert client.get(reverse("case_detail", args=[other])).status_code == 404
    listed = client.get(reverse("case_list")).content.decode()
    assert mine in listed
    assert other not in listed

    api = APIClient()
    token = api_token_create(membership=reviewer.memberships.get())
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api_case_detail", args=[mine])).status_code == 200
    assert api.get(reverse("api_case_detail", args=[other])).status_code == 404
    references = [row["reference"] for row in api.get(reverse("api_case_list")).json()["results"]]
    assert references == [mine]


def test_only_a_person_with_the_role_in_the_partnership_is_appointed(leicester, lr, three_cases):
    lcspr = appoint(three_cases["mine"], staff_user(leicester, role=Role.REVIEWER)).lcspr
    today = timezone.localdate()
    for person in (staff_user(leicester, role=Role.CRG_MEMBER), staff_user(lr, role=Role.REVIEWER)):
        with pytest.raises(ApplicationError, match="has no Reviewer account in this partnership"):
            appointment_make(
                lcspr=lcspr,
                user=person,
                role=AppointmentRole.REVIEWER,
                appointed_on=today,
                actor=None,
            )


def test_a_person_is_appointed_once_at_a_time(leicester, three_cases):
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(three_cases["mine"], reviewer).lcspr
    with pytest.raises(ApplicationError, match="already appointed"):
        appointment_make(
            lcspr=lcspr,
            user=reviewer,
            role=AppointmentRole.REVIEWER,
            appointed_on=timezone.localdate(),
            actor=None,
        )


def test_the_demo_reviewer_sees_one_leicester_review_and_nothing_else(demo):
    """From the demo's rows as seed_demo leaves them (`demo`, tests/conftest.py), seeded once
    more: a second run changes nothing."""
    import os

    from django.core.management import call_command

    from cases.models import User

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # idempotent  # noqa: SIM115
    reviewer = scope_of(User.objects.get(username="reviewer"))
    [case] = Case.objects.visible_to(reviewer)
    assert case.partnership == demo["leicester"]
    assert case.lcspr.appointments.get(user=reviewer.user).is_external


def test_an_appointment_ends_once_and_not_before_it_began(leicester, three_cases):
    appointment = appoint(three_cases["mine"], staff_user(leicester, role=Role.REVIEWER))
    today = timezone.localdate()
    with pytest.raises(ApplicationError, match="cannot end before it began"):
        appointment_end(
            appointment=appointment,
            ended_on=today - timedelta(days=1),
            reason="Stood down",
            actor=None,
        )
    appointment_end(appointment=appointment, ended_on=today, reason="Stood down", actor=None)
    with pytest.raises(ApplicationError, match="already ended"):
        appointment_end(appointment=appointment, ended_on=today, reason="Again", actor=None)


def test_a_panel_member_represents_an_agency_of_the_partnership(leicester, lr, three_cases):
    from tests.factories import AgencyFactory

    lr_only = AgencyFactory(name="Rutland Health")
    lr_only.partnerships.set([lr])
    member = staff_user(leicester, role=Role.PANEL_MEMBER)
    lcspr = appoint(three_cases["mine"], staff_user(leicester, role=Role.REVIEWER)).lcspr
    with pytest.raises(ApplicationError, match="serves this partnership"):
        appointment_make(
            lcspr=lcspr,
            user=member,
            role=AppointmentRole.PANEL_MEMBER,
            appointed_on=timezone.localdate(),
            actor=None,
            agency=lr_only,
        )
