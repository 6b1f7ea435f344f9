"""The agency portal's lists a page at a time (issue 18): what the agency must answer, the
soonest reply due first; its submitted replies, the newest first; its invitations, the
next meeting first; the outcomes sent to it, the newest first. Each list keeps its own
page, an agency serving both partnerships sees both in one list, and an empty list says
so."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import selectors
from cases.models import AgencyKind, Case, ClosureDay, InformationRequest, RequestStatus
from cases.selectors import DUE_SOON_WORKING_DAYS, working_calendar
from cases.views.dashboard import PORTAL_REQUESTS_SHOWN
from cases.views.portal import REQUESTS_PER_PAGE
from rapidreview.models import (
    CrgMeeting,
    Invitation,
    InviteeKind,
    MeetingKind,
    OutcomeNotice,
    RapidReview,
)
from rapidreview.views.invitations import PAPERS_PER_PAGE
from tests.cases.test_portal import scope_of
from tests.factories import AgencyFactory, agency_user, sign_in

pytestmark = pytest.mark.django_db

UK = ZoneInfo("Europe/London")


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def portal_user(police):
    return agency_user(police, username="police-portal")


def _cases(partnership, count: int, *, first: int) -> list[Case]:
    today = timezone.localdate()
    return Case.objects.bulk_create(
        Case(
            partnership=partnership,
            reference=f"{partnership.reference_prefix}-P{first + n:04d}",
            reference_year=today.year,
            reference_number=900_000 + first + n,
            opened_on=today,
        )
        for n in range(count)
    )


def _requests(police, leicester, lr, count, *, status, first) -> list[InformationRequest]:
    """`count` requests to the police, the Leicester and the Leicestershire & Rutland ones
    in turn; the nth is due n days from now and was sent `count - n` days ago, so that the
    order by due date (soonest first) is the reverse of that by date sent (newest first)."""
    today = timezone.localdate()
    cases = _cases(leicester, count, first=first) + _cases(lr, count, first=first)
    made = InformationRequest.objects.bulk_create(
        InformationRequest(
            case=cases[n] if n % 2 == 0 else cases[count + n],
            agency=police,
            status=status,
            sent_at=datetime.combine(today - timedelta(days=count - n), time(10), tzinfo=UK),
            reply_due_on=today + timedelta(days=n),
            submitted_at=timezone.now() if status == RequestStatus.SUBMITTED else None,
        )
        for n in range(count)
    )
    for item in made:  # bulk_create leaves the case unread: the tests read its reference
        item.case = next(c for c in cases if c.pk == item.case_id)
    return made


def _meeting(partnership, held_on) -> CrgMeeting:
    return CrgMeeting.objects.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=held_on
    )


def references_in(page, label: str) -> list[str]:
    """The case references in the table named `label`, top to bottom."""
    table = page.text.split(f'aria-label="{label}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a class="govuk-link" href="[^"]*">([A-Z]+-P\d{4})</a>', table)


def pagination(page, label: str) -> str:
    return page.text.split(f'<nav class="govuk-pagination" aria-label="{label}">', 1)[1].split(
        "</nav>", 1
    )[0]


def test_what_to_answer_is_paged_soonest_due_first_across_both_partnerships(
    client, leicester, lr, police, portal_user
):
    count = REQUESTS_PER_PAGE + 2
    made = _requests(police, leicester, lr, count, status=RequestStatus.NOT_STARTED, first=1)
    by_due = [item.case.reference for item in made]  # the nth is due n days from now
    sign_in(client, portal_user)

    first = client.get("/portal/")
    assert references_in(first, "Requests to answer") == by_due[:REQUESTS_PER_PAGE]
    assert f"Showing 1 to {REQUESTS_PER_PAGE} of {count} requests to answer." in first.text
    # Both partnerships, in one list.
    assert by_due[0].startswith("LSCP-")
    assert by_due[1].startswith("LRSCP-")
    assert 'href="?page=2#to-answer"' in pagination(first, "Pages of requests to answer")

    second = client.get("/portal/", {"page": 2})
    assert references_in(second, "Requests to answer") == by_due[REQUESTS_PER_PAGE:]
    assert f"Showing {REQUESTS_PER_PAGE + 1} to {count} of {count}" in second.text
    assert "No replies submitted yet." in second.text


def test_submitted_replies_are_paged_newest_first_each_list_keeping_its_page(
    client, leicester, lr, police, portal_user
):
    count = REQUESTS_PER_PAGE + 2
    answered = _requests(police, leicester, lr, count, status=RequestStatus.SUBMITTED, first=1)
    to_answer = _requests(police, leicester, lr, 1, status=RequestStatus.RETURNED, first=500)
    newest_first = [item.case.reference for item in reversed(answered)]
    sign_in(client, portal_user)

    first = client.get("/portal/")
    assert references_in(first, "Submitted replies") == newest_first[:REQUESTS_PER_PAGE]
    assert references_in(first, "Requests to answer") == [to_answer[0].case.reference]
    assert "Pages of requests to answer" not in first.text  # one page: no pagination

    second = client.get("/portal/", {"submitted_page": 2})
    assert references_in(second, "Submitted replies") == newest_first[REQUESTS_PER_PAGE:]
    # The other list stays where it was.
    assert references_in(second, "Requests to answer") == [to_answer[0].case.reference]
    links = pagination(second, "Pages of submitted replies")
    assert 'href="?submitted_page=1#submitted"' in links
    assert 'aria-current="page">2</a>' in links


def test_the_dashboard_shows_the_most_urgent_and_counts_the_rest(
    client, leicester, lr, police, portal_user
):
    count = PORTAL_REQUESTS_SHOWN + 3
    made = _requests(police, leicester, lr, count, status=RequestStatus.IN_PROGRESS, first=1)
    # Two replies are overdue; the one due today and the next few are due soon.
    InformationRequest.objects.for_partnership(leicester).filter(pk=made[0].pk).update(
        reply_due_on=timezone.localdate() - timedelta(days=3)
    )
    InformationRequest.objects.for_partnership(lr).filter(pk=made[1].pk).update(
        reply_due_on=timezone.localdate() - timedelta(days=1)
    )
    _requests(police, leicester, lr, 2, status=RequestStatus.ACCEPTED, first=500)
    sign_in(client, portal_user)
    page = client.get("/")
    shown = references_in(page, "Information requests to answer")
    assert shown == [item.case.reference for item in made[:PORTAL_REQUESTS_SHOWN]]
    assert f"{count} requests to answer: 2 overdue" in page.text
    assert f"The {PORTAL_REQUESTS_SHOWN} due soonest are below." in page.text
    assert page.text.count('govuk-tag--red">Overdue') == 2


def test_due_soon_is_counted_in_each_partnerships_own_working_days(
    client, leicester, lr, police, portal_user
):
    """The Leicestershire & Rutland office is closed on its next three working days, so a
    reply due on Leicester's sixth working day from now is due within five of its own."""
    today = timezone.localdate()
    cal = working_calendar(partnership=leicester)
    for n in (1, 2, 3):
        ClosureDay.objects.create(partnership=lr, day=cal.add(today, n), reason="Office move")
    leicester_item, lr_item = _requests(
        police, leicester, lr, 2, status=RequestStatus.NOT_STARTED, first=1
    )
    InformationRequest.objects.visible_to(scope_of(portal_user)).update(
        reply_due_on=cal.add(today, DUE_SOON_WORKING_DAYS + 1)
    )
    assert selectors.portal_requests_to_answer_counts(
        scope=scope_of(portal_user), today=today
    ) == selectors.RequestsToAnswer(total=2, overdue=0, due_soon=1)
    sign_in(client, portal_user)
    page = client.get("/")
    assert "2 requests to answer: 0 overdue, 1 due within" in page.text
    rows = page.text.split('aria-label="Information requests to answer"', 1)[1].split("</tr>")
    (tagged,) = [row for row in rows if "Due soon" in row]
    assert lr_item.case.reference in tagged


