"""Action plans (§10.1.2, §11.4.1): opened from an LCSPR's agreed recommendations (once,
bringing in only new ones after), from a Rapid Review that decided not to proceed, or from
a national review; SMART actions refused with the missing field named; a recommendation
not accepted only with its published statement; edits with visible conflicts; closing
only with evidence; audits with a RAG rating per open action."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Role
from publication.models import (
    ActionPlan,
    ActionStatus,
    AuditRating,
    NationalReview,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    Response,
)
from publication.rules.actions import SMART_FIELDS
from publication.services import action_plans as services
from publication.services.audits import RATING_NEEDED
from reviews import services as review_services
from tests.factories import appoint, open_case, sign_in, staff_user
from tests.publication.action_fixtures import (
    _media_in_tmp,  # noqa: F401 - autouse
    add_evidence,
    agency_serving,
    make_plan,
    once_token,
)
from tests.reviews.test_findings import (
    add_finding,
    add_recommendation,
    add_theme,
    agree_terms,
    smart_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    """An LCSPR with its Reviewer, agreed terms and a key theme (tests/reviews)."""
    case = open_case(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    agree_terms(lcspr)
    return {
        "case": case,
        "lcspr": lcspr,
        "reviewer": reviewer,
        "office": staff_user(leicester),
        "theme": add_theme(lcspr),
    }


def agreed(
    review,
    action="Publish a single referral pathway for neglect that every agency uses",
):
    finding = add_finding(review, title=f"Finding about {action}")
    values = smart_values(finding) | {"action": action}
    del values["finding"]
    rec = add_recommendation(finding, review["reviewer"])
    return review_services.recommendation_update(
        recommendation=rec,
        agreed=True,
        version=rec.version,
        actor=review["reviewer"],
        finding=finding,
        **values,
    )


def plan_recs(plan):
    return list(
        PlanRecommendation.objects.for_partnership(plan.partnership)
        .filter(plan=plan)
        .values_list("number", "source_recommendation_id")
    )


# --- Opening plans ---------------------------------------------------------------------


def test_an_lcspr_plan_carries_agreed_recommendations_once_and_then_only_new_ones(client, review):
    first = agreed(review)
    office = review["office"]
    sign_in(client, office)
    response = client.post(reverse("lcspr_action_plan", args=[review["case"].reference]))
    plan = ActionPlan.objects.for_partnership(review["case"].partnership).get()
    assert response.status_code == 302
    assert response.url == reverse("action_plan_detail", kwargs={"pk": plan.pk})
    assert plan.source == PlanSource.LCSPR
    assert plan.case == review["case"]
    assert plan_recs(plan) == [("1.1", first.pk)]

    # Again: nothing new, nothing doubled.
    plan_again, added = services.lcspr_plan_open(lcspr=review["lcspr"], actor=office)
    assert (plan_again.pk, added) == (plan.pk, 0)
    assert plan_recs(plan) == [("1.1", first.pk)]

    second = agreed(
        review, action="Audit thirty referrals each quarter to check the pathway is used"
    )
    _, added = services.lcspr_plan_open(lcspr=review["lcspr"], actor=office)
    assert added == 1
    assert [pk for _, pk in plan_recs(plan)] == [first.pk, second.pk]
    page = client.get(reverse("action_plan_detail", kwargs={"pk": plan.pk})).content.decode()
    assert "Recommendation 1.1" in page
    assert "Recommendation 2.1" in page


def test_the_lcspr_page_before_the_plan_offers_to_open_it(client, review):
    agreed(review)
    sign_in(client, review["office"])
    page = client.get(reverse("lcspr_action_plan", args=[review["case"].reference]))
    assert page.status_code == 200
    assert "Open the action plan" in page.content.decode()
    assert ActionPlan.objects.for_partnership(review["case"].partnership).count() == 0


def test_only_the_office_and_chair_open_a_plan(client, review):
    agreed(review)
    sign_in(client, review["reviewer"])
    response = client.post(reverse("lcspr_action_plan", args=[review["case"].reference]))
    assert response.status_code == 403
    with pytest.raises(ApplicationError):
        services.lcspr_plan_open(lcspr=review["lcspr"], actor=review["reviewer"])
    assert ActionPlan.objects.for_partnership(review["case"].partnership).count() == 0


def test_a_rapid_review_plan_only_after_a_decision_not_to_proceed(client, leicester):
    office = staff_user(leicester)
    case = open_case(leicester)
    sign_in(client, office)
    url = reverse("rapid_review_action_plan", args=[case.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "has not decided not to proceed" in page.content.decode()
    client.post(url)
    assert ActionPlan.objects.for_partnership(leicester).count() == 0
    with pytest.raises(ApplicationError) as refused:
        services.rapid_review_plan_open(case=case, actor=office)
    assert refused.value.message == services.NOT_DECLINED.format(reference=case.reference)

    agency = agency_serving(leicester)
    made = make_plan(leicester, agency, office=office)
    assert made["plan"].source == PlanSource.RAPID_REVIEW
    # Opening it again returns the same plan.
    again = services.rapid_review_plan_open(case=made["case"], actor=office)
    assert again.pk == made["plan"].pk


def test_a_national_review_plan_is_opened_once_and_its_route_leads_to_it(client, leicester):
    office = staff_user(leicester)
    review = NationalReview.unscoped.create(
        partnership=leicester,
        title="Child protection in England",
        published_on=timezone.localdate(),
        themes="Multi-agency working",
    )
    sign_in(client, office)
    url = reverse("national_review_action_plan", kwargs={"pk": review.pk})
    assert "Open the action plan" in client.get(url).content.decode()
    response = client.post(url)
    plan = services.national_review_plan_open(national_review=review, actor=office)
    assert response.url == reverse("action_plan_detail", kwargs={"pk": plan.pk})
    assert plan.case is None
    assert plan.source == PlanSource.NATIONAL_REVIEW
    assert ActionPlan.objects.for_partnership(leicester).count() == 1
    assert client.get(url).url == reverse("action_plan_detail", kwargs={"pk": plan.pk})


# --- Responding to recommendations -----------------------------------------------------


def action_post(agency, **changes):
    due = timezone.localdate() + timedelta(days=90)
    data = {
        "form": "action",
        "text": "Train the front door team",
        "owner_agency": agency.pk,
        "lead_name": "Pat Lead",
        "lead_email": "",
        "measure": "Nine in ten referrals shared within a day",
        "due_on-day": due.day,
        "due_on-month": due.month,
        "due_on-year": due.year,
    }
    return data | changes


@pytest.mark.parametrize("missing", ["owner_agency", "lead_name", "measure", "due_on"])
def test_an_action_missing_a_smart_part_is_refused_with_the_field_named(client, leicester, missing):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    sign_in(client, made["office"])
    url = reverse("plan_recommendation", kwargs={"pk": made["rec"].pk})
    data = action_post(agency)
    if missing == "due_on":
        data |= {"due_on-day": "", "due_on-month": "", "due_on-year": ""}
    else:
        data[missing] = ""
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert SMART_FIELDS[missing] in page
    assert "Train the front door team" in page  # what was typed is kept
    assert PlanAction.objects.for_partnership(leicester).count() == 1  # only make_plan's


def test_the_service_names_the_missing_field_too(leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    with pytest.raises(ApplicationError) as refused:
        services.action_add(
            recommendation=made["rec"],
            text="Do it",
            owner_agency=None,
            lead_name="Pat",
            lead_email="",
            measure="Done",
            due_on=timezone.localdate(),
            actor=made["office"],
        )
    assert refused.value.field == "owner_agency"
    assert refused.value.message == SMART_FIELDS["owner_agency"]


def test_an_action_sent_twice_is_added_once(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    sign_in(client, made["office"])
    url = reverse("plan_recommendation", kwargs={"pk": made["rec"].pk})
    token = once_token(client.get(url))
    data = action_post(agency, once_token=token)
    first = client.post(url, data)
    second = client.post(url, data)
    import re as _re

    assert first.status_code == 302, _re.findall(
        r"govuk-error-message.*?</p>", first.content.decode(), _re.S
    )
    assert second.status_code == 302
    assert (
        PlanAction.objects.for_partnership(leicester).filter(recommendation=made["rec"]).count()
        == 2
    )


def test_not_accepted_needs_the_statement_which_the_plan_shows(client, leicester):
    office = staff_user(leicester)
    case = open_case(leicester)
    from rapidreview.models import Decision, RapidReview

    RapidReview.unscoped.create(case=case, decision=Decision.NOT_PROCEED)
    plan = services.rapid_review_plan_open(case=case, actor=office)
    rec = services.plan_recommendation_add(plan=plan, number="2", text="Merge teams", actor=office)
    sign_in(client, office)
    url = reverse("plan_recommendation", kwargs={"pk": rec.pk})
    data = {
        "form": "respond",
        "respond-response": "not_accepted",
        "respond-statement": "",
        "respond-version": rec.version,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert services.STATEMENT_NEEDED in response.content.decode()
    rec.refresh_from_db()
    assert rec.response == ""
    statement = "The teams were merged in 2025 already."
    response = client.post(url, data | {"respond-statement": statement})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert (rec.response, rec.statement) == (Response.NOT_ACCEPTED, statement)
    assert statement in client.get(reverse("action_plan_detail", kwargs={"pk": plan.pk})).text


def test_a_recommendation_with_actions_cannot_be_not_accepted(leicester):
    made = make_plan(leicester, agency_serving(leicester))
    rec = made["rec"]
    rec.refresh_from_db()
    assert rec.response == Response.ACCEPTED  # adding an action accepted it
    with pytest.raises(ApplicationError) as refused:
        services.recommendation_respond(
            recommendation=rec,
            response=Response.NOT_ACCEPTED,
            statement="No",
            version=rec.version,
            actor=made["office"],
        )
    assert refused.value.message == services.HAS_ACTIONS.format(number="1")


def test_a_stale_action_edit_is_a_visible_conflict_keeping_what_was_typed(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    action = made["action"]
    sign_in(client, made["office"])
    # Someone else changes it first.
    services.action_change(
        action=action,
        text=action.text,
        owner_agency=agency,
        lead_name="Sam Other",
        lead_email="",
        measure=action.measure,
        due_on=action.due_on,
        version=action.version,
        actor=made["office"],
    )
    url = reverse("plan_action", kwargs={"pk": action.pk})
    data = action_post(agency, form="edit", lead_name="Pat Typed", version=1)
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert services.ACTION_CONFLICT in page
    assert "Pat Typed" in page
    action.refresh_from_db()
    assert action.lead_name == "Sam Other"
    # Sent again at the version now stored, it saves.
    response = client.post(url, data | {"version": action.version})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.lead_name == "Pat Typed"


# --- Closing and audits ----------------------------------------------------------------


def test_an_action_is_closed_only_with_evidence(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    action = made["action"]
    sign_in(client, made["office"])
    url = reverse("plan_action", kwargs={"pk": action.pk})
    data = {"form": "close", "close-note": "", "close-version": action.version}
    response = client.post(url, data)
    assert response.status_code == 200
    assert services.CLOSE_NEEDS_EVIDENCE in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN

    add_evidence(action, made["office"])
    response = client.post(url, data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED
    assert action.closed_by == made["office"]


def test_an_audit_rates_each_open_action_and_the_plan_shows_the_tags(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    second = services.action_add(
        recommendation=made["rec"],
        text="Audit referrals",
        owner_agency=agency,
        lead_name="Lee",
        lead_email="",
        measure="An audit held",
        due_on=timezone.localdate() + timedelta(days=10),
        actor=made["office"],
    )
    sign_in(client, made["office"])
    url = reverse("action_plan_audit_new", kwargs={"pk": made["plan"].pk})
    today = timezone.localdate()
    data = {
        "once_token": once_token(client.get(url)),
        "held_on-day": today.day,
        "held_on-month": today.month,
        "held_on-year": today.year,
        f"rag_{made['action'].pk}": "red",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert RATING_NEEDED.format(number="1.2") in response.content.decode()
    response = client.post(url, data | {f"rag_{second.pk}": "green"})
    assert response.status_code == 302
    ratings = dict(AuditRating.objects.for_partnership(leicester).values_list("action_id", "rag"))
    assert ratings == {made["action"].pk: "red", second.pk: "green"}
    page = client.get(reverse("action_plan_detail", kwargs={"pk": made["plan"].pk})).text
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--green">Green</strong>' in page


def test_a_crg_member_reads_the_plan_but_cannot_change_it(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency)
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    url = reverse("plan_recommendation", kwargs={"pk": made["rec"].pk})
    assert client.get(url).status_code == 200
    assert client.post(url, action_post(agency)).status_code == 403
    assert (
        client.get(reverse("action_plan_audit_new", kwargs={"pk": made["plan"].pk})).status_code
        == 403
    )


def test_the_list_counts_open_overdue_and_closed_actions(client, leicester):
    agency = agency_serving(leicester)
    made = make_plan(leicester, agency, due_in_days=-3)
    sign_in(client, made["office"])
    page = client.get(reverse("action_plans")).text
    assert f"Case {made['case'].reference}" in page
    assert "1 overdue" in page


def test_a_reports_recommendation_offers_its_smart_terms_for_the_first_action(client, review):
    rec = agreed(review)
    plan, _ = services.lcspr_plan_open(lcspr=review["lcspr"], actor=review["office"])
    plan_rec = PlanRecommendation.objects.for_partnership(plan.partnership).get(plan=plan)
    sign_in(client, review["office"])
    page = client.get(reverse("plan_recommendation", kwargs={"pk": plan_rec.pk})).text
    assert rec.action in page
    assert rec.measure in page
    assert f'value="{rec.due_on.year}"' in page
