"""Rules of the LCSPR that selectors and services share (selectors never import services)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from cases.models import Deadline, Membership, Role, User
from reviews.models import Appointment, Lcspr, StandingItem

# issue 13: panel -------------------------------------------------------------------------

SIX_MONTH_KIND = "lcspr_complete"  # the statutory date of §3.1.2, worked out by cases


def six_month_date(lcspr: Lcspr) -> date | None:
    """The review's statutory six-month date (§3.1.2), as the deadline engine set it."""
    return (
        Deadline.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case, kind=SIX_MONTH_KIND)
        .values_list("due_date", flat=True)
        .first()
    )


# The agenda items no panel meeting may skip, in the order they are taken.
STANDING_AGENDA = (
    StandingItem.DECLARATIONS,  # §1.5.8
    StandingItem.FAMILY_ENGAGEMENT,  # §7.1.3
    StandingItem.IMMEDIATE_ACTION,  # §11.2.1
)


def partnership_people(lcspr: Lcspr) -> QuerySet[User]:
    """Who may own a panel action: the review's current Reviewer and Panel members, and
    the partnership's Business Office."""
    partnership = lcspr.case.partnership
    appointed = Appointment.objects.for_partnership(partnership).filter(lcspr=lcspr, ended_on=None)
    office = Membership.objects.filter(
        partnership=partnership, role=Role.BUSINESS_OFFICE, is_active=True
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=appointed.values("user_id")) | Q(pk__in=office.values("user_id")))
        .order_by("first_name", "last_name", "username")
    )
