"""Invitations and outcomes to an agency with nobody on the portal (issue 12): never shown
as emailed, each recipient's delivery recorded, and the office's record of sending them
another way, credited and kept in history; the office's dashboard lists what reached
nobody."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AgencyKind, Role
from cases.once import FIELD
from rapidreview import services
from rapidreview.models import Delivery, DeliveryMethod, Invitation, OutcomeNotice
from rapidreview.services.outcome import (
    DELIVERY_ALREADY_RECORDED,
    unsent_rapid_review_emails_send,
)
from tests.factories import AgencyFactory, agency_user, sign_in, staff_user
from tests.rapidreview.test_papers import (
    after_url,
    decided_and_signed,
    notified_review,
    papers_url,
)

pytestmark = pytest.mark.django_db

NOT_SENT = "Not sent: nobody on the portal"


@pytest.fixture(params=["leicester", "lr"])
def world(request, monkeypatch, django_capture_on_commit_callbacks):
    """A Rapid Review in each partnership inviting the police (nobody on the portal) and a
    health trust (one portal user)."""
    partnership = request.getfixturevalue(request.param)
    office = staff_user(partnership)
    review = notified_review(monkeypatch, partnership, office)
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    health = AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)
    police.partnerships.add(partnership)
    health.partnerships.add(partnership)
    health_user = agency_user(health)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.invitations_send(review=review, actor=office, agencies=[police, health])
    invitations = {i.agency: i for i in made}
    return {
        "partnership": partnership,
        "office": office,
        "review": review,
        "police": police,
        "health": health,
        "health_user": health_user,
        "police_invitation": invitations[police],
        "health_invitation": invitations[health],
    }


def deliveries(**row):
    return list(Delivery.unscoped.filter(**row))


def reload(row):
    return type(row).unscoped.get(pk=row.pk)


def test_an_invitation_nobody_can_be_emailed_is_not_shown_as_emailed(client, world):
    police_invitation = reload(world["police_invitation"])
    assert police_invitation.email_sent_at is None
    assert deliveries(invitation=police_invitation) == []
    # The one reached is recorded per recipient.
    (emailed,) = deliveries(invitation=world["health_invitation"])
    assert emailed.method == DeliveryMethod.PORTAL_EMAIL
    assert emailed.recipient == world["health_user"]
    assert [m.to for m in mail.outbox] == [[world["health_user"].email]]

    sign_in(client, world["office"])
    page = client.get(papers_url(world["review"])).text
    row = re.search(r"Leicestershire Police</th>.*?</tr>", page, re.S).group(0)
    assert NOT_SENT in row
    assert "Emailed" not in row
    mark = reverse(
        "invitation_delivery",
        kwargs={"reference": world["review"].case.reference, "pk": police_invitation.pk},
    )
    assert mark in row
    health_row = re.search(r"Leicester Health Trust</th>.*?</tr>", page, re.S).group(0)
    assert f"Emailed to {world['health_user']}" in health_row
    # Others in the partnership see the same, without the office's action.
    sign_in(client, staff_user(world["partnership"], Role.CRG_MEMBER))
    page = client.get(papers_url(world["review"])).text
    assert NOT_SENT in page
    assert mark not in page


def test_the_office_marks_an_invitation_sent_by_post(client, world):
    invitation = world["police_invitation"]
    url = reverse(
        "invitation_delivery",
        kwargs={"reference": world["review"].case.reference, "pk": invitation.pk},
    )
    sign_in(client, world["office"])
    page = client.get(url).text
    token = re.search(rf'name="{FIELD}" value="([^"]+)"', page).group(1)
    today = timezone.localdate()

    # A future date is refused beside its field, keeping the method chosen.
    future = today + timedelta(days=1)
    refused = client.post(
        url,
        {
            FIELD: token,
            "method": "post",
            "delivered_on-day": future.day,
            "delivered_on-month": future.month,
            "delivered_on-year": future.year,
        },
    )
    assert refused.status_code == 200
    assert "The date cannot be in the future." in refused.text
    assert re.search(r'value="post"[^>]*checked', refused.text)

    form = {
        FIELD: token,
        "method": "post",
        "delivered_on-day": today.day,
        "delivered_on-month": today.month,
        "delivered_on-year": today.year,
    }
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == papers_url(world["review"])
    (posted,) = deliveries(invitation=invitation)
    assert posted.method == DeliveryMethod.POST
    assert posted.delivered_on == today
    assert posted.recorded_by == world["office"]
    assert posted.recipient is None
    assert posted.history.first().history_change_reason == "Invitation sent another way: By post"

    page = client.get(papers_url(world["review"])).text
    row = re.search(r"Leicestershire Police</th>.*?</tr>", page, re.S).group(0)
    assert "Sent by post" in row
    assert NOT_SENT not in row

    with pytest.raises(ApplicationError) as again:
        services.delivery_record(
            actor=world["office"], method="phone", delivered_on=today, invitation=invitation
        )
    assert again.value.message == DELIVERY_ALREADY_RECORDED

    # Someone joins the portal later: the sweep does not email it again.
    agency_user(world["police"])
    mail.outbox.clear()
    unsent_rapid_review_emails_send(
        partnership=world["partnership"], before=timezone.now() + timedelta(hours=1)
    )
    assert mail.outbox == []


def test_an_invitation_nobody_could_be_emailed_goes_once_someone_joins(world):
    """Not stamped as emailed to nobody, so the sweep reaches the first portal user."""
    user = agency_user(world["police"])
    unsent_rapid_review_emails_send(
        partnership=world["partnership"], before=timezone.now() + timedelta(hours=1)
    )
    assert reload(world["police_invitation"]).email_sent_at is not None
    (emailed,) = deliveries(invitation=world["police_invitation"])
    assert emailed.recipient == user


def test_only_the_office_records_how_it_was_sent(world):
    member = staff_user(world["partnership"], Role.CRG_MEMBER)
    with pytest.raises(ApplicationError):
        services.delivery_record(
            actor=member,
            method="post",
            delivered_on=timezone.localdate(),
            invitation=world["police_invitation"],
        )
    assert deliveries(invitation=world["police_invitation"]) == []


def test_an_outcome_to_an_agency_with_nobody_on_the_portal_is_marked_sent_by_hand(
    client, world, django_capture_on_commit_callbacks
):
    review, office = world["review"], world["office"]
    decided_and_signed(review, office)
    with django_capture_on_commit_callbacks(execute=True):
        services.outcomes_send(review=review, actor=office)
    notices = {
        n.agency_id: n
        for n in OutcomeNotice.unscoped.filter(review=review).select_related("agency")
    }
    police_notice = notices[world["police"].pk]
    assert police_notice.email_sent_at is None
    assert len(deliveries(outcome=notices[world["health"].pk])) == 1

    sign_in(client, office)
    page = client.get(after_url(review)).text
    assert NOT_SENT in page
    # The office's dashboard lists it, with the invitation still unsent.
    dashboard = client.get("/").text
    assert "Not sent to anyone" in dashboard
    assert f"the outcome to {world['police'].name}" in dashboard
    assert f"invitation and papers to {world['police'].name}" in dashboard

    url = reverse(
        "outcome_delivery", kwargs={"reference": review.case.reference, "pk": police_notice.pk}
    )
    page = client.get(url).text
    today = timezone.localdate()
    response = client.post(
        url,
        {
            FIELD: re.search(rf'name="{FIELD}" value="([^"]+)"', page).group(1),
            "method": "by_hand",
            "delivered_on-day": today.day,
            "delivered_on-month": today.month,
            "delivered_on-year": today.year,
        },
    )
    assert response["Location"] == after_url(review)
    (by_hand,) = deliveries(outcome=police_notice)
    assert by_hand.recorded_by == office
    page = client.get(after_url(review)).text
    assert "Sent by hand" in page
    assert f"the outcome to {world['police'].name}" not in client.get("/").text


def test_another_partnerships_invitation_is_not_found(client, world, leicester, lr):
    other = lr if world["partnership"] == leicester else leicester
    sign_in(client, staff_user(other))
    url = reverse(
        "invitation_delivery",
        kwargs={"reference": world["review"].case.reference, "pk": world["police_invitation"].pk},
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"method": "post"}).status_code == 404
    assert not Invitation.unscoped.get(pk=world["police_invitation"].pk).deliveries.exists()
