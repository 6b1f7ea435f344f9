"""issue 18: the dashboard's lists are bounded. Each shows the most urgent few with how
many there are and a link to all of them; its query count does not grow with them; the
full list is paginated and shows each partnership only its own."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import SHOWN
from cases.models import (
    Case,
    CombinedSummary,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    RequestPurpose,
    Role,
    Stage,
)
from rapidreview.models import RapidReview
from reviews.selectors import submissions
from tests.factories import AgencyFactory, open_case, sign_in, staff_user
from tests.rapidreview.flow import decided, meeting_held, notified, quorate_attendance, recorded

pytestmark = pytest.mark.django_db


def _page(client, user, path):
    sign_in(client, user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def _at(case, stage):
    Case.unscoped.filter(pk=case.pk).update(stage=stage)  # set-up: wherever the test needs it
    case.refresh_from_db()
    return case


def _reviews_to_set_up(partnership, n):
    """n LCSPRs with neither a basis nor a Reviewer: two work items each."""
    from reviews.services import lcspr_open

    cases = []
    for _ in range(n):
        case = _at(open_case(partnership), Stage.LCSPR)
        lcspr_open(case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="K", actor=None)
        cases.append(case)
    return sorted(case.reference for case in cases)


def test_your_work_shows_the_first_few_the_count_and_a_link_to_all(client, leicester, lr):
    office = staff_user(leicester)
    references = _reviews_to_set_up(leicester, 8)  # 16 items
    page = _page(client, office, reverse("dashboard"))
    assert f"16 items: the {SHOWN} most urgent are below." in page
    assert "View all 16 items of your work on reviews" in page
    shown = [ref for ref in references if f"Case {ref}</a>" in page]
    assert shown == references[: SHOWN // 2]  # by reference, two items each
    full = _page(client, office, reverse("my_work"))
    assert "16 items" in full
    assert all(f"Case {ref}</a>" in full for ref in references)
    theirs = _reviews_to_set_up(lr, 1)
    assert theirs[0] not in page + full


def test_the_full_work_list_is_paginated_and_each_partnership_sees_its_own(client, leicester, lr):
    ours = _reviews_to_set_up(leicester, 26)  # 52 items: two pages of 50
    theirs = _reviews_to_set_up(lr, 1)
    office = staff_user(leicester)
    first = _page(client, office, reverse("my_work"))
    second = _page(client, office, reverse("my_work") + "?page=2")
    assert "Showing 1 to 50" in first
    assert "Showing 51 to 52" in second
    assert f"Case {ours[-1]}</a>" in second
    assert f"Case {ours[-1]}</a>" not in first
    assert theirs[0] not in first + second
    other_page = _page(client, staff_user(lr), reverse("my_work"))
    assert f"Case {theirs[0]}</a>" in other_page
    assert not any(ref in other_page for ref in ours)


def test_deaths_to_consider_show_the_oldest_and_link_to_the_case_list(client, leicester):
    chair = staff_user(leicester, Role.CRG_CHAIR)
    today = timezone.localdate()
    cases = [
        _at(
            open_case(leicester, opened_on=today - timezone.timedelta(days=30 - n)),
            Stage.CRG_CONSIDERATION,
        )
        for n in range(SHOWN + 2)
    ]
    page = _page(client, chair, reverse("dashboard"))
    assert f"{SHOWN + 2} deaths: the {SHOWN} received first are below." in page
    assert all(f"Case {c.reference}</a>" in page for c in cases[:SHOWN])
    assert not any(f"Case {c.reference}</a>, received" in page for c in cases[SHOWN:])
    link = f"{reverse('case_list')}?stage={Stage.CRG_CONSIDERATION}"
    assert f'href="{link}">View all {SHOWN + 2} deaths for the CRG to consider' in page
    listed = _page(client, chair, link)
    assert all(c.reference in listed for c in cases)


RECEIVED = timezone.datetime(2027, 3, 1).date()  # a Monday
MEETING = timezone.datetime(2027, 3, 12).date()


@pytest.fixture
def waiting(monkeypatch, leicester, leicester_office):
    """A decision made at a quorate meeting, with its record complete: waiting for the
    chair's signature; `more(n)` adds n like it, decided at the same meeting."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    review = RapidReview.objects.for_partnership(leicester).get(case=case)
    quorate_attendance(review.meeting, leicester_office)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    review.refresh_from_db()

    def more(n):
        for _ in range(n):
            other = open_case(leicester, opened_on=RECEIVED)
            RapidReview.objects.for_partnership(leicester).create(
                case=other,
                meeting=review.meeting,
                decision=review.decision,
                decision_rationale=review.decision_rationale,
                facts_reviewed=review.facts_reviewed,
                improvement_potential=review.improvement_potential,
                no_immediate_action=True,
                decided_on=review.decided_on,
            )
            CombinedSummary.objects.for_partnership(leicester).update_or_create(
                case=other, defaults={"sections_agreed_on": MEETING}
            )

    return more


