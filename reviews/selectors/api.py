"""The LCSPRs as the API lists them (issue 13: API): one scoped query for the reviews and
one for each kind of row they hold, whatever the number of reviews.

Each reading mirrors the selector that answers it for one review (the LCSPR page's), here
worked out from the prefetched rows: `terms.terms_first_agreed_on`, `terms.terms_in_force`
/ `terms.terms_latest`, `setup.team`, `terms.parallel_processes`,
`clock.delay_notices_sent`, `clock.at_risk` and `panel.next_milestone`
(tests/reviews/test_api.py checks that they agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from cases.models import SAFEGUARDING_PARTNER_KINDS, Deadline
from cases.tenancy import Scope
from reviews.models import (
    AgreementOutcome,
    Appointment,
    AppointmentRole,
    Delay,
    DelayNotice,
    Lcspr,
    Milestone,
    ParallelProcess,
    TermsAgreement,
    TermsVersion,
)
from reviews.rules import SIX_MONTH_KIND, six_month_at_risk
from reviews.selectors.clock import at_risk_filter


def lcspr_list(
    *,
    scope: Scope,
    stages: Sequence[str] = (),
    at_risk: bool | None = None,
    today: date | None = None,
    decided_from: date | None = None,
    decided_to: date | None = None,
) -> QuerySet[Lcspr]:
    """The LCSPRs the scope may see (an appointed Reviewer or Panel member: only the
    reviews they are appointed to and have declared for), newest decision first, with
    what the API's rows read prefetched; optionally only those decided from and to these
    days."""
    today = today or timezone.localdate()
    agreed = TermsAgreement.objects.visible_to(scope).filter(
        version=OuterRef("pk"), outcome=AgreementOutcome.AGREED
    )
    lcsprs = (
        Lcspr.objects.visible_to(scope)
        .select_related("case")
        .prefetch_related(
            Prefetch(
                "case__deadlines",
                queryset=Deadline.objects.visible_to(scope).filter(kind=SIX_MONTH_KIND),
                to_attr="api_lcspr_complete",
            ),
            Prefetch(
                "terms_versions",
                # In force (§5.1.3, §5.3.1): agreed by the CRG, or accepted as a minor change.
                queryset=TermsVersion.objects.visible_to(scope)
                .annotate(api_crg_agreed=Exists(agreed))
                .only(
                    "id",
                    "lcspr_id",
                    "number",
                    "scoping_start",
                    "scoping_end",
                    "methodology",
                    "collection_tools",
                    "minor_accepted_at",
                )
                .order_by("-number"),
                to_attr="api_versions",
            ),
            Prefetch(
                "terms_agreements",
                queryset=TermsAgreement.objects.visible_to(scope)
                .filter(outcome=AgreementOutcome.AGREED)
                .order_by("decided_on", "id"),
                to_attr="api_agreed",
            ),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.visible_to(scope)
                .filter(ended_on=None)
                .select_related("agency"),
                to_attr="api_appointments",
            ),
            Prefetch(
                "parallel_processes",
                queryset=ParallelProcess.objects.visible_to(scope).order_by("created_at", "id"),
                to_attr="api_processes",
            ),
            Prefetch(
                "delays",
                queryset=Delay.objects.visible_to(scope).prefetch_related(
                    Prefetch(
                        "notices",
                        queryset=DelayNotice.objects.visible_to(scope),
                        to_attr="api_notices",
                    )
                ),
                to_attr="api_delays",
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.visible_to(scope)
                .filter(cancelled_on__isnull=True, done_on__isnull=True, due_on__gte=today)
                .exclude(meeting__minutes_recorded_at__isnull=False)
                .order_by("due_on", "id"),
                to_attr="api_milestones_ahead",
            ),
        )
        .order_by("-decided_on", "-id")
    )
    if stages:
        lcsprs = lcsprs.filter(case__stage__in=stages)
    if at_risk is not None:
        lcsprs = at_risk_filter(lcsprs, at_risk=at_risk, today=today)
    if decided_from:
        lcsprs = lcsprs.filter(decided_on__gte=decided_from)
    if decided_to:
        lcsprs = lcsprs.filter(decided_on__lte=decided_to)
    return lcsprs


# --- Each reading, from a review read by `lcspr_list` (no further queries) ----------------


def listed_lcspr_complete(lcspr: Lcspr) -> Deadline | None:
    """The six-month date (§3.1.2)."""
    return next(iter(lcspr.case.api_lcspr_complete), None)


def listed_terms_first_agreed_on(lcspr: Lcspr) -> date | None:
    """As `terms.terms_first_agreed_on`: the first CRG agreement (§5.1.3)."""
    first = next(iter(lcspr.api_agreed), None)
    return first.decided_on if first else None


def listed_terms_shown(lcspr: Lcspr) -> TermsVersion | None:
    """The terms in force (`terms.terms_in_force`), else the latest draft
    (`terms.terms_latest`); the versions are read newest first."""
    versions = lcspr.api_versions
    return next((v for v in versions if v.api_crg_agreed or v.minor_accepted_at), None) or next(
        iter(versions), None
    )


def listed_reviewer_appointed(lcspr: Lcspr) -> bool:
    """`setup.team(...).has_reviewer` (§6.1.1)."""
    return any(a.role == AppointmentRole.REVIEWER for a in lcspr.api_appointments)


def listed_partners_missing(lcspr: Lcspr) -> list[str]:
    """The Safeguarding Partners' kinds no current Panel member represents (§6.2.1), as
    `setup.team(...).partners_missing` (which gives their labels)."""
    represented = {
        a.agency.kind
        for a in lcspr.api_appointments
        if a.role == AppointmentRole.PANEL_MEMBER and a.agency is not None
    }
    return [str(kind) for kind in sorted(SAFEGUARDING_PARTNER_KINDS) if kind not in represented]


def listed_parallel_kinds(lcspr: Lcspr) -> list[str]:
    """The kinds of `terms.parallel_processes` (§5.6), oldest first."""
    return [p.kind for p in lcspr.api_processes]


def listed_delay_notices(lcspr: Lcspr) -> list[date]:
    """As `clock.delay_notices_sent`: the dates the delay notices were sent (§3.1.3)."""
    sent = sorted(
        (n for d in lcspr.api_delays for n in d.api_notices), key=lambda n: (n.sent_at, n.pk)
    )
    return [timezone.localdate(n.sent_at) for n in sent]


def listed_at_risk(lcspr: Lcspr, *, today: date | None = None) -> bool:
    """As `clock.at_risk` and `clock.at_risk_filter`: `reviews.rules.six_month_at_risk`
    of the prefetched delays and six-month deadline."""
    return six_month_at_risk(
        delays=lcspr.api_delays,
        deadline=listed_lcspr_complete(lcspr),
        today=today or timezone.localdate(),
    )


def listed_next_milestone(lcspr: Lcspr) -> Milestone | None:
    """As `panel.next_milestone`: the next milestone not cancelled nor done, from today on
    (§5.8)."""
    return next(iter(lcspr.api_milestones_ahead), None)
