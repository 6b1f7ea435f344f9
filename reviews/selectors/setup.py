"""Setting up the review and its people (§1.4.5, §1.5.8, §6): what the LCSPR page's tasks
and summary say of them, the dashboard's "make your declarations", and the reads of the
set-up pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse

from cases import dashboard
from cases.models import SAFEGUARDING_PARTNER_KINDS, AgencyKind, Membership, Stage, User
from cases.permissions import Action
from cases.tenancy import Scope
from reviews import workspace
from reviews.models import Appointment, AppointmentRole, Lcspr, PoliceLiaison, ReviewBasis
from reviews.workspace import SummaryRow, Task, TaskState, TaskStatus

NO_REVIEWER = "The review has no Reviewer yet (§6.1.1)."


def current_appointments(lcspr: Lcspr):
    """The review's current appointments, the Reviewer first. Read for the partnership:
    the page that shows them has already checked the scope may see the review."""
    return (
        Appointment.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, ended_on=None)
        .select_related("user", "agency")
        .order_by("role", "appointed_on", "id")
    )


def ended_appointments(lcspr: Lcspr):
    return (
        Appointment.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .exclude(ended_on=None)
        .select_related("user", "agency")
        .order_by("-ended_on", "-id")
    )


@dataclass(frozen=True)
class Team:
    reviewers: list[Appointment]
    panel: list[Appointment]
    partners_missing: list[str]  # the Safeguarding Partners no Panel member represents
    undeclared: list[Appointment]

    @property
    def has_reviewer(self) -> bool:
        return bool(self.reviewers)

    @property
    def problems(self) -> list[str]:
        """What stops the review having its people (§6.1.1, §6.2.1), in plain words."""
        found = [] if self.has_reviewer else [NO_REVIEWER]
        if self.partners_missing:
            found.append(
                "The Case Review Panel has no representative of "
                + _and(self.partners_missing)
                + " (§6.2.1: each Safeguarding Partner is represented)."
            )
        return found


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def team(lcspr: Lcspr) -> Team:
    appointments = list(current_appointments(lcspr))
    panel = [a for a in appointments if a.role == AppointmentRole.PANEL_MEMBER]
    represented = {a.agency.kind for a in panel if a.agency is not None}
    missing = [
        AgencyKind(kind).label
        for kind in sorted(SAFEGUARDING_PARTNER_KINDS)
        if kind not in represented
    ]
    return Team(
        reviewers=[a for a in appointments if a.role == AppointmentRole.REVIEWER],
        panel=panel,
        partners_missing=missing,
        undeclared=[a for a in appointments if not a.is_declared],
    )


def candidates(*, lcspr: Lcspr, role: str):
    """Who may be appointed in `role`: the partnership's active members with that role
    (the partnership admin adds them), less those already appointed."""
    partnership = lcspr.case.partnership
    appointed = current_appointments(lcspr).values_list("user_id", flat=True)
    return (
        User.objects.filter(
            is_active=True,
            memberships__partnership=partnership,
            memberships__role=role,
            memberships__is_active=True,
        )
        .exclude(pk__in=list(appointed))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def partnership_admins(*, lcspr: Lcspr) -> list[str]:
    """Who can add a Reviewer or Panel member account: the partnership admins, by name."""
    from cases.models import Role

    return [
        m.user.get_full_name() or m.user.username
        for m in Membership.objects.filter(
            partnership=lcspr.case.partnership,
            role=Role.PARTNERSHIP_ADMIN,
            is_active=True,
            user__is_active=True,
        ).select_related("user")
    ]


def own_appointment(*, scope: Scope, reference: str) -> Appointment:
    """The scope's user's current appointment to this case's review, declared or not: the
    declaration page's read, which must work before the case opens to them (§1.5.8)."""
    if scope.partnership is None:
        raise Http404("No appointment.")
    appointment = (
        Appointment.objects.for_partnership(scope.partnership)
        .filter(lcspr__case__reference=reference, user=scope.user, ended_on=None)
        .select_related("lcspr__case__partnership")
        .first()
    )
    if appointment is None:
        raise Http404("You are not appointed to this review.")
    return appointment


