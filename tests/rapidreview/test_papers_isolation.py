"""The meeting's papers and the outcomes reach only their own agency, person and
partnership: with a Rapid Review in each partnership and invitations to two agencies
that serve both (tests/test_isolation.py leaves these routes to this file)."""

import pytest
from django.urls import reverse

from cases.models import AgencyKind, Role
from rapidreview import services
from tests.access_policy import APPOINTED_ONLY, ROUTES, ROW_READERS, may, route_name
from tests.factories import AgencyFactory, agency_user, appoint, sign_in, staff_user
from tests.rapidreview.test_papers import decided_and_signed, notified_review
from tests.routes import POST_ONLY, PREPARED_FIRST, routes
from tests.test_isolation import MEETING_ROUTES, RAPID_REVIEW_PK_ROUTES, appointed

pytestmark = pytest.mark.django_db

PAPER_ROUTES = (
    "invitation_papers",
    "invitation_summary_pdf",
    "invitation_chronology_pdf",
    "invitation_chronology_pdf_status",  # issue 18: prepared in the background
)
# The chronology's PDF and the page that prepares it (issue 18).
PREPARED = {"invitation_chronology_pdf", "invitation_chronology_pdf_status"}
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


ROWS_OF_MEETINGS = {"meeting_detail", "meeting_cancel", "attendance_remove"}


def _row_status(name, user, membership, row, review):
    """The policy's status (tests/access_policy.py) for one row, then the row's state:
    papers close at sign-off, and only some partnerships share a chronology."""
    if not may(membership.role, ROUTES[name]):
        return 403
    partnership = review.case.partnership
    rule = ROW_READERS[name]
    if rule == "invitee":
        theirs = (row.agency_id is not None and row.agency_id == membership.agency_id) or (
            row.user_id == user.pk and membership.partnership_id == partnership.pk
        )
    elif rule == "agency":
        theirs = row.agency_id == membership.agency_id
    else:
        theirs = membership.partnership_id == partnership.pk
        if membership.role in APPOINTED_ONLY:
            # Reviewers and Panel members: their review's rows, and no meeting's (a CRG
            # meeting and its attendance belong to no one case).
            theirs = theirs and name not in ROWS_OF_MEETINGS and appointed(user, review.case)
    if not theirs:
        return 404
    closed = name in ("invitation_summary_pdf", *PREPARED) and review.is_signed_off
    no_chronology = name in PREPARED and not (partnership.uses_chronology_template)
    return 404 if closed or no_chronology else 200


def test_every_role_on_the_rapid_review_and_meeting_rows_by_id(
    client, world, leicester, lr, lr_office
):
    """Every role of each partnership, the invited agencies' users and the invited CRG
    members, on every route by a Rapid Review's or a meeting's row id, of both
    partnerships. An allowed answer ends on a 200 that names the case."""
    from datetime import timedelta

    from django.utils import timezone

    from rapidreview.models import Attendance, RapidReview
    from tests.test_isolation import shows_case

    other = world["other"]
    action = services.immediate_action_add(
        review=other,
        actor=lr_office,
        action="Safety plan",
        owner="Children's social care",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    services.attendance_record(
        meeting=other.meeting,
        actor=lr_office,
        name="Health representative",
        agency=world["health"],
        declaration="none",
        confidentiality_agreed=True,
    )
    invitations = [*world["invitations"].values(), world["lr_health"], world["lr_member"]]
    # As they stand now: Leicester's is signed off.
    reviews = [
        RapidReview.objects.for_partnership(review.case.partnership).get(pk=review.pk)
        for review in (world["own"], other)
    ]
    other = reviews[1]
    attendances = [
        (
            Attendance.objects.for_partnership(review.case.partnership)
            .filter(meeting=review.meeting)
            .first(),
            review,
        )
        for review in reviews
    ]
    meetings = [(review.meeting, review) for review in reviews]
    by_id = {review.pk: review for review in reviews}
    papers = [(invitation, by_id[invitation.review_id]) for invitation in invitations]
    # (row, the Rapid Review it belongs to) for each route by id
    rows = {
        "invitation_papers": papers,
        "invitation_summary_pdf": papers,
        "invitation_chronology_pdf": papers,
        "invitation_chronology_pdf_status": papers,
        "portal_outcome": [(n, by_id[n.review_id]) for n in world["notices"].values()],
        "invitation_delivery": papers,
        "outcome_delivery": [(n, by_id[n.review_id]) for n in world["notices"].values()],
        "immediate_action_done": [(action, other)],
        "meeting_detail": meetings,
        "meeting_cancel": meetings,
        "attendance_remove": attendances,
    }
    people = [
        world["police_user"],
        world["health_user"],
        world["member"],
        world["lr_member"].user,
        *(
            staff_user(partnership, role=role)
            for partnership in (leicester, lr)
            for role in Role
            if role != Role.AGENCY_USER
        ),
    ]
    for person in people:
        membership = person.memberships.get()
        if membership.role in APPOINTED_ONLY:
            review = next(r for r in reviews if r.case.partnership_id == membership.partnership_id)
            appoint(review.case, person, membership.role)
    people += [staff_user(partnership, role=Role.REVIEWER) for partnership in (leicester, lr)]
    assert set(rows) == {
        route_name(p, e) for p, e in routes() if p in RAPID_REVIEW_PK_ROUTES | MEETING_ROUTES
    } - {"meeting_calendar"}
    wrong = []
    for phase in ([n for n in rows if n not in POST_ONLY], [n for n in rows if n in POST_ONLY]):
        for user in people:
            sign_in(client, user)
            membership = user.memberships.get()
            for name in phase:
                for row, review in rows[name]:
                    case = review.case
                    kwargs = {"pk": row.pk}
                    if name in ("immediate_action_done", "invitation_delivery", "outcome_delivery"):
                        kwargs["reference"] = case.reference
                    url = reverse(name, kwargs=kwargs)
                    expected = _row_status(name, user, membership, row, review)
                    gone = name == "attendance_remove" and not (
                        Attendance.objects.for_partnership(case.partnership)
                        .filter(pk=row.pk)
                        .exists()
                    )
                    if gone:  # removed by someone allowed before
                        expected = 403 if expected == 403 else 404
                    if name in POST_ONLY:
                        response = client.post(url, follow=True)
                    else:
                        response = client.get(url, follow=name in PREPARED_FIRST)
                    ok = response.status_code == expected
                    if expected == 200:
                        ok = ok and shows_case(response, case.reference)
                    else:
                        ok = ok and case.reference not in response.content.decode(errors="replace")
                    if not ok:
                        wrong.append((name, membership.role, url, response.status_code, expected))
    assert wrong == [], "\n".join(map(str, wrong))


def test_removing_an_attendance_a_decision_rests_on_says_why(client, world, leicester_office):
    """§4.6.1: the quorum behind a recorded decision cannot change; the page says so."""
    from rapidreview.models import Attendance

    attendance = (
        Attendance.objects.for_partnership(world["own"].case.partnership)
        .filter(meeting=world["own"].meeting)
        .first()
    )
    sign_in(client, leicester_office)
    response = client.post(reverse("attendance_remove", kwargs={"pk": attendance.pk}), follow=True)
    assert response.status_code == 200
    assert "can no longer change" in response.text
    assert (
        Attendance.objects.for_partnership(attendance.meeting.partnership)
        .filter(pk=attendance.pk)
        .exists()
    )
