"""§4.6.1: quorate only with at least three partner agencies present, at least two of them
Safeguarding Partners. Every combination of five agencies, present or not."""

import itertools

import pytest

from cases.models import AgencyKind
from rapidreview.quorum import quorum

AGENCIES = {
    1: AgencyKind.INTEGRATED_CARE_BOARD,
    2: AgencyKind.POLICE,
    3: AgencyKind.LOCAL_AUTHORITY,
    4: AgencyKind.HEALTH_TRUST,
    5: AgencyKind.SCHOOL,
}
PARTNERS = {1, 2, 3}  # the ICB, Police and the Local Authority


@pytest.mark.parametrize(
    "present",
    [
        set(combination)
        for size in range(len(AGENCIES) + 1)
        for combination in itertools.combinations(AGENCIES, size)
    ],
    ids=lambda present: "+".join(AGENCIES[a].label for a in sorted(present)) or "nobody",
)
def test_every_combination(present):
    result = quorum({agency: AGENCIES[agency] for agency in present})
    expected = len(present) >= 3 and len(present & PARTNERS) >= 2
    assert result.quorate is expected
    assert result.agencies == len(present)
    assert result.safeguarding_partners == len(present & PARTNERS)
    assert result.explanation.startswith("Quorate" if expected else "Not quorate")
    assert "§4.6.1" in result.explanation


def test_two_local_authorities_are_one_safeguarding_partner():
    """Leicester City and Leicestershire County are both the Local Authority partner."""
    result = quorum(
        {1: AgencyKind.LOCAL_AUTHORITY, 2: AgencyKind.LOCAL_AUTHORITY, 3: AgencyKind.HEALTH_TRUST}
    )
    assert not result.quorate
    assert result.safeguarding_partners == 1
    assert "1 more Safeguarding Partner" in result.explanation


def test_the_explanation_says_what_is_missing():
    result = quorum({1: AgencyKind.POLICE})
    assert result.explanation == (
        "Not quorate: 1 partner agencies are represented, 1 of them Safeguarding Partners. "
        "The meeting needs 2 more partner agencies and 1 more Safeguarding Partner "
        "(the ICB, Police or the Local Authority) present (§4.6.1)."
    )
