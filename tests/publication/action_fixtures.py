"""What the action plan tests share: a plan in a partnership with an action owned by an
agency, built through the services (tests/publication/test_action_*.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from publication.services import action_plans
from publication.services.action_updates import action_update_add
from rapidreview.models import Decision, RapidReview
from tests.factories import AgencyFactory, open_case, staff_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def declined_case(partnership):
    """A case whose Rapid Review decided not to proceed to an LCSPR (§1.4.6)."""
    case = open_case(partnership)
    RapidReview.unscoped.create(case=case, decision=Decision.NOT_PROCEED)
    return case


def make_plan(partnership, agency, *, office=None, due_in_days=60, case=None):
    """A Rapid Review plan with recommendation 1 and one action owned by `agency`."""
    office = office or staff_user(partnership)
    case = case or declined_case(partnership)
    plan = action_plans.rapid_review_plan_open(case=case, actor=office)
    rec = action_plans.plan_recommendation_add(
        plan=plan, number="1", text="Share referrals within a day.", actor=office
    )
    action = action_plans.action_add(
        recommendation=rec,
        text="Train the front door team in the referral pathway",
        owner_agency=agency,
        lead_name="Pat Lead",
        lead_email="pat.lead@agency.example",
        measure="Nine referrals in ten shared within a day",
        due_on=timezone.localdate() + timedelta(days=due_in_days),
        actor=office,
    )
    return {"case": case, "plan": plan, "rec": rec, "action": action, "office": office}


def add_evidence(action, office):
    update = action_update_add(
        action=action,
        progress="Training delivered",
        impact="",
        actor=office,
        on_behalf=True,
        upload=pdf(),
    )
    return update.evidence.get()


def agency_serving(*partnerships, name=None):
    kwargs = {"partnerships": list(partnerships)}
    if name:
        kwargs["name"] = name
    return AgencyFactory(**kwargs)


def once_token(response) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', response.content.decode())[1]
