"""§4.6.1: a Rapid Review meeting "will only be quorate if at least three representatives
from partner agencies, including at least two of the Safeguarding Partners are present".

Representatives are counted by the agency they represent: two officers of one agency
are one agency's representation. The Safeguarding Partners are the three statutory
partners (the ICB, Police and the Local Authority, §4.6.1), by agency kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import SAFEGUARDING_PARTNER_KINDS

MIN_PARTNER_AGENCIES = 3
MIN_SAFEGUARDING_PARTNERS = 2


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    agencies: int
    safeguarding_partners: int

    @property
    def explanation(self) -> str:
        """Why the meeting is or is not quorate, in words a chair reads out."""
        if self.quorate:
            return (
                f"Quorate: {self.agencies} partner agencies are represented, "
                f"{self.safeguarding_partners} of them Safeguarding Partners (§4.6.1)."
            )
        missing = []
        if self.agencies < MIN_PARTNER_AGENCIES:
            missing.append(
                f"{MIN_PARTNER_AGENCIES - self.agencies} more partner "
                f"agenc{'y' if MIN_PARTNER_AGENCIES - self.agencies == 1 else 'ies'}"
            )
        if self.safeguarding_partners < MIN_SAFEGUARDING_PARTNERS:
            short = MIN_SAFEGUARDING_PARTNERS - self.safeguarding_partners
            missing.append(
                f"{short} more Safeguarding Partner{'' if short == 1 else 's'} "
                "(the ICB, Police or the Local Authority)"
            )
        return (
            f"Not quorate: {self.agencies} partner agencies are represented, "
            f"{self.safeguarding_partners} of them Safeguarding Partners. The meeting needs "
            + " and ".join(missing)
            + " present (§4.6.1)."
        )


def quorum(present_agency_kinds: dict[int, str]) -> Quorum:
    """`present_agency_kinds`: agency id -> kind, for each agency with someone present."""
    partners = {
        kind for kind in present_agency_kinds.values() if kind in SAFEGUARDING_PARTNER_KINDS
    }
    agencies = len(present_agency_kinds)
    return Quorum(
        quorate=agencies >= MIN_PARTNER_AGENCIES and len(partners) >= MIN_SAFEGUARDING_PARTNERS,
        agencies=agencies,
        safeguarding_partners=len(partners),
    )
