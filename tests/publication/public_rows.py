"""Test rows for the public page, the archiving job and the publications API (issue 16:
public), made straight from the models so these tests do not wait on the plan's services:
a case with a named child, its LCSPR, its final report PDF and its publication."""

from __future__ import annotations

import hashlib
import os
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import Child, DeadlineStatus
from cases.services import deadline_complete, deadlines_schedule
from cases.timescales import Event
from publication.models import PackKind, PanelNotice, Publication, PublishChoice, SentBy
from reviews.models import DraftSource, ReportDraft, ReportFinal
from reviews.services import lcspr_open
from tests.factories import open_case

CHILD_NAMES = {"leicester": "Zebedee Quarrington", "leicestershire-rutland": "Ottoline Pym"}


def pdf_bytes(label: str) -> bytes:
    """A distinct file each time, so that a wrong file served cannot pass for the right one."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n" + os.urandom(64) + b"\n%%EOF\n"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def review(partnership, *, decided_on: date | None = None):
    """A case whose child has a name, with its LCSPR (which schedules `lcspr_complete`)."""
    case = open_case(partnership)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAMES[partnership.slug])
    lcspr = lcspr_open(
        case=case,
        decided_on=decided_on or timezone.localdate(),
        key_lines_of_enquiry="How agencies shared information.",
        actor=None,
    )
    return case, lcspr


def final_report(lcspr, *, reviewer="Dr Ada Lovelace", anonymous=False) -> bytes:
    content = pdf_bytes(f"final report {lcspr.pk}")
    draft = ReportDraft.unscoped.create(lcspr=lcspr, number=1, source=DraftSource.WRITTEN)
    final = ReportFinal(
        lcspr=lcspr,
        draft=draft,
        sha256=sha(content),
        size=len(content),
        reviewer_name=reviewer,
        anonymous_reviewer=anonymous,
    )
    final.file.save("final.pdf", ContentFile(content), save=False)
    final.save()
    return content


def publication(
    partnership,
    *,
    choice=PublishChoice.REPORT,
    published_on: date | None = None,
    planned_on: date | None = None,
    notice_on: date | None = None,
    action_plan=True,
    reviewer="Dr Ada Lovelace",
    anonymous=False,
    title="Child Q: learning about neglect",
    decided_on: date | None = None,
    schedule=True,
) -> tuple[Publication, dict[str, bytes]]:
    """A publication at any step: planned only, decided, noticed, published (the files
    made, `publication_available_until` scheduled and `lcspr_complete` completed, as the
    plan's record service will). Returns it with its files' bytes by public kind."""
    case, lcspr = review(partnership, decided_on=decided_on)
    files: dict[str, bytes] = {}
    row = Publication(lcspr=lcspr, planned_on=planned_on, public_title=title)
    if choice:
        row.choice, row.decided_on = choice, timezone.localdate()
        if choice == PublishChoice.REPORT:
            files["report"] = final_report(lcspr, reviewer=reviewer, anonymous=anonymous)
        else:
            final_report(lcspr, reviewer=reviewer, anonymous=anonymous)  # never published
            files["improvements"] = pdf_bytes(f"improvements {lcspr.pk}")
            row.improvements_file.save("i.pdf", ContentFile(files["improvements"]), save=False)
            row.improvements_sha256 = sha(files["improvements"])
    if action_plan and choice:
        files["action-plan"] = pdf_bytes(f"action plan {lcspr.pk}")
        row.action_plan_file.save("a.pdf", ContentFile(files["action-plan"]), save=False)
        row.action_plan_sha256 = sha(files["action-plan"])
    if published_on:
        row.published_on = published_on
        row.reviewer_name, row.anonymous_reviewer = reviewer, anonymous
    row.save()
    if notice_on:
        PanelNotice.unscoped.create(
            publication=row,
            kind=PackKind.IMPROVEMENTS
            if choice == PublishChoice.IMPROVEMENTS_ONLY
            else PackKind.REPORT,
            sha256="0" * 64,
            size=1,
            recipients=["panel@example.org"],
            sent_by=SentBy.OTHER,
            sent_on=notice_on,
        )
    if published_on and schedule:
        deadlines_schedule(
            case=case, event=Event.PUBLISHED, event_date=published_on, actor=None, reason="Test"
        )
        six_months = case.deadlines.get(kind="lcspr_complete")
        if six_months.status == DeadlineStatus.OPEN and published_on <= timezone.localdate():
            deadline_complete(deadline=six_months, on=published_on, actor=None)
    return row, files
