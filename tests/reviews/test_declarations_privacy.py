"""Who sees the child's identity among the review's people (§7.4.1), what a declared conflict
of interest does (§1.5.8: the Business Office is told and decides), what the declaration
page shows before the case opens, the appointee's email, the migration of appointments
made before declarations existed, and who writes the Police liaison (§6.2.3)."""

import html
import importlib
from datetime import timedelta

import pytest
from django.apps import apps as global_apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AgencyKind, Case, Role
from reviews import services, tasks
from reviews.models import Appointment, PoliceLiaison
from reviews.rules import CONFLICT
from reviews.selectors import setup as setup_selectors
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    return services.lcspr_open(
        case=open_case(leicester),
        decided_on=timezone.localdate() - timedelta(days=3),
        key_lines_of_enquiry="",
        actor=None,
    )


def shown(response) -> str:
    """The page's text as a reader sees it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def url(name, review, **kwargs):
    return reverse(name, kwargs={"reference": review.case.reference, **kwargs})


def declare_conflict(appointment, user, details="I am the child's aunt."):
    return services.declaration_make(
        appointment=appointment,
        actor=user,
        has_conflict=True,
        conflict_details=details,
        confidentiality_agreed=True,
    )


# --- The restricted file (§7.4.1) -------------------------------------------------------


def test_the_reviewer_reads_the_restricted_file_and_a_panel_member_does_not(
    client, leicester, review
):
    reviewer = staff_user(leicester, Role.REVIEWER)
    appoint(review.case, reviewer, on=review.decided_on)
    panel_member = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(review.case, panel_member, Role.PANEL_MEMBER, on=review.decided_on)
    sign_in(client, reviewer)
    assert client.get(url("restricted_file", review)).status_code == 200
    sign_in(client, panel_member)
    assert client.get(url("restricted_file", review)).status_code == 403


def test_an_appointee_with_a_conflict_opens_the_restricted_file_only_once_the_office_decides(
    client, leicester, review
):
    reviewer = staff_user(leicester, Role.REVIEWER)
    appointment = appoint(review.case, reviewer, on=review.decided_on, declared=False)
    declare_conflict(appointment, reviewer)
    sign_in(client, reviewer)
    response = client.get(url("restricted_file", review))
    assert response.status_code == 403
    text = response.content.decode()
    assert "You declared a conflict of interest" in text
    assert "The Business Office decides whether you continue" in text
    # The rest of the case stays open to them.
    assert client.get(url("lcspr_overview", review)).status_code == 200

    services.conflict_continue_record(
        appointment=appointment, note="A distant relation; managed.", actor=staff_user(leicester)
    )
    assert client.get(url("restricted_file", review)).status_code == 200


# --- A declared conflict tells the office (§1.5.8) -------------------------------------


def test_a_declared_conflict_is_emailed_to_the_office_and_the_chair_by_reference_only(
    leicester, review, django_capture_on_commit_callbacks
):
    office = staff_user(leicester)
    chair = staff_user(leicester, Role.CRG_CHAIR)
    staff_user(leicester, Role.CRG_MEMBER)  # not theirs to decide
    member = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(review.case, member, Role.PANEL_MEMBER, declared=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declare_conflict(appointment, member, details="Supervised the social worker.")
    [message] = mail.outbox
    reference = review.case.reference
    assert sorted(message.to) == sorted([office.email, chair.email])
    assert message.subject == f"Case {reference}: a conflict of interest declared on the LCSPR"
    assert f"/cases/{reference}/lcspr/appointments/" in message.body
    assert "Supervised" not in message.body
    # Once only: the task again, and the sweep, send nothing more.
    tasks.appointment_conflict_email(partnership_id=leicester.pk, appointment_id=appointment.pk)
    assert tasks.mail_sweep() == 0
    assert len(mail.outbox) == 1


def test_the_sweep_sends_a_conflict_the_queue_lost(leicester, review, monkeypatch):
    office = staff_user(leicester)
    member = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(review.case, member, Role.PANEL_MEMBER, declared=False)
    Appointment.objects.for_partnership(leicester).update(email_sent_at=timezone.now())
    monkeypatch.setattr("reviews.services.appointment.enqueue_on_commit", lambda *a, **k: None)
    declare_conflict(appointment, member)
    Appointment.objects.for_partnership(leicester).update(
        declared_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.mail_sweep() == 1
    assert tasks.mail_sweep() == 0
    assert [m.to for m in mail.outbox] == [[office.email]]


def test_the_office_sees_the_conflict_on_its_dashboard_until_it_decides(client, leicester, review):
    member = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(review.case, member, Role.PANEL_MEMBER, declared=False)
    declare_conflict(appointment, member)
    reference = review.case.reference
    item = (
        f"Case {reference}: a conflict of interest declared by the review's Case Review "
        "Panel member: decide whether they continue"
    )
    for role in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR):
        sign_in(client, staff_user(leicester, role))
        assert item in shown(client.get(reverse("dashboard")))
    sign_in(client, staff_user(leicester, Role.CRG_MEMBER))
    assert item not in shown(client.get(reverse("dashboard")))

    office = staff_user(leicester)
    sign_in(client, office)
    listing = client.get(url("lcspr_appointments", review)).content.decode()
    assert "Decide whether they continue" in listing
    decide = url("lcspr_appointment_conflict", review, pk=appointment.pk)
    response = client.post(decide, {"note": " "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    response = client.post(decide, {"note": "Managed: not on the health strand."})
    assert response.status_code == 302
    assert item not in shown(client.get(reverse("dashboard")))
    listing = client.get(url("lcspr_appointments", review)).content.decode()
    assert "Managed: not on the health strand." in listing
    # A second post (a double click) changes nothing.
    assert client.post(decide, {"note": "Something else"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.conflict_decision_note == "Managed: not on the health strand."


def test_ending_the_appointment_also_clears_the_dashboard_item(client, leicester, review):
    member = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(review.case, member, Role.PANEL_MEMBER, declared=False)
    declare_conflict(appointment, member)
    office = staff_user(leicester)
    services.appointment_end(
        appointment=appointment, ended_on=timezone.localdate(), reason="Conflict.", actor=office
    )
    sign_in(client, office)
    assert "a conflict of interest declared" not in shown(client.get(reverse("dashboard")))


# --- The declaration page shows only the reference (§1.5.8) ------------------------------


def test_the_declaration_page_shows_nothing_of_the_case_before_they_declare(
    client, leicester, review
):
    Case.objects.for_partnership(leicester).filter(pk=review.case.pk).update(
        withdrawn_at=timezone.now(), withdrawn_reason="The Smith family referral again"
    )
    reviewer = staff_user(leicester, Role.REVIEWER)
    appoint(review.case, reviewer, on=review.decided_on, declared=False)
    sign_in(client, reviewer)
    text = client.get(url("lcspr_declaration", review)).content.decode()
    assert review.case.reference in text
    assert "Make my declarations" in text
    for case_detail in ("Smith", "Last done", "Next due", "Withdrawn", "Stage"):
        assert case_detail not in text


# --- appointment_make has no shortcut past the declaration (§1.5.8) ---------------------


def test_appointing_never_declares_for_the_appointee(leicester, review):
    reviewer = staff_user(leicester, Role.REVIEWER)
    with pytest.raises(TypeError):
        services.appointment_make(
            lcspr=review,
            user=reviewer,
            role=Role.REVIEWER,
            appointed_on=timezone.localdate(),
            actor=None,
            declared=True,
        )


# --- The appointee's email: checked before it is claimed --------------------------------


def test_an_appointee_without_an_email_address_is_not_stamped_as_emailed(leicester, review):
    reviewer = staff_user(leicester, Role.REVIEWER, email="")
    appointment = appoint(review.case, reviewer, declared=False)
    assert tasks.appointment_email(partnership_id=leicester.pk, appointment_id=appointment.pk) == 0
    appointment.refresh_from_db()
    assert appointment.email_sent_at is None
    services.appointment_end(
        appointment=appointment, ended_on=timezone.localdate(), reason="Left.", actor=None
    )
    assert tasks.appointment_email(partnership_id=leicester.pk, appointment_id=appointment.pk) == 0
    appointment.refresh_from_db()
    assert appointment.email_sent_at is None
    assert mail.outbox == []


# --- Appointments made before the email and the declaration existed ---------------------


def test_the_migration_stamps_existing_appointments_as_emailed_and_leaves_them_to_declare(
    leicester, review
):
    reviewer = staff_user(leicester, Role.REVIEWER)
    appointment = appoint(review.case, reviewer, declared=False)
    Appointment.objects.for_partnership(leicester).update(email_sent_at=None, declared_at=None)
    migration = importlib.import_module("reviews.migrations.0007_existing_appointments")
    migration.stamp_existing_as_emailed(global_apps, None)
    appointment.refresh_from_db()
    assert appointment.email_sent_at == appointment.created_at
    assert appointment.declared_at is None
    assert tasks.mail_sweep() == 0


# --- The Police liaison (§6.2.3) -------------------------------------------------------


FIELDS = {
    "senior_investigating_officer": "DCI Morgan, major crime",
    "crown_prosecution_service_contact": "CPS East Midlands",
    "family_liaison": "The FLO co-ordinates contact with the family.",
}


def test_only_the_office_the_reviewer_and_the_police_representative_write_the_liaison(
    client, leicester, review
):
    police = AgencyFactory(kind=AgencyKind.POLICE, name="Leics Police", partnerships=[leicester])
    police_rep = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(review.case, police_rep, Role.PANEL_MEMBER, agency=police)
    other_member = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(review.case, other_member, Role.PANEL_MEMBER)
    reviewer = staff_user(leicester, Role.REVIEWER)
    appoint(review.case, reviewer)
    chair = staff_user(leicester, Role.CRG_CHAIR)

    sign_in(client, police_rep)
    assert (
        client.post(url("lcspr_police_liaison", review), {**FIELDS, "version": 0}).status_code
        == 302
    )
    for reader in (other_member, chair):
        sign_in(client, reader)
        page = client.get(url("lcspr_police_liaison", review))
        assert page.status_code == 200
        text = page.content.decode()
        assert "DCI Morgan, major crime" in text
        assert "Save the Police liaison" not in text
        overwrite = {**FIELDS, "senior_investigating_officer": "Someone else", "version": 1}
        assert client.post(url("lcspr_police_liaison", review), overwrite).status_code == 403
    with pytest.raises(ApplicationError):
        services.police_liaison_save(lcspr=review, actor=chair, **FIELDS, version=1)
    for writer, version in ((reviewer, 1), (staff_user(leicester), 2)):
        sign_in(client, writer)
        assert (
            "Save the Police liaison"
            in client.get(url("lcspr_police_liaison", review)).content.decode()
        )
        response = client.post(url("lcspr_police_liaison", review), {**FIELDS, "version": version})
        assert response.status_code == 302
    liaison = PoliceLiaison.objects.for_partnership(leicester).get(lcspr=review)
    assert (liaison.senior_investigating_officer, liaison.version) == ("DCI Morgan, major crime", 3)


def test_two_first_saves_at_once_are_a_conflict_not_an_error_page(
    client, leicester, review, monkeypatch
):
    office = staff_user(leicester)
    services.police_liaison_save(lcspr=review, actor=office, **FIELDS, version=0)
    # The second first save read "no liaison yet" before the first one committed.
    monkeypatch.setattr("reviews.services.setup._liaison_locked", lambda lcspr: None)
    sign_in(client, office)
    response = client.post(
        url("lcspr_police_liaison", review),
        {**FIELDS, "senior_investigating_officer": "Someone else", "version": 0},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [CONFLICT]
    liaison = setup_selectors.police_liaison(review)
    assert liaison.senior_investigating_officer == "DCI Morgan, major crime"
