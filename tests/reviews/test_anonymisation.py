"""The anonymisation guard's pure rules (§9.1.3): what each kind of restricted data looks
like in a draft, and what is not a hit."""

from datetime import date

import pytest

from reviews.anonymisation import (
    ADDRESS,
    CHILD_NAME,
    DATE_OF_BIRTH,
    DATE_OF_DEATH,
    FAMILY_NAME,
    LA_REFERENCE,
    NEVER_PUBLISH,
    NHS_NUMBER,
    POSTCODE,
    PRACTITIONER,
    SCHOOL,
    Chunk,
    Person,
    Restricted,
    context_of,
    scan,
)

CASE = Restricted(
    people=(
        Person("Jayden Okafor", CHILD_NAME),
        Person("Elizabeth Anne Okafor", FAMILY_NAME),
        Person("William Jones", FAMILY_NAME),
        Person("Zoë Brontë", FAMILY_NAME),
        Person("Priya Ramanathan", PRACTITIONER),
    ),
    dates=((date(2019, 3, 2), DATE_OF_BIRTH), (date(2024, 11, 23), DATE_OF_DEATH)),
    addresses=("14 Acacia Avenue\nBraunstone, Leicester\nLE3 1AB",),
    schools=("Highfield Primary School",),
    references=("LCC-778812",),
    nhs_numbers=("943 476 5919",),
    never_publish=("the blue caravan",),
    pseudonyms=("Child A", "Child B"),
    places=("Leicester", "Leicestershire", "Rutland"),
)


def found(text: str, restricted: Restricted = CASE) -> list[tuple[str, str]]:
    return [(hit.kind, hit.found) for hit in scan(restricted, [Chunk("Paragraph 1", text)])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Whole names, parts of names, any case, possessives.
        ("Jayden Okafor was seen.", (CHILD_NAME, "Jayden Okafor")),
        ("JAYDEN was seen.", (CHILD_NAME, "JAYDEN")),
        ("jayden was seen.", (CHILD_NAME, "jayden")),
        ("Jayden's school.", (CHILD_NAME, "Jayden's")),
        ("JAYDEN’S school.", (CHILD_NAME, "JAYDEN’S")),
        ("The Okafors' home.", (CHILD_NAME, "Okafors'")),
        ("The Okafors came.", (CHILD_NAME, "Okafors")),
        ("Mrs Okafor said.", (CHILD_NAME, "Okafor")),
        ("Jones' car.", (FAMILY_NAME, "Jones'")),
        ("Anne said.", (FAMILY_NAME, "Anne")),
        # Short forms of first names.
        ("Jay cried.", (CHILD_NAME, "Jay")),
        ("Liz came.", (FAMILY_NAME, "Liz")),
        ("Beth came.", (FAMILY_NAME, "Beth")),
        ("Lizzie came.", (FAMILY_NAME, "Lizzie")),
        ("Bill came.", (FAMILY_NAME, "Bill")),
        ("Will came.", (FAMILY_NAME, "Will")),  # a word too: reported, the chair accepts
        # Accents folded.
        ("Zoe said.", (FAMILY_NAME, "Zoe")),
        ("ZOË said.", (FAMILY_NAME, "ZOË")),
        ("Bronte said.", (FAMILY_NAME, "Bronte")),
        # Practitioners.
        ("The social worker Priya Ramanathan visited.", (PRACTITIONER, "Priya Ramanathan")),
        # Dates of birth and death in their written forms.
        ("born on 2 March 2019", (DATE_OF_BIRTH, "2 March 2019")),
        ("born on 2nd March 2019", (DATE_OF_BIRTH, "2nd March 2019")),
        ("born on 2nd of March, 2019", (DATE_OF_BIRTH, "2nd of March, 2019")),
        ("born on 02/03/2019", (DATE_OF_BIRTH, "02/03/2019")),
        ("born on 2/3/2019", (DATE_OF_BIRTH, "2/3/2019")),
        ("born on 2.3.19", (DATE_OF_BIRTH, "2.3.19")),
        ("born on 2019-03-02", (DATE_OF_BIRTH, "2019-03-02")),
        ("born on March 2, 2019", (DATE_OF_BIRTH, "March 2, 2019")),
        ("born on 2 Mar 2019", (DATE_OF_BIRTH, "2 Mar 2019")),
        ("born on 2 MARCH 2019", (DATE_OF_BIRTH, "2 MARCH 2019")),
        ("died on 23rd November 2024.", (DATE_OF_DEATH, "23rd November 2024")),
        ("died on 23/11/2024.", (DATE_OF_DEATH, "23/11/2024")),
        # Addresses and postcodes.
        ("lived at 14 Acacia Avenue", (ADDRESS, "14 Acacia Avenue")),
        ("lived at 14 ACACIA AVENUE", (ADDRESS, "14 ACACIA AVENUE")),
        ("lived on Acacia Avenue", (ADDRESS, "Acacia Avenue")),
        ("lived in Braunstone", (ADDRESS, "Braunstone")),
        ("postcode LE3 1AB", (POSTCODE, "LE3 1AB")),
        ("postcode le31ab", (POSTCODE, "le31ab")),
        ("postcode Le3  1ab.", (POSTCODE, "Le3  1ab")),
        # Schools and settings.
        ("at Highfield Primary School", (SCHOOL, "Highfield Primary School")),
        ("at HIGHFIELD", (SCHOOL, "HIGHFIELD")),
        ("Highfield's head", (SCHOOL, "Highfield's")),
        # References.
        ("reference LCC-778812", (LA_REFERENCE, "LCC-778812")),
        ("reference lcc 778812", (LA_REFERENCE, "lcc 778812")),
        ("NHS 9434765919", (NHS_NUMBER, "9434765919")),
        ("NHS 943 476 5919", (NHS_NUMBER, "943 476 5919")),
        # The never-publish list.
        ("slept in The Blue Caravan", (NEVER_PUBLISH, "The Blue Caravan")),
    ],
)
def test_each_kind_of_restricted_data_is_found(text, expected):
    hits = found(text)
    if expected is None:
        assert hits == []
    else:
        assert hits == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Child A lived with Mother and Child B. The school raised concerns.",
        "The family lived in Leicester.",  # the partnership's own area
        "Jayne and Jaydenne are other words.",  # a name only as a whole word
        "born on 12/03/2019 or 2/3/2018 or 22 March 2019",  # other dates
        "postcode LE3 1ABC",
        "in a caravan that was blue",  # a never-publish phrase only as a whole
        "Child B's school",
        "reference LCC-7788123",
    ],
)
def test_a_clean_text_has_no_hits(text):
    assert found(text) == []


