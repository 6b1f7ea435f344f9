"""Local Authority systems post notifications and referrals; deadlines are read back."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases import selectors, services
from cases.models import AgencyKind, Case, Child, Notification, Referral, Role, Stage
from cases.services.intake import NOT_A_LOCAL_AUTHORITY, RECEIVED_IN_FUTURE
from cases.timescales import Event, timescales_for
from tests.factories import AgencyFactory, agency_user, staff_user

TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


def client_for(user, partnership=None):
    membership = (
        user.memberships.get(partnership=partnership) if partnership else user.memberships.get()
    )
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {services.api_token_create(membership=membership)}"
    )
    return client


@pytest.fixture
def leicester_api(leicester_office):
    return client_for(leicester_office)


def body(slug="leicester", received_on="2026-12-18", **extra):
    return {
        "partnership": slug,
        "received_on": received_on,
        "child_reference": "LA-1001",
        "summary": "Child A was taken to hospital with injuries.",
        **extra,
    }


def no_cases(*partnerships):
    return all(Case.objects.for_partnership(p).count() == 0 for p in partnerships)


def test_a_notification_posted_opens_a_rapid_review(leicester, leicester_api):
    response = leicester_api.post(
        "/api/v1/notifications/", body(child_name="Jolene Marchbanks"), format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["case_reference"] == "LSCP-2026-0001"
    assert created["stage"] == Stage.RAPID_REVIEW
    due = {d["kind"]: d["due_date"] for d in created["deadlines"]}
    assert due == {
        "rapid_review_meeting_earliest": "2026-12-31",
        "rapid_review_meeting_latest": "2027-01-11",
        "rapid_review_complete": "2027-01-13",
        "decision_notified": "2027-01-13",
    }
    case = Case.objects.for_partnership(leicester).get(reference=created["case_reference"])
    child = Child.objects.for_partnership(leicester).get(case=case)
    assert (child.pseudonym, child.local_authority_reference, child.name) == (
        "Child A",
        "LA-1001",
        "Jolene Marchbanks",
    )
    assert "Marchbanks" not in response.content.decode()  # the name stays in the case file
    saved = Notification.objects.for_partnership(leicester).get(case=case)
    assert saved.received_on == date(2026, 12, 18)


@pytest.mark.parametrize(
    ("care", "abuse"),
    [
        pytest.param({"care_status": "looked_after"}, "not_known", id="looked-after-child"),
        pytest.param(
            {"care_status": "care_leaver", "care_leaver_age": 22}, "suspected", id="care-leaver-22"
        ),
    ],
)
def test_a_care_death_posted_goes_to_the_crg_without_deadlines(
    leicester, leicester_api, care, abuse
):
    """§1.3.5: notified to the Secretary of State and Ofsted; no Rapid Review."""
    sent = body(
        incident_kind="death",
        abuse_or_neglect=abuse,
        secretary_of_state_notified_on="2026-12-17",
        ofsted_notified_on="2026-12-17",
        **care,
    )
    response = leicester_api.post("/api/v1/notifications/", sent, format="json")
    assert response.status_code == 201
    created = response.json()
    assert (created["stage"], created["deadlines"]) == (Stage.CRG_CONSIDERATION, [])


def test_a_referral_posted_opens_a_case_for_the_crg(leicester, leicester_api):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    response = leicester_api.post(
        "/api/v1/referrals/",
        body(
            received_on="2025-12-31",
            referring_agency="Leicestershire Police",
            criteria=["single_agency", "single_agency", "cross_boundary"],
            reasons="Missed opportunities.",
        ),
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["stage"] == Stage.REFERRAL_DECISION
    # 31 Jan 2026 and 28 Feb 2026 (clamped) are Saturdays: both move back to the Friday.
    assert {d["kind"]: d["due_date"] for d in created["deadlines"]} == {
        "referral_shared_with_local_authority": "2026-01-30",
        "referral_first_discussion": "2026-01-30",
        "referral_information_request_sent": "2026-01-30",
        "referral_decision": "2026-02-27",
        "referral_decision_notified": "2026-02-27",
    }
    case = Case.objects.for_partnership(leicester).get(reference=created["case_reference"])
    referral = Referral.objects.for_partnership(leicester).get(case=case)
    assert referral.referring_agency == police
    assert referral.criteria == ["single_agency", "cross_boundary"]


# Worked by hand from DESIGN.md "Timescales" (day 0 is the date received):
# information_request_sent (+2), meeting earliest (+7), latest (+13), complete (+15).
HAND_WORKED = {
    # A Friday before Christmas: 25, 26/27 (weekend), 28 Dec (Boxing Day substitute) and
    # 1 Jan 2027 are skipped.
    "2026-12-18": ("2026-12-22", "2026-12-31", "2027-01-11", "2027-01-13"),
    # A Saturday in June: no bank holidays, Monday 15 June is day 1.
    "2026-06-13": ("2026-06-16", "2026-06-23", "2026-07-01", "2026-07-03"),
    # The day before Good Friday (3 April 2026) and Easter Monday (6 April).
    "2026-04-02": ("2026-04-08", "2026-04-15", "2026-04-23", "2026-04-27"),
    # Christmas Eve 2026: Tuesday 29 December is day 1.
    "2026-12-24": ("2026-12-30", "2027-01-07", "2027-01-15", "2027-01-19"),
}
KINDS = (
    "information_request_sent",
    "rapid_review_meeting_earliest",
    "rapid_review_meeting_latest",
    "rapid_review_complete",
)


@pytest.mark.parametrize("received_on", list(HAND_WORKED))
@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_a_notification_posted_on_any_date_shows_the_right_deadlines_for_its_partnership(
    partnerships, slug, received_on
):
    partnership = partnerships[slug]
    api = client_for(staff_user(partnership, username=f"office-{slug}"))
    created = api.post("/api/v1/notifications/", body(slug, received_on), format="json")
    assert created.status_code == 201
    reference = created.json()["case_reference"]

    read = api.get(f"/api/v1/cases/{reference}/deadlines/")
    assert read.status_code == 200
    shown = {d["kind"]: d for d in read.json()}
    assert read.json() == created.json()["deadlines"]

    # The timescales table, worked out for this partnership's calendar …
    workings = timescales_for(
        partnership,
        Event.NOTIFICATION_RECEIVED,
        date.fromisoformat(received_on),
        selectors.working_calendar(partnership=partnership),
    )
    assert {kind: d["due_date"] for kind, d in shown.items()} == {
        w.timescale.kind: w.due.isoformat() for w in workings
    }
    # … and the same dates worked out by hand.
    expected = dict(zip(KINDS, HAND_WORKED[received_on], strict=True))
    expected["decision_notified"] = expected["rapid_review_complete"]  # with the report
    if slug == "leicester":  # §4.3.3's two working days are Leicestershire & Rutland's
        del expected["information_request_sent"]
    assert {kind: d["due_date"] for kind, d in shown.items()} == expected
    assert (
        shown["rapid_review_meeting_latest"]["window_start"]
        == expected["rapid_review_meeting_earliest"]
    )
    assert {d["event_date"] for d in shown.values()} == {received_on}
    assert {d["status"] for d in shown.values()} == {"open"}


@pytest.mark.parametrize("path", ["/api/v1/notifications/", "/api/v1/referrals/"])
def test_a_token_cannot_create_a_case_in_the_other_partnership(leicester, lr, leicester_api, path):
    response = leicester_api.post(path, body("leicestershire-rutland"), format="json")
    assert response.status_code == 403
    assert "leicester" in response.json()["detail"]
    assert no_cases(leicester, lr)


@pytest.mark.parametrize(
    ("sent", "bad_fields"),
    [
        pytest.param({}, {"partnership", "received_on", "child_reference", "summary"}, id="empty"),
        pytest.param(body(received_on="2026-02-31"), {"received_on"}, id="31-february"),
        pytest.param(body(received_on="18/12/2026"), {"received_on"}, id="not-iso"),
        pytest.param(
            body(child_reference="   ", summary=""), {"child_reference", "summary"}, id="blanks"
        ),
        pytest.param(body(slug="Leicester City!"), {"partnership"}, id="not-a-slug"),
        pytest.param(body(care_status="fostered"), {"care_status"}, id="unknown-care-status"),
    ],
)
def test_a_bad_notification_answers_400_naming_each_bad_field(
    leicester, leicester_api, sent, bad_fields
):
    response = leicester_api.post("/api/v1/notifications/", sent, format="json")
    assert response.status_code == 400
    assert set(response.json()) == bad_fields
    assert no_cases(leicester)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        pytest.param(
            {"received_on": (TODAY + timedelta(days=1)).isoformat()},
            "received_on",
            RECEIVED_IN_FUTURE,
            id="received-tomorrow",
        ),
        pytest.param(
            {"received_on": "1999-12-31"},
            "received_on",
            "Give a date from 2000 onwards.",
            id="before-2000",
        ),
        pytest.param(
            {"child_date_of_birth": (TODAY + timedelta(days=1)).isoformat()},
            "child_date_of_birth",
            "The date of birth must be in the past.",
            id="born-tomorrow",
        ),
        pytest.param(
            {"care_status": "care_leaver", "care_leaver_age": 25},
            "care_leaver_age",
            "A care leaver is someone up to and including the age of 24 (§1.3.5).",
            id="care-leaver-aged-25",
        ),
        pytest.param(
            {"ofsted_notified_on": "2026-12-18"},
            "care_status",
            "Secretary of State and Ofsted notifications are for looked-after children "
            "and care leavers (§1.3.5).",
            id="ofsted-when-neither",
        ),
        pytest.param(
            {"notifying_authority": "Leicestershire Police"},
            "notifying_authority",
            NOT_A_LOCAL_AUTHORITY,
            id="police-as-authority",
        ),
        pytest.param(
            {"notifying_authority": "Leicestershire County Council"},
            "notifying_authority",
            "Choose an agency that works with this partnership.",
            id="the-other-partnerships-council",
        ),
        pytest.param(
            {"notifying_authority": "No Such Council"},
            "notifying_authority",
            # The same words as for the other partnership's council: a token cannot tell
            # an agency that exists elsewhere from one that does not.
            "Choose an agency that works with this partnership.",
            id="no-such-council",
        ),
    ],
)
def test_a_notification_the_rules_refuse_answers_422_with_the_reason(
    leicester, lr, leicester_api, extra, field, message
):
    AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    AgencyFactory(
        name="Leicestershire County Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[lr]
    )
    response = leicester_api.post("/api/v1/notifications/", {**body(), **extra}, format="json")
    assert response.status_code == 422
    assert response.json() == {field: [message]}
    assert no_cases(leicester)


def test_a_bad_referral_answers_400_naming_each_bad_field(leicester, leicester_api):
    response = leicester_api.post(
        "/api/v1/referrals/",
        {"received_on": "2026-13-01", "criteria": ["because"], "referring_agency": "Nobody"},
        format="json",
    )
    assert response.status_code == 400
    # The agency is looked up only once the body is as the schema says.
    assert set(response.json()) == {
        "partnership",
        "received_on",
        "child_reference",
        "summary",
        "criteria",
    }
    assert no_cases(leicester)


def test_a_nul_in_an_agency_name_answers_400(leicester, leicester_api):
    # PostgreSQL refuses a NUL in a query: found by the fuzz test.
    response = leicester_api.post(
        "/api/v1/notifications/",
        {**body(), "notifying_authority": "Leicester\x00City Council"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"notifying_authority": ["Null characters are not allowed."]}
    assert no_cases(leicester)


@pytest.mark.parametrize("path", ["/api/v1/notifications/", "/api/v1/referrals/"])
def test_a_form_encoded_create_answers_415(leicester, leicester_api, path):
    response = leicester_api.post(path, body())
    assert response.status_code == 415
    assert no_cases(leicester)


@pytest.mark.parametrize("role", [Role.CRG_CHAIR, Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER])
@pytest.mark.parametrize("path", ["/api/v1/notifications/", "/api/v1/referrals/"])
def test_only_the_business_office_may_post_intake(leicester, path, role):
    api = client_for(staff_user(leicester, role=role))
    response = api.post(path, body(), format="json")
    assert response.status_code == 403
    assert no_cases(leicester)


@pytest.mark.parametrize("path", ["/api/v1/notifications/", "/api/v1/referrals/"])
def test_an_agency_users_token_cannot_post_intake(leicester, lr, path):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    api = client_for(agency_user(police))
    for slug in ("leicester", "leicestershire-rutland"):
        assert api.post(path, body(slug), format="json").status_code == 403
    assert no_cases(leicester, lr)


def test_deadlines_of_the_other_partnerships_case_are_not_found(
    leicester, lr, lr_office, leicester_api
):
    theirs = services.notification_record(
        partnership=lr,
        details=services.NotificationDetails(received_on=date(2026, 12, 18), summary="x"),
        children=[services.ChildDetails(local_authority_reference="LA-9")],
        actor=lr_office,
    )
    assert leicester_api.get(f"/api/v1/cases/{theirs.reference}/deadlines/").status_code == 404
    assert client_for(lr_office).get(f"/api/v1/cases/{theirs.reference}/deadlines/").json()


def test_a_chair_reads_the_deadlines_the_office_posted(leicester, leicester_api):
    reference = leicester_api.post("/api/v1/notifications/", body(), format="json").json()[
        "case_reference"
    ]
    chair = client_for(staff_user(leicester, role=Role.CRG_CHAIR))
    read = chair.get(f"/api/v1/cases/{reference}/deadlines/")
    assert read.status_code == 200
    assert [d["kind"] for d in read.json()] == [
        "rapid_review_meeting_earliest",
        "rapid_review_meeting_latest",
        "rapid_review_complete",
        "decision_notified",
    ]


def test_a_referring_agency_elsewhere_or_nowhere_gets_one_message(leicester, lr, leicester_api):
    AgencyFactory(name="Rutland County Council", partnerships=[lr])
    answers = [
        leicester_api.post(
            "/api/v1/referrals/", {**body(), "referring_agency": name}, format="json"
        )
        for name in ("Rutland County Council", "No Such Agency")
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert (
        answers[0].json()
        == answers[1].json()
        == {"referring_agency": ["Choose an agency that works with this partnership."]}
    )
    assert no_cases(leicester)
