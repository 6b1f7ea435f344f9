"""The final report as a PDF (§9.1.5, §10.5.2): the partnership's report template, with a
title page (the partnership, "Local Child Safeguarding Practice Review", the children by
pseudonym only, the Reviewer's name unless published anonymously, the date), then the
report's sections, or a Word draft's text in paragraphs, and the anonymised genogram where
the draft attaches it (§7.2.1). No child's name is given to the template: the draft's own
text is what the anonymisation guard checks (§9.1.3)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cases.documents import render_pdf
from cases.errors import ApplicationError
from cases.models import Case
from reviews.models import DraftSource, Lcspr, ReportDraft, ReportSection
from reviews.selectors import report_approval as selectors

GENOGRAM_NOT_ANONYMOUS = (
    "The anonymised genogram still holds a name, so it cannot go in the report: change the "
    "family network's labels, or take the genogram off the draft (§7.2.1)."
)


def _paragraphs(text: str) -> list[str]:
    """A Word draft's text, one paragraph per blank-line (or line) break."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    if len(blocks) <= 1:
        blocks = [b.strip() for b in text.splitlines()]
    return [b for b in blocks if b]


def _sections(draft: ReportDraft) -> list[dict]:
    if draft.source == DraftSource.WORD:
        return [{"heading": "", "paragraphs": _paragraphs(draft.text)}]
    sections = ReportSection.objects.for_partnership(draft.lcspr.case.partnership).filter(
        draft=draft
    )
    shown = [{"heading": s.heading, "paragraphs": _paragraphs(s.body)} for s in sections]
    return shown or [{"heading": "", "paragraphs": _paragraphs(draft.text)}]


def _genogram_svg(lcspr: Lcspr) -> str:
    from reviews.selectors.genogram import GenogramNotAnonymous, anonymised_genogram_svg

    try:
        return anonymised_genogram_svg(lcspr)
    except GenogramNotAnonymous:
        raise ApplicationError(GENOGRAM_NOT_ANONYMOUS) from None


def report_pdf(
    *,
    case: Case,
    lcspr: Lcspr,
    draft: ReportDraft,
    anonymous_reviewer: bool = False,
    dated: date | None = None,
) -> bytes:
    """The report's PDF from a finished draft, as it will be published."""
    reviewer = "" if anonymous_reviewer else selectors.reviewer_name(lcspr)
    return render_pdf(
        "documents/lcspr_report.html",
        {
            "case": case,
            "partnership": case.partnership,
            "draft": draft,
            "pseudonyms": selectors.case_pseudonyms(lcspr),
            "reviewer": reviewer,
            "anonymous_reviewer": anonymous_reviewer,
            "dated": dated or timezone.localdate(),
            "sections": _sections(draft),
            "genogram_svg": _genogram_svg(lcspr) if draft.anonymised_genogram else "",
        },
    )
