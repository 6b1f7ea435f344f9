"""§2.1.7 during the review: the Reviewer or a Panel member of THIS review may refer an
agency's unanswered or refused submission to the CRG; one of another review may not, even
in the same partnership, whatever page they come from."""

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AgencyKind, EscalationCause, Role, SubmissionKind
from reviews.services.submissions import SubmissionAsk
from tests.factories import AgencyFactory, appoint, staff_user
from tests.reviews.test_submissions import agree_terms, ask, review_of


def refer(request, actor):
    return case_services.escalation_record(
        request=request,
        cause=EscalationCause.REFUSAL,
        note="The agency declined to share its records.",
        escalated_on=timezone.localdate(),
        actor=actor,
    )


@pytest.mark.django_db
def test_only_the_reviews_own_team_refers_a_submission_to_the_crg(leicester):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    review = review_of(leicester)
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))

    other_review = review_of(leicester)
    stranger = staff_user(leicester, role=Role.REVIEWER, email="other-reviewer@example.org")
    appoint(other_review["case"], stranger, Role.REVIEWER)
    with pytest.raises(ApplicationError, match="of this review"):
        refer(made, stranger)
    assert not made.escalations.exists()

    step = refer(made, review["panel"])
    assert step.recorded_by == review["panel"]
