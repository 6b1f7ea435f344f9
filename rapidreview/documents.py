"""The Rapid Review Report (§4.8.1), rendered to PDF like every case document
(cases/documents.py): children by pseudonym only, no network while rendering."""

from __future__ import annotations

from django.utils import timezone

from cases import selectors as case_selectors
from cases.documents import render_pdf
from cases.models import Case, CombinedSummary
from rapidreview import selectors
from rapidreview.models import (
    DECISION_CRITERIA,
    CriterionFinding,
    Decision,
    ImmediateAction,
    RapidReview,
    ScrutineerAdvice,
    SignOff,
)


def _criteria(review: RapidReview) -> list[dict]:
    """Every §1.4.1 and §1.4.2 criterion, with the meeting's finding and reason if given."""
    assessed = review.criteria_assessment or {}
    rows = []
    for criterion in DECISION_CRITERIA:
        given = assessed.get(criterion.value) or {}
        finding = given.get("finding", "")
        rows.append(
            {
                "label": criterion.label,
                "finding": CriterionFinding(finding).label
                if finding in CriterionFinding.values
                else "",
                "rationale": given.get("rationale", ""),
            }
        )
    return rows


def _review_context(review: RapidReview) -> dict:
    partnership = review.case.partnership
    attendances = selectors.attendance(meeting=review.meeting) if review.meeting else []
    return {
        "review": review,
        "meeting": review.meeting,
        "attendances": attendances,
        "quorum": selectors.meeting_quorum(attendances=attendances) if review.meeting else None,
        "actions": list(ImmediateAction.objects.for_partnership(partnership).filter(review=review)),
        "criteria": _criteria(review),
        "proceed": review.decision == Decision.PROCEED,
        "advice": list(ScrutineerAdvice.objects.for_partnership(partnership).filter(review=review)),
        "sign_offs": list(
            SignOff.objects.for_partnership(partnership)
            .filter(review=review)
            .select_related("user")
        ),
    }


def rapid_review_report_pdf(*, case: Case, review: RapidReview | None) -> bytes:
    """The Rapid Review Report to the National Panel (§4.8.1): the meeting, its quorum
    and declarations (§4.6.1, §1.5.8), its record and decision against each criterion
    (§4.6.2, §1.4), the Scrutineer's advice (§4.7) and who signed. A draft until the
    decision is signed off, and for a case with no Rapid Review yet."""
    intake = case_selectors.case_intake(case=case)
    summary = CombinedSummary.objects.for_partnership(case.partnership).filter(case=case).first()
    return render_pdf(
        "documents/rapid_review_report.html",
        {
            "case": case,
            "partnership": case.partnership,
            "generated_on": timezone.localdate(),
            "notification": intake["notification"],
            "referral": intake["referral"],
            # What a document may say about a child: never the name or date of birth.
            "children": [
                {"pseudonym": c.pseudonym, "role": c.get_role_display()} for c in intake["children"]
            ],
            "sections_agreed_on": summary.sections_agreed_on if summary else None,
            "signed_off": bool(review and review.is_signed_off),
            **(_review_context(review) if review else {"review": None}),
        },
    )