def test_the_papers_are_paged_next_meeting_first_then_outcomes_newest_first(
    client, leicester, lr, police, portal_user
):
    today = timezone.localdate()
    count = PAPERS_PER_PAGE + 2
    cases = _cases(leicester, count, first=1) + _cases(lr, count, first=1)
    # Alternately Leicester's and Leicestershire & Rutland's, the nth meeting in n + 1 days.
    chosen = [cases[n] if n % 2 == 0 else cases[count + n] for n in range(count)]
    reviews = RapidReview.objects.bulk_create(
        RapidReview(case=case, meeting=_meeting(case.partnership, today + timedelta(days=n + 1)))
        for n, case in enumerate(chosen)
    )
    Invitation.objects.bulk_create(
        Invitation(review=review, kind=InviteeKind.AGENCY, agency=police) for review in reviews
    )
    notices = OutcomeNotice.objects.bulk_create(
        OutcomeNotice(review=review, agency=police) for review in reviews
    )
    for n, notice in enumerate(notices):  # the nth sent n days ago
        OutcomeNotice.objects.for_partnership(notice.review.case.partnership).filter(
            pk=notice.pk
        ).update(sent_at=timezone.now() - timedelta(days=n))
    in_order = [case.reference for case in chosen]
    sign_in(client, portal_user)

    first = client.get("/portal/papers/")
    invitations = "Invitations to Rapid Review meetings"
    assert references_in(first, invitations) == in_order[:PAPERS_PER_PAGE]
    assert in_order[0].startswith("LSCP-")
    assert in_order[1].startswith("LRSCP-")
    assert references_in(first, "Outcomes of Rapid Reviews") == in_order[:PAPERS_PER_PAGE]
    assert 'href="?outcomes_page=2#outcomes"' in pagination(first, "Pages of outcomes")

    second = client.get("/portal/papers/", {"page": 2, "outcomes_page": 2})
    assert references_in(second, invitations) == in_order[PAPERS_PER_PAGE:]
    assert references_in(second, "Outcomes of Rapid Reviews") == in_order[PAPERS_PER_PAGE:]


