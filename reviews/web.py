"""What the review's views share (views never import a sibling view's helper)."""

from __future__ import annotations

from cases import selectors as case_selectors
from cases.models import Case
from reviews.models import Lcspr
from reviews.selectors.review import lcspr_get


def case_and_lcspr(request, reference: str) -> tuple[Case, Lcspr]:
    """The case the URL names and its LCSPR, both read through the scoping choke point:
    404 for a case the user may not see or one without an LCSPR."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    return case, lcspr_get(scope=request.scope, case=case)
