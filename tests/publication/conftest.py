"""An LCSPR whose final report the CRG and the partnership approved (issue 15's path to
"final", reused from tests/reviews/test_report_approval.py), for the publication's tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import AgencyKind, Child, InformationRequest, Role
from rapidreview.models import CrgMeeting, MeetingKind
from reviews.services import report_approval
from tests.factories import AgencyFactory, appoint, open_case, staff_user
from tests.reviews.test_report_approval import (
    crg_approve,
    finished_draft,
    partners_approve,
    qa_pass,
)

CHILD_NAME = "Zebedee Quarrington"
REVIEWER_NAME = "Harriet Ollerenshaw"


@pytest.fixture
def office(leicester):
    return staff_user(leicester, first_name="Olive", last_name="Office", email="office@example.org")


@pytest.fixture
def chair(leicester):
    return staff_user(leicester, role=Role.CRG_CHAIR, email="chair@example.org")


@pytest.fixture
def case(leicester, office):
    case = open_case(leicester, lead_officer=office)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    return case


@pytest.fixture
def reviewer(leicester, case):
    first, last = REVIEWER_NAME.split()
    user = staff_user(leicester, role=Role.REVIEWER, first_name=first, last_name=last)
    appoint(case, user, Role.REVIEWER)
    return user


@pytest.fixture
def panel(leicester, case, reviewer):
    user = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, user, Role.PANEL_MEMBER)
    return user


@pytest.fixture
def approved(leicester, case, reviewer, panel, office, chair):
    """The report approved by the CRG and the three partners, not yet marked final."""
    meeting = CrgMeeting.unscoped.create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=14),
    )
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    crg_approve(case, office, chair, meeting, 1)
    partners_approve(case, office, 1)
    return case


@pytest.fixture
def final(approved, office):
    """The final report (§9.1.5): its PDF passed the anonymisation guard and is stored."""
    result = report_approval.report_mark_final(lcspr=approved.lcspr, actor=office, number=1)
    assert result.final is not None
    return result.final


@pytest.fixture
def police(leicester, case):
    """An agency asked for information on the case: involved in the review (§10.2.1)."""
    agency = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester], name="Test Police")
    InformationRequest.unscoped.create(
        case=case, agency=agency, reply_due_on=timezone.localdate(), sent_at=timezone.now()
    )
    return agency