def test_sign_offs_waiting_cost_the_same_queries_for_one_or_many(client, leicester, lr, waiting):
    chair = staff_user(leicester, Role.CRG_CHAIR)
    sign_in(client, chair)
    few = _queries(client, reverse("dashboard"))
    assert "Waiting for your sign-off" in client.get(reverse("dashboard")).content.decode()
    waiting(SHOWN + 5)
    assert _queries(client, reverse("dashboard")) == few
    page = client.get(reverse("dashboard")).content.decode()
    assert f"{SHOWN + 6} decisions: the {SHOWN} from the earliest meetings are below." in page
    assert f"View all {SHOWN + 6} decisions waiting for your sign-off" in page
    assert page.count("to sign as CRG chair") == SHOWN
    full = client.get(reverse("sign_offs_waiting")).content.decode()
    assert full.count("to sign as CRG chair") == SHOWN + 6
    # the other partnership's chair has none of them
    sign_in(client, staff_user(lr, Role.CRG_CHAIR))
    other = client.get(reverse("sign_offs_waiting")).content.decode()
    assert "to sign as CRG chair" not in other
    assert "No decision is waiting for your signature." in other


def _referred_submissions(partnership, n, *, agency):
    """n LCSPR submissions overdue and referred to the CRG (§2.1.7), one a review, the
    first step of each later raised with the strategic lead (the latest step counts)."""
    today = timezone.localdate()
    references = []
    for _ in range(n):
        case = _at(open_case(partnership), Stage.LCSPR)
        request = InformationRequest.unscoped.create(
            case=case,
            agency=agency,
            purpose=RequestPurpose.LCSPR,
            reply_due_on=today - timedelta(days=10),
            sent_at=timezone.now() - timedelta(days=30),
        )
        for step in (EscalationStep.CASE_REVIEW_GROUP, EscalationStep.STRATEGIC_LEAD):
            Escalation.unscoped.create(
                request=request, step=step, cause=EscalationCause.SILENCE, escalated_on=today
            )
        references.append(case.reference)
    return sorted(references)


@pytest.mark.parametrize("role", [Role.BUSINESS_OFFICE, Role.CRG_CHAIR])
def test_office_and_chair_dashboards_do_not_grow_with_their_lists(client, leicester, role):
    user = staff_user(leicester, role)
    sign_in(client, user)
    police = AgencyFactory(name="Leicestershire Police", partnerships=[leicester])
    _reviews_to_set_up(leicester, 1)
    _referred_submissions(leicester, 1, agency=police)
    _at(open_case(leicester), Stage.CRG_CONSIDERATION)
    few = _queries(client, reverse("dashboard"))
    _reviews_to_set_up(leicester, SHOWN + 3)
    _referred_submissions(leicester, SHOWN + 3, agency=police)
    for _ in range(SHOWN + 3):
        _at(open_case(leicester), Stage.CRG_CONSIDERATION)
    assert _queries(client, reverse("dashboard")) == few


@pytest.mark.parametrize("read_whole", [0, 1000])
def test_referred_and_overdue_submissions_show_the_first_few_and_count_them_all(
    client, leicester, monkeypatch, read_whole
):
    """A submission overdue and referred to the CRG is two items for the office (chase it;
    it is referred), one for the chair (referred), counted once however many steps it
    has taken; the dashboard shows the first few, the full list has all. Limited in SQL
    when there are many (more than READ_WHOLE), read whole and cut when there are few:
    the same items either way."""
    monkeypatch.setattr(submissions, "READ_WHOLE", read_whole)
    police = AgencyFactory(name="Leicestershire Police", partnerships=[leicester])
    references = _referred_submissions(leicester, SHOWN + 2, agency=police)
    office_user = staff_user(leicester)
    sign_in(client, office_user)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("dashboard"))
    read = [q["sql"] for q in captured.captured_queries if "cases_escalation" in q["sql"]]
    # Limited in SQL when many, and none of the agency's reply is read to list it.
    assert read
    lists = [sql for sql in read if "COUNT(" not in sql]
    assert all((f"LIMIT {SHOWN}" in sql) == (not read_whole) for sql in lists)
    assert not any('"cases_informationrequest"."facts"' in sql for sql in read)
    office = _page(client, office_user, reverse("dashboard"))
    total = 2 * (SHOWN + 2)
    assert f"{total} items: the {SHOWN} most urgent are below." in office
    full = _page(client, staff_user(leicester, username="office-2"), reverse("my_work"))
    assert f"{total} items" in full
    chair = _page(client, staff_user(leicester, Role.CRG_CHAIR), reverse("my_work"))
    assert f"{SHOWN + 2} items" in chair
    assert chair.count("is referred to the Case Review Group (§2.1.7)") == SHOWN + 2
    assert [ref for ref in references if f"Case {ref}</a>" in chair] == references
