"""Rules of `cases` that both selectors and services use: pure, no queries."""

from __future__ import annotations

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
