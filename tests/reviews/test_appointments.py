"""Appointing the Reviewer (§6.1.1) and the Case Review Panel (§6.2.1): who may, whom, when,
what the page says is missing, the email and the dashboard item that tell the appointee,
and ending an appointment."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AgencyKind, Role
from reviews import tasks
from reviews.models import Appointment, AppointmentRole
from reviews.services import appointment_make, lcspr_open
from reviews.services.appointment import APPOINTED_IN_FUTURE
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    return lcspr_open(
        case=case,
        decided_on=timezone.localdate() - timedelta(days=10),
        key_lines_of_enquiry="",
        actor=None,
    )


def partner(partnership, kind, name):
    return AgencyFactory(kind=kind, name=name, partnerships=[partnership])


def page(client, review):
    return client.get(reverse("lcspr_appointments", kwargs={"reference": review.case.reference}))


def appoint_on_page(client, review, role, person, **fields):
    name = "lcspr_appoint_reviewer" if role == Role.REVIEWER else "lcspr_appoint_panel_member"
    today = fields.pop("on", timezone.localdate())
    data = {
        "user": person.pk,
        "appointed_on-day": today.day,
        "appointed_on-month": today.month,
        "appointed_on-year": today.year,
        "is_external": "yes",
        **fields,
    }
    return client.post(reverse(name, kwargs={"reference": review.case.reference}), data)


def test_the_office_appoints_the_reviewer_and_a_panel_until_no_partner_is_missing(
    client, leicester, review, django_capture_on_commit_callbacks
):
    office = staff_user(leicester)
    sign_in(client, office)
    text = page(client, review).content.decode()
    assert "The review has no Reviewer yet" in text
    assert (
        "no representative of Integrated Care Board, Local Authority or Police" in text
    )  # all three Safeguarding Partners missing (§6.2.1)
    overview = client.get(reverse("lcspr_overview", kwargs={"reference": review.case.reference}))
    assert "Needs attention" not in overview.content.decode()  # nothing appointed: not started

    reviewer = staff_user(leicester, Role.REVIEWER, first_name="Robin", last_name="Hale")
    with django_capture_on_commit_callbacks(execute=True):
        response = appoint_on_page(client, review, Role.REVIEWER, reviewer)
    assert response.status_code == 302
    police = partner(leicester, AgencyKind.POLICE, "Leicestershire Police")
    council = partner(leicester, AgencyKind.LOCAL_AUTHORITY, "Leicester City Council")
    icb = partner(leicester, AgencyKind.INTEGRATED_CARE_BOARD, "LLR ICB")
    officer = staff_user(leicester, Role.PANEL_MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        appoint_on_page(client, review, Role.PANEL_MEMBER, officer, agency=police.pk)
    text = page(client, review).content.decode()
    assert "The review has no Reviewer yet" not in text
    assert "no representative of Integrated Care Board or Local Authority" in text
    overview = client.get(reverse("lcspr_overview", kwargs={"reference": review.case.reference}))
    assert "Needs attention" in overview.content.decode()
    assert "Robin Hale" in overview.content.decode()  # the summary's Reviewer row

    for agency in (council, icb):
        with django_capture_on_commit_callbacks(execute=True):
            appoint_on_page(
                client,
                review,
                Role.PANEL_MEMBER,
                staff_user(leicester, Role.PANEL_MEMBER),
                agency=agency.pk,
            )
    text = page(client, review).content.decode()
    assert "The Case Review Panel has no representative" not in text
    overview = client.get(reverse("lcspr_overview", kwargs={"reference": review.case.reference}))
    assert "Every Safeguarding Partner is represented" in overview.content.decode()
    assert "3 members" in overview.content.decode()
    assert "Needs attention" not in overview.content.decode()
    # Appointed, not yet declared: the task says so.
    assert "still to declare" in overview.content.decode()
    rows = Appointment.objects.for_partnership(leicester).filter(lcspr=review, ended_on=None)
    assert {a.role for a in rows} == {AppointmentRole.REVIEWER, AppointmentRole.PANEL_MEMBER}
    assert rows.get(user=reviewer).is_external is True


def test_a_date_in_the_future_or_before_the_decision_is_refused_with_its_field(
    client, leicester, review
):
    sign_in(client, staff_user(leicester))
    reviewer = staff_user(leicester, Role.REVIEWER)
    response = appoint_on_page(
        client, review, Role.REVIEWER, reviewer, on=timezone.localdate() + timedelta(days=1)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"appointed_on": [APPOINTED_IN_FUTURE]}
    response = appoint_on_page(
        client, review, Role.REVIEWER, reviewer, on=review.decided_on - timedelta(days=1)
    )
    [error] = response.context["form"].errors["appointed_on"]
    assert "before the CRG decided" in error
    assert not Appointment.objects.for_partnership(leicester).filter(lcspr=review).exists()


def test_a_panel_member_represents_an_agency_or_brings_expertise(client, leicester, review):
    sign_in(client, staff_user(leicester))
    response = appoint_on_page(
        client, review, Role.PANEL_MEMBER, staff_user(leicester, Role.PANEL_MEMBER)
    )
    assert "agency" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.CRG_MEMBER, Role.REVIEWER, Role.PARTNERSHIP_ADMIN])
def test_only_the_office_and_the_chair_appoint(client, leicester, review, role):
    person = staff_user(leicester, role)
    if role == Role.REVIEWER:
        appoint(review.case, person)
    sign_in(client, person)
    response = appoint_on_page(client, review, Role.REVIEWER, staff_user(leicester, Role.REVIEWER))
    assert response.status_code == 403
    with pytest.raises(ApplicationError, match="Only the Business Office or the CRG chair"):
        appointment_make(
            lcspr=review,
            user=staff_user(leicester, Role.REVIEWER),
            role=Role.REVIEWER,
            appointed_on=timezone.localdate(),
            actor=person,
        )


def test_the_chair_appoints_too(client, leicester, review):
    sign_in(client, staff_user(leicester, Role.CRG_CHAIR))
    response = appoint_on_page(client, review, Role.REVIEWER, staff_user(leicester, Role.REVIEWER))
    assert response.status_code == 302


def test_with_no_one_in_the_role_the_page_says_who_adds_one(client, leicester, review):
    staff_user(leicester, Role.PARTNERSHIP_ADMIN, first_name="Alex", last_name="Admin")
    sign_in(client, staff_user(leicester))
    response = client.get(
        reverse("lcspr_appoint_reviewer", kwargs={"reference": review.case.reference})
    )
    text = response.content.decode()
    assert "No one in this partnership has the Reviewer role" in text
    assert "The partnership admin (Alex Admin) adds a Reviewer account" in text


def test_the_appointee_is_emailed_once_by_reference_and_sees_it_on_the_dashboard(
    client, leicester, review, django_capture_on_commit_callbacks
):
    office = staff_user(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_make(
            lcspr=review,
            user=reviewer,
            role=Role.REVIEWER,
            appointed_on=timezone.localdate(),
            actor=office,
        )
    # The task ran on commit; running it again sends nothing more.
    tasks.appointment_email(partnership_id=leicester.pk, appointment_id=appointment.pk)
    [message] = mail.outbox
    reference = review.case.reference
    assert message.to == [reviewer.email]
    assert message.subject == f"Case {reference}: you are appointed to the LCSPR"
    assert f"/cases/{reference}/lcspr/" in message.body
    appointment.refresh_from_db()
    assert appointment.email_sent_at is not None
    dashboard = sign_in(client, reviewer).get(reverse("dashboard")).content.decode()
    assert f"Make your declarations for case {reference}" in dashboard


def test_the_sweep_sends_what_the_queue_lost(leicester, review, monkeypatch):
    monkeypatch.setattr("reviews.services.appointment.enqueue_on_commit", lambda *a, **k: None)
    reviewer = staff_user(leicester, Role.REVIEWER)
    appointment_make(
        lcspr=review,
        user=reviewer,
        role=Role.REVIEWER,
        appointed_on=timezone.localdate(),
        actor=None,
    )
    Appointment.objects.for_partnership(leicester).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.mail_sweep() == 1
    assert tasks.mail_sweep() == 0
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_ending_an_appointment_needs_a_reason_and_closes_the_case(client, leicester, review):
    reviewer = staff_user(leicester, Role.REVIEWER)
    appointment = appoint(review.case, reviewer, on=review.decided_on)
    sign_in(client, staff_user(leicester))
    url = reverse(
        "lcspr_appointment_end", kwargs={"reference": review.case.reference, "pk": appointment.pk}
    )
    today = timezone.localdate()
    date_fields = {
        "ended_on-day": today.day,
        "ended_on-month": today.month,
        "ended_on-year": today.year,
    }
    response = client.post(url, {**date_fields, "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {**date_fields, "reason": "Left the partnership."})
    assert response.status_code == 302
    text = page(client, review).content.decode()
    assert "Left the partnership." in text
    assert "The review has no Reviewer yet" in text
    sign_in(client, reviewer)
    detail = client.get(reverse("case_detail", kwargs={"reference": review.case.reference}))
    assert detail.status_code == 404


def test_the_office_sees_who_has_declared_and_any_conflict(client, leicester, review):
    declared = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(review.case, declared, Role.PANEL_MEMBER, on=review.decided_on)
    Appointment.objects.for_partnership(leicester).filter(pk=appointment.pk).update(
        has_conflict=True, conflict_details="Supervised the social worker in 2024."
    )
    appoint(review.case, staff_user(leicester, Role.REVIEWER), on=review.decided_on, declared=False)
    sign_in(client, staff_user(leicester))
    text = page(client, review).content.decode()
    assert "Conflict declared" in text
    assert "Supervised the social worker in 2024." in text
    assert "Not yet declared" in text


def test_an_appointment_of_the_other_partnership_is_not_found(client, leicester, lr):
    """lcspr_appointment_end by id (tests/test_isolation.py LCSPR_PK_ROUTES): every role
    of both partnerships."""
    cases = {p: open_case(p) for p in (leicester, lr)}
    appointments = {p: appoint(case, staff_user(p, Role.REVIEWER)) for p, case in cases.items()}
    for partnership in (leicester, lr):
        for role in Role:
            if role == Role.AGENCY_USER:
                continue
            person = staff_user(partnership, role)
            sign_in(client, person)
            for other, appointment in appointments.items():
                url = reverse(
                    "lcspr_appointment_end",
                    kwargs={"reference": cases[other].reference, "pk": appointment.pk},
                )
                status = client.get(url).status_code
                if role not in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR):
                    assert status == 403, (role, url)
                else:
                    assert status == (200 if other == partnership else 404), (role, url)
            # An appointment's id under another case of the same partnership: not found.
            own = appointments[partnership]
            other_case = open_case(partnership)
            lcspr_open(
                case=other_case,
                decided_on=timezone.localdate(),
                key_lines_of_enquiry="",
                actor=None,
            )
            url = reverse(
                "lcspr_appointment_end", kwargs={"reference": other_case.reference, "pk": own.pk}
            )
            if role in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR):
                assert client.get(url).status_code == 404


def test_the_office_is_told_of_a_review_without_its_basis_or_reviewer(client, leicester):
    from cases import services as case_services
    from cases.models import Stage

    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    case_services.case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="Test set-up")
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    sign_in(client, staff_user(leicester))
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f"Record the basis of the review of case {case.reference}" in dashboard
    assert f"Appoint the Reviewer of case {case.reference}" in dashboard
    appoint(case, staff_user(leicester, Role.REVIEWER), on=lcspr.decided_on)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f"Appoint the Reviewer of case {case.reference}" not in dashboard
    # Not the CRG's members, who do not appoint.
    sign_in(client, staff_user(leicester, Role.CRG_MEMBER))
    assert "Record the basis" not in client.get(reverse("dashboard")).content.decode()
