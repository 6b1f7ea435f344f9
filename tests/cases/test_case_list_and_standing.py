"""Everyday use of the case list and case pages (issue 12): filters, a search by a child's
details that never reaches a URL, where the case stands, a case of another organisation
the user also works for, and the configuration account's landing page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import selectors, services
from cases.forms.lists import RECEIVED_ORDER, SEARCH_EMPTY
from cases.models import (
    AccessAction,
    AccessEvent,
    Child,
    ChildRole,
    Deadline,
    DeadlineStatus,
    Membership,
    Role,
    Stage,
)
from tests.factories import UserFactory, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

CHILD_NAME = "Peregrine Haverstock-Quill"
LA_REFERENCE = "LA-778812"


@pytest.fixture(params=["leicester", "leicestershire-rutland"])
def partnership(request, partnerships):
    return partnerships[request.param]


@pytest.fixture
def office(partnership):
    return staff_user(partnership, username=f"office-{partnership.slug}")


def child_on(case, *, name="", la_reference=""):
    return Child.objects.create(
        case=case,
        pseudonym="Child A",
        role=ChildRole.SUBJECT,
        name=name,
        local_authority_reference=la_reference,
    )


def listed(response):
    return [case.reference for case in response.context["page"].object_list]


def test_the_filters_find_by_lead_officer_overdue_and_date_received(client, partnership, office):
    other_officer = staff_user(partnership)
    today = timezone.localdate()
    led = open_case(partnership, opened_on=today - timedelta(days=40), lead_officer=office)
    overdue = open_case(partnership, opened_on=today - timedelta(days=3))
    Deadline.objects.create(
        case=overdue,
        kind="rapid_review_complete",
        event_date=today - timedelta(days=30),
        due_date=today - timedelta(days=1),
    )
    recent = open_case(partnership, opened_on=today, lead_officer=other_officer)
    sign_in(client, office)

    page = client.get(reverse("case_list"), {"lead_officer": office.pk})
    assert listed(page) == [led.reference]
    assert ("Lead officer", str(office)) in [
        (c, label) for c, label, _ in page.context["selected_filters"]
    ]

    page = client.get(reverse("case_list"), {"overdue": "on"})
    assert listed(page) == [overdue.reference]
    assert "Has an overdue deadline" in page.text

    start = today - timedelta(days=5)
    query = {
        "received_from-day": start.day,
        "received_from-month": start.month,
        "received_from-year": start.year,
    }
    page = client.get(reverse("case_list"), query)
    assert listed(page) == [recent.reference, overdue.reference]
    assert f"From {start:%-d %B %Y}" in page.text

    wrong = client.get(
        reverse("case_list"),
        {**query, "received_to-day": 1, "received_to-month": 1, "received_to-year": 2000},
    )
    assert RECEIVED_ORDER in wrong.text


def test_a_filter_tag_removes_only_its_own_filter_and_paging_keeps_the_filters(
    client, partnership, office
):
    for _ in range(26):
        open_case(partnership, lead_officer=office)
    sign_in(client, office)
    page = client.get(reverse("case_list"), {"lead_officer": office.pk, "stage": "intake"})
    tags = {category: link for category, _, link in page.context["selected_filters"]}
    assert tags["Lead officer"] == "?stage=intake"
    assert f"lead_officer={office.pk}" in tags["Stage"]
    assert f'href="?lead_officer={office.pk}&amp;stage=intake&amp;page=2"' in page.text


def test_the_filter_panel_starts_open_on_a_desktop(client, partnership, office):
    page = sign_in(client, office).get(reverse("case_list"))
    assert 'data-module="moj-filter" data-start-hidden="false"' in page.text


def test_a_search_by_local_authority_reference_is_posted_and_finds_the_case(
    client, partnership, office
):
    case = open_case(partnership)
    child_on(case, la_reference=LA_REFERENCE)
    open_case(partnership)
    member = staff_user(partnership, Role.CRG_MEMBER)
    response = sign_in(client, member).post(
        reverse("case_list"), {"local_authority_reference": LA_REFERENCE.lower()}
    )
    assert [c.reference for c in response.context["found"]] == [case.reference]
    assert "child_name" not in response.context["search"].fields  # not for a CRG member
    empty = client.post(reverse("case_list"), {})
    assert escape(SEARCH_EMPTY) in empty.text


def test_a_search_by_name_is_logged_without_the_name_and_only_for_restricted_roles(
    client, partnership, office, lr, leicester
):
    case = open_case(partnership)
    child_on(case, name=CHILD_NAME)
    elsewhere = open_case(lr if partnership == leicester else leicester)
    child_on(elsewhere, name=CHILD_NAME)

    response = sign_in(client, office).post(reverse("case_list"), {"child_name": "haverstock"})
    assert [c.reference for c in response.context["found"]] == [case.reference]
    (event,) = AccessEvent.objects.for_partnership(partnership).filter(action=AccessAction.SEARCH)
    assert (event.username, event.route) == (office.username, "case_list")
    row = " ".join(str(v) for v in AccessEvent.unscoped.filter(pk=event.pk).values().get().values())
    assert "haverstock" not in row.lower()

    member = staff_user(partnership, Role.CRG_MEMBER)
    refused = sign_in(client, member).post(reverse("case_list"), {"child_name": "haverstock"})
    assert "found" not in refused.context
    assert (
        AccessEvent.objects.for_partnership(partnership).filter(action=AccessAction.SEARCH).count()
        == 1
    )


# --- Where the case stands ---------------------------------------------------------------


ONWARD = [Stage.RAPID_REVIEW, Stage.LCSPR, Stage.PUBLICATION, Stage.LEARNING]
PATH_TO = {
    Stage.REFERRAL_DECISION: [Stage.REFERRAL_DECISION],
    Stage.CRG_CONSIDERATION: [Stage.CRG_CONSIDERATION],
    Stage.LOCAL_LEARNING: [Stage.REFERRAL_DECISION, Stage.LOCAL_LEARNING],
    Stage.CLOSED: [Stage.CLOSED],
    **{stage: ONWARD[: i + 1] for i, stage in enumerate(ONWARD)},
}


@pytest.mark.parametrize("stage", [s for s in Stage if s != Stage.INTAKE])
def test_every_stage_shows_its_last_step_and_next_action(partnership, office, stage):
    case = open_case(partnership, lead_officer=office)
    for step in PATH_TO[stage]:
        services.case_stage_set(case=case, stage=step, actor=office, reason="Decided at the CRG")
    due = timezone.localdate() + timedelta(days=9)
    Deadline.objects.create(
        case=case, kind="lcspr_complete", event_date=timezone.localdate(), due_date=due
    )
    standing = selectors.case_standing(case=case, today=timezone.localdate())
    assert standing.stage == Stage(stage).label
    assert standing.last.title == f"Stage changed to {Stage(stage).label}"
    assert standing.last.by == str(office)
    if stage == Stage.CLOSED:
        assert standing.next is None
    else:
        assert (standing.next.what, standing.next.due_on, standing.next.who) == (
            "LCSPR complete",
            due,
            str(office),
        )


def test_a_new_case_shows_the_soonest_deadline_and_who_answers_for_it(client, partnership, office):
    case = open_case(partnership)
    soon, later = (
        timezone.localdate() + timedelta(days=2),
        timezone.localdate() + timedelta(days=20),
    )
    Deadline.objects.create(case=case, kind="lcspr_complete", event_date=soon, due_date=later)
    Deadline.objects.create(
        case=case, kind="rapid_review_complete", event_date=soon, due_date=soon, responsible=office
    )
    Deadline.objects.create(
        case=case,
        kind="referral_decision",
        event_date=soon,
        due_date=soon - timedelta(days=5),
        status=DeadlineStatus.MET,
        completed_on=soon,
    )
    page = sign_in(client, office).get(
        reverse("case_deadlines", kwargs={"reference": case.reference})
    )
    assert "Last done" in page.text
    assert "Case opened" in page.text
    due = f"by {soon:%A %-d %B %Y}, for {office}"
    assert f"Rapid Review complete and sent to the National Panel, {due}" in page.text


# --- A case of another organisation ------------------------------------------------------


def test_a_case_of_the_other_partnership_offers_the_switch_to_whoever_works_there(
    client, leicester, lr
):
    user = staff_user(leicester, username="works-in-both")
    lr_membership = Membership.objects.create(user=user, role=Role.CRG_CHAIR, partnership=lr)
    lr_case = open_case(lr)
    sign_in(client, user)
    client.post(
        reverse("organisation_choose"),
        {"membership": user.memberships.get(partnership=leicester).pk},
    )
    url = reverse("case_timeline", kwargs={"reference": lr_case.reference})

    response = client.get(url)
    assert response.status_code == 404
    assert escape(f"This case belongs to {lr.name}, where you also work.") in response.text
    assert escape(f"Switch to {lr.name}") in response.text

    switched = client.post(
        reverse("organisation_choose"), {"membership": lr_membership.pk, "next": url}
    )
    assert switched["Location"] == url
    assert client.get(url).status_code == 200


def test_someone_without_a_membership_there_gets_the_plain_not_found(client, leicester, lr):
    lr_case = open_case(lr)
    sign_in(client, staff_user(leicester))
    for reference in (lr_case.reference, "LCSPR-NOPE"):
        response = client.get(reverse("case_detail", kwargs={"reference": reference}))
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert escape(lr.name) not in response.text


# --- The configuration account -----------------------------------------------------------


def test_a_configuration_account_lands_on_the_admin_index_after_two_factor_sign_in(client, db):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = UserFactory(username="t-configuration", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    for start in ("/admin/", "/"):
        client.logout()
        response = client.get(start, follow=True)
        login = response.redirect_chain[-1][0]
        response = client.post(
            login, {"username": admin.username, "password": "correct-horse-battery"}, follow=True
        )
        verify = response.redirect_chain[-1][0]
        device.refresh_from_db()
        device.last_t = -1
        device.save()
        response = client.post(verify, {"code": f"{totp(device.bin_key):06d}"}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == "/admin/"
        assert "Site administration" in response.text
