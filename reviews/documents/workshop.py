"""The learning workshop's short briefing (§8.10.3) as a PDF: the purpose of the event,
the importance of attending, its half days and place, and the key themes when the
workshop shares them (§8.8.2). By case reference only: the template is given no child,
no family member and no agency's content."""

from __future__ import annotations

from django.utils import timezone

from cases.documents import render_pdf
from reviews.models import Workshop
from reviews.selectors import workshop as selectors


def workshop_briefing_pdf(*, workshop: Workshop) -> bytes:
    lcspr = workshop.lcspr
    return render_pdf(
        "documents/workshop_briefing.html",
        {
            "case": lcspr.case,
            "reference": lcspr.case.reference,
            "partnership": lcspr.case.partnership,
            "sessions": selectors.sessions(workshop=workshop),
            "place": workshop.place,
            "themes": selectors.shared_themes(workshop=workshop),
            "generated_on": timezone.localdate(),
        },
    )
