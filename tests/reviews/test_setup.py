"""Setting up the review: its basis (§1.4.5), each appointee's declarations before they open
the papers (§1.5.8), and the Police liaison, the review team's record (§6.2.3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import AgencyKind, CareStatus, Role
from cases.services import api_token_create
from rapidreview import services as rr_services
from rapidreview.models import CareDeathOutcome, RapidReview
from rapidreview.signals import lcspr_commissioned
from reviews.models import Appointment, Lcspr, PoliceLiaison, ReviewBasis
from reviews.rules import CONFLICT
from reviews.services import lcspr_open
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    return lcspr_open(
        case=open_case(leicester),
        decided_on=timezone.localdate() - timedelta(days=3),
        key_lines_of_enquiry="",
        actor=None,
    )


def url(name, review, **kwargs):
    return reverse(name, kwargs={"reference": review.case.reference, **kwargs})


# --- The basis of the review (§1.4.5) ---------------------------------------------------


def test_the_office_records_a_review_of_a_case_that_is_not_serious_with_its_reason(
    client, leicester, review
):
    sign_in(client, staff_user(leicester))
    overview = client.get(url("lcspr_overview", review)).content.decode()
    assert "Record the basis of the review" in overview
    base = {"basis": ReviewBasis.LEARNING, "learning_kind": "near_miss", "version": 1}
    response = client.post(url("lcspr_setup", review), {**base, "basis_reason": " "})
    assert response.status_code == 200
    [error] = response.context["form"].errors["basis_reason"]
    assert "§1.4.5" in error
    response = client.post(
        url("lcspr_setup", review),
        {**base, "basis_reason": "A near miss in the hospital's discharge of Child A."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.basis, review.learning_kind) == (ReviewBasis.LEARNING, "near_miss")
    overview = client.get(url("lcspr_overview", review)).content.decode()
    assert "Not serious, reviewed for its learning (§1.4.5)" in overview
    assert "A near miss" in overview
    # A second form opened at the old version is a conflict, not an overwrite.
    response = client.post(url("lcspr_setup", review), {"basis": ReviewBasis.SERIOUS, "version": 1})
    assert response.context["form"].non_field_errors() == [CONFLICT]
    review.refresh_from_db()
    assert review.basis == ReviewBasis.LEARNING


def test_only_the_office_and_the_chair_record_the_basis(client, leicester, review):
    member = staff_user(leicester, Role.CRG_MEMBER)
    sign_in(client, member)
    assert client.get(url("lcspr_setup", review)).status_code == 200
    response = client.post(url("lcspr_setup", review), {"basis": "serious", "version": 1})
    assert response.status_code == 403


def test_each_decision_opens_the_lcspr_with_what_it_says_of_the_basis(leicester):
    # A referral decided at its CRG decision (§4.9): no notification, basis to record.
    referral = open_case(leicester)
    lcspr_commissioned.send(
        sender=RapidReview,
        case=referral,
        decided_on=timezone.localdate(),
        key_lines_of_enquiry="",
        actor=None,
    )
    assert Lcspr.objects.for_partnership(leicester).get(case=referral).basis == ""


def test_a_care_deaths_local_review_is_for_its_learning(monkeypatch, leicester):
    from tests.rapidreview.test_care_death import TODAY, care_death, meeting_on

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    office = staff_user(leicester)
    case = care_death(leicester, office, care_status=CareStatus.CARE_LEAVER, age=22)
    rr_services.care_death_decision_record(
        case=case,
        meeting=meeting_on(leicester, TODAY),
        decided_on=TODAY,
        outcome=CareDeathOutcome.LOCAL_REVIEW,
        rationale="Learning about transitions to adult services.",
        actor=office,
    )
    lcspr = Lcspr.objects.for_partnership(leicester).get(case=case)
    assert lcspr.basis == ReviewBasis.LEARNING
    assert lcspr.basis_reason == "Learning about transitions to adult services."
    # A notified serious incident's Rapid Review: a serious child safeguarding case.
    serious = care_death(leicester, office, care_status=CareStatus.LOOKED_AFTER)
    lcspr_commissioned.send(
        sender=RapidReview, case=serious, decided_on=TODAY, key_lines_of_enquiry="", actor=None
    )
    assert Lcspr.objects.for_partnership(leicester).get(case=serious).basis == ReviewBasis.SERIOUS


# --- Declarations before papers (§1.5.8) -----------------------------------------------


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.PANEL_MEMBER])
def test_an_undeclared_appointee_is_sent_to_declare_before_any_page_of_the_case(
    client, leicester, review, role
):
    person = staff_user(leicester, role)
    appoint(review.case, person, role, on=review.decided_on, declared=False)
    sign_in(client, person)
    declaration = url("lcspr_declaration", review)
    for name in (
        "case_detail",
        "case_requests",
        "combined_summary",
        "case_rapid_review",
        "case_deadlines",
        "lcspr_overview",
        "lcspr_appointments",
        "lcspr_police_liaison",
    ):
        response = client.get(url(name, review), follow=True)
        assert response.redirect_chain == [(declaration, 302)], name
        assert "Before you can open the papers of case" in response.content.decode()
    # The API finds nothing of the case.
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=person.memberships.get())}"
    )
    assert api.get(f"/api/v1/cases/{review.case.reference}/").status_code == 404
    assert review.case.reference not in api.get("/api/v1/cases/").content.decode()

    # Confidentiality must be agreed; a declared conflict needs its details.
    response = client.post(declaration, {"has_conflict": "yes", "conflict_details": ""})
    errors = response.context["form"].errors
    assert "confidentiality_agreed" in errors
    response = client.post(
        declaration,
        {"has_conflict": "yes", "conflict_details": "", "confidentiality_agreed": ["agreed"]},
    )
    assert "conflict_details" in response.context["form"].errors
    response = client.post(
        declaration,
        {
            "has_conflict": "yes",
            "conflict_details": "I worked with the family's GP practice.",
            "confidentiality_agreed": ["agreed"],
        },
    )
    assert response.status_code == 302
    assert client.get(url("case_detail", review)).status_code == 200
    assert api.get(f"/api/v1/cases/{review.case.reference}/").status_code == 200
    appointment = Appointment.objects.for_partnership(leicester).get(user=person)
    assert appointment.has_conflict is True
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Make your declarations" not in dashboard


def test_an_appointee_declares_only_for_their_own_review(client, leicester, review):
    person = staff_user(leicester, Role.REVIEWER)
    appoint(review.case, person, on=review.decided_on, declared=False)
    other = lcspr_open(
        case=open_case(leicester),
        decided_on=timezone.localdate(),
        key_lines_of_enquiry="",
        actor=None,
    )
    sign_in(client, person)
    assert client.get(url("lcspr_declaration", other)).status_code == 404
    assert client.get(url("case_detail", other)).status_code == 404


def test_the_office_is_told_the_declaration_page_is_not_theirs(client, leicester, review):
    sign_in(client, staff_user(leicester))
    text = client.get(url("lcspr_declaration", review)).content.decode()
    assert "You are not appointed to it." in text


# --- The Police liaison (§6.2.3) -------------------------------------------------------


def test_the_police_liaison_is_the_review_teams_record(client, leicester, review):
    police = AgencyFactory(kind=AgencyKind.POLICE, name="Police", partnerships=[leicester])
    police_rep = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(review.case, police_rep, Role.PANEL_MEMBER, on=review.decided_on, agency=police)
    sign_in(client, police_rep)
    fields = {
        "senior_investigating_officer": "DCI Morgan, major crime",
        "crown_prosecution_service_contact": "CPS East Midlands, complex casework",
        "family_liaison": "The FLO, PC Shah, co-ordinates contact with the family.",
    }
    response = client.post(url("lcspr_police_liaison", review), {**fields, "version": 0})
    assert response.status_code == 302
    assert "DCI Morgan" in client.get(url("lcspr_police_liaison", review)).content.decode()
    # Two people editing at once: the second's save is a conflict, shown, not applied.
    response = client.post(
        url("lcspr_police_liaison", review),
        {**fields, "senior_investigating_officer": "Someone else", "version": 0},
    )
    assert response.context["form"].non_field_errors() == [CONFLICT]
    liaison = PoliceLiaison.objects.for_partnership(leicester).get(lcspr=review)
    assert liaison.senior_investigating_officer == "DCI Morgan, major crime"

    sign_in(client, staff_user(leicester, Role.CRG_CHAIR))
    assert client.get(url("lcspr_police_liaison", review)).status_code == 200
    for role in (Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER, Role.PARTNERSHIP_ADMIN):
        sign_in(client, staff_user(leicester, role))
        assert client.get(url("lcspr_police_liaison", review)).status_code == 403
        setup_page = client.get(url("lcspr_setup", review)).content.decode()
        assert "Police liaison" not in setup_page
    # A Panel member of another review does not reach this one's.
    stranger = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(open_case(leicester), stranger, Role.PANEL_MEMBER)
    sign_in(client, stranger)
    assert client.get(url("lcspr_police_liaison", review)).status_code == 404