POLICE_LIAISON_WRITERS = (
    "Only the Business Office, the review's Reviewer or its Panel member for the Police "
    "records the Police liaison (§6.2.3); others on the review team read it."
)


def police_liaison_writer(*, user: User, lcspr: Lcspr, role: str | None = None) -> bool:
    """§6.2.3: "The Police representative will be responsible for liaising with the Senior
    Investigating Officer, Crown Prosecution Service...": the record is written by the
    Business Office, the review's Reviewer, or its Panel member who represents a Police
    agency (each through a current, declared appointment); everybody else on the review
    team only reads it. `role`: the role the user acts through (a page's scope), or None
    for any of their roles in the partnership (a service's check)."""
    from cases.models import Role

    partnership = lcspr.case.partnership
    if (
        role in (None, Role.BUSINESS_OFFICE)
        and Membership.objects.filter(
            user=user,
            partnership=partnership,
            role=Role.BUSINESS_OFFICE,
            is_active=True,
            user__is_active=True,
        ).exists()
    ):
        return True
    if role is not None and role not in (Role.REVIEWER, Role.PANEL_MEMBER):
        return False
    appointments = Appointment.objects.for_partnership(partnership).filter(
        lcspr=lcspr, user=user, ended_on=None, declared_at__isnull=False
    )
    if role is not None:
        appointments = appointments.filter(role=role)
    return appointments.filter(
        Q(role=AppointmentRole.REVIEWER)
        | Q(role=AppointmentRole.PANEL_MEMBER, agency__kind=AgencyKind.POLICE)
    ).exists()


def police_liaison(lcspr: Lcspr) -> PoliceLiaison | None:
    return PoliceLiaison.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr).first()


# The LCSPR page's tasks and summary (reviews/workspace.py).


def _setup_status(lcspr: Lcspr) -> TaskStatus:
    if lcspr.basis_complete:
        return TaskStatus(TaskState.COMPLETED, lcspr.get_basis_display())
    if lcspr.basis == ReviewBasis.LEARNING:
        return TaskStatus(
            TaskState.IN_PROGRESS, "Record the learning the case raises and the CRG's reason"
        )
    return TaskStatus(TaskState.NOT_STARTED, "Record the basis of the review (§1.4.5)")


def _team_status(lcspr: Lcspr) -> TaskStatus:
    found = team(lcspr)
    if not found.reviewers and not found.panel:
        return TaskStatus(TaskState.NOT_STARTED, "No Reviewer or Panel member appointed yet")
    if found.problems:
        return TaskStatus(TaskState.ATTENTION, " ".join(found.problems))
    if found.undeclared:
        return TaskStatus(
            TaskState.IN_PROGRESS,
            f"{len(found.undeclared)} appointed "
            f"{'person has' if len(found.undeclared) == 1 else 'people have'} still to declare "
            "(§1.5.8)",
        )
    return TaskStatus(TaskState.COMPLETED, "")


workspace.register(
    Task(
        order=10,
        key="setup",
        title="Set up the review",
        url_name="lcspr_setup",
        status=_setup_status,
    )
)
workspace.register(
    Task(
        order=30,
        key="appointments",
        title="Appoint the reviewer and panel",
        url_name="lcspr_appointments",
        status=_team_status,
    )
)


@workspace.register_summary
def _summary(lcspr: Lcspr) -> list[SummaryRow]:
    if lcspr.basis == ReviewBasis.LEARNING:
        basis = "Not serious, reviewed for its learning (§1.4.5)"
        hint = lcspr.get_learning_kind_display() if lcspr.learning_kind else "Learning not recorded"
    elif lcspr.basis == ReviewBasis.SERIOUS:
        basis, hint = "A serious child safeguarding case", ""
    else:
        basis, hint = "Not recorded yet", "The Business Office records it under Set up the review"
    found = team(lcspr)
    reviewer = (
        ", ".join(a.user.get_full_name() or a.user.username for a in found.reviewers)
        or "None appointed yet"
    )
    panel_hint = (
        "No representative of " + _and(found.partners_missing)
        if found.partners_missing
        else "Every Safeguarding Partner is represented"
    )
    count = len(found.panel)
    return [
        SummaryRow(10, "Basis", basis, hint),
        SummaryRow(30, "Reviewer", reviewer),
        SummaryRow(31, "Panel", f"{count} member{'' if count == 1 else 's'}", panel_hint),
    ]


