"""Rules of `cases` that both selectors and services use: pure, no queries."""

from __future__ import annotations

from cases.models import InformationRequest, RequestStatus, Stage

# Until the CRG has decided, an agency may still be asked more about the child; once its
# reply is accepted and the decision is signed off, it no longer needs to find them.
STAGES_BEFORE_DECISION = frozenset({Stage.INTAKE, Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION})


def identities_open_to_agency(request: InformationRequest) -> bool:
    """Whether the agency a request is addressed to still sees who the child and family
    are, so that it can find its records (issue 12): while the request is open, and
    until the decision that follows it is signed off."""
    return request.status != RequestStatus.ACCEPTED or request.case.stage in STAGES_BEFORE_DECISION
