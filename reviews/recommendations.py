"""Pure rules of the review's recommendations (§9.1.2 and its footnote 22, §9.2): what makes
one SMART, and how many are "a limited number". No database: the selectors (to show what
is missing) and the services (to refuse agreeing an incomplete one) both read them.

§9.1.2 asks for "a limited number of focused, realistic recommendations, which can then be
translated into specific and achievable action plans ('SMART' plans)"; footnote 22:
"'SMART' – specific, measurable, achievable, realistic and time-bound". The product reads
that as five things a recommendation must say (issue 15): a specific action, who owns it
(an agency of the partnership or a named group), how success will be measured, the date it
is due by, and the finding it answers (§9.2.1-9.2.2: recommendations come from findings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# §9.1.2 "a limited number of focused, realistic recommendations": above this many the
# findings page warns (a prompt, not a refusal; the Panel judges what is limited).
RECOMMENDATIONS_LIMIT = 8

# The "specific" heuristic, kept deliberately simple (it prompts; people judge):
# - an action of fewer than SPECIFIC_MIN_WORDS words does not say enough to act on;
# - an action that opens with a vague verb ("Consider ...", "Review ...", "Ensure ...")
#   is specific only if it goes on to say what will be done, i.e. it has at least
#   VAGUE_VERB_MIN_WORDS words ("Review the neglect strategy so that every referral
#   names the lead professional" passes; "Ensure better information sharing" does not).
SPECIFIC_MIN_WORDS = 8
VAGUE_VERB_MIN_WORDS = 15
VAGUE_VERBS = frozenset(
    {"consider", "review", "ensure", "explore", "reflect", "look", "think", "note", "continue"}
)


class Smart(StrEnum):
    """An element of a SMART recommendation (§9.1.2 footnote 22), in the order asked."""

    SPECIFIC = "specific"
    OWNER = "owner"
    MEASURE = "measure"
    DUE = "due"
    FINDING = "finding"

    @property
    def label(self) -> str:
        """Short, for the "Missing: owner, measure" tag."""
        return SMART_LABELS[self]

    @property
    def ask(self) -> str:
        """What the page asks for, beside the recommendation."""
        return SMART_ASKS[self]


SMART_LABELS = {
    Smart.SPECIFIC: "specific action",
    Smart.OWNER: "owner",
    Smart.MEASURE: "measure of success",
    Smart.DUE: "due date",
    Smart.FINDING: "finding",
}

SMART_ASKS = {
    Smart.SPECIFIC: (
        f"Say exactly what will be done: at least {SPECIFIC_MIN_WORDS} words, and more than "
        "“consider”, “review” or “ensure” on their own"
    ),
    Smart.OWNER: "Say who will do this: an agency or a group",
    Smart.MEASURE: "Say how success will be measured",
    Smart.DUE: "Give the date it is due by",
    Smart.FINDING: "Say which finding it answers",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text or "")


def action_is_specific(action: str) -> bool:
    """The "specific" heuristic above."""
    words = _words(action)
    if len(words) < SPECIFIC_MIN_WORDS:
        return False
    return not (words[0].lower() in VAGUE_VERBS and len(words) < VAGUE_VERB_MIN_WORDS)


@dataclass(frozen=True)
class SmartInput:
    """What the rules read of a recommendation (a model row or a form's data)."""

    action: str
    owner_agency_id: int | None
    owner_group: str
    measure: str
    due_on: date | None
    finding_id: int | None


def smart_missing(rec: SmartInput) -> list[Smart]:
    """The SMART elements the recommendation does not yet give, in the order asked; empty
    when it is complete."""
    missing = []
    if not action_is_specific(rec.action):
        missing.append(Smart.SPECIFIC)
    if rec.owner_agency_id is None and not (rec.owner_group or "").strip():
        missing.append(Smart.OWNER)
    if not (rec.measure or "").strip():
        missing.append(Smart.MEASURE)
    if rec.due_on is None:
        missing.append(Smart.DUE)
    if rec.finding_id is None:
        missing.append(Smart.FINDING)
    return missing


def smart_of(recommendation) -> SmartInput:
    """A Recommendation row as the rules read it."""
    return SmartInput(
        action=recommendation.action,
        owner_agency_id=recommendation.owner_agency_id,
        owner_group=recommendation.owner_group,
        measure=recommendation.measure,
        due_on=recommendation.due_on,
        finding_id=recommendation.finding_id,
    )


def too_many(count: int) -> bool:
    """§9.1.2: more recommendations than "a limited number"."""
    return count > RECOMMENDATIONS_LIMIT
