"""Rules of the Rapid Review that both selectors and services use: pure, no queries.

Selectors never import services; what both need lives here.
"""

from __future__ import annotations

from cases.models import AgencyKind, Role, Stage
from rapidreview.models import InviteeKind, SignOffRole

# The stages at which the CRG decides: a Rapid Review (§4.6.2), or a referral without a
# notification decided at a scheduled meeting (§4.9).
DECIDING_STAGES = frozenset({Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION})

# The partnership roles whose members are invited by name (§4.5.2, §4.7.1).
MEMBER_INVITEE_ROLES = {
    Role.CRG_CHAIR: InviteeKind.MEMBER,
    Role.CRG_MEMBER: InviteeKind.MEMBER,
    Role.INDEPENDENT_SCRUTINEER: InviteeKind.SCRUTINEER,
}

# Who confirms for each Safeguarding Partner (§4.6.1).
PARTNER_ROLES = {
    AgencyKind.INTEGRATED_CARE_BOARD: SignOffRole.INTEGRATED_CARE_BOARD,
    AgencyKind.POLICE: SignOffRole.POLICE,
    AgencyKind.LOCAL_AUTHORITY: SignOffRole.LOCAL_AUTHORITY,
}
PARTNER_KINDS = {role: kind for kind, role in PARTNER_ROLES.items()}

# A signature confirms what the meeting decided; the decision is the meeting's (§4.6.2).
# A Safeguarding Partner who has not signed this many working days after the meeting
# cannot hold the case up: the chair may record their sign-off, with the reason.
PARTNER_SIGN_OFF_WORKING_DAYS = 2


def sign_off_roles_for(present_agency_kinds: set[str]) -> list[str]:
    """The chair, and each Safeguarding Partner represented at the meeting (§4.6.1)."""
    return [SignOffRole.CHAIR] + [
        role for kind, role in PARTNER_ROLES.items() if kind in present_agency_kinds
    ]
