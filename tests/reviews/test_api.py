"""GET /api/v1/lcsprs/ (issue 13: API): each LCSPR against its six-month date, its terms
of reference, its people and its timetable, for the token's own partnership only, and for
a Reviewer or Panel member only the reviews they are appointed to and have declared for."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import AgencyKind, Case, Child, Deadline, Role, Stage
from cases.services import api_token_create
from rapidreview.models import CrgMeeting, MeetingKind
from reviews.models import Lcspr
from reviews.selectors import clock as clock_selectors
from reviews.selectors import panel as panel_selectors
from reviews.selectors import setup as setup_selectors
from reviews.selectors import terms as terms_selectors
from reviews.services import (
    TermsDraft,
    appointment_make,
    declaration_make,
    delay_notice_send,
    delay_record,
    lcspr_open,
    milestone_add,
    milestone_cancel,
    milestone_done,
    parallel_process_add,
    terms_agreement_record,
    terms_put_to_crg,
    terms_version_save,
)
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/lcsprs/"
CHILD_NAME = "Zebedee Quarrington"
METHODOLOGY = "A systems approach with a learning workshop for practitioners."


def _today():
    return timezone.localdate()


def _client(user):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )
    return client


def _rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["case_reference"]: row for row in response.json()["results"]}


def _statutory(lcspr):
    return Deadline.objects.for_partnership(lcspr.case.partnership).get(
        case=lcspr.case, kind="lcspr_complete"
    )


def _review(partnership, *, stage=Stage.LCSPR, decided_days_ago=30):
    case = open_case(partnership)
    Case.unscoped.filter(pk=case.pk).update(stage=stage)  # set-up: wherever the test needs it
    case.refresh_from_db()
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    return lcspr_open(
        case=case,
        decided_on=_today() - timedelta(days=decided_days_ago),
        key_lines_of_enquiry="How agencies shared information.",
        actor=None,
    )


def _agreed_terms(lcspr, office):
    """Version 1 drafted, put to a CRG meeting, the meeting held today and agreed; then a
    version 2 drafted, not yet agreed (the API shows the version in force)."""
    partnership = lcspr.case.partnership
    terms_version_save(
        lcspr=lcspr,
        actor=None,
        based_on=0,
        draft=TermsDraft(
            scoping_start=lcspr.decided_on - timedelta(days=400),
            scoping_end=lcspr.decided_on - timedelta(days=10),
            scoping_reason="The year before the incident.",
            key_lines_of_enquiry=["How agencies shared information."],
            methodology=METHODOLOGY,
            collection_tools=["information_reports", "key_events_chronology"],
        ),
    )
    meeting = CrgMeeting.unscoped.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=_today() + timedelta(days=14)
    )
    terms_put_to_crg(lcspr=lcspr, actor=None, number=1, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=_today())
    terms_agreement_record(lcspr=lcspr, actor=office, agreed=True)
    terms_version_save(
        lcspr=lcspr,
        actor=None,
        based_on=1,
        draft=TermsDraft(
            scoping_start=lcspr.decided_on - timedelta(days=30),
            scoping_end=lcspr.decided_on,
            scoping_reason="A shorter period.",
            key_lines_of_enquiry=["A wider question."],
            methodology="A different methodology, not yet approved.",
        ),
    )


def _panel_without_police(lcspr):
    partnership = lcspr.case.partnership
    for kind, name in (
        (AgencyKind.LOCAL_AUTHORITY, "Leicester City Council"),
        (AgencyKind.INTEGRATED_CARE_BOARD, "LLR Integrated Care Board"),
    ):
        agency = AgencyFactory(name=f"{name} {lcspr.pk}", kind=kind, partnerships=[partnership])
        member = staff_user(partnership, role=Role.PANEL_MEMBER)
        appointment = appointment_make(
            lcspr=lcspr,
            user=member,
            role=Role.PANEL_MEMBER,
            appointed_on=_today(),
            actor=None,
            agency=agency,
        )
        declaration_make(
            appointment=appointment,
            actor=member,
            has_conflict=False,
            conflict_details="",
            confidentiality_agreed=True,
        )


def _delay_with_notice(lcspr, office):
    partnership = lcspr.case.partnership
    partnership.national_panel_email = "national-panel@notices.example"
    partnership.secretary_of_state_email = "secretary-of-state@notices.example"
    partnership.save()
    delay = delay_record(
        lcspr=lcspr,
        actor=office,
        arose_on=_today(),
        asked_by="Police Senior Investigating Officer",
        reason="The Police ask the review to wait before involving the parents.",
        holds_up="Involving the parents in the review.",
        prevents_publication=True,
        revised_expected_on=_statutory(lcspr).due_date + timedelta(days=60),
    )
    return delay_notice_send(delay=delay, actor=office)


def _milestones(lcspr):
    """A cancelled milestone in five days, a family meeting in three already done, a panel
    meeting in ten, a workshop in twenty."""
    cancelled = milestone_add(
        lcspr=lcspr, kind="learning_event", due_on=_today() + timedelta(days=5), actor=None
    )
    milestone_cancel(milestone=cancelled, reason="Moved", actor=None, on=_today())
    # A family meeting planned for later this week that took place early: behind, not next.
    early = milestone_add(
        lcspr=lcspr, kind="family_engagement", due_on=_today() + timedelta(days=3), actor=None
    )
    milestone_done(milestone=early, done_on=_today(), actor=None, version=early.version)
    milestone_add(
        lcspr=lcspr, kind="panel_meeting", due_on=_today() + timedelta(days=10), actor=None
    )
    milestone_add(
        lcspr=lcspr, kind="learning_event", due_on=_today() + timedelta(days=20), actor=None
    )


def _full_review(partnership, office):
    """A review with everything the API reports: a Reviewer, a panel lacking the Police,
    agreed terms, a parallel process, milestones and a delay with its notice sent."""
    lcspr = _review(partnership)
    appoint(lcspr.case, staff_user(partnership, role=Role.REVIEWER), Role.REVIEWER)
    _panel_without_police(lcspr)
    _agreed_terms(lcspr, office)
    parallel_process_add(
        lcspr=lcspr, actor=None, kind="criminal", lead="Leicestershire Police", status="under_way"
    )
    _milestones(lcspr)
    _delay_with_notice(lcspr, office)
    return lcspr


def test_a_review_with_agreed_terms_a_panel_a_process_a_milestone_and_a_delay(
    leicester, leicester_office
):
    lcspr = _full_review(leicester, leicester_office)
    bare = _review(leicester, decided_days_ago=0)

    client = _client(leicester_office)
    response = client.get(URL)
    assert CHILD_NAME.split()[0] not in response.text
    assert CHILD_NAME.split()[1] not in response.text
    rows = _rows(client)

    statutory = _statutory(lcspr)
    assert rows[lcspr.case.reference] == {
        "case_reference": lcspr.case.reference,
        "stage": "lcspr",
        "decided_on": lcspr.decided_on.isoformat(),
        "lcspr_complete": {
            "due_date": statutory.due_date.isoformat(),
            "status": "open",
            "expected_date": (statutory.due_date + timedelta(days=60)).isoformat(),
        },
        "terms_of_reference_agreed_on": _today().isoformat(),
        # Of version 1, in force: version 2 awaits approval.
        "scoping_period_start": (lcspr.decided_on - timedelta(days=400)).isoformat(),
        "scoping_period_end": (lcspr.decided_on - timedelta(days=10)).isoformat(),
        "methodology": {
            "methodology": METHODOLOGY,
            "collection_tools": ["key_events_chronology", "information_reports"],
        },
        "reviewer_appointed": True,
        "panel_partners_missing": ["police"],
        "parallel_processes": ["criminal"],
        "delay_notices": [_today().isoformat()],
        "at_risk": True,
        "next_milestone": {
            "kind": "panel_meeting",
            "date": (_today() + timedelta(days=10)).isoformat(),
        },
    }
    # Never a person's details: the Reviewer is a yes or no.
    assert "reviewer@" not in response.text
    assert rows[bare.case.reference] == {
        "case_reference": bare.case.reference,
        "stage": "lcspr",
        "decided_on": _today().isoformat(),
        "lcspr_complete": {
            "due_date": _statutory(bare).due_date.isoformat(),
            "status": "open",
            "expected_date": None,
        },
        "terms_of_reference_agreed_on": None,
        "scoping_period_start": None,
        "scoping_period_end": None,
        "methodology": None,
        "reviewer_appointed": False,
        "panel_partners_missing": ["icb", "local_authority", "police"],
        "parallel_processes": [],
        "delay_notices": [],
        "at_risk": False,
        "next_milestone": None,
    }


def test_a_draft_not_yet_agreed_gives_its_methodology_and_no_agreed_date(
    leicester, leicester_office
):
    lcspr = _review(leicester)
    terms_version_save(
        lcspr=lcspr,
        actor=None,
        based_on=0,
        draft=TermsDraft(
            scoping_start=lcspr.decided_on - timedelta(days=100),
            scoping_end=lcspr.decided_on,
            scoping_reason="The hundred days before the decision.",
            methodology=METHODOLOGY,
            collection_tools=["factual_summaries"],
        ),
    )
    row = _rows(_client(leicester_office))[lcspr.case.reference]
    assert row["terms_of_reference_agreed_on"] is None
    assert row["methodology"] == {
        "methodology": METHODOLOGY,
        "collection_tools": ["factual_summaries"],
    }
    assert row["scoping_period_end"] == lcspr.decided_on.isoformat()


def test_each_row_agrees_with_the_lcspr_pages_selectors(leicester, leicester_office):
    """The list reads prefetched rows; what it says is what each review's page says."""
    reviews = [_full_review(leicester, leicester_office), _review(leicester)]
    rows = _rows(_client(leicester_office))
    for lcspr in Lcspr.objects.for_partnership(leicester).filter(pk__in=[r.pk for r in reviews]):
        row = rows[lcspr.case.reference]
        first = terms_selectors.terms_first_agreed_on(lcspr)
        assert row["terms_of_reference_agreed_on"] == (first.isoformat() if first else None)
        shown = terms_selectors.terms_in_force(lcspr) or terms_selectors.terms_latest(lcspr)
        assert row["methodology"] == (
            {"methodology": shown.methodology, "collection_tools": shown.collection_tools}
            if shown
            else None
        )
        team = setup_selectors.team(lcspr)
        assert row["reviewer_appointed"] == team.has_reviewer
        assert len(row["panel_partners_missing"]) == len(team.partners_missing)
        assert row["parallel_processes"] == [
            p.kind for p in terms_selectors.parallel_processes(lcspr)
        ]
        assert row["delay_notices"] == [
            d.isoformat() for d in clock_selectors.delay_notices_sent(lcspr)
        ]
        assert row["at_risk"] == clock_selectors.at_risk(lcspr)
        milestone = panel_selectors.next_milestone(lcspr=lcspr)
        assert row["next_milestone"] == (
            {"kind": milestone.kind, "date": milestone.due_on.isoformat()} if milestone else None
        )


