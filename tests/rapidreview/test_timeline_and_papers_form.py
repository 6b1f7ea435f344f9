"""The Rapid Review on the case's timeline and in "where the case stands", and the papers
form's defaults and warning (issue 12, everyday use), in both partnerships."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import AgencyKind, Role
from rapidreview import services
from rapidreview.case_sources import rapid_review_actions
from rapidreview.models import AdviceKind
from tests.factories import AgencyFactory, sign_in, staff_user
from tests.rapidreview.flow import decided, quorate_attendance, recorded, signed_off, signers
from tests.rapidreview.test_papers import MEETING, RECEIVED, notified_review

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["leicester", "leicestershire-rutland"])
def partnership(request, partnerships):
    return partnerships[request.param]


@pytest.fixture
def office(partnership):
    return staff_user(
        partnership, username=f"office-{partnership.slug}", first_name="Olive", last_name="Office"
    )


@pytest.fixture
def review(monkeypatch, partnership, office):
    return notified_review(monkeypatch, partnership, office)


def titles_and_people(case):
    return [(e.title, e.by) for e in case_selectors.case_timeline(case=case)]


def test_the_timeline_credits_each_rapid_review_event_to_who_did_it(
    monkeypatch, partnership, office, review
):
    member = staff_user(partnership, Role.CRG_MEMBER, first_name="Mo", last_name="Member")
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[partnership])
    services.invitations_send(review=review, actor=office, agencies=[police], users=[member])
    quorate_attendance(review.meeting, office)
    services.scrutineer_advice_record(
        review=review,
        actor=office,
        kind=AdviceKind.IN_MEETING,
        advice="Proceed.",
        received_on=MEETING,
    )
    recorded(review, office)
    decided(review, office)
    people = signers(partnership)
    signed_off(review, people)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 19))
    review.refresh_from_db()
    services.report_sent_record(review=review, actor=office, sent_on=date(2027, 3, 19))
    services.outcomes_send(review=review, actor=office)

    events = titles_and_people(review.case)
    expected = [
        (f"Meeting set for {review.meeting}", str(office)),
        (f"Papers sent to {police.name}", str(office)),
        (f"Papers sent to {member}", str(office)),
        ("Independent Scrutineer's advice recorded", str(office)),
        ("Decision recorded: Proceed to a Local Child Safeguarding Practice Review", str(office)),
        ("Signed off as CRG chair", str(people["chair"])),
        ("Signed off as Police", str(people["police"])),
        ("Signed off as Local Authority", str(people["local_authority"])),
        ("Decision signed off by everyone who must sign (§4.6.2)", str(people["local_authority"])),
        ("Rapid Review Report sent to the National Panel (§4.8.1)", str(office)),
        (f"Outcome sent to {police.name}", str(office)),
    ]
    for event in expected:
        assert event in events
    assert sum(title.startswith("Attendance recorded: Rep of") for title, _ in events) == 3
    moments = [e.at for e in case_selectors.case_timeline(case=review.case)]
    assert moments == sorted(moments, reverse=True)


def test_every_rapid_review_page_shows_where_the_case_stands(client, partnership, office, review):
    standing = case_selectors.case_standing(case=review.case, today=MEETING)
    if partnership.information_request_working_days:  # §4.3.3: the requests are late
        assert standing.next.what == "Information requests sent to agencies"
        assert standing.next.overdue
    else:
        assert (standing.next.what, standing.next.due_on, standing.next.who) == (
            "Rapid Review meeting",
            MEETING,
            "Case Review Group",
        )
    sign_in(client, office)
    for name in ("case_rapid_review", "rapid_review_papers", "case_timeline"):
        page = client.get(reverse(name, kwargs={"reference": review.case.reference}))
        assert "Last done" in page.text
        assert f"Meeting set for {review.meeting}" in page.text
        due = f"by {standing.next.due_on:%A %-d %B %Y}, for {standing.next.who}"
        assert escape(f"{standing.next.what}, {due}") in page.text


def test_after_the_decision_the_next_action_is_the_missing_signatures(partnership, office, review):
    quorate_attendance(review.meeting, office)
    recorded(review, office)
    decided(review, office)
    (action,) = rapid_review_actions(review.case)
    assert (action.what, action.who) == (
        "Sign off the decision",
        "CRG chair, Police, Local Authority",
    )
    assert action.due_on == case_selectors.working_calendar(partnership=partnership).add(MEETING, 2)
    standing = case_selectors.case_standing(case=review.case, today=MEETING)
    assert standing.last.title.startswith("Decision recorded")
    if not partnership.information_request_working_days:
        assert standing.next == action


def test_the_papers_form_ticks_the_crg_the_scrutineer_and_the_agencies_asked(
    client, partnership, office, review
):
    chair = staff_user(partnership, Role.CRG_CHAIR)
    scrutineer = staff_user(partnership, Role.INDEPENDENT_SCRUTINEER)
    asked = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[partnership], name="Asked Police")
    answered = AgencyFactory(
        kind=AgencyKind.HEALTH_TRUST, partnerships=[partnership], name="Answered School"
    )
    not_asked = AgencyFactory(kind=AgencyKind.PROBATION, partnerships=[partnership])
    requests = case_services.information_requests_send(
        case=review.case,
        agencies=[asked, answered],
        actor=office,
        reply_due_on=case_selectors.working_calendar(partnership=partnership).add(RECEIVED, 10),
    )
    answered_request = next(r for r in requests if r.agency == answered)
    answered_request.status = "submitted"
    answered_request.save()

    page = sign_in(client, office).get(
        reverse("rapid_review_papers", kwargs={"reference": review.case.reference})
    )
    form = page.context["form"]
    assert set(form["agencies"].value()) == {asked.pk, answered.pk}
    assert not_asked.pk not in form["agencies"].value()
    assert set(form["users"].value()) == {chair.pk, scrutineer.pk}
    assert "govuk-warning-text" in page.text
    assert "Replies still outstanding from 1 agency: Asked Police." in page.text
    assert "Answered School." not in page.text
