"""The letter to a family member and the leaflet introducing the review and its Reviewer
(§7.3.2), from the partnership's own templates.

Each partnership words them its own way and gives its own contact details:
`templates/documents/family/letter_<partnership slug>.html` (and `leaflet_...`), each
extending the shared `_letter.html` / `_leaflet.html`. A partnership with no template of
its own gets the shared wording. The letter names its addressee (it is for the family);
the leaflet names nobody of the family. Neither names a child: children by pseudonym only.
"""

from __future__ import annotations

from django.template.loader import select_template
from django.utils import timezone

from cases.documents import render_pdf
from cases.models import Case
from reviews.models import Lcspr, NetworkMember
from reviews.selectors import family as selectors


def _template(kind: str, case: Case) -> str:
    """The partnership's own template of the document, or the shared one."""
    chosen = select_template(
        [f"documents/family/{kind}_{case.partnership.slug}.html", f"documents/family/_{kind}.html"]
    )
    return chosen.template.name


def _context(case: Case, lcspr: Lcspr) -> dict:
    appointment = selectors.reviewer(lcspr=lcspr)
    return {
        "case": case,
        "partnership": case.partnership,
        "lcspr": lcspr,
        "reviewer": appointment.user if appointment else None,
        "coordinator": selectors.coordinator(lcspr=lcspr),
        "generated_on": timezone.localdate(),
    }


def family_letter_pdf(*, case: Case, lcspr: Lcspr, member: NetworkMember) -> bytes:
    """The letter to one member of the family (§7.3.2): informed of the review and
    invited to contribute (§7.3.1)."""
    return render_pdf(
        _template("letter", case),
        {
            **_context(case, lcspr),
            "addressee": {"name": member.name, "address": member.address},
        },
    )


def family_leaflet_pdf(*, case: Case, lcspr: Lcspr) -> bytes:
    """The leaflet that explains and introduces the process and the Reviewer (§7.3.2)."""
    return render_pdf(_template("leaflet", case), _context(case, lcspr))