def test_filters_by_stage_and_at_risk(leicester, leicester_office):
    delayed = _review(leicester)
    _delay_with_notice(delayed, leicester_office)
    on_track = _review(leicester, stage=Stage.PUBLICATION)
    passed = _review(leicester)
    Deadline.unscoped.filter(case=passed.case, kind="lcspr_complete").update(
        due_date=_today() - timedelta(days=3)
    )
    client = _client(leicester_office)

    everything = {delayed.case.reference, on_track.case.reference, passed.case.reference}
    assert set(_rows(client)) == everything
    assert set(_rows(client, at_risk="true")) == {delayed.case.reference, passed.case.reference}
    assert set(_rows(client, at_risk="false")) == {on_track.case.reference}
    assert set(_rows(client, stage="publication")) == {on_track.case.reference}
    assert set(_rows(client, stage="lcspr", at_risk="false")) == set()
    assert set(_rows(client, stage=["lcspr", "publication"])) == everything


@pytest.mark.parametrize(
    ("params", "field"),
    [({"at_risk": "maybe"}, "at_risk"), ({"at_risk": "1"}, "at_risk"), ({"stage": "x"}, "stage")],
)
def test_a_bad_filter_is_a_clear_400_naming_it(leicester, leicester_office, params, field):
    _review(leicester)
    response = _client(leicester_office).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_other_partnership_never_sees_the_reviews(leicester, lr, client):
    own, other = _review(leicester), _review(lr)
    leicester_user, lr_user = staff_user(leicester), staff_user(lr)

    for user, mine, theirs in ((leicester_user, own, other), (lr_user, other, own)):
        by_token = _client(user).get(URL)
        by_session = sign_in(client, user).get(URL, HTTP_ACCEPT="application/json")
        for response in (by_token, by_session):
            assert response.status_code == 200
            assert [r["case_reference"] for r in response.json()["results"]] == [
                mine.case.reference
            ]
            assert theirs.case.reference not in response.text


