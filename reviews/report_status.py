"""Where the report stands (§9.1.4-9.1.5, §3.1.3): pure rules, read by selectors and
services alike.

The status is worked out from the latest finished draft and the approvals recorded for
that draft's number only: Panel QA passed (§9.1.4), then the CRG's approval with the
chair's sign-off, then the Safeguarding Children Partnership's, by each of the three
Safeguarding Partners (§9.1.5). A draft finished after an approval has none of its own,
so the status falls back: "a draft changed after an approval needs approval again".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ReportStatus(StrEnum):
    DRAFTING = "drafting"
    QA = "qa"
    CRG_APPROVAL = "crg_approval"
    PARTNERSHIP_APPROVAL = "partnership_approval"
    FINAL = "final"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ReportStatus.DRAFTING: "Drafting",
    ReportStatus.QA: "Panel quality assurance",
    ReportStatus.CRG_APPROVAL: "CRG approval",
    ReportStatus.PARTNERSHIP_APPROVAL: "Partnership approval",
    ReportStatus.FINAL: "Final",
}


class Step(StrEnum):
    """What must happen next, and so who must act."""

    FINISH_DRAFT = "finish_draft"  # the Reviewer finishes a draft
    NEW_DRAFT = "new_draft"  # QA or the CRG did not pass it: the Reviewer revises it
    CLEAR_HITS = "clear_hits"  # the anonymisation guard's hits: fixed or accepted
    QA = "qa"  # the Panel records its QA
    PUT_TO_CRG = "put_to_crg"  # the Business Office puts it to a CRG meeting
    CRG_OUTCOME = "crg_outcome"  # the Business Office or chair record the decision
    CHAIR_SIGN = "chair_sign"  # the CRG chair signs the approval off
    PARTNERS = "partners"  # the Safeguarding Partners confirm
    MARK_FINAL = "mark_final"  # the Business Office marks it final
    DONE = "done"


# Who must act at each step, in words for the page.
WHO_ACTS = {
    Step.FINISH_DRAFT: "The Reviewer must finish a draft of the report.",
    Step.NEW_DRAFT: "The Reviewer must revise the report and finish a new draft.",
    Step.CLEAR_HITS: (
        "The Reviewer must fix the anonymisation hits in a new draft, or the CRG chair must "
        "accept each with a reason (§9.1.3)."
    ),
    Step.QA: "The Case Review Panel must record its quality assurance of the draft (§9.1.4).",
    Step.PUT_TO_CRG: "The Business Office must put the draft to a CRG meeting (§9.1.5).",
    Step.CRG_OUTCOME: (
        "The Business Office or the CRG chair must record the CRG's decision after its meeting."
    ),
    Step.CHAIR_SIGN: "The CRG chair must sign off the CRG's approval.",
    Step.PARTNERS: (
        "Each Safeguarding Partner's representative must confirm the partnership's approval "
        "(§9.1.5)."
    ),
    Step.MARK_FINAL: "The Business Office must mark the approved draft final.",
    Step.DONE: "The report is final.",
}

PARTNER_COUNT = 3  # the Local Authority, the ICB and the police (§4.6.1)


@dataclass(frozen=True)
class ReportFacts:
    """What is recorded for the latest finished draft (`draft` its number, None if no
    draft is finished yet)."""

    draft: int | None = None
    open_hits: int = 0
    qa_passed: bool = False
    qa_not_passed: bool = False  # the latest QA of this draft did not pass it
    crg_pending: bool = False
    crg_recorded_unsigned: bool = False  # approved at the meeting, chair yet to sign
    crg_approved: bool = False  # approved and signed off by the chair
    crg_not_approved: bool = False
    partners: frozenset[str] = field(default_factory=frozenset)
    final: bool = False


@dataclass(frozen=True)
class ReportState:
    status: ReportStatus
    step: Step

    @property
    def who_acts(self) -> str:
        return WHO_ACTS[self.step]


def report_state(facts: ReportFacts) -> ReportState:
    """The status and the next step, from what is recorded for the latest finished draft."""
    if facts.final:
        return ReportState(ReportStatus.FINAL, Step.DONE)
    if facts.draft is None:
        return ReportState(ReportStatus.DRAFTING, Step.FINISH_DRAFT)
    if not facts.qa_passed:
        if facts.open_hits:
            return ReportState(ReportStatus.QA, Step.CLEAR_HITS)
        if facts.qa_not_passed:
            return ReportState(ReportStatus.DRAFTING, Step.NEW_DRAFT)
        return ReportState(ReportStatus.QA, Step.QA)
    if not facts.crg_approved:
        if facts.crg_not_approved and not facts.crg_pending:
            return ReportState(ReportStatus.DRAFTING, Step.NEW_DRAFT)
        if facts.open_hits:
            return ReportState(ReportStatus.CRG_APPROVAL, Step.CLEAR_HITS)
        if facts.crg_recorded_unsigned:
            return ReportState(ReportStatus.CRG_APPROVAL, Step.CHAIR_SIGN)
        if facts.crg_pending:
            return ReportState(ReportStatus.CRG_APPROVAL, Step.CRG_OUTCOME)
        return ReportState(ReportStatus.CRG_APPROVAL, Step.PUT_TO_CRG)
    if len(facts.partners) < PARTNER_COUNT:
        return ReportState(ReportStatus.PARTNERSHIP_APPROVAL, Step.PARTNERS)
    if facts.open_hits:
        return ReportState(ReportStatus.PARTNERSHIP_APPROVAL, Step.CLEAR_HITS)
    return ReportState(ReportStatus.PARTNERSHIP_APPROVAL, Step.MARK_FINAL)


# --- The six-month clock (§3.1.2-§3.1.3, §10.5.1) --------------------------------------------

# Typical working days each remaining stage takes; the CRG's approval waits for the next
# CRG meeting in the calendar instead.
QA_WORKING_DAYS = 10
PARTNERSHIP_WORKING_DAYS = 10
# §10.5.1: the full report goes to the National Panel, Ofsted and the DfE no later than
# seven working days before publication.
PUBLICATION_NOTICE_WORKING_DAYS = 7


def stages_left(status: ReportStatus) -> tuple[bool, bool, bool]:
    """(QA, CRG approval, partnership approval) still to come at this status. Publication's
    notice (§10.5.1) is always still to come: the publication stage completes
    `lcspr_complete` (§3.1.3), not final approval."""
    if status == ReportStatus.FINAL:
        return (False, False, False)
    if status == ReportStatus.PARTNERSHIP_APPROVAL:
        return (False, False, True)
    if status == ReportStatus.CRG_APPROVAL:
        return (False, True, True)
    return (True, True, True)


def report_fits(*, finish_on: date | None, due_on: date | None) -> bool | None:
    """Whether the report stages end by the six-month date; None if either is unknown."""
    if finish_on is None or due_on is None:
        return None
    return finish_on <= due_on
