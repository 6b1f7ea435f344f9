"""National reviews (§11.5.1) and the National Panel's requests about one (§12.3): the
CRG's record of a national review and its local application; a request with its
parameters, who was informed and when, the CRG chair told they are the point of contact
(an email and a dashboard item), and the Business Office's support."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.models import Role
from publication.models import (
    ActionPlan,
    NationalReview,
    NationalReviewRequest,
    NationalReviewSupport,
    PlanSource,
    SupportKind,
)
from publication.selectors.learning import request_gaps
from publication.services import learning as services
from rapidreview.models import CrgMeeting, MeetingKind
from tests.factories import sign_in, staff_user

pytestmark = pytest.mark.django_db

REVIEWS = reverse("national_reviews")
NEW_REVIEW = reverse("national_review_new")
REQUESTS = reverse("national_review_requests")
NEW_REQUEST = reverse("national_review_request_new")


def _day(field, day):
    return {f"{field}-day": day.day, f"{field}-month": day.month, f"{field}-year": day.year}


def _meeting(partnership, days_ago=7):
    return CrgMeeting.unscoped.create(
        partnership=partnership,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() - timedelta(days=days_ago),
    )


def test_the_office_records_a_national_review_considered_at_a_crg_meeting(client, leicester):
    meeting = _meeting(leicester)
    sign_in(client, staff_user(leicester))
    published = timezone.localdate() - timedelta(days=60)
    data = {
        "title": "Safeguarding children with disabilities in residential settings",
        "themes": "",
        **_day("published_on", published),
        "crg_meeting": meeting.pk,
        "local_application": "Each agency checks its residential placements.",
    }
    refused = client.post(NEW_REVIEW, data)
    assert refused.status_code == 200
    assert "Give the national review&#x27;s themes." in refused.text
    assert "Each agency checks its residential placements." in refused.text
    data["themes"] = "Oversight of placements; voice of the child"
    saved = client.post(NEW_REVIEW, data)
    assert saved.status_code == 302
    review = NationalReview.objects.for_partnership(leicester).get()
    # The date considered defaults to the meeting's.
    assert (review.crg_meeting, review.considered_on) == (meeting, meeting.held_on)
    page = client.get(saved.url).text
    assert "Oversight of placements; voice of the child" in page
    assert "No action plan yet" in page
    try:
        plan_url = reverse("national_review_action_plan", args=[review.pk])
    except NoReverseMatch:
        plan_url = None
    if plan_url:
        assert plan_url in page
    else:
        assert "the action plan</a>" not in page
    ActionPlan.unscoped.create(
        partnership=leicester,
        source=PlanSource.NATIONAL_REVIEW,
        national_review=review,
        title="Residential settings plan",
    )
    assert "0 actions in its action plan" in client.get(saved.url).text
    assert review.title in client.get(REVIEWS).text


def test_a_national_review_edit_from_a_stale_form_is_a_conflict(client, leicester):
    review = services.national_review_create(
        partnership=leicester,
        actor=None,
        title="Myth of invisible men",
        published_on=timezone.localdate() - timedelta(days=30),
        themes="Fathers",
    )
    url = reverse("national_review", kwargs={"pk": review.pk})
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    data = {
        "title": review.title,
        "themes": "Fathers and male carers",
        **_day("published_on", review.published_on),
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "themes": "Older text"})
    assert services.CONFLICT in stale.text
    review.refresh_from_db()
    assert review.themes == "Fathers and male carers"


def test_a_request_is_recorded_and_the_crg_chair_told_by_email_and_dashboard(
    client, leicester, django_capture_on_commit_callbacks
):
    chair = staff_user(leicester, role=Role.CRG_CHAIR, email="chair@leicester.example")
    sign_in(client, staff_user(leicester))
    form = client.get(NEW_REQUEST).text
    assert f'value="{chair.pk}" selected' in form  # the one active chair by default
    received = timezone.localdate() - timedelta(days=5)
    data = {
        "title": "National review of child sexual abuse in the family",
        **_day("received_on", received),
        "parameters": "Cases since 2024 where a sibling was harmed.",
        "contact": chair.pk,
        # The CRG before the partners: refused, what was typed kept.
        **_day("crg_informed_on", received),
    }
    refused = client.post(NEW_REQUEST, data)
    assert services.CRG_BEFORE_PARTNERS in refused.text
    assert "Cases since 2024 where a sibling was harmed." in refused.text
    assert len(mail.outbox) == 0
    del data["crg_informed_on-day"], data["crg_informed_on-month"], data["crg_informed_on-year"]
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(NEW_REQUEST, data)
    assert saved.status_code == 302
    request = NationalReviewRequest.objects.for_partnership(leicester).get()
    assert request.contact == chair
    assert [m.to for m in mail.outbox] == [["chair@leicester.example"]]
    assert "main point of contact" in mail.outbox[0].body
    assert request.contact_told_at is not None
    page = client.get(saved.url).text
    assert "The Safeguarding Partners have not been informed of this request." in page
    assert "The Case Review Group has not been informed of this request." in page
    sign_in(client, chair)
    dashboard = client.get(reverse("dashboard")).text
    assert "You are the main point of contact" in dashboard
    assert request.title in dashboard


def test_informing_the_partners_then_the_crg_and_recording_support(client, leicester):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    received = timezone.localdate() - timedelta(days=10)
    request = services.review_request_create(
        partnership=leicester,
        actor=None,
        title="Infants and neglect",
        received_on=received,
        parameters="Infants under one.",
        contact=chair,
    )
    office = staff_user(leicester)
    sign_in(client, office)
    assert "Infants and neglect" in client.get(reverse("dashboard")).text  # to inform
    url = reverse("national_review_request", kwargs={"pk": request.pk})
    data = {
        "form": "request",
        "title": request.title,
        **_day("received_on", received),
        "parameters": request.parameters,
        "contact": chair.pk,
        **_day("partners_informed_on", received + timedelta(days=1)),
        **_day("crg_informed_on", received + timedelta(days=2)),
        "version": request.version,
    }
    assert client.post(url, data).status_code == 302
    request.refresh_from_db()
    assert request_gaps(request) == []
    assert "has not been informed" not in client.get(url).text
    support = {
        "form": "support",
        "support-kind": SupportKind.ATTENDANCE,
        **_day("support-on", received - timedelta(days=1)),
        "support-description": "The Business Office attended the practitioner event.",
    }
    refused = client.post(url, support)
    assert services.BEFORE_RECEIVED in refused.text
    assert "The Business Office attended the practitioner event." in refused.text
    support.update(_day("support-on", received + timedelta(days=3)))
    assert client.post(url, support).status_code == 302
    assert NationalReviewSupport.objects.for_partnership(leicester).count() == 1
    assert "Local attendance at a meeting" in client.get(url).text


def test_a_page_without_a_crg_chair_says_who_is_missing(client, leicester):
    sign_in(client, staff_user(leicester))
    page = client.get(NEW_REQUEST).text
    assert "Nobody holds the CRG chair" in page


def test_another_partnership_finds_neither_review_nor_request(client, leicester, lr):
    lr_chair = staff_user(lr, role=Role.CRG_CHAIR)
    theirs = services.national_review_create(
        partnership=lr,
        actor=None,
        title="LR national review",
        published_on=timezone.localdate(),
        themes="LR themes",
    )
    their_request = services.review_request_create(
        partnership=lr,
        actor=None,
        title="LR request",
        received_on=timezone.localdate(),
        parameters="LR parameters",
        contact=lr_chair,
    )
    their_meeting = _meeting(lr)
    for role in (Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.CRG_MEMBER, Role.REVIEWER):
        sign_in(client, staff_user(leicester, role=role))
        for url in (
            reverse("national_review", kwargs={"pk": theirs.pk}),
            reverse("national_review_request", kwargs={"pk": their_request.pk}),
        ):
            assert client.get(url).status_code == 404
            assert client.post(url, {"form": "support"}).status_code in (403, 404)
        for page in (REVIEWS, REQUESTS):
            text = client.get(page).text
            assert "LR national review" not in text
            assert "LR request" not in text
    # The other partnership's meeting and chair cannot be chosen.
    office = staff_user(leicester)
    sign_in(client, office)
    refused = client.post(
        NEW_REVIEW,
        {
            "title": "x",
            "themes": "y",
            **_day("published_on", timezone.localdate()),
            "crg_meeting": their_meeting.pk,
        },
    )
    assert "Select a valid choice" in refused.text
    with pytest.raises(services.ApplicationError) as error:
        services.review_request_create(
            partnership=leicester,
            actor=office,
            title="x",
            received_on=timezone.localdate(),
            parameters="y",
            contact=lr_chair,
        )
    assert error.value.message == services.CONTACT_NOT_CHAIR
    assert NationalReviewSupport.objects.for_partnership(lr).count() == 0


def test_the_mail_sweep_tells_a_chair_whose_email_was_not_sent(leicester):
    """A broker outage lost the job: the sweep sends it once, and never twice."""
    from datetime import timedelta as td

    from publication.tasks import learning_mail_sweep

    chair = staff_user(leicester, role=Role.CRG_CHAIR, email="chair2@leicester.example")
    request = services.review_request_create(
        partnership=leicester,
        actor=None,
        title="Unsent",
        received_on=timezone.localdate(),
        parameters="p",
        contact=chair,
    )  # the on-commit job never runs inside this test's transaction
    NationalReviewRequest.unscoped.filter(pk=request.pk).update(
        created_at=timezone.now() - td(hours=1)
    )
    assert learning_mail_sweep() == 1
    assert learning_mail_sweep() == 0
    assert [m.to for m in mail.outbox] == [["chair2@leicester.example"]]
