"""Rules of `cases` that both selectors and services use: pure, no queries."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cases.models import InformationRequest, RequestStatus, Stage

# Until the CRG has decided, an agency may still be asked more about the child; once its
# reply is accepted and the decision is signed off, it no longer needs to find them.
STAGES_BEFORE_DECISION = frozenset(
    {Stage.INTAKE, Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION, Stage.CRG_CONSIDERATION}
)


def identities_open_to_agency(request: InformationRequest) -> bool:
    """Whether the agency a request is addressed to still sees who the child and family
    are, so that it can find its records (issue 12): until the CRG's decision is signed
    off, and after it only while its request is still open on a case that goes on. A
    closed case shows them to no agency, answered or not."""
    stage = request.case.stage
    if stage == Stage.CLOSED:
        return False
    return stage in STAGES_BEFORE_DECISION or request.status != RequestStatus.ACCEPTED


# The timescale of §4.3.3: information requests sent within N working days of the
# notification, where the partnership has such a limit.
REQUESTS_SENT = "information_request_sent"


def sent_late(request: InformationRequest, due: date | None) -> bool:
    """§4.3.3 ("in all cases ... within 2 working days of receiving the notification"):
    each request is judged on its own date, whichever batch it went out in. `due` is None
    where the partnership has no such limit."""
    return due is not None and timezone.localdate(request.sent_at) > due
