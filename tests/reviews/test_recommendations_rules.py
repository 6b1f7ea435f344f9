"""The SMART rules of a recommendation (§9.1.2 footnote 22, reviews/recommendations.py):
pure, no database."""

from dataclasses import replace
from datetime import date

import pytest

from reviews.recommendations import (
    RECOMMENDATIONS_LIMIT,
    SPECIFIC_MIN_WORDS,
    Smart,
    SmartInput,
    action_is_specific,
    smart_missing,
    too_many,
)

COMPLETE = SmartInput(
    action="Train every health visitor in the neglect toolkit and record its use at each visit",
    owner_agency_id=None,
    owner_group="The partnership's Learning and Improvement group",
    measure="An audit of 30 cases shows the toolkit used in nine of ten",
    due_on=date(2027, 6, 30),
    finding_id=1,
)


def test_a_complete_recommendation_misses_nothing():
    assert smart_missing(COMPLETE) == []
    assert smart_missing(replace(COMPLETE, owner_agency_id=4, owner_group="")) == []


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"action": "Improve information sharing"}, Smart.SPECIFIC),
        ({"action": "Consider how agencies share information about neglect here"}, Smart.SPECIFIC),
        ({"owner_agency_id": None, "owner_group": "  "}, Smart.OWNER),
        ({"measure": ""}, Smart.MEASURE),
        ({"due_on": None}, Smart.DUE),
        ({"finding_id": None}, Smart.FINDING),
    ],
    ids=["too-short", "vague-verb", "owner", "measure", "due", "finding"],
)
def test_each_missing_element_is_named_with_what_to_give(change, missing):
    found = smart_missing(replace(COMPLETE, **change))
    assert found == [missing]
    assert missing.ask  # the page asks for it in words


def test_the_asks_are_the_ones_the_page_shows():
    assert Smart.OWNER.ask == "Say who will do this: an agency or a group"
    assert Smart.MEASURE.ask == "Say how success will be measured"
    assert Smart.DUE.ask == "Give the date it is due by"
    assert Smart.FINDING.ask == "Say which finding it answers"


def test_everything_missing_is_listed_in_order():
    empty = SmartInput("", None, "", "", None, None)
    assert smart_missing(empty) == list(Smart)


def test_a_vague_verb_passes_when_the_action_goes_on_to_say_what_will_be_done():
    assert not action_is_specific("Review the multi-agency neglect strategy")
    assert action_is_specific(
        "Review the multi-agency neglect strategy so that every referral for neglect names "
        "the lead professional and the date of the next visit"
    )
    assert action_is_specific(" ".join(["word"] * SPECIFIC_MIN_WORDS))
    assert not action_is_specific(" ".join(["word"] * (SPECIFIC_MIN_WORDS - 1)))


def test_a_limited_number_is_at_most_the_limit():
    assert not too_many(RECOMMENDATIONS_LIMIT)
    assert too_many(RECOMMENDATIONS_LIMIT + 1)
