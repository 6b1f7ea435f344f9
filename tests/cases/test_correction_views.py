"""The correction pages: a form keeps what was typed, a reason is required, a concurrent
correction conflicts visibly, and another partnership's case is not found (issue 12)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import selectors, services
from cases.models import AgencyKind, InformationRequest
from cases.services.correction import CONFLICT, REASON_NEEDED
from cases.views.correction import RECEIVED_DATE_SAVED
from tests.factories import AgencyFactory, agency_user, sign_in, staff_user, working_days_ahead

ROUTES = [
    "case_correct_received_date",
    "case_correct_summary",
    "case_correct_children",
    "case_correct_lead_officer",
    "case_withdraw",
]


def notified(partnership, office, received_on):
    return services.notification_record(
        partnership=partnership,
        details=services.NotificationDetails(
            received_on=received_on, summary="Child A was taken to hospital."
        ),
        children=[services.ChildDetails(local_authority_reference="LA-1")],
        actor=office,
        lead_officer=office,
    )


def page(client, name, case):
    return reverse(name, kwargs={"reference": case.reference})


def date_fields(day, **more):
    return {
        "received_on-day": day.day,
        "received_on-month": day.month,
        "received_on-year": day.year,
        **more,
    }


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def lr_case(lr, lr_office):
    return notified(lr, lr_office, timezone.localdate())


def test_a_correction_without_a_reason_keeps_what_was_typed(client, lr_office, lr_case, lr):
    sign_in(client, lr_office)
    earlier = selectors.working_calendar(partnership=lr).subtract(timezone.localdate(), 2)
    response = client.post(
        page(client, "case_correct_received_date", lr_case),
        date_fields(earlier, reason="", version=lr_case.version),
    )
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert REASON_NEEDED in text(response)
    assert f'name="received_on-day" type="text" inputmode="numeric" value="{earlier.day}"' in text(
        response
    )


def test_a_concurrent_correction_conflicts_visibly(client, lr_office, lr_case):
    sign_in(client, lr_office)
    services.case_summary_correct(
        case=lr_case, summary="Theirs.", reason="Theirs", version=1, actor=lr_office
    )
    response = client.post(
        page(client, "case_correct_summary", lr_case),
        {"summary": "Mine.", "reason": "My reason", "version": 1},
    )
    body = text(response)
    assert CONFLICT in body
    assert "Mine." in body
    assert "My reason" in body
    assert 'name="version" value="2"' in body  # saving again applies it over theirs
    assert selectors.case_intake(case=lr_case)["notification"].summary == "Theirs."


def test_the_corrected_date_moves_the_deadlines_and_the_tab_says_why(
    client, lr_office, lr_case, lr
):
    sign_in(client, lr_office)
    earlier = selectors.working_calendar(partnership=lr).subtract(timezone.localdate(), 2)
    response = client.post(
        page(client, "case_correct_received_date", lr_case),
        date_fields(earlier, reason="Email dated earlier", version=1),
        follow=True,
    )
    assert RECEIVED_DATE_SAVED in text(response)
    deadlines = text(client.get(page(client, "case_deadlines", lr_case)))
    assert f"Received date corrected from {timezone.localdate():%-d %B %Y}" in deadlines
    assert "Email dated earlier" in deadlines
    history = text(client.get(page(client, "case_history", lr_case)))
    assert "Notification: received on" in history
    assert "Email dated earlier" in history


def test_a_withdrawn_case_leaves_the_list_and_is_marked_on_its_page(client, lr_office, lr):
    sign_in(client, lr_office)
    original = notified(lr, lr_office, timezone.localdate())
    duplicate = notified(lr, lr_office, timezone.localdate())
    client.post(
        page(client, "case_withdraw", duplicate),
        {"duplicate_of": original.reference, "reason": "Recorded twice", "version": 1},
    )
    listed = text(client.get(reverse("case_list")))
    assert original.reference in listed
    assert duplicate.reference not in listed
    shown = re.sub(r"<[^>]+>", "", text(client.get(page(client, "case_detail", duplicate))))
    assert f"Withdrawn as a duplicate of {original.reference}" in shown
    assert "Correct this case" not in shown


def test_the_requests_page_shows_each_request_sent_late_in_lr(client, lr_office, lr):
    received = selectors.working_calendar(partnership=lr).subtract(timezone.localdate(), 4)
    case = notified(lr, lr_office, received)
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(10), actor=lr_office
    )
    assert InformationRequest.objects.for_partnership(lr).filter(case=case).count() == 1
    sign_in(client, lr_office)
    requests = text(client.get(page(client, "case_requests", case)))
    assert "Sent late" in requests
    deadlines = text(client.get(page(client, "case_deadlines", case)))
    assert "Information requests sent late (§4.3.3)" in deadlines
    assert "Leicestershire Police" in deadlines


@pytest.mark.parametrize("name", ROUTES)
def test_another_partnerships_case_is_not_found(client, name, leicester, lr_office):
    theirs = notified(leicester, staff_user(leicester), timezone.localdate())
    sign_in(client, lr_office)
    url = page(client, name, theirs)
    assert client.get(url).status_code == 404
    response = client.post(url, {"reason": "Mine", "version": 1, "duplicate_of": ""})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.version == 1
    assert not theirs.is_withdrawn


def test_the_api_lists_leave_a_withdrawn_case_out_but_its_reference_answers(lr, lr_office):
    original = notified(lr, lr_office, timezone.localdate())
    duplicate = notified(lr, lr_office, timezone.localdate())
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    services.information_requests_send(
        case=duplicate, agencies=[police], reply_due_on=working_days_ahead(10), actor=lr_office
    )
    services.case_withdraw(
        case=duplicate,
        reason="Twice",
        duplicate_of=original.reference,
        version=duplicate.version,
        actor=lr_office,
    )
    api = APIClient()
    key = services.api_token_create(membership=lr_office.memberships.get())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = api.get("/api/v1/cases/").json()["results"]
    assert [item["reference"] for item in listed] == [original.reference]
    assert api.get("/api/v1/information-requests/").json()["results"] == []
    one = api.get(f"/api/v1/cases/{duplicate.reference}/").json()
    assert one["duplicate_of"] == original.reference
    assert one["withdrawn_at"] is not None


def test_the_agency_opening_a_withdrawn_cases_request_is_told_nothing_more_is_needed(
    client, lr, lr_office
):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    case = notified(lr, lr_office, timezone.localdate())
    request = services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(10), actor=lr_office
    )[0]
    services.case_withdraw(case=case, reason="Twice", duplicate_of="", version=1, actor=lr_office)
    sign_in(client, agency_user(police))
    assert request.case.reference not in text(client.get(reverse("portal_home")))
    body = text(client.get(reverse("portal_request", kwargs={"pk": request.pk})))
    assert "This case was withdrawn as a duplicate" in body
    assert "Save a draft" not in body
