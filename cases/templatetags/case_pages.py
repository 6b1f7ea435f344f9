"""Tags of the pages every case tab shares."""

from django import template
from django.utils import timezone

from cases import selectors

register = template.Library()


@register.simple_tag
def case_standing(case):
    """Where the case stands, for the header of its every page (the case was read
    through the scope by the view)."""
    return selectors.case_standing(case=case, today=timezone.localdate())
