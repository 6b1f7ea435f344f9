"""The meeting's papers and the outcomes reach only their own agency, person and
partnership: with a Rapid Review in each partnership and invitations to two agencies
that serve both (tests/test_isolation.py leaves these routes to this file)."""

import pytest
from django.urls import reverse

from cases.models import AgencyKind, Role
from rapidreview import services
from tests.factories import AgencyFactory, agency_user, sign_in, staff_user
from tests.rapidreview.test_papers import decided_and_signed, notified_review

pytestmark = pytest.mark.django_db

PAPER_ROUTES = ("invitation_papers", "invitation_summary_pdf", "invitation_chronology_pdf")
CASE_ROUTES = ("rapid_review_papers", "rapid_review_after", "rapid_review_report")


@pytest.fixture
def world(monkeypatch, leicester, lr, leicester_office, lr_office):
    """Leicester invites the police, a health trust and a CRG member; Leicestershire &
    Rutland invites the health trust and its own CRG member. Leicester's decision is
    signed off and its outcome sent to both agencies."""
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester, lr])
    health = AgencyFactory(kind=AgencyKind.HEALTH_TRUST, partnerships=[leicester, lr])
    own = notified_review(monkeypatch, leicester, leicester_office)
    other = notified_review(monkeypatch, lr, lr_office)
    member = staff_user(leicester, Role.CRG_MEMBER)
    other_member = staff_user(lr, Role.CRG_MEMBER)
    invitations = {
        invitation.agency or invitation.user: invitation
        for invitation in services.invitations_send(
            review=own, actor=leicester_office, agencies=[police, health], users=[member]
        )
    }
    (lr_health,) = services.invitations_send(review=other, actor=lr_office, agencies=[health])
    (lr_member,) = services.invitations_send(review=other, actor=lr_office, users=[other_member])
    decided_and_signed(own, leicester_office)
    notices = {n.agency: n for n in services.outcomes_send(review=own, actor=leicester_office)}
    return {
        "own": own,
        "other": other,
        "police": police,
        "health": health,
        "police_user": agency_user(police),
        "health_user": agency_user(health),
        "member": member,
        "invitations": invitations,
        "lr_health": lr_health,
        "lr_member": lr_member,
        "notices": notices,
    }


def _papers(name, invitation):
    return reverse(name, kwargs={"pk": invitation.pk})


def test_an_agency_lists_only_its_own_invitations_and_outcomes(client, world):
    own_ref, other_ref = world["own"].case.reference, world["other"].case.reference
    police_invitation = world["invitations"][world["police"]]
    health_invitation = world["invitations"][world["health"]]

    sign_in(client, world["police_user"])
    page = client.get(reverse("portal_papers")).text
    assert own_ref in page
    assert other_ref not in page  # Leicestershire & Rutland invited only the health trust
    assert _papers("invitation_papers", police_invitation) in page
    assert _papers("invitation_papers", health_invitation) not in page
    assert reverse("portal_outcome", kwargs={"pk": world["notices"][world["police"]].pk}) in page
    assert (
        reverse("portal_outcome", kwargs={"pk": world["notices"][world["health"]].pk}) not in page
    )

    # The health trust serves both partnerships and is invited by both.
    sign_in(client, world["health_user"])
    page = client.get(reverse("portal_papers")).text
    assert own_ref in page
    assert other_ref in page
    assert _papers("invitation_papers", police_invitation) not in page


def test_an_agency_cannot_open_another_agencys_papers_or_outcome(client, world):
    sign_in(client, world["police_user"])
    for invitation in (world["invitations"][world["health"]], world["lr_health"]):
        for name in PAPER_ROUTES:
            assert client.get(_papers(name, invitation)).status_code == 404, name
    # Nor the papers sent to a person.
    for name in PAPER_ROUTES:
        assert client.get(_papers(name, world["invitations"][world["member"]])).status_code == 404
    other_notice = world["notices"][world["health"]]
    assert client.get(reverse("portal_outcome", kwargs={"pk": other_notice.pk})).status_code == 404
    other_notice.refresh_from_db()
    assert other_notice.read_at is None
    # Its own answer.
    own_invitation = world["invitations"][world["police"]]
    assert client.get(_papers("invitation_papers", own_invitation)).status_code == 200
    own_notice = world["notices"][world["police"]]
    assert client.get(reverse("portal_outcome", kwargs={"pk": own_notice.pk})).status_code == 200


def test_a_person_opens_only_the_papers_addressed_to_them(
    client, world, leicester, leicester_office
):
    own_member_invitation = world["invitations"][world["member"]]
    sign_in(client, world["member"])
    assert client.get(_papers("invitation_papers", own_member_invitation)).status_code == 200
    # The other partnership's invitation, and an agency's invitation in their own.
    for invitation in (
        world["lr_member"],
        world["lr_health"],
        world["invitations"][world["police"]],
    ):
        for name in PAPER_ROUTES:
            assert client.get(_papers(name, invitation)).status_code == 404, name

    # Someone else of the same partnership, the Business Office included.
    for user in (staff_user(leicester, Role.CRG_MEMBER), leicester_office):
        sign_in(client, user)
        for name in PAPER_ROUTES:
            assert client.get(_papers(name, own_member_invitation)).status_code == 404, name
    own_member_invitation.refresh_from_db()
    assert own_member_invitation.opened_count == 0


def test_a_partnership_user_reaches_no_portal_outcome(client, world, leicester_office):
    sign_in(client, leicester_office)
    notice = world["notices"][world["police"]]
    assert client.get(reverse("portal_outcome", kwargs={"pk": notice.pk})).status_code == 403
    assert client.get(reverse("portal_papers")).status_code == 403


def test_the_case_pages_are_not_found_for_the_other_partnership(
    client, world, leicester_office, lr_office
):
    for user, own, other in (
        (leicester_office, world["own"], world["other"]),
        (lr_office, world["other"], world["own"]),
    ):
        sign_in(client, user)
        for name in CASE_ROUTES:
            assert (
                client.get(reverse(name, kwargs={"reference": own.case.reference})).status_code
                == 200
            )
            response = client.get(reverse(name, kwargs={"reference": other.case.reference}))
            assert response.status_code == 404, name
            posted = client.post(
                reverse(name, kwargs={"reference": other.case.reference}), {"form": "outcomes"}
            )
            assert posted.status_code in (404, 405), name
