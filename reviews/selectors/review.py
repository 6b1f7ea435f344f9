"""Reading a case's LCSPR, through the one scoping choke point (cases/tenancy.py)."""

from __future__ import annotations

from django.http import Http404

from cases.models import Case
from cases.tenancy import Scope
from reviews.models import Lcspr


def lcspr_get(*, scope: Scope, case: Case) -> Lcspr:
    """The case's LCSPR if the scope may see it; 404 when the case has none (yet)."""
    lcspr = Lcspr.objects.visible_to(scope).filter(case=case).select_related("case").first()
    if lcspr is None:
        raise Http404("This case has no LCSPR.")
    return lcspr
