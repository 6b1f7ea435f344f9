"""Sharing the learning (§11.2-11.3): the plan of briefings with their audience, date,
delivery and reach; overdue briefings on the page and the office's dashboard; the review
panels' swift learning messages listed by case reference (§11.2.1)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Child, Role
from publication.models import ActionPlan, Briefing, BriefingKind, PlanSource
from publication.services import learning as services
from reviews.models import LearningAudience
from tests.factories import open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

NEW = reverse("learning_briefing_new")
PAGE = reverse("learning")


def _day(field, day):
    return {f"{field}-day": day.day, f"{field}-month": day.month, f"{field}-year": day.year}


def _briefing(partnership, *, title="Neglect: seven minutes", planned_on=None, **kwargs):
    return services.briefing_create(
        partnership=partnership,
        actor=None,
        kind=kwargs.pop("kind", BriefingKind.SEVEN_MINUTE),
        title=title,
        audience="Front-line practitioners of every agency",
        planned_on=planned_on or timezone.localdate() + timedelta(days=10),
        **kwargs,
    )


def test_the_office_plans_a_briefing_and_a_mistake_keeps_what_was_typed(client, leicester):
    office = staff_user(leicester)
    sign_in(client, office)
    form = client.get(NEW).text
    assert "Plan a briefing" in form
    planned = timezone.localdate() + timedelta(days=20)
    typed = {
        "kind": BriefingKind.MULTI_AGENCY,
        "title": "Learning from LSCP-2026-0001",
        "audience": "",
        **_day("planned_on", planned),
        "reach": "many",
    }
    refused = client.post(NEW, typed)
    assert refused.status_code == 200
    page = refused.text
    assert "Say who the audience is." in page
    assert "Enter the number of people reached as a whole number, like 40." in page
    assert 'value="Learning from LSCP-2026-0001"' in page  # what was typed stays
    assert Briefing.objects.for_partnership(leicester).count() == 0

    typed.update({"audience": "Health visitors and school nurses", "reach": ""})
    saved = client.post(NEW, typed)
    assert saved.status_code == 302
    assert "is saved" in client.get(saved.url).text
    briefing = Briefing.objects.for_partnership(leicester).get()
    assert (briefing.kind, briefing.planned_on, briefing.recorded_by) == (
        BriefingKind.MULTI_AGENCY,
        planned,
        office,
    )
    listed = client.get(PAGE).text
    assert "Learning from LSCP-2026-0001" in listed
    assert "Health visitors and school nurses" in listed
    assert "Planned" in listed


def test_recording_delivery_and_reach_and_a_stale_form_is_a_conflict(client, leicester):
    office = staff_user(leicester)
    briefing = _briefing(leicester, planned_on=timezone.localdate() - timedelta(days=3))
    url = reverse("learning_briefing", kwargs={"pk": briefing.pk})
    sign_in(client, office)
    delivered = timezone.localdate() - timedelta(days=2)
    data = {
        "kind": briefing.kind,
        "title": briefing.title,
        "audience": briefing.audience,
        **_day("planned_on", briefing.planned_on),
        **_day("delivered_on", delivered),
        "delivery": "Online, by the Business Office",
        "reach": "42",
        "version": briefing.version,
    }
    # Reach without a delivery date is refused, and the typed reach kept.
    no_date = {k: v for k, v in data.items() if not k.startswith("delivered_on")}
    refused = client.post(url, no_date)
    assert services.REACH_WITHOUT_DELIVERY in refused.text
    assert 'value="42"' in refused.text
    assert client.post(url, data).status_code == 302
    briefing.refresh_from_db()
    assert (briefing.delivered_on, briefing.reach, briefing.version) == (delivered, 42, 2)
    page = client.get(PAGE).text
    assert "42 people" in page
    assert "Overdue" not in page
    # The form read at version 1 again: a conflict, shown, not an overwrite.
    stale = client.post(url, {**data, "reach": "7"})
    assert stale.status_code == 200
    assert services.CONFLICT in stale.text
    briefing.refresh_from_db()
    assert briefing.reach == 42


def test_an_overdue_briefing_is_shown_on_the_page_and_the_office_dashboard(client, leicester):
    _briefing(
        leicester, title="Bruising in babies", planned_on=timezone.localdate() - timedelta(days=1)
    )
    _briefing(leicester, title="Coming soon")
    sign_in(client, staff_user(leicester))
    page = client.get(PAGE).text
    assert "Overdue" in page
    assert "1 briefing planned for a date gone by is not recorded as delivered" in page
    dashboard = client.get(reverse("dashboard")).text
    assert "Bruising in babies" in dashboard
    assert "Coming soon" not in dashboard
    # A CRG member reads the plan but is not asked to deliver it.
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert "Bruising in babies" in client.get(PAGE).text
    assert "Bruising in babies" not in client.get(reverse("dashboard")).text


def test_a_reader_cannot_change_a_briefing(client, leicester):
    briefing = _briefing(leicester)
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    url = reverse("learning_briefing", kwargs={"pk": briefing.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Change it, or record its delivery" not in page.text
    assert "Plan a briefing" not in client.get(PAGE).text
    assert client.post(url, {"title": "Changed"}).status_code == 403
    briefing.refresh_from_db()
    assert briefing.title == "Neglect: seven minutes"


def test_a_briefing_may_belong_to_one_of_the_partnerships_action_plans(client, leicester, lr):
    own = ActionPlan.unscoped.create(
        partnership=leicester, source=PlanSource.NATIONAL_REVIEW, title="Own plan"
    )
    other = ActionPlan.unscoped.create(
        partnership=lr, source=PlanSource.NATIONAL_REVIEW, title="Their plan"
    )
    sign_in(client, staff_user(leicester))
    form = client.get(NEW).text
    assert "Own plan" in form
    assert "Their plan" not in form
    data = {
        "kind": BriefingKind.SUPERVISION,
        "title": "Supervision pack",
        "audience": "Supervisors",
        **_day("planned_on", timezone.localdate() + timedelta(days=5)),
    }
    refused = client.post(NEW, {**data, "plan": other.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
    assert client.post(NEW, {**data, "plan": own.pk}).status_code == 302
    assert Briefing.objects.for_partnership(leicester).get().plan == own


def test_sending_the_new_form_twice_saves_one_briefing(client, leicester):
    sign_in(client, staff_user(leicester))
    page = client.get(NEW).text
    token = page.split('name="once_token" value="', 1)[1].split('"', 1)[0]
    data = {
        "once_token": token,
        "kind": BriefingKind.SINGLE_AGENCY,
        "title": "Police event",
        "audience": "Police officers",
        **_day("planned_on", timezone.localdate() + timedelta(days=5)),
    }
    assert client.post(NEW, data).status_code == 302
    assert client.post(NEW, data).status_code == 302
    assert Briefing.objects.for_partnership(leicester).count() == 1


def test_swift_learning_is_listed_by_case_reference_never_the_childs_name(client, leicester):
    from reviews import services as review_services
    from reviews.services import lcspr_open

    office = staff_user(leicester)
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name="Peregrine Quill")
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    meeting = review_services.panel_meeting_schedule(
        lcspr=lcspr, held_on=timezone.localdate(), actor=office, notes="First meeting"
    )
    review_services.swift_learning_record(
        meeting=meeting,
        message="Check who else lives in the home at every visit.",
        audience=LearningAudience.MULTI_AGENCY,
        agencies=[],
        could_affect_family_or_investigation=False,
        consideration="Nothing in it could identify the family.",
        actor=office,
    )
    sign_in(client, office)
    page = client.get(PAGE).text
    assert case.reference in page
    assert "Check who else lives in the home at every visit." in page
    assert "Peregrine Quill" not in page


def test_another_partnership_finds_no_briefing(client, leicester, lr):
    from reviews import services as review_services
    from reviews.services import lcspr_open

    theirs = _briefing(lr, title="LR only briefing")
    lr_office = staff_user(lr)
    case = open_case(lr)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    meeting = review_services.panel_meeting_schedule(
        lcspr=lcspr, held_on=timezone.localdate(), actor=lr_office, notes="LR meeting"
    )
    review_services.swift_learning_record(
        meeting=meeting,
        message="LR swift message",
        audience=LearningAudience.MULTI_AGENCY,
        agencies=[],
        could_affect_family_or_investigation=False,
        consideration="None.",
        actor=lr_office,
    )
    _briefing(leicester, title="Leicester briefing")
    for role in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.CRG_MEMBER):
        sign_in(client, staff_user(leicester, role=role))
        url = reverse("learning_briefing", kwargs={"pk": theirs.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "x"}).status_code in (403, 404)
        page = client.get(PAGE).text
        assert "Leicester briefing" in page
        for hidden in ("LR only briefing", "LR swift message", case.reference):
            assert hidden not in page
    theirs.refresh_from_db()
    assert theirs.title == "LR only briefing"
    # A Reviewer sees none of the partnership's briefings that belong to no review of theirs.
    sign_in(client, staff_user(leicester, role=Role.REVIEWER))
    assert "Leicester briefing" not in client.get(PAGE).text
