import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from cases.dashboard import SHOWN
from cases.models import Membership, Role, Stage
from cases.web import NO_ROLE_MESSAGE
from tests.factories import AgencyFactory, UserFactory, agency_user, open_case, sign_in, staff_user


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        return sign_in(client, user)

    return _sign_in


@pytest.mark.parametrize("name", ["dashboard", "case_list", "organisation_choose"])
def test_pages_ask_anonymous_users_to_sign_in(client, name, db):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_explains_a_wrong_password(client, leicester_office):
    response = client.post(
        reverse("login"), {"username": "t-leicester-office", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter a correct username and password" in response.text
    # What was typed is kept.
    assert 'value="t-leicester-office"' in response.text


def test_signed_in_users_see_the_dashboard_with_the_partnership_named(signed_in, leicester_office):
    response = signed_in(leicester_office).get(reverse("dashboard"))
    assert "Leicester Safeguarding Children Partnership" in response.text
    assert "No open cases are assigned to you" in response.text


def test_dashboard_lists_my_cases_and_counts_by_stage(signed_in, leicester, leicester_office):
    mine = open_case(leicester, lead_officer=leicester_office)
    open_case(leicester)  # not mine
    response = signed_in(leicester_office).get(reverse("dashboard"))
    assert list(response.context["my_cases"]) == [mine]
    counts = {value: n for value, _, n in response.context["stage_counts"]}
    assert counts[Stage.INTAKE] == 2
    assert "open cases: the" not in response.text  # all of them are shown


def test_dashboard_shows_the_latest_of_many_cases_and_links_to_them_all(
    signed_in, leicester, leicester_office
):
    mine = [open_case(leicester, lead_officer=leicester_office) for _ in range(SHOWN + 2)]
    open_case(leicester, lead_officer=leicester_office, stage=Stage.CLOSED)
    client = signed_in(leicester_office)
    response = client.get(reverse("dashboard"))
    latest = sorted(mine, key=lambda case: (case.opened_on, case.pk), reverse=True)[:SHOWN]
    assert response.context["my_cases"] == latest
    assert f"You lead {SHOWN + 2} open cases: the {SHOWN} received last are above" in (
        response.text
    )
    link = response.context["my_cases_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in response.text
    listed = client.get(link)
    assert sorted(listed.context["page"].object_list, key=lambda c: c.pk) == mine


def test_case_list_filters_by_stage_and_reference(signed_in, leicester, leicester_office):
    intake = open_case(leicester)
    closed = open_case(leicester, stage=Stage.CLOSED)
    client = signed_in(leicester_office)

    by_stage = client.get(reverse("case_list"), {"stage": "closed"})
    assert list(by_stage.context["page"].object_list) == [closed]
    assert "1 case matches your filters" in by_stage.text

    by_reference = client.get(reverse("case_list"), {"reference": intake.reference[-4:]})
    assert list(by_reference.context["page"].object_list) == [intake]

    nothing = client.get(reverse("case_list"), {"reference": "NOPE"})
    assert "No cases match your filters" in nothing.text

    both = client.get(reverse("case_list"), {"stage": ["closed", "intake"], "reference": "LSCP"})
    tags = {label: link for _, label, link in both.context["selected_filters"]}
    assert tags["Closed"] == "?stage=intake&reference=LSCP"
    assert tags["LSCP"] == "?stage=closed&stage=intake"


def test_a_bad_filter_is_reported_beside_it_and_the_valid_ones_still_apply(
    signed_in, leicester, leicester_office
):
    wanted = open_case(leicester)
    open_case(leicester)
    response = signed_in(leicester_office).get(
        reverse("case_list"), {"stage": "made-up", "reference": wanted.reference}
    )
    assert "There is a problem" in response.text
    assert 'id="id_stage-error"' in response.text
    assert list(response.context["page"].object_list) == [wanted]


def test_case_list_empty_state(signed_in, leicester_office):
    response = signed_in(leicester_office).get(reverse("case_list"))
    assert "There are no cases yet" in response.text


def test_case_page_and_timeline(signed_in, leicester, leicester_office):
    case = open_case(leicester, lead_officer=leicester_office)
    client = signed_in(leicester_office)
    detail = client.get(reverse("case_detail", kwargs={"reference": case.reference}))
    assert detail.status_code == 200
    assert f"Case {case.reference}" in detail.text
    assert 'aria-current="page" href="/cases/' in detail.text
    timeline = client.get(reverse("case_timeline", kwargs={"reference": case.reference}))
    assert [event.title for event in timeline.context["events"]] == ["Case opened"]
    assert "Case opened" in timeline.text


def test_agency_users_get_their_dashboard_but_not_case_pages(signed_in, leicester):
    case = open_case(leicester)
    police = agency_user(AgencyFactory(name="Leicestershire Police"))
    client = signed_in(police)
    dashboard = client.get(reverse("dashboard"))
    assert "There are no information requests for Leicestershire Police to answer" in dashboard.text
    assert client.get(reverse("case_list")).status_code == 403
    assert (
        client.get(reverse("case_detail", kwargs={"reference": case.reference})).status_code == 403
    )


def test_a_user_without_a_role_is_told_why(signed_in, db):
    response = signed_in(UserFactory()).get(reverse("dashboard"))
    assert response.status_code == 403
    assert NO_ROLE_MESSAGE in response.text
    assert "Go to your dashboard" not in response.text  # it would lead here again


def test_a_configuration_admin_is_sent_to_the_admin(signed_in, db):
    response = signed_in(UserFactory(is_staff=True)).get(reverse("dashboard"))
    assert response["Location"] == reverse("admin:index")


def test_two_memberships_mean_choosing_an_organisation(signed_in, leicester, lr):
    user = staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER)
    Membership.objects.create(user=user, role=Role.INDEPENDENT_SCRUTINEER, partnership=lr)
    leicester_case, lr_case = open_case(leicester), open_case(lr)
    client = signed_in(user)

    response = client.get(reverse("case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("organisation_choose"))

    refused = client.post(reverse("organisation_choose"), {})
    assert "Select the organisation you are working for" in refused.text

    lr_membership = user.memberships.get(partnership=lr)
    client.post(reverse("organisation_choose"), {"membership": lr_membership.pk})
    page = client.get(reverse("case_list"))
    assert list(page.context["page"].object_list) == [lr_case]
    assert "Change organisation" in page.text
    other = client.get(reverse("case_detail", kwargs={"reference": leicester_case.reference}))
    assert other.status_code == 404


@pytest.mark.parametrize("next_url", ["logout", "https://evil.example/", "//evil.example/"])
def test_choosing_an_organisation_goes_only_to_pages_of_this_site(
    signed_in, leicester, lr, next_url
):
    user = staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER)
    Membership.objects.create(user=user, role=Role.INDEPENDENT_SCRUTINEER, partnership=lr)
    response = signed_in(user).post(
        reverse("organisation_choose"),
        {"membership": user.memberships.first().pk, "next": next_url},
    )
    assert response["Location"] == reverse("dashboard")


def test_choosing_an_organisation_returns_to_the_page_asked_for(signed_in, leicester, lr):
    user = staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER)
    Membership.objects.create(user=user, role=Role.INDEPENDENT_SCRUTINEER, partnership=lr)
    response = signed_in(user).post(
        reverse("organisation_choose"),
        {"membership": user.memberships.first().pk, "next": "/cases/?stage=intake"},
    )
    assert response["Location"] == "/cases/?stage=intake"


def test_signing_out_says_so(signed_in, leicester_office):
    response = signed_in(leicester_office).post(reverse("logout"), follow=True)
    assert "You have signed out." in response.text
    assert response.context["user"].is_anonymous


def test_a_membership_of_someone_else_cannot_be_chosen(signed_in, leicester, lr):
    user = staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER)
    Membership.objects.create(user=user, role=Role.INDEPENDENT_SCRUTINEER, partnership=lr)
    stranger = staff_user(lr)
    client = signed_in(user)
    response = client.post(
        reverse("organisation_choose"), {"membership": stranger.memberships.get().pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


def test_not_found_page_is_styled_and_plain(signed_in, leicester_office):
    response = signed_in(leicester_office).get("/cases/NO-SUCH-CASE/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "govuk-template" in response.text
    assert "Traceback" not in response.text


def test_server_error_page_needs_no_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"govuk-footer" in response.content


def test_health_check(client, db):
    assert client.get(reverse("health")).content == b"ok"


@pytest.mark.parametrize(
    "path", ["/cases/LSCP%00/", "/cases/?reference=%00", "/access-log/?username=a%00"]
)
def test_a_nul_character_in_an_address_is_a_clear_400(signed_in, leicester_office, path):
    response = signed_in(leicester_office).get(path)
    assert response.status_code == 400
    assert "not allowed" in response.text
