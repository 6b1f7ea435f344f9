"""The review's findings and recommendations (§9.2): each finding answers key themes or
KLOEs of the terms in force; each recommendation answers a finding and the page asks for
what it still misses to be SMART (§9.1.2 footnote 22); the partnership's decision that a
separate group turns the findings into actions (§9.2.2-9.2.3), and the findings' PDF."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import Child, Role
from rapidreview.models import CrgMeeting, MeetingKind
from reviews import services
from reviews.models import (
    AgreementOutcome,
    Finding,
    FindingsGroupDecision,
    Recommendation,
    RecommendationStatus,
    TermsAgreement,
    TermsVersion,
    ThemeCode,
)
from reviews.recommendations import RECOMMENDATIONS_LIMIT, Smart
from reviews.selectors.findings import (
    SEND_TO_GROUP,
    findings_status,
    recommendations_for_action_plans,
)
from reviews.services.findings import (
    DUE_PAST,
    HAS_RECOMMENDATIONS,
    KLOE_NOT_IN_FORCE,
    NOT_SMART,
    NOTHING_ANSWERED,
    ONLY_WRITERS,
    OWNER_BOTH,
    STALE,
    THEME_NOT_OF_REVIEW,
)
from reviews.views.findings import ANSWERS_NOTHING
from reviews.workspace import TaskState
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user
from tests.reviews.test_chronology import pdf_text

pytestmark = pytest.mark.django_db

KLOES = [
    "How agencies shared information about the family.",
    "Whether the child's lived experience was understood.",
]
CHILD_NAME = "Zephyrine Quartermaine"


def agree_terms(lcspr, kloes=KLOES):
    """Terms of reference the CRG agreed today, with these KLOEs (§5.1.3)."""
    today = timezone.localdate()
    version = TermsVersion.unscoped.create(lcspr=lcspr, number=1, key_lines_of_enquiry=kloes)
    meeting = CrgMeeting.unscoped.create(
        partnership=lcspr.case.partnership, kind=MeetingKind.MONTHLY, held_on=today
    )
    TermsAgreement.unscoped.create(
        lcspr=lcspr,
        version=version,
        meeting=meeting,
        outcome=AgreementOutcome.AGREED,
        decided_on=today,
        recorded_at=timezone.now(),
    )
    return version


def add_theme(lcspr, title="Neglect"):
    return services.key_theme_add(
        lcspr=lcspr,
        code=ThemeCode.unscoped.filter(partnership=lcspr.case.partnership).first(),
        title=title,
        description=f"What {title} looks at",
        actor=None,
    )


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    panel = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, panel, Role.PANEL_MEMBER)
    agree_terms(lcspr)
    return {
        "case": case,
        "lcspr": lcspr,
        "reviewer": reviewer,
        "panel": panel,
        "office": staff_user(leicester),
        "theme": add_theme(lcspr),
    }


def add_finding(review, *, title="Information was not shared", themes=None, kloes=None):
    return services.finding_add(
        lcspr=review["lcspr"],
        title=title,
        text="The school's concerns did not reach the health visitor.",
        themes=[review["theme"]] if themes is None else themes,
        kloes=[] if kloes is None else kloes,
        actor=review["reviewer"],
    )


def add_recommendation(finding, actor, **kwargs):
    values = {
        "action": "Improve information sharing",
        "owner_agency": None,
        "owner_group": "",
        "measure": "",
        "due_on": None,
    } | kwargs
    return services.recommendation_add(finding=finding, actor=actor, **values)


def smart_values(finding):
    return {
        "finding": finding,
        "action": "Publish a single referral pathway for neglect that every agency uses "
        "and train its staff in it",
        "owner_agency": None,
        "owner_group": "The partnership's Learning and Improvement group",
        "measure": "An audit of 30 referrals shows the pathway used in nine of ten",
        "due_on": timezone.localdate() + timedelta(days=180),
    }


def url(name, case, **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def once_token(response) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', response.content.decode())[1]


def page(response) -> str:
    return response.content.decode()


# --- Findings -------------------------------------------------------------------------


def test_a_finding_must_answer_a_theme_or_a_kloe(review):
    with pytest.raises(ApplicationError) as refused:
        add_finding(review, themes=[], kloes=[])
    assert refused.value.message == NOTHING_ANSWERED
    assert add_finding(review, themes=[], kloes=[KLOES[1]]).kloes == [KLOES[1]]
    assert list(add_finding(review, kloes=[]).themes.all()) == [review["theme"]]


def test_a_kloe_must_be_a_line_of_the_terms_in_force(review, leicester):
    with pytest.raises(ApplicationError) as refused:
        add_finding(review, kloes=["A line nobody agreed."])
    assert refused.value.message == KLOE_NOT_IN_FORCE
    # Before the CRG agrees the terms there is no KLOE to answer.
    other = appoint(open_case(leicester), staff_user(leicester, role=Role.REVIEWER)).lcspr
    with pytest.raises(ApplicationError) as refused:
        services.finding_add(
            lcspr=other, title="T", text="X", themes=[], kloes=[KLOES[0]], actor=None
        )
    assert refused.value.message == KLOE_NOT_IN_FORCE
    # Chosen twice or out of order, they are kept once each in the terms' order.
    finding = add_finding(review, kloes=[KLOES[1], KLOES[0], KLOES[1]])
    assert finding.kloes == KLOES


def test_a_theme_of_another_review_is_refused(review, leicester):
    other = appoint(open_case(leicester), staff_user(leicester, role=Role.REVIEWER)).lcspr
    with pytest.raises(ApplicationError) as refused:
        add_finding(review, themes=[add_theme(other)])
    assert refused.value.message == THEME_NOT_OF_REVIEW


def test_the_reviewer_records_a_finding_with_its_kloes_numbered(client, review):
    case = review["case"]
    sign_in(client, review["reviewer"])
    form = client.get(url("lcspr_findings", case))
    assert form.status_code == 200
    response = client.post(
        url("lcspr_findings", case),
        {
            "form": "add",
            "once_token": once_token(form),
            "title": "Concerns were not shared",
            "text": "What the school knew did not reach the GP.",
            "kloes": [KLOES[1]],
        },
        follow=True,
    )
    finding = Finding.unscoped.get(lcspr=review["lcspr"])
    assert finding.kloes == [KLOES[1]]
    assert finding.created_by == review["reviewer"]
    assert f"KLOE 2: {escape(KLOES[1])}" in page(response)
    assert finding.history.first().history_user == review["reviewer"]


def test_a_finding_sent_twice_is_recorded_once(client, review):
    case = review["case"]
    sign_in(client, review["office"])
    token = once_token(client.get(url("lcspr_findings", case)))
    data = {
        "form": "add",
        "once_token": token,
        "title": "Concerns were not shared",
        "text": "What the school knew did not reach the GP.",
        "themes": [review["theme"].pk],
    }
    first = client.post(url("lcspr_findings", case), data)
    second = client.post(url("lcspr_findings", case), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Finding.unscoped.filter(lcspr=review["lcspr"]).count() == 1


def test_a_stale_edit_is_a_conflict_that_keeps_what_was_typed(client, review):
    case = review["case"]
    finding = add_finding(review)
    sign_in(client, review["reviewer"])
    # Someone else saves first.
    services.finding_update(
        finding=finding,
        title="Changed meanwhile",
        text=finding.text,
        themes=[review["theme"]],
        kloes=[],
        version=1,
        actor=review["office"],
    )
    response = client.post(
        url("lcspr_finding", case, pk=finding.pk),
        {
            "form": "edit",
            "version": 1,
            "title": "My careful rewording",
            "text": "My typed text that must not be lost.",
            "themes": [review["theme"].pk],
        },
    )
    assert response.status_code == 200
    body = page(response)
    assert escape(STALE) in body
    assert "My careful rewording" in body
    assert "My typed text that must not be lost." in body
    finding.refresh_from_db()
    assert finding.title == "Changed meanwhile"
    assert finding.version == 2
    # Saved again from the page as shown, it goes through.
    again = client.post(
        url("lcspr_finding", case, pk=finding.pk),
        {
            "form": "edit",
            "version": 2,
            "title": "My careful rewording",
            "text": "My typed text that must not be lost.",
            "themes": [review["theme"].pk],
        },
    )
    assert again.status_code == 302
    finding.refresh_from_db()
    assert finding.title == "My careful rewording"


def test_a_finding_with_recommendations_is_not_removed(review):
    finding = add_finding(review)
    add_recommendation(finding, review["reviewer"])
    with pytest.raises(ApplicationError) as refused:
        services.finding_remove(finding=finding, version=finding.version, actor=review["office"])
    assert refused.value.message == HAS_RECOMMENDATIONS


def test_findings_are_reordered(client, review):
    first, second = add_finding(review, title="First"), add_finding(review, title="Second")
    sign_in(client, review["reviewer"])
    client.post(
        url("lcspr_findings", review["case"]),
        {"form": "move", "finding": second.pk, "move": "up"},
    )
    titles = list(
        Finding.unscoped.filter(lcspr=review["lcspr"])
        .order_by("order", "id")
        .values_list("title", flat=True)
    )
    assert titles == ["Second", "First"]
    assert first.pk


# --- Recommendations -------------------------------------------------------------------


def test_a_draft_recommendation_is_saved_and_the_page_asks_for_what_is_missing(client, review):
    finding = add_finding(review)
    sign_in(client, review["reviewer"])
    form = client.get(url("lcspr_finding", review["case"], pk=finding.pk))
    response = client.post(
        url("lcspr_finding", review["case"], pk=finding.pk),
        {
            "form": "recommend",
            "once_token": once_token(form),
            "action": "Consider training",
            "owner_group": "The partnership's Learning and Improvement group",
        },
        follow=True,
    )
    rec = Recommendation.unscoped.get(finding=finding)
    assert rec.status == RecommendationStatus.DRAFT
    body = page(response)
    for missing in (Smart.SPECIFIC, Smart.MEASURE, Smart.DUE):
        assert escape(missing.ask) in body
    assert escape(Smart.OWNER.ask) not in body
    assert "Missing: specific action, measure of success, due date" in body
    listing = page(client.get(url("lcspr_findings", review["case"])))
    assert "Missing: specific action, measure of success, due date" in listing


def test_a_recommendation_is_agreed_only_when_smart(review):
    finding = add_finding(review)
    rec = add_recommendation(finding, review["reviewer"])
    values = smart_values(finding) | {"measure": ""}
    with pytest.raises(ApplicationError) as refused:
        services.recommendation_update(
            recommendation=rec, agreed=True, version=1, actor=review["reviewer"], **values
        )
    assert refused.value.message == NOT_SMART.format(missing=Smart.MEASURE.ask)
    rec = services.recommendation_update(
        recommendation=rec,
        agreed=True,
        version=1,
        actor=review["reviewer"],
        **smart_values(finding),
    )
    assert rec.status == RecommendationStatus.AGREED
    plans = recommendations_for_action_plans(review["lcspr"])
    assert [(p.number, p.owner, p.measure) for p in plans] == [
        ("1.1", "The partnership's Learning and Improvement group", rec.measure)
    ]


def test_only_agreed_recommendations_go_to_the_action_plans(review):
    finding = add_finding(review)
    values = smart_values(finding)
    del values["finding"]
    add_recommendation(finding, review["reviewer"], **values)  # SMART, but still a draft
    assert recommendations_for_action_plans(review["lcspr"]) == []


def test_a_new_recommendation_due_in_the_past_is_refused(review):
    finding = add_finding(review)
    with pytest.raises(ApplicationError) as refused:
        add_recommendation(
            finding, review["office"], due_on=timezone.localdate() - timedelta(days=1)
        )
    assert refused.value.message == DUE_PAST


def test_an_agency_and_a_group_together_are_refused(review):
    finding = add_finding(review)
    agency = AgencyFactory(partnerships=[review["case"].partnership])
    with pytest.raises(ApplicationError) as refused:
        add_recommendation(finding, review["office"], owner_agency=agency, owner_group="A group")
    assert refused.value.message == OWNER_BOTH


def test_more_than_the_limit_is_warned_of(client, review):
    finding = add_finding(review)
    for _ in range(RECOMMENDATIONS_LIMIT + 1):
        add_recommendation(finding, review["office"])
    sign_in(client, review["panel"])
    body = page(client.get(url("lcspr_findings", review["case"])))
    assert f"more than {RECOMMENDATIONS_LIMIT}" in body
    assert "§9.1.2" in body


def test_the_task_counts_findings_recommendations_and_those_not_yet_smart(review):
    lcspr = review["lcspr"]
    assert findings_status(lcspr).state == TaskState.NOT_STARTED
    finding = add_finding(review)
    add_recommendation(finding, review["office"])
    status = findings_status(lcspr)
    assert status.state == TaskState.ATTENTION
    assert status.hint == "1 finding, 1 recommendation, 1 not yet SMART"


def test_a_stale_recommendation_edit_keeps_what_was_typed(client, review):
    finding = add_finding(review)
    rec = add_recommendation(finding, review["reviewer"])
    services.recommendation_update(
        recommendation=rec,
        agreed=False,
        version=1,
        actor=review["office"],
        **smart_values(finding),
    )
    sign_in(client, review["reviewer"])
    response = client.post(
        url("lcspr_recommendation", review["case"], pk=rec.pk),
        {
            "form": "edit",
            "version": 1,
            "finding": finding.pk,
            "action": "My own words for the action, typed with care.",
        },
    )
    assert response.status_code == 200
    assert escape(STALE) in page(response)
    assert "My own words for the action, typed with care." in page(response)


# --- The separate group (§9.2.2-9.2.3) ---------------------------------------------------


def test_the_group_decision_is_recorded_and_shown_and_the_sending_recorded(client, review):
    case = review["case"]
    add_finding(review)
    sign_in(client, review["office"])
    today = timezone.localdate()
    response = client.post(
        url("lcspr_findings_group", case),
        {
            "form": "decide",
            "version": 0,
            "decided": "yes",
            "at_outset": "on",
            "group_name": "The Learning and Improvement group",
            "contact_email": "chair@learning.example",
            "decided_on-day": today.day,
            "decided_on-month": today.month,
            "decided_on-year": today.year,
        },
        follow=True,
    )
    body = page(response)
    assert "The Learning and Improvement group will consider these findings" in body
    assert "recommendations here are optional" in body
    assert "not yet been sent to the group" in body
    decision = review["lcspr"].findings_group
    assert decision.at_outset
    assert decision.recorded_by == review["office"]
    todo = SEND_TO_GROUP.format(group="The Learning and Improvement group")
    assert escape(todo) in page(client.get(reverse("dashboard")))
    client.post(url("lcspr_findings_group", case), {"form": "sent"})
    assert escape(todo) not in page(client.get(reverse("dashboard")))
    decision.refresh_from_db()
    assert decision.sent_at is not None
    assert decision.sent_by == review["office"]
    status = findings_status(review["lcspr"])
    assert "a separate group turns the findings into actions" in status.hint


def test_the_group_needs_a_name(client, review):
    sign_in(client, review["office"])
    response = client.post(
        url("lcspr_findings_group", review["case"]),
        {"form": "decide", "version": 0, "decided": "yes"},
    )
    assert response.status_code == 200
    assert "Name the group" in page(response)


def test_the_findings_pdf_holds_the_findings_and_no_childs_name(client, review):
    add_finding(review, title="Concerns were not shared")
    sign_in(client, review["office"])
    response = client.get(url("lcspr_findings_pdf", review["case"]))
    assert response.status_code == 200
    assert review["case"].reference in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Concerns were not shared" in text
    assert CHILD_NAME not in text
    assert "Zephyrine" not in text


# --- Who may ---------------------------------------------------------------------------


def test_a_panel_member_reads_but_cannot_write(client, review):
    finding = add_finding(review)
    sign_in(client, review["panel"])
    assert client.get(url("lcspr_findings", review["case"])).status_code == 200
    page_of_finding = client.get(url("lcspr_finding", review["case"], pk=finding.pk))
    assert page_of_finding.status_code == 200
    assert "Add a recommendation" not in page(page_of_finding)
    refused = client.post(
        url("lcspr_findings", review["case"]),
        {"form": "add", "title": "T", "text": "X", "themes": [review["theme"].pk]},
    )
    assert refused.status_code == 403
    assert Finding.unscoped.count() == 1
    with pytest.raises(ApplicationError) as service_refused:
        services.finding_add(
            lcspr=review["lcspr"],
            title="T",
            text="X",
            themes=[review["theme"]],
            kloes=[],
            actor=review["panel"],
        )
    assert service_refused.value.message == ONLY_WRITERS


def test_the_crg_chair_reads_but_cannot_write(client, review, leicester):
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    assert client.get(url("lcspr_findings", review["case"])).status_code == 200
    assert client.post(url("lcspr_findings", review["case"]), {"form": "add"}).status_code == 403


def test_another_partnerships_office_and_an_unappointed_reviewer_find_nothing(
    client, review, leicester, lr
):
    finding = add_finding(review)
    case = review["case"]
    for user in (staff_user(lr), staff_user(leicester, role=Role.REVIEWER)):
        sign_in(client, user)
        for address in (
            url("lcspr_findings", case),
            url("lcspr_finding", case, pk=finding.pk),
            url("lcspr_findings_pdf", case),
            url("lcspr_findings_group", case),
        ):
            response = client.get(address)
            assert response.status_code == 404, (user, address)
            assert finding.title not in page(response)


def test_the_lcspr_page_lists_the_task_with_its_counts(client, review):
    finding = add_finding(review)
    add_recommendation(finding, review["office"])
    sign_in(client, review["panel"])
    body = page(
        client.get(reverse("lcspr_overview", kwargs={"reference": review["case"].reference}))
    )
    assert "Findings and recommendations" in body
    assert "1 finding, 1 recommendation, 1 not yet SMART" in body


def test_agreeing_on_the_page_asks_for_what_is_missing_then_agrees(client, review):
    finding = add_finding(review)
    rec = add_recommendation(finding, review["reviewer"])
    sign_in(client, review["reviewer"])
    address = url("lcspr_recommendation", review["case"], pk=rec.pk)
    due = timezone.localdate() + timedelta(days=90)
    data = {
        "form": "edit",
        "version": 1,
        "finding": finding.pk,
        "action": "Publish a single referral pathway for neglect that every agency uses",
        "owner_group": "The Learning and Improvement group",
        "agreed": "on",
    }
    refused = client.post(address, data)
    assert refused.status_code == 200
    assert escape(Smart.MEASURE.ask) in page(refused)
    assert escape(Smart.DUE.ask) in page(refused)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.DRAFT
    data |= {
        "measure": "An audit shows the pathway used in nine referrals of ten",
        "due_on-day": due.day,
        "due_on-month": due.month,
        "due_on-year": due.year,
    }
    assert client.post(address, data).status_code == 302
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.AGREED
    assert rec.due_on == due


def test_a_finding_whose_theme_was_removed_says_it_answers_nothing(client, review):
    add_finding(review)
    services.key_theme_remove(theme=review["theme"], version=review["theme"].version)
    assert "answering no key theme or KLOE" in findings_status(review["lcspr"]).hint
    sign_in(client, review["reviewer"])
    body = page(client.get(url("lcspr_findings", review["case"])))
    assert escape(ANSWERS_NOTHING) in body


def test_only_the_office_or_the_chair_record_the_group_decision(client, review):
    for user in (review["reviewer"], review["panel"]):
        sign_in(client, user)
        assert client.get(url("lcspr_findings_group", review["case"])).status_code == 200
        refused = client.post(
            url("lcspr_findings_group", review["case"]),
            {"form": "decide", "version": 0, "decided": "no"},
        )
        assert refused.status_code == 403
    assert not FindingsGroupDecision.unscoped.exists()