def test_a_pseudonym_is_never_a_hit_even_where_it_shares_a_word_with_a_name():
    restricted = Restricted(people=(Person("Alex Child", CHILD_NAME),), pseudonyms=("Child A",))
    assert found("Child A was seen.", restricted) == []
    assert found("Alex Child was seen with Child A.", restricted) == [(CHILD_NAME, "Alex Child")]


def test_a_short_part_of_a_name_is_found_only_in_the_whole_name():
    restricted = Restricted(people=(Person("Al Barker", FAMILY_NAME),))
    assert found("Al said so.", restricted) == []
    assert found("Al Barker said so.", restricted) == [(FAMILY_NAME, "Al Barker")]


def test_the_whole_name_is_one_hit_and_every_mention_is_found():
    hits = found("Jayden Okafor and later Jayden, then OKAFOR again.")
    assert hits == [
        (CHILD_NAME, "Jayden Okafor"),
        (CHILD_NAME, "Jayden"),
        (CHILD_NAME, "OKAFOR"),
    ]


def test_a_hit_is_given_with_its_location_and_the_words_around_it():
    text = "one two three four five six seven eight nine Jayden ten 11 12 13 14 15 16 17 18"
    [hit] = scan(CASE, [Chunk("Section 2 ‘Background’, paragraph 3", text)])
    assert hit.location == "Section 2 ‘Background’, paragraph 3"
    assert hit.context == "two three four five six seven eight nine Jayden ten 11 12 13 14 15 16 17"


def test_the_context_keeps_what_is_glued_to_the_hit():
    text = "said (Jayden) did"
    assert context_of(text, 6, 12) == "said (Jayden) did"


def test_a_date_of_a_case_is_found_beside_a_name_in_one_sentence():
    hits = found("JAYDEN'S birthday, 2nd March 2019, at 14 Acacia Avenue, LE3 1AB.")
    assert [kind for kind, _ in hits] == [CHILD_NAME, DATE_OF_BIRTH, ADDRESS, POSTCODE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at Riverside Primary Academy (Oadby)", "Riverside Primary Academy (Oadby"),
        ("at Riverside Primary Academy today", "Riverside Primary Academy"),
        ("Riverside's staff", "Riverside's"),
    ],
)
def test_a_school_with_a_bracketed_part_is_found_as_people_write_it(text, expected):
    """The demo's school is "Riverside Primary Academy (demo school)": written without
    the bracket, or by its distinctive part, it is still found."""
    restricted = Restricted(
        schools=("Riverside Primary Academy (Oadby)",), places=("Leicester", "Oadby")
    )
    assert found(text, restricted) == [(SCHOOL, expected)]
