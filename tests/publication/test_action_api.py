"""GET /api/v1/action-plans/ (§10.1.2, §11.3-11.4): each action with its plan, source,
case reference, recommendation number, owner agency, lead, due date, status, latest RAG
and overdue flag; a partnership's token lists its own plans' actions, a portal token only
its agency's, an unappointed Reviewer's none."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Role
from cases.services import api_token_create
from publication.models import NationalReview
from publication.services import action_plans
from publication.services.audits import audit_record
from tests.factories import agency_user, staff_user
from tests.publication.action_fixtures import (
    _media_in_tmp,  # noqa: F401 - autouse
    agency_serving,
    make_plan,
)

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    token = api_token_create(membership=user.memberships.get())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def listed(user):
    response = api(user).get(reverse("api_action_plans"))
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()["results"]}


@pytest.fixture
def plans(leicester, lr):
    police = agency_serving(leicester, lr, name="Leicestershire Police")
    health = agency_serving(leicester, lr, name="Health")
    made = {
        "leicester": make_plan(leicester, police, due_in_days=-5),
        "lr": make_plan(lr, police),
        "leicester_health": make_plan(leicester, health),
    }
    return made | {"police": police, "health": health}


def test_an_office_token_lists_its_own_partnerships_actions_only(plans, leicester):
    rows = listed(staff_user(leicester))
    mine = {plans["leicester"]["action"].pk, plans["leicester_health"]["action"].pk}
    assert set(rows) == mine
    row = rows[plans["leicester"]["action"].pk]
    assert row["case_reference"] == plans["leicester"]["case"].reference
    assert row["partnership"] == "leicester"
    assert row["source"] == "rapid_review"
    assert row["recommendation_number"] == "1"
    assert row["owner_agency"] == "Leicestershire Police"
    assert row["lead"] == "Pat Lead"
    assert row["status"] == "open"
    assert row["overdue"] is True
    assert row["rag"] is None
    assert rows[plans["leicester_health"]["action"].pk]["overdue"] is False


def test_a_portal_token_lists_only_its_agencys_actions_in_every_partnership(plans):
    rows = listed(agency_user(plans["police"]))
    assert set(rows) == {plans["leicester"]["action"].pk, plans["lr"]["action"].pk}
    assert set(listed(agency_user(plans["health"]))) == {plans["leicester_health"]["action"].pk}


def test_the_latest_rag_is_given(plans, leicester):
    made = plans["leicester"]
    today = timezone.localdate()
    for held_on, rag in ((today - timedelta(days=30), "red"), (today, "amber")):
        audit_record(
            plan=made["plan"],
            held_on=held_on,
            note="",
            ratings={made["action"].pk: (rag, "")},
            actor=made["office"],
            today=today,
        )
    assert listed(staff_user(leicester))[made["action"].pk]["rag"] == "amber"


def test_a_national_reviews_action_has_no_case_reference(leicester):
    office = staff_user(leicester)
    review = NationalReview.unscoped.create(
        partnership=leicester,
        title="A national review",
        published_on=timezone.localdate(),
        themes="Themes",
    )
    plan = action_plans.national_review_plan_open(national_review=review, actor=office)
    rec = action_plans.plan_recommendation_add(plan=plan, number="1", text="Apply", actor=office)
    action = action_plans.action_add(
        recommendation=rec,
        text="Brief every team",
        owner_agency=agency_serving(leicester),
        lead_name="Lee",
        lead_email="",
        measure="All briefed",
        due_on=timezone.localdate(),
        actor=office,
    )
    row = listed(office)[action.pk]
    assert row["case_reference"] is None
    assert row["source"] == "national_review"
    # A Reviewer appointed to no review sees no plan's actions.
    assert listed(staff_user(leicester, role=Role.REVIEWER)) == {}
