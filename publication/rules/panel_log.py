"""§1.6.3: every decision about commissioning an LCSPR, and about publishing its report, is
notified to the National Panel. The rules both the National Panel log (selectors) and the
case's closing (cases/services/case.py, through cases/closing.py) read: which decisions a
case has made, and whether each was sent. Selectors and services import this module;
it imports neither."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cases.dates import format_date
from cases.models import Case, Deadline, DeadlineStatus, Referral
from publication.models import PackKind, PanelNotice, Publication, PublishChoice
from rapidreview.models import Decision, RapidReview

# The log's statuses (the filter on the log's page).
NOT_SENT = "not_sent"
SENT_LATE = "sent_late"
SENT = "sent"
STATUS_LABELS = {NOT_SENT: "Not sent", SENT_LATE: "Sent late", SENT: "Sent"}

RAPID_REVIEW_DECISIONS = {
    Decision.PROCEED: "Rapid Review decision: commission an LCSPR",
    Decision.NOT_PROCEED: "Rapid Review decision: do not commission an LCSPR",
}
REFERRAL_DECISION = "Referral decision: no LCSPR, learning outside a review (§1.4.5)"
PUBLICATION_DECISIONS = {
    PublishChoice.REPORT: "Publication decision: publish the report",
    PublishChoice.IMPROVEMENTS_ONLY: (
        "Non-publication decision: publish only the improvements to be made (§10.1.1)"
    ),
}
DELAY_DECISION = "Delay: the report will not be published within six months (§3.1.3)"

# Why a case cannot close (§1.6.3), and where the office records what is missing.
RAPID_REVIEW_UNNOTIFIED = (
    "The case cannot close: the Rapid Review decision{of_day} has not been notified to the "
    "National Panel (§1.6.3). Record the date it was notified on the Rapid Review's “After "
    "the decision” page."
)
REFERRAL_UNNOTIFIED = (
    "The case cannot close: the CRG's decision{of_day} on the referral has not been "
    "notified to the National Panel (§1.6.3, §4.9). Record the date it was notified on the "
    "referral's progress page."
)
PUBLICATION_UNNOTIFIED = (
    "The case cannot close: the partnership's decision{of_day} to {what} has not been sent "
    "to the National Panel (§1.6.3, §10.5.1). Record the notice to the National Panel, "
    "Ofsted and the DfE on the review's publication page."
)
PUBLICATION_WHAT = {
    PublishChoice.REPORT: "publish the report",
    PublishChoice.IMPROVEMENTS_ONLY: "publish only the improvements to be made",
}


def status_of(due_on: date | None, sent_on: date | None) -> str:
    """Not sent; sent after its due date; or sent (on time, or with no date due)."""
    if sent_on is None:
        return NOT_SENT
    if due_on is not None and sent_on > due_on:
        return SENT_LATE
    return SENT


def notice_pack_kind(choice: str) -> str:
    """The pack that notifies a publication decision (§10.5.1, footnote 23)."""
    return PackKind.IMPROVEMENTS if choice == PublishChoice.IMPROVEMENTS_ONLY else PackKind.REPORT


def _of(day: date | None) -> str:
    return f" of {format_date(day)}" if day else ""


@dataclass(frozen=True)
class Unnotified:
    """One decision of a case not yet notified: what it is, and the sentence saying so."""

    decision: str
    message: str


def unnotified_decisions(case: Case) -> list[Unnotified]:
    """The case's decisions made but not notified to the National Panel (§1.6.3), whether
    or not a deadline row was ever made for them."""
    partnership = case.partnership
    found: list[Unnotified] = []
    review = RapidReview.objects.for_partnership(partnership).filter(case=case).first()
    if review is not None and review.decision and review.decision_notified_on is None:
        found.append(
            Unnotified(
                RAPID_REVIEW_DECISIONS[review.decision],
                RAPID_REVIEW_UNNOTIFIED.format(of_day=_of(review.decided_on)),
            )
        )
    referral = Referral.objects.for_partnership(partnership).filter(case=case).first()
    if (
        referral is not None
        and referral.learning_outside_review_on is not None
        and not (review is not None and review.decision)
        and Deadline.objects.for_partnership(partnership)
        .filter(case=case, kind="referral_decision_notified")
        .exclude(status__in=[DeadlineStatus.MET, DeadlineStatus.MISSED])
        .exists()
    ):
        # The notified date is asked for with the decision (cases/services/intake.py) and
        # kept on its deadline: a deadline still open, or waived, was never notified.
        found.append(
            Unnotified(
                REFERRAL_DECISION,
                REFERRAL_UNNOTIFIED.format(of_day=_of(referral.learning_outside_review_on)),
            )
        )
    publication = Publication.objects.for_partnership(partnership).filter(lcspr__case=case).first()
    if (
        publication is not None
        and publication.choice
        and not PanelNotice.objects.for_partnership(partnership)
        .filter(publication=publication)
        .exists()
    ):
        found.append(
            Unnotified(
                PUBLICATION_DECISIONS[publication.choice],
                PUBLICATION_UNNOTIFIED.format(
                    of_day=_of(publication.decided_on),
                    what=PUBLICATION_WHAT[publication.choice],
                ),
            )
        )
    return found


def close_refusal(case: Case) -> str:
    """Registered with cases/closing.py: why the case cannot close, or ""."""
    found = unnotified_decisions(case)
    return found[0].message if found else ""