def test_a_meeting_held_goes_after_those_to_come_and_those_without_a_date(
    client, leicester, police, portal_user
):
    today = timezone.localdate()
    held_long_ago, held_lately, undated, coming = _cases(leicester, 4, first=1)
    for case, held_on in (
        (held_long_ago, today - timedelta(days=30)),
        (held_lately, today - timedelta(days=2)),
        (undated, None),
        (coming, today + timedelta(days=20)),
    ):
        meeting = (
            CrgMeeting.objects.create(
                partnership=leicester, kind=MeetingKind.MONTHLY, held_on=held_on
            )
            if held_on
            else None
        )
        review = RapidReview.objects.create(case=case, meeting=meeting)
        Invitation.objects.create(review=review, kind=InviteeKind.AGENCY, agency=police)
    sign_in(client, portal_user)
    page = client.get("/portal/papers/")
    assert references_in(page, "Invitations to Rapid Review meetings") == [
        coming.reference,
        undated.reference,
        held_lately.reference,
        held_long_ago.reference,
    ]


def test_each_empty_list_says_so(client, portal_user):
    sign_in(client, portal_user)
    home = client.get("/portal/")
    assert "Nothing to answer." in home.text
    assert "No replies submitted yet." in home.text
    assert "govuk-pagination" not in home.text
    papers = client.get("/portal/papers/")
    assert "Your agency has not been invited to a Rapid Review meeting." in papers.text
    assert "No outcomes have been sent to your agency." in papers.text
    dashboard = client.get("/")
    assert "There are no information requests for Leicestershire Police to answer" in (
        dashboard.text
    )
