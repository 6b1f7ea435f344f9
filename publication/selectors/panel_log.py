"""The National Panel log (§1.6.3): one log per partnership, across each case's life, of
every decision notified to the National Panel, composed from the records that already
hold them: the Rapid Review's decision and its notified date, the referral's decision,
the partnership's decision to publish the report or only the improvements with the
notice sent (§10.5.1), and the notices of a delay beyond six months (§3.1.3).

Nothing is stored twice: each entry is read from its own record through the scoping
choke point, so a Reviewer sees only the entries of the reviews they are appointed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cases.models import Deadline, DeadlineStatus, Referral
from cases.tenancy import Scope
from cases.timescales import DECISION_NOTIFIED
from publication.models import PackKind, Publication
from publication.rules.panel_log import (
    DELAY_DECISION,
    PUBLICATION_DECISIONS,
    RAPID_REVIEW_DECISIONS,
    REFERRAL_DECISION,
    STATUS_LABELS,
    notice_pack_kind,
    status_of,
)
from rapidreview.models import RapidReview
from reviews.models import Delay
from reviews.rules import notice_due


@dataclass(frozen=True)
class LogEntry:
    case_reference: str
    decision: str
    decided_on: date | None
    due_on: date | None
    sent_on: date | None
    sent: str  # what was sent: the document and its checksum where kept
    seed: str

    @property
    def status(self) -> str:
        return status_of(self.due_on, self.sent_on)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _checksum(sha256: str) -> str:
    return f"SHA-256 {sha256[:12]}…" if sha256 else ""


def _deadlines(scope: Scope, kinds) -> dict[tuple[int, str], Deadline]:
    rows = Deadline.objects.visible_to(scope).filter(kind__in=kinds)
    return {(d.case_id, d.kind): d for d in rows}


def _rapid_review_entries(scope: Scope, due: dict) -> tuple[list[LogEntry], set[int]]:
    entries, cases = [], set()
    reviews = (
        RapidReview.objects.visible_to(scope)
        .exclude(decision="")
        .select_related("case")
        .order_by("case__reference")
    )
    for review in reviews:
        cases.add(review.case_id)
        deadline = due.get((review.case_id, "decision_notified")) or due.get(
            (review.case_id, "referral_decision_notified")
        )
        sent = ""
        if review.decision_notified_on:
            sent = "Notice of the decision"
            if review.report_sent_on:
                sent = f"Rapid Review Report, sent {review.report_sent_on:%-d %B %Y}"
                if review.report_sha256:
                    sent += f" ({_checksum(review.report_sha256)})"
        entries.append(
            LogEntry(
                case_reference=review.case.reference,
                decision=RAPID_REVIEW_DECISIONS[review.decision],
                decided_on=review.decided_on,
                due_on=deadline.due_date if deadline else None,
                sent_on=review.decision_notified_on,
                sent=sent,
                seed="§1.6.3, §4.8.1",
            )
        )
    return entries, cases


def _referral_entries(scope: Scope, due: dict, decided_cases: set[int]) -> list[LogEntry]:
    entries = []
    referrals = (
        Referral.objects.visible_to(scope)
        .filter(learning_outside_review_on__isnull=False)
        .exclude(case_id__in=decided_cases)
        .select_related("case")
    )
    for referral in referrals:
        deadline = due.get((referral.case_id, "referral_decision_notified"))
        sent_on = (
            deadline.completed_on
            if deadline is not None
            and deadline.status in {DeadlineStatus.MET, DeadlineStatus.MISSED}
            else None
        )
        entries.append(
            LogEntry(
                case_reference=referral.case.reference,
                decision=REFERRAL_DECISION,
                decided_on=referral.learning_outside_review_on,
                due_on=deadline.due_date if deadline else None,
                sent_on=sent_on,
                sent="Notice of the decision" if sent_on else "",
                seed="§1.6.3, §4.9",
            )
        )
    return entries


def _publication_entries(scope: Scope, due: dict) -> list[LogEntry]:
    entries = []
    publications = (
        Publication.objects.visible_to(scope)
        .select_related("lcspr__case")
        .prefetch_related("notices")
        .order_by("lcspr__case__reference")
    )
    for publication in publications:
        notices = list(publication.notices.all())
        if not publication.choice and not notices:
            continue
        case = publication.lcspr.case
        deadline = due.get((case.id, "report_sent_to_national_panel"))
        due_on = deadline.due_date if deadline else None
        for notice in notices:
            choice = (
                publication.choice
                if publication.choice
                else ("improvements_only" if notice.kind == PackKind.IMPROVEMENTS else "report")
            )
            entries.append(
                LogEntry(
                    case_reference=case.reference,
                    decision=PUBLICATION_DECISIONS[choice],
                    decided_on=publication.decided_on,
                    due_on=due_on,
                    sent_on=notice.sent_on,
                    sent=f"{PackKind(notice.kind).label} ({_checksum(notice.sha256)}, "
                    f"{notice.size:,} bytes)",
                    seed="§1.6.3, §10.5.1",
                )
            )
        wanted = notice_pack_kind(publication.choice) if publication.choice else None
        if wanted and not any(n.kind == wanted for n in notices):
            entries.append(
                LogEntry(
                    case_reference=case.reference,
                    decision=PUBLICATION_DECISIONS[publication.choice],
                    decided_on=publication.decided_on,
                    due_on=due_on,
                    sent_on=None,
                    sent="",
                    seed="§1.6.3, §10.5.1",
                )
            )
    return entries


def _delay_entries(scope: Scope, due: dict) -> list[LogEntry]:
    entries = []
    delays = (
        Delay.objects.visible_to(scope)
        .filter(prevents_publication=True)
        .select_related("lcspr__case")
        .prefetch_related("notices")
        .order_by("lcspr__case__reference", "arose_on", "id")
    )
    for delay in delays:
        case = delay.lcspr.case
        deadline = due.get((case.id, "lcspr_complete"))
        notices = list(delay.notices.all())
        for notice in notices:
            entries.append(
                LogEntry(
                    case_reference=case.reference,
                    decision=DELAY_DECISION,
                    decided_on=delay.arose_on,
                    due_on=notice.statutory_date,
                    sent_on=notice.sent_at.date(),
                    sent="Notice of the delay, revised date "
                    f"{notice.revised_expected_on:%-d %B %Y}",
                    seed="§3.1.3",
                )
            )
        if notice_due(delay, [n.revised_expected_on for n in notices]):
            entries.append(
                LogEntry(
                    case_reference=case.reference,
                    decision=DELAY_DECISION,
                    decided_on=delay.arose_on,
                    due_on=deadline.due_date if deadline else None,
                    sent_on=None,
                    sent="",
                    seed="§3.1.3",
                )
            )
    return entries


def panel_log(*, scope: Scope, status: str = "") -> list[LogEntry]:
    """Every decision notified (or still to be notified) to the National Panel, of the
    scope's partnership, by case reference, then by date; `status` keeps one status."""
    due = _deadlines(scope, {*DECISION_NOTIFIED, "report_sent_to_national_panel", "lcspr_complete"})
    entries, decided = _rapid_review_entries(scope, due)
    entries += _referral_entries(scope, due, decided)
    entries += _publication_entries(scope, due)
    entries += _delay_entries(scope, due)
    if status:
        entries = [entry for entry in entries if entry.status == status]
    return sorted(
        entries,
        key=lambda e: (e.case_reference, e.decided_on or date.min, e.sent_on or date.max),
    )