def test_a_reviewer_lists_only_the_review_they_declared_for(leicester):
    theirs, other, undeclared = _review(leicester), _review(leicester), _review(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(theirs.case, reviewer, Role.REVIEWER)
    appoint(undeclared.case, reviewer, Role.REVIEWER, declared=False)
    panel_member = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(other.case, panel_member, Role.PANEL_MEMBER)

    response = _client(reviewer).get(URL)
    assert response.status_code == 200
    assert [r["case_reference"] for r in response.json()["results"]] == [theirs.case.reference]
    assert other.case.reference not in response.text
    assert undeclared.case.reference not in response.text
    assert set(_rows(_client(panel_member))) == {other.case.reference}


def test_an_agency_token_is_refused(leicester, client):
    _review(leicester)
    portal_user = agency_user(AgencyFactory(name="Leicestershire Police"))
    assert _client(portal_user).get(URL).status_code == 403
    assert sign_in(client, portal_user).get(URL).status_code == 403


def test_the_query_count_does_not_grow_with_the_rows(leicester, leicester_office):
    client = _client(leicester_office)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            rows = _rows(client)
        assert all(row["at_risk"] and row["delay_notices"] for row in rows.values())
        return len(rows), len(captured.captured_queries)

    for _ in range(2):
        _full_review(leicester, leicester_office)
    two = queries()
    for _ in range(4):
        _full_review(leicester, leicester_office)
    six = queries()
    assert (two[0], six[0]) == (2, 6)
    assert six[1] == two[1]


def test_the_schema_documents_the_endpoint_and_its_fields(client, leicester_office):
    sign_in(client, leicester_office)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/lcsprs/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"stage", "at_risk", "page"}
    (at_risk,) = [p for p in operation["parameters"] if p["name"] == "at_risk"]
    assert at_risk["schema"]["type"] == "boolean"
    row = schema["components"]["schemas"]["LcsprOutput"]
    assert set(row["properties"]) == {
        "case_reference",
        "stage",
        "decided_on",
        "lcspr_complete",
        "terms_of_reference_agreed_on",
        "scoping_period_start",
        "scoping_period_end",
        "methodology",
        "reviewer_appointed",
        "panel_partners_missing",
        "parallel_processes",
        "delay_notices",
        "at_risk",
        "next_milestone",
    }
    assert "§3.1.2" in row["properties"]["decided_on"]["description"]
    assert "§6.2.1" in row["properties"]["panel_partners_missing"]["description"]
    assert set(schema["components"]["schemas"]["SixMonthDate"]["properties"]) == {
        "due_date",
        "status",
        "expected_date",
    }
