"""Names in free text that leaves the restricted case file (§3.1.3): `PersonNames.found_in`
and the case's names as `cases.selectors.person_names` reads them."""

import pytest

from cases.models import Child, FamilyMember
from cases.rules import PersonNames
from cases.selectors import person_names
from tests.factories import open_case

NAMES = PersonNames(names=("Olivia Testname", "Jo Li", "Zoë Ng"), pseudonyms=("Child A",))


@pytest.mark.parametrize(
    "text",
    [
        "The police will interview Olivia first.",  # a part of the name
        "olivia's school",  # any case, a possessive
        "Mr TESTNAME asked",
        "A letter to Jo Li.",  # the whole name, though each part is short
        "Zoe is abroad",  # accents ignored
        "ZOË is abroad",
    ],
)
def test_a_name_or_a_part_of_one_is_found(text):
    assert NAMES.found_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Child A's mother asks for time.",  # the pseudonym is what to write
        "The Testnames Centre",  # a longer word is no name
        "Jo will call.",  # a part under 3 letters is no name alone
        "Ng will call.",  # nor is "Ng"
        "",
    ],
)
def test_a_pseudonym_or_a_word_only_containing_a_name_is_not(text):
    assert not NAMES.found_in(text)


def test_a_pseudonym_sharing_a_word_with_a_name_is_allowed():
    names = PersonNames(names=("Alder Smith",), pseudonyms=("Child Alder",))
    assert not names.found_in("Child Alder's school is closed.")
    assert names.found_in("Alder's school is closed.")


@pytest.mark.django_db
def test_the_cases_names_are_its_own(leicester, lr):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name="Olivia Testname")
    Child.unscoped.create(case=case, pseudonym="Child B")  # no name known
    FamilyMember.unscoped.create(case=case, relationship="mother", name="Precious Bright")
    other = open_case(lr)
    FamilyMember.unscoped.create(case=other, relationship="father", name="Sam Alder")

    names = person_names(partnership=leicester, case=case)
    assert sorted(names.names) == ["Olivia Testname", "Precious Bright"]
    assert sorted(names.pseudonyms) == ["Child A", "Child B"]
    assert names.found_in("Precious asked")
    assert not names.found_in("Sam Alder asked")
    assert not person_names(partnership=lr, case=case).names