@dashboard.register_work
def _declarations_due(scope: Scope) -> list[dashboard.WorkItem]:
    """The appointee's "Make your declarations for case X" (§1.5.8)."""
    if scope.partnership is None:
        return []
    undeclared = (
        Appointment.objects.for_partnership(scope.partnership)
        .filter(user=scope.user, ended_on=None, declared_at=None)
        .select_related("lcspr__case")
        .only("id", "lcspr__case__reference")
        .order_by("appointed_on", "id")
    )
    return [
        dashboard.WorkItem(
            case_reference=a.lcspr.case.reference,
            text=f"Make your declarations for case {a.lcspr.case.reference}",
            url=reverse("lcspr_declaration", kwargs={"reference": a.lcspr.case.reference}),
        )
        for a in undeclared
    ]


@dashboard.register_bounded_work
def _reviews_to_set_up(scope: Scope, *, limit: int | None = None) -> dashboard.WorkList:
    """The office's and the chair's: reviews still without a recorded basis (§1.4.5) or a
    Reviewer (§6.1.1), so that no review stalls unnoticed. At most `limit` reviews' items,
    by case reference (`dashboard.work_order`: they have no due date), and how many
    items there are in all (issue 18: at scale there are a thousand)."""
    if not scope.can(Action.MANAGE_REVIEW):
        return dashboard.WorkList([], 0)
    to_set_up = (
        Lcspr.objects.visible_to(scope)
        .filter(case__stage=Stage.LCSPR)
        .annotate(
            has_reviewer=Exists(
                Appointment.objects.visible_to(scope).filter(
                    role=AppointmentRole.REVIEWER, ended_on=None, lcspr=OuterRef("pk")
                )
            )
        )
        .filter(Q(basis="") | Q(has_reviewer=False))
    )
    counts = to_set_up.aggregate(
        no_basis=Count("pk", filter=Q(basis="")),
        no_reviewer=Count("pk", filter=Q(has_reviewer=False)),
    )
    rows = (
        to_set_up.select_related("case")
        .only("id", "basis", "case__reference")
        .order_by("case__reference", "id")
    )
    if limit is not None:
        rows = rows[:limit]  # each gives one item or two: at least `limit` items
    items = []
    for lcspr in rows:
        reference = lcspr.case.reference
        if not lcspr.basis:
            items.append(
                dashboard.WorkItem(
                    case_reference=reference,
                    text=f"Record the basis of the review of case {reference}",
                    url=reverse("lcspr_setup", kwargs={"reference": reference}),
                )
            )
        if not lcspr.has_reviewer:
            items.append(
                dashboard.WorkItem(
                    case_reference=reference,
                    text=f"Appoint the Reviewer of case {reference}",
                    url=reverse("lcspr_appointments", kwargs={"reference": reference}),
                )
            )
    return dashboard.WorkList(items, counts["no_basis"] + counts["no_reviewer"])


@dashboard.register_work
def _conflicts_to_decide(scope: Scope) -> list[dashboard.WorkItem]:
    """The office's and the chair's: conflicts of interest declared by a review's people,
    until the Business Office records that the person continues or ends the appointment
    (§1.5.8)."""
    if not scope.can(Action.MANAGE_REVIEW):
        return []
    conflicted = (
        Appointment.objects.visible_to(scope)
        .filter(
            ended_on=None,
            has_conflict=True,
            declared_at__isnull=False,
            conflict_decided_at=None,
        )
        .select_related("lcspr__case")
        .order_by("declared_at", "id")
    )
    return [
        dashboard.WorkItem(
            case_reference=a.lcspr.case.reference,
            text=f"Case {a.lcspr.case.reference}: a conflict of interest declared by the "
            f"review's {a.get_role_display()}: decide whether they continue",
            url=reverse("lcspr_appointments", kwargs={"reference": a.lcspr.case.reference}),
        )
        for a in conflicted
    ]
