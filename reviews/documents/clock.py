"""The LCSPR's printable documents, rendered like every case document (cases/documents.py):
by case reference, never a child's name, with no network while rendering."""

from __future__ import annotations

from django.utils import timezone

from cases.documents import render_pdf
from reviews.models import DelayNotice


def delay_notice_pdf(*, notice: DelayNotice) -> bytes:
    """The notice of a delay to the National Panel and the Secretary of State (§3.1.3): the
    reason, the six-month date (§3.1.2) and the revised expected date, as sent."""
    lcspr = notice.delay.lcspr
    case = lcspr.case
    return render_pdf(
        "documents/lcspr_delay_notice.html",
        {
            "case": case,
            "partnership": case.partnership,
            "lcspr": lcspr,
            "delay": notice.delay,
            "notice": notice,
            "sent_on": timezone.localdate(notice.sent_at) if notice.sent_at else None,
            "generated_on": timezone.localdate(),
        },
    )
