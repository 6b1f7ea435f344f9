"""What a walk through issue 16's pages in a browser found, as both partnerships' users
would meet it: the office hears of an agency's update (email and dashboard, §11.3.3,
§11.4.1); the LCSPR page, the publication page and a Rapid Review that did not proceed
lead to their action plans; the agencies on the Panel or owning a recommendation are
"involved" for the publication's leads (§10.2.1); the action pages' fields keep their own
labels."""

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import Child
from publication.models import ActionReminder, PlanAction, ReminderKind
from publication.selectors import plan as plan_selectors
from publication.services import plan as plan_services
from publication.services.action_updates import action_update_add
from publication.services.audits import audit_record
from reviews.models import Finding, Recommendation
from tests.factories import AgencyFactory, agency_user, sign_in, staff_user
from tests.publication.action_fixtures import (
    _media_in_tmp,  # noqa: F401 - autouse
    agency_serving,
    declined_case,
    make_plan,
)

pytestmark = pytest.mark.django_db
CHILD = "Peregrine Wolstenholme"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def updated(leicester):
    """A Rapid Review's plan whose case has a lead officer and a named child; its action's
    agency has a portal user."""
    lead = staff_user(leicester, email="lead.officer@example.org")
    agency = agency_serving(leicester, name="Test Police")
    portal = agency_user(agency, email="portal@agency.example")
    case = declined_case(leicester)
    case.lead_officer = lead
    case.save(update_fields=["lead_officer"])
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD)
    made = make_plan(leicester, agency, case=case)
    return made | {"lead": lead, "portal": portal, "agency": agency}


def post_update(made, *, on_behalf=False, progress="Training delivered to 40 staff."):
    actor = made["office"] if on_behalf else made["portal"]
    return action_update_add(
        action=made["action"], progress=progress, impact="", actor=actor, on_behalf=on_behalf
    )


def test_the_lead_officer_is_emailed_once_a_day_when_the_agency_posts_an_update(
    updated, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(updated)
    told = [m for m in mail.outbox if "lead.officer@example.org" in m.to]
    assert len(told) == 1
    message = told[0]
    assert updated["case"].reference in message.subject
    assert "Test Police posted an update" in message.body
    assert reverse("plan_action", kwargs={"pk": updated["action"].pk}) in message.body
    assert CHILD not in message.subject + message.body
    assert "Training delivered" not in message.body  # the case's content stays in the product
    # A second update the same day: the one email already said so.
    with django_capture_on_commit_callbacks(execute=True):
        post_update(updated, progress="And the managers too.")
    assert len([m for m in mail.outbox if "lead.officer@example.org" in m.to]) == 1


def test_an_update_the_office_enters_itself_tells_nobody(
    updated, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(updated, on_behalf=True)
    assert not ActionReminder.unscoped.filter(kind=ReminderKind.UPDATED).exists()
    assert not [m for m in mail.outbox if "lead.officer@example.org" in m.to]


def test_without_a_lead_officer_the_business_office_is_told(
    leicester, django_capture_on_commit_callbacks
):
    agency = agency_serving(leicester)
    portal = agency_user(agency)
    office = staff_user(leicester, email="the.office@example.org")
    made = make_plan(leicester, agency, office=office)
    assert made["case"].lead_officer is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action_update_add(
            action=made["action"], progress="Done.", impact="", actor=portal, on_behalf=False
        )
    assert [m for m in mail.outbox if "the.office@example.org" in m.to]


def test_the_dashboard_shows_the_agency_update_until_the_next_audit(client, updated):
    post_update(updated)
    url = reverse("plan_action", kwargs={"pk": updated["action"].pk})
    sign_in(client, updated["lead"])
    page = text(client.get(reverse("dashboard")))
    assert "Updates from agencies" in page
    assert url in page
    assert "Test Police posted an update on action 1.1" in page
    audit_record(
        plan=updated["plan"],
        held_on=timezone.localdate(),
        note="",
        ratings={updated["action"].pk: ("green", "")},
        actor=updated["office"],
        today=timezone.localdate(),
    )
    assert url not in text(client.get(reverse("dashboard")))


def test_the_overdue_list_numbers_the_action_as_its_plan_does(client, updated):
    action = updated["action"]
    PlanAction.unscoped.filter(pk=action.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    sign_in(client, updated["office"])
    page = text(client.get(reverse("dashboard")))
    number = f"{updated['rec'].number}.{action.order}"
    assert f"Action {number} of Test Police is overdue" in page


def test_the_other_partnership_is_not_shown_the_update(client, updated, lr):
    post_update(updated)
    sign_in(client, staff_user(lr))
    page = text(client.get(reverse("dashboard")))
    assert reverse("plan_action", kwargs={"pk": updated["action"].pk}) not in page


def test_a_rapid_review_that_did_not_proceed_leads_to_its_action_plan(client, updated):
    sign_in(client, updated["office"])
    page = text(client.get(f"/cases/{updated['case'].reference}/rapid-review/"))
    assert reverse("rapid_review_action_plan", kwargs={"reference": updated["case"].reference}) in (
        page
    )


def test_the_action_form_labels_are_the_fields_not_the_plan(client, updated):
    sign_in(client, updated["office"])
    page = text(client.get(reverse("plan_recommendation", kwargs={"pk": updated["rec"].pk})))
    assert '<label class="govuk-label" for="id_text">The action</label>' in page
    assert '<label class="govuk-label" for="id_measure">Measure of success</label>' in page


# --- The LCSPR at publication (tests/publication/conftest.py's `final`) ----------------------


def test_the_lcspr_page_and_the_publication_page_lead_to_the_action_plan(
    client, final, case, office
):
    sign_in(client, office)
    url = reverse("lcspr_action_plan", kwargs={"reference": case.reference})
    lcspr_page = text(client.get(f"/cases/{case.reference}/lcspr/"))
    assert f'href="{url}"' in lcspr_page
    assert "agreed recommendation" in lcspr_page or "Waits for agreed recommendations" in (
        lcspr_page
    )
    plan_services.publication_open(lcspr=case.lcspr, actor=office)
    assert f'href="{url}"' in text(client.get(f"/cases/{case.reference}/lcspr/publication/"))


def test_an_agency_owning_a_recommendation_is_involved_in_the_publication(final, case, leicester):
    owner = AgencyFactory(partnerships=[leicester], name="Owning Trust")
    assert owner not in plan_selectors.involved_agencies(case.lcspr)
    finding = Finding.unscoped.create(lcspr=case.lcspr, title="Handover", text="Handovers.")
    Recommendation.unscoped.create(
        lcspr=case.lcspr, finding=finding, action="Meet before closing.", owner_agency=owner
    )
    assert owner in plan_selectors.involved_agencies(case.lcspr)
