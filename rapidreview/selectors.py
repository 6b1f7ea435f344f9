"""Tenant-scoped reads of the CRG calendar and Rapid Reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from cases import selectors as case_selectors
from cases.dates import format_date, format_time
from cases.meetings import ScheduledMeeting
from cases.models import (
    Agency,
    Case,
    CombinedSummary,
    Deadline,
    Membership,
    Partnership,
    Role,
    Stage,
)
from cases.permissions import Action
from cases.tenancy import Scope
from cases.timescales import DECISION_NOTIFIED
from rapidreview.models import (
    AdviceKind,
    Attendance,
    CareDeathDecision,
    CrgMeeting,
    Delivery,
    ImmediateAction,
    Invitation,
    MeetingKind,
    OutcomeNotice,
    RapidReview,
    ScrutineerAdvice,
    SignOff,
    SignOffRole,
)
from rapidreview.quorum import Quorum, quorum
from rapidreview.rules import (
    DECIDING_STAGES,
    MEMBER_INVITEE_ROLES,
    PARTNER_ROLES,
    sign_off_roles_for,
)

# How far past the window's end the meeting choice still offers dates (with a reason).
OFFER_BEYOND_WINDOW = timedelta(days=31)


def calendar(*, scope: Scope, since: date) -> QuerySet[CrgMeeting]:
    """The partnership's CRG meetings from `since` on, soonest first."""
    return CrgMeeting.objects.visible_to(scope).filter(held_on__gte=since)


def scheduled_meetings_after(partnership: Partnership, day: date) -> list[ScheduledMeeting]:
    """The partnership's scheduled (monthly) CRG meetings after `day` that are not
    cancelled: where a referral is first discussed and then decided (§4.4.1, §4.9)."""
    meetings = CrgMeeting.objects.for_partnership(partnership).filter(
        kind=MeetingKind.MONTHLY, held_on__gt=day, cancelled_at__isnull=True
    )
    return [
        ScheduledMeeting(
            held_on=m.held_on,
            label=", ".join(
                part
                for part in (
                    format_date(m.held_on, weekday=True),
                    format_time(m.starts_at) if m.starts_at else "",
                    m.location,
                )
                if part
            ),
        )
        for m in meetings
    ]


def meeting_get(*, scope: Scope, pk: int) -> CrgMeeting:
    try:
        return CrgMeeting.objects.visible_to(scope).get(pk=pk)
    except CrgMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def meetings_in_use(*, scope: Scope, meetings) -> dict[int, list[str]]:
    """For each meeting, the references of the Rapid Reviews set for it."""
    used: dict[int, list[str]] = {}
    reviews = RapidReview.objects.visible_to(scope).filter(
        Q(meeting__in=meetings) | Q(parameters_meeting__in=meetings)
    )
    for meeting_id, parameters_id, reference in reviews.values_list(
        "meeting_id", "parameters_meeting_id", "case__reference"
    ):
        for used_id in {meeting_id, parameters_id} - {None}:
            used.setdefault(used_id, []).append(reference)
    return used


def meeting_window(*, case: Case) -> tuple[date, date] | None:
    """When the deciding meeting may be held, from the case's own deadlines: the 7-13
    working-day window of a Rapid Review (§4.4.2), or for a referral without a
    notification, from its receipt to the two-month decision deadline (§4.9)."""
    deadlines = Deadline.objects.for_partnership(case.partnership).filter(case=case)
    if case.stage == Stage.REFERRAL_DECISION:
        decision = deadlines.filter(kind="referral_decision").values_list("event_date", "due_date")
        return tuple(decision[0]) if decision else None
    latest = deadlines.filter(kind="rapid_review_meeting_latest").values_list(
        "window_start", "due_date"
    )
    return tuple(latest[0]) if latest and latest[0][0] else None


def rapid_review(*, case: Case) -> RapidReview | None:
    return (
        RapidReview.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("meeting", "parameters_meeting", "meeting_set_by")
        .first()
    )


@dataclass(frozen=True)
class MeetingOption:
    meeting: CrgMeeting
    in_window: bool


def meeting_options(*, case: Case, today: date) -> tuple[tuple[date, date] | None, list]:
    """The window, and the partnership's meetings a Rapid Review could be set for: the
    scheduled and diarised dates inside the window first (§4.4.1, §4.4.2). A referral
    is decided at a scheduled monthly meeting before its two-month deadline (§4.9)."""
    window = meeting_window(case=case)
    until = (window[1] if window else today) + OFFER_BEYOND_WINDOW
    meetings = (
        CrgMeeting.objects.for_partnership(case.partnership)
        .filter(held_on__gte=today, held_on__lte=until, cancelled_at__isnull=True)
        .exclude(kind=MeetingKind.REQUEST_PARAMETERS)
    )
    if case.stage == Stage.REFERRAL_DECISION:  # §4.9: at a scheduled CRG meeting
        meetings = meetings.filter(kind=MeetingKind.MONTHLY)
    options = [
        MeetingOption(m, window is not None and window[0] <= m.held_on <= window[1])
        for m in meetings
    ]
    return window, sorted(options, key=lambda o: (not o.in_window, o.meeting.held_on))


def attendance(*, meeting: CrgMeeting) -> list[Attendance]:
    return list(
        Attendance.objects.for_partnership(meeting.partnership)
        .filter(meeting=meeting)
        .select_related("agency")
    )


def meeting_quorum(*, attendances: list[Attendance]) -> Quorum:
    """§4.6.1, from the agencies of those present who take part in the decision: someone
    who declared a conflict and took no part is left out (§1.5.8)."""
    return quorum({a.agency_id: a.agency.kind for a in attendances if a.counts_for_quorum})


@dataclass(frozen=True)
class Attendee:
    name: str
    agency: Agency | None
    label: str


def attendee_people(*, meeting: CrgMeeting) -> dict[int, Attendee]:
    """The people with an account who may be recorded at the meeting: the partnership's
    CRG chair, members and Independent Scrutineer, and the portal users of the agencies
    invited to a Rapid Review decided at it (§4.5.2, §4.6.1)."""
    people: dict[int, Attendee] = {}
    members = (
        Membership.objects.filter(
            partnership=meeting.partnership,
            role__in=MEMBER_INVITEE_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user", "represents")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    for membership in members:
        user = membership.user
        name = user.get_full_name() or user.username
        role = membership.get_role_display()
        if membership.represents:
            role += f", {membership.represents.name}"
        people.setdefault(user.pk, Attendee(name, membership.represents, f"{name} ({role})"))
    invited = Invitation.objects.for_partnership(meeting.partnership).filter(
        review__meeting=meeting, agency__isnull=False
    )
    portal_users = (
        Membership.objects.filter(
            agency__in=invited.values("agency"),
            role=Role.AGENCY_USER,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__username")
    )
    for membership in portal_users:
        user = membership.user
        name = user.get_full_name() or user.username
        people.setdefault(
            user.pk, Attendee(name, membership.agency, f"{name} ({membership.agency.name})")
        )
    return people


def withdrawn_from_decision(
    *, review: RapidReview, attendances: Sequence[Attendance] | None = None
) -> set[int]:
    """The users who declared a conflict at the deciding meeting and took no part.
    `attendances`, the deciding meeting's, when the caller has read them already."""
    if review.meeting_id is None:
        return set()
    if attendances is None:
        attendances = attendance(meeting=review.meeting)
    return {a.user_id for a in attendances if a.withdrew_from_decision}


def sign_off_roles_needed(
    review: RapidReview, *, attendances: Sequence[Attendance] | None = None
) -> list[str]:
    """The chair, and each Safeguarding Partner represented at the meeting (§4.6.1) by
    someone who took part in the decision: one who declared a conflict and took no part
    does not sign (§1.5.8), so their agency is not waited for. `attendances`, the deciding
    meeting's, when the caller has read them already."""
    if review.meeting_id is None:
        return sign_off_roles_for(set())
    if attendances is None:
        attendances = attendance(meeting=review.meeting)
    return sign_off_roles_for({a.agency.kind for a in attendances if a.counts_for_quorum})


def represented_partners(user, partnership) -> set[str]:
    """The Safeguarding Partner roles a CRG member may confirm for: the partner agency
    their membership says they represent (§4.6.1)."""
    kinds = Membership.objects.filter(
        user=user,
        partnership=partnership,
        role=Role.CRG_MEMBER,
        is_active=True,
        represents__isnull=False,
    ).values_list("represents__kind", flat=True)
    return {PARTNER_ROLES[kind] for kind in kinds if kind in PARTNER_ROLES}


@dataclass(frozen=True)
class SignOffReadiness:
    ready: bool
    missing: list[str]


def sign_off_readiness(
    review: RapidReview, *, has_actions: bool | None = None, summary_agreed: bool | None = None
) -> SignOffReadiness:
    """What must be in the record before anyone signs it. `has_actions` and
    `summary_agreed`, when the caller has read them already (`sign_offs_waiting` annotates
    them on every review in one query)."""
    missing = []
    if not review.decision:
        missing.append("the decision, with its rationale against each criterion (§4.6.2)")
    if not review.facts_reviewed:
        missing.append("the facts reviewed (§4.6.2)")
    if not review.improvement_potential:
        missing.append("the potential for identifying improvements (§4.6.2)")
    if not review.no_immediate_action:
        if has_actions is None:
            has_actions = review.actions.exists()
        if not has_actions:
            missing.append("the immediate safety actions agreed, or that none is needed (§4.6.2)")
    if summary_agreed is None:
        summary_agreed = (
            CombinedSummary.objects.for_partnership(review.case.partnership)
            .filter(case=review.case, sections_agreed_on__isnull=False)
            .exists()
        )
    if not summary_agreed:
        missing.append("sections 2 and 3 of the Combined Summary agreed (§4.6.3)")
    return SignOffReadiness(ready=not missing, missing=missing)


def eligible_signers(*, review: RapidReview) -> dict[str, list]:
    """For each signature the decision needs, the people with an account who can give it:
    the partnership's CRG chairs, and the CRG members who represent each Safeguarding
    Partner present (§4.6.1). An empty list is a sign-off that would stall."""
    signers: dict[str, list] = {role: [] for role in sign_off_roles_needed(review)}
    memberships = (
        Membership.objects.filter(
            partnership=review.case.partnership, is_active=True, user__is_active=True
        )
        .filter(
            Q(role=Role.CRG_CHAIR) | Q(role=Role.CRG_MEMBER, represents__kind__in=PARTNER_ROLES)
        )
        .select_related("user", "represents")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    withdrawn = withdrawn_from_decision(review=review)
    for membership in memberships:
        if membership.user_id in withdrawn:
            continue  # a conflict kept them out of the decision: they do not sign (§1.5.8)
        if membership.role == Role.CRG_CHAIR:
            role = SignOffRole.CHAIR
        else:
            role = PARTNER_ROLES[membership.represents.kind]
        if role in signers and membership.user not in signers[role]:
            signers[role].append(membership.user)
    return signers


def sign_offs_waiting(*, scope: Scope) -> list[tuple[RapidReview, list[str]]]:
    """The decisions waiting for this person's signature, with the roles they sign for."""
    if scope.partnership is None or not (
        scope.can(Action.APPROVE_DECISION) or scope.can(Action.CONFIRM_DECISION)
    ):
        return []
    represented = (
        represented_partners(scope.user, scope.partnership)
        if scope.can(Action.CONFIRM_DECISION)
        else set()
    )
    reviews = (
        RapidReview.objects.visible_to(scope)
        .filter(signed_off_at__isnull=True, meeting__isnull=False, case__withdrawn_at__isnull=True)
        .exclude(decision="")
        .select_related("case", "meeting")
        # What the lists show and sign_off_readiness reads, not every column of the review,
        # its case, its partnership and its meeting (issue 18).
        .only(
            "id",
            "case__reference",
            "case__partnership",
            "meeting__held_on",
            "decision",
            "decided_on",
            "facts_reviewed",
            "improvement_potential",
            "no_immediate_action",
        )
        .prefetch_related(
            Prefetch("sign_offs", queryset=SignOff.objects.visible_to(scope), to_attr="signed")
        )
        # sign_off_readiness's two reads, for every review at once (issue 18: these and the
        # meetings' attendance were five queries per review waiting). The reviews are the
        # scope's partnership's, so these reads are too, as sign_off_readiness's own are.
        .annotate(
            has_actions=Exists(
                ImmediateAction.objects.for_partnership(scope.partnership).filter(
                    review=OuterRef("pk")
                )
            ),
            summary_agreed=Exists(
                CombinedSummary.objects.for_partnership(scope.partnership).filter(
                    case=OuterRef("case"), sections_agreed_on__isnull=False
                )
            ),
        )
        .order_by("meeting__held_on", "id")
    )
    reviews = list(reviews)
    by_meeting: dict[int, list[Attendance]] = {review.meeting_id: [] for review in reviews}
    if by_meeting:
        for row in (
            Attendance.objects.for_partnership(scope.partnership)
            .filter(meeting_id__in=by_meeting)
            .select_related("agency")
        ):
            by_meeting[row.meeting_id].append(row)
    waiting = []
    for review in reviews:
        attendances = by_meeting[review.meeting_id]
        if scope.user.pk in withdrawn_from_decision(review=review, attendances=attendances):
            continue
        signed = {s.role: s for s in review.signed}
        if any(s.user_id == scope.user.pk and not s.on_behalf_reason for s in review.signed):
            continue
        roles = [
            role
            for role in sign_off_roles_needed(review, attendances=attendances)
            if role not in signed
            and (
                role in represented
                or (role == SignOffRole.CHAIR and scope.can(Action.APPROVE_DECISION))
            )
        ]
        readiness = sign_off_readiness(
            review, has_actions=review.has_actions, summary_agreed=review.summary_agreed
        )
        if roles and readiness.ready:
            waiting.append((review, roles))
    return waiting


def scrutineer_advice_awaited(review: RapidReview | None) -> str:
    """Why the page must warn: the Scrutineer cannot attend and their written advice has
    not arrived (§4.7.4); empty when nothing is awaited."""
    if review is None or review.scrutineer_attending is not False or review.decision:
        return ""
    written = ScrutineerAdvice.objects.for_partnership(review.case.partnership).filter(
        review=review, kind=AdviceKind.WRITTEN_BEFORE
    )
    if written.exists():
        return ""
    return (
        "The Independent Scrutineer cannot attend, and their written advice has not "
        "arrived: it is due before the meeting on "
        f"{format_date(review.meeting.held_on, weekday=True)} (§4.7.4)."
    )


def scrutineers(partnership) -> list:
    """The partnership's Independent Scrutineers with an account."""
    return [
        m.user
        for m in Membership.objects.filter(
            partnership=partnership,
            role=Role.INDEPENDENT_SCRUTINEER,
            is_active=True,
            user__is_active=True,
        ).select_related("user")
    ]


def my_invitations(*, scope: Scope) -> list[Invitation]:
    """The papers sent to this person by name for meetings whose decision is not yet
    signed off (the papers close then): a CRG member's, the chair's or the Independent
    Scrutineer's (§4.5.2, §4.7.1)."""
    if scope.partnership is None:
        return []
    return list(
        Invitation.objects.visible_to(scope)
        .filter(
            user=scope.user,
            review__signed_off_at__isnull=True,
            review__case__withdrawn_at__isnull=True,
        )
        .select_related("review__case", "review__meeting")
        .only(  # what the dashboard's table shows (issue 18)
            "id",
            "opened_count",
            "review__case__reference",
            "review__meeting__held_on",
            "review__meeting__starts_at",
            "review__meeting__location",
        )
        .order_by("review__meeting__held_on", "id")
    )


def attendance_get(*, scope: Scope, pk: int) -> Attendance:
    try:
        return (
            Attendance.objects.visible_to(scope).select_related("meeting__partnership").get(pk=pk)
        )
    except Attendance.DoesNotExist:
        raise Http404("No such attendance.") from None


@dataclass(frozen=True)
class Task:
    """One line of the Rapid Review's task list (GOV.UK task list pattern)."""

    key: str
    name: str
    url_name: str
    status: str
    colour: str = ""  # a GOV.UK tag colour; empty for "Completed" in plain text
    hint: str = ""
    can_start: bool = True


def rapid_review_tasks(*, case: Case, review: RapidReview | None) -> list[Task]:
    """What the Business Office, the chair and the partners do, in order, with how far
    each has gone (§4.4-4.8; §4.9 for a referral)."""
    partnership = case.partnership
    meeting = review.meeting if review else None
    done = "Completed"
    tasks = [
        Task(
            "meeting",
            "Set the meeting date",
            "case_rapid_review",
            done if meeting else "Not started",
            "" if meeting else "blue",
            format_date(meeting.held_on) if meeting else "§4.4.2",
        )
    ]
    invited = (
        Invitation.objects.for_partnership(partnership).filter(review=review).count()
        if review
        else 0
    )
    tasks.append(
        Task(
            "papers",
            "Send the papers and invitations",
            "rapid_review_papers",
            f"{invited} invited" if invited else "Not started",
            "green" if invited else "blue",
            "§4.5.2, §4.7.1",
            can_start=meeting is not None,
        )
    )
    if meeting:
        q = meeting_quorum(attendances=attendance(meeting=meeting))
        status, colour = ("Quorate", "green") if q.quorate else ("Not quorate", "red")
    else:
        status, colour = "Cannot start yet", ""
    tasks.append(
        Task(
            "attendance",
            "Attendance, declarations and quorum",
            "meeting_detail",
            status,
            colour,
            "§4.6.1, §1.5.8",
            can_start=meeting is not None,
        )
    )
    advice = (
        ScrutineerAdvice.objects.for_partnership(partnership).filter(review=review).count()
        if review
        else 0
    )
    awaited = scrutineer_advice_awaited(review)
    if awaited:
        status, colour = "Written advice awaited", "red"
    else:
        status, colour = (f"{advice} recorded", "green") if advice else ("Not started", "blue")
    tasks.append(
        Task(
            "scrutineer",
            "Independent Scrutineer's advice",
            "rapid_review_scrutineer",
            status,
            colour,
            "§4.7",
            can_start=meeting is not None,
        )
    )
    recorded = bool(review and review.facts_reviewed and review.improvement_potential)
    tasks.append(
        Task(
            "record",
            "Facts, immediate learning and potential to improve",
            "rapid_review_record",
            done if recorded else "Not started",
            "" if recorded else "blue",
            "§4.6.2",
            can_start=meeting is not None,
        )
    )
    actions = list(review.actions.values_list("done_on", flat=True)) if review else []
    open_actions = sum(1 for d in actions if d is None)
    if open_actions:
        status, colour = f"{open_actions} open", "yellow"
    elif actions:
        status, colour = "All done", ""
    elif review and review.no_immediate_action:
        status, colour = "None needed", ""
    else:
        status, colour = "Not started", "blue"
    tasks.append(
        Task(
            "actions",
            "Immediate safety actions",
            "rapid_review_actions",
            status,
            colour,
            "§4.6.2",
            can_start=meeting is not None,
        )
    )
    agreed = CombinedSummary.objects.for_partnership(partnership).filter(
        case=case, sections_agreed_on__isnull=False
    )
    tasks.append(
        Task(
            "sections",
            "Combined Summary sections 2 and 3",
            "rapid_review_sections",
            done if agreed.exists() else "Not started",
            "" if agreed.exists() else "blue",
            "§4.6.3",
            can_start=meeting is not None,
        )
    )
    decision = review.get_decision_display() if review and review.decision else ""
    tasks.append(
        Task(
            "decision",
            "The decision, against the §1.4 criteria",
            "rapid_review_decision",
            "Recorded" if decision else "Not started",
            "green" if decision else "blue",
            decision or "§4.6.2, §1.4.1, §1.4.2",
            can_start=meeting is not None,
        )
    )
    if review and review.is_signed_off:
        status, colour = "Signed off", ""
    elif decision:
        needed = sign_off_roles_needed(review)
        signed = SignOff.objects.for_partnership(partnership).filter(review=review).count()
        status, colour = f"{signed} of {len(needed)} signed", "yellow"
    else:
        status, colour = "Cannot start yet", ""
    tasks.append(
        Task(
            "sign_off",
            "Sign-off by the chair and the Safeguarding Partners",
            "rapid_review_sign_off",
            status,
            colour,
            can_start=bool(decision),
        )
    )
    signed_off = bool(review and review.is_signed_off)
    if not signed_off:
        status, colour = "Cannot start yet", ""
    elif review.report_sent_on and review.outcomes_sent_at and review.decision_notified_on:
        status, colour = done, ""
    else:
        status, colour = "In progress", "light-blue"
    tasks.append(
        Task(
            "after",
            "Report to the National Panel and outcome to agencies",
            "rapid_review_after",
            status,
            colour,
            "§4.8, §1.6.3",
            can_start=signed_off,
        )
    )
    return tasks


# --- The meeting's papers and the outcome (§4.5, §4.8) ------------------------------------


def _deliveries(partnership) -> Prefetch:
    return Prefetch(
        "deliveries",
        queryset=Delivery.objects.for_partnership(partnership).select_related(
            "recipient", "recorded_by"
        ),
    )


def invitations(review: RapidReview | None) -> list[Invitation]:
    if review is None:
        return []
    return list(
        Invitation.objects.for_partnership(review.case.partnership)
        .filter(review=review)
        .select_related("agency", "user", "sent_by")
        .prefetch_related(_deliveries(review.case.partnership))
        .order_by("kind", "agency__name", "user__last_name", "user__username", "id")
    )


def invitee_roles(partnership, user_ids) -> dict[int, list[str]]:
    """Each invited person's CRG roles in the partnership, as labels."""
    roles: dict[int, list[str]] = {}
    for membership in Membership.objects.filter(
        partnership=partnership, user_id__in=user_ids, role__in=MEMBER_INVITEE_ROLES
    ).order_by("role"):
        roles.setdefault(membership.user_id, []).append(membership.get_role_display())
    return roles


def invitable_people(partnership, exclude) -> list[tuple[int, str]]:
    """The partnership's active CRG chair, members and Independent Scrutineer: (id, label)."""
    memberships = (
        Membership.objects.filter(
            partnership=partnership,
            role__in=MEMBER_INVITEE_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user_id__in=exclude)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    people: dict[int, tuple[str, list[str]]] = {}
    for membership in memberships:
        name, roles = people.setdefault(membership.user_id, (str(membership.user), []))
        roles.append(membership.get_role_display())
    return [(pk, f"{name} ({', '.join(roles)})") for pk, (name, roles) in people.items()]


def invitation_get(*, scope: Scope, pk: int) -> Invitation:
    """An invitation to the scope's own agency, or one addressed to the user themselves;
    any other answers 404, never 403."""
    invitations = Invitation.objects.visible_to(scope).select_related(
        "review__case__partnership", "review__meeting", "agency", "user"
    )
    if scope.agency is None:
        invitations = invitations.filter(user=scope.user)
    try:
        return invitations.get(pk=pk)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def outcome_get(*, scope: Scope, pk: int) -> OutcomeNotice:
    if scope.agency is None:
        raise Http404("No such outcome.")
    try:
        return (
            OutcomeNotice.objects.visible_to(scope)
            .select_related("review__case__partnership", "agency")
            .get(pk=pk)
        )
    except OutcomeNotice.DoesNotExist:
        raise Http404("No such outcome.") from None


def report_deadline(case: Case) -> Deadline | None:
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind="rapid_review_complete")
        .select_related("case__partnership")
        .first()
    )


def decision_notified_deadline(case: Case) -> Deadline | None:
    """When the decision is due to be notified to the National Panel (§1.6.3)."""
    return (
        Deadline.objects.for_partnership(case.partnership)
        .filter(case=case, kind__in=DECISION_NOTIFIED)
        .select_related("case__partnership")
        .first()
    )


def portal_invitations(*, scope: Scope, today: date) -> QuerySet[Invitation]:
    """The agency's invitations to Rapid Review meetings: the meetings to come, soonest
    first; then those without a date; then the meetings held, the latest first. Ordered in
    the database and without the meetings' records, so that a page of them is read at a
    time (issue 18); `with_meeting_states` tells how soon each is."""
    held_on = F("review__meeting__held_on")
    return (
        case_selectors.without_text_columns(
            Invitation.objects.visible_to(scope).select_related(
                "review__case__partnership", "review__meeting"
            ),
            "review",
            "review__case",
        )
        .annotate(
            meeting_group=models.Case(
                models.When(review__meeting__isnull=True, then=models.Value(1)),
                models.When(review__meeting__held_on__lt=today, then=models.Value(2)),
                default=models.Value(0),
            ),
            coming_on=models.Case(models.When(review__meeting__held_on__gte=today, then=held_on)),
            held_before=models.Case(models.When(review__meeting__held_on__lt=today, then=held_on)),
        )
        .order_by(
            "meeting_group",
            F("coming_on").asc(nulls_last=True),
            F("held_before").desc(nulls_last=True),
            "pk",
        )
    )


def with_meeting_states(invitations, *, today: date) -> list[Invitation]:
    """The invitations, each with its `due_state`: "due soon" when its papers must be read
    within DUE_SOON_WORKING_DAYS working days, "held" once the meeting is past; one query
    of closure days whatever their number."""
    invitations = list(invitations)
    calendars = case_selectors.working_calendars(
        partnership_ids={invitation.review.case.partnership_id for invitation in invitations}
    )
    for invitation in invitations:
        meeting = invitation.review.meeting
        if meeting is None:
            invitation.due_state = ""
        elif meeting.held_on < today:
            invitation.due_state = "held"
        else:
            invitation.due_state = case_selectors.due_state(
                due=meeting.held_on,
                today=today,
                cal=calendars[invitation.review.case.partnership_id],
            )
    return invitations


def portal_outcomes(*, scope: Scope) -> QuerySet[OutcomeNotice]:
    """The outcomes sent to the agency (§4.8.2), newest first, without the review's record
    (the list shows its date only)."""
    return case_selectors.without_text_columns(
        OutcomeNotice.objects.visible_to(scope).select_related("review__case__partnership"),
        "review",
        "review__case",
    ).order_by("-sent_at", "-id")


def outcome_notices(*, review: RapidReview) -> list[OutcomeNotice]:
    return list(
        OutcomeNotice.objects.for_partnership(review.case.partnership)
        .filter(review=review)
        .select_related("agency", "sent_by")
        .prefetch_related(_deliveries(review.case.partnership))
    )


# --- For reporting: where each Rapid Review stands (the API) ------------------------------

# The statutory dates a Rapid Review (or a referral's decision, §4.9) is judged against.
RAPID_REVIEW_DEADLINES = (
    "rapid_review_meeting_latest",
    "rapid_review_complete",
    "referral_first_discussion",
    "referral_decision",
    "lcspr_complete",
)
UNDECIDED = "undecided"


def rapid_review_list(
    *,
    scope: Scope,
    stages: Sequence[str] = (),
    decision: str | None = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
) -> QuerySet[Case]:
    """Every case with a Rapid Review record, and every case awaiting the CRG's decision
    that has none yet (its meeting not yet set), newest first; optionally only those
    received (`opened_on`) from and to these days. The deadlines and the meeting's
    attendance come in one query each, whatever the number of rows."""
    cases = (
        Case.objects.visible_to(scope)
        .filter(Q(rapid_review__isnull=False) | Q(stage__in=DECIDING_STAGES))
        .filter(withdrawn_at__isnull=True)
        .select_related("notification", "referral", "rapid_review__meeting")
        .prefetch_related(
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.visible_to(scope).filter(kind__in=RAPID_REVIEW_DEADLINES),
                to_attr="rapid_review_deadlines",
            ),
            Prefetch(
                "rapid_review__meeting__attendances",
                queryset=Attendance.objects.visible_to(scope).select_related("agency"),
                to_attr="recorded_attendances",
            ),
        )
        .order_by("-opened_on", "-id")
    )
    if stages:
        cases = cases.filter(stage__in=stages)
    if decision == UNDECIDED:
        cases = cases.filter(Q(rapid_review__isnull=True) | Q(rapid_review__decision=""))
    elif decision:
        cases = cases.filter(rapid_review__decision=decision)
    if opened_from:
        cases = cases.filter(opened_on__gte=opened_from)
    if opened_to:
        cases = cases.filter(opened_on__lte=opened_to)
    return cases


# --- Invitations and outcomes that reached nobody (issue 12) -----------------------------


def unreachable(rows: Sequence[Invitation | OutcomeNotice]) -> set[int]:
    """The ids of the invitations or outcomes (their deliveries prefetched) not sent to
    anyone because nobody can be emailed: an agency with nobody on the portal, or a
    person without an email address."""
    waiting = [r for r in rows if r.email_sent_at is None and not r.deliveries.all()]
    return {r.pk for r in _nobody_to_email(waiting)}


def _nobody_to_email(waiting: Sequence[Invitation | OutcomeNotice]) -> list:
    """Of rows not emailed and with no delivery recorded, those nobody can be emailed
    about (`unreachable`); invitations and outcomes may be mixed."""
    reachable = set(
        Membership.objects.filter(
            agency_id__in={r.agency_id for r in waiting if r.agency_id},
            role=Role.AGENCY_USER,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("agency_id", flat=True)
    )
    return [
        r for r in waiting if (r.agency_id not in reachable if r.agency_id else not r.user.email)
    ]


def invitation_for_delivery(*, review: RapidReview, pk: int) -> Invitation:
    try:
        return (
            Invitation.objects.for_partnership(review.case.partnership)
            .select_related("agency", "user", "review__case")
            .prefetch_related(_deliveries(review.case.partnership))
            .get(review=review, pk=pk)
        )
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def outcome_for_delivery(*, review: RapidReview, pk: int) -> OutcomeNotice:
    try:
        return (
            OutcomeNotice.objects.for_partnership(review.case.partnership)
            .select_related("agency", "review__case")
            .prefetch_related(_deliveries(review.case.partnership))
            .get(review=review, pk=pk)
        )
    except OutcomeNotice.DoesNotExist:
        raise Http404("No such outcome.") from None


# What the dashboard shows of an invitation or outcome nobody was sent, and who it was for
# (issue 18: not every column of the review, the case, the agency and the user).
_NOT_SENT_FIELDS = ("id", "sent_at", "review__case__reference", "agency__name")
_NOT_SENT_USER_FIELDS = ("user__first_name", "user__last_name", "user__username", "user__email")


def not_sent_to_anyone(
    *, scope: Scope, limit: int = 20
) -> list[tuple[str, Invitation | OutcomeNotice]]:
    """For the office's dashboard: invitations and outcomes nobody could be emailed and
    nobody has recorded sending another way, oldest first."""
    if scope.partnership is None:
        return []
    # Filtered to those with no delivery recorded, so none to read; and who can be emailed
    # is asked once for both kinds (issue 18: six queries to three on the dashboard).
    waiting = [
        (kind, row)
        for model, kind in ((Invitation, "invitation"), (OutcomeNotice, "outcome"))
        for row in model.objects.visible_to(scope)
        .filter(email_sent_at__isnull=True, deliveries__isnull=True)
        .select_related("review__case", "agency", *(["user"] if model is Invitation else []))
        .only(*_NOT_SENT_FIELDS, *(_NOT_SENT_USER_FIELDS if model is Invitation else ()))
        .order_by("sent_at", "id")[:limit]
    ]
    nobody = {id(row) for row in _nobody_to_email([row for _, row in waiting])}
    rows = [(kind, row) for kind, row in waiting if id(row) in nobody]
    return sorted(rows, key=lambda pair: pair[1].sent_at)[:limit]


# --- The death of a looked-after child or care leaver (§1.3.5) -------------------------


def care_death_decision(*, case: Case) -> CareDeathDecision | None:
    return (
        CareDeathDecision.objects.for_partnership(case.partnership)
        .filter(case=case)
        .select_related("meeting", "recorded_by")
        .first()
    )


def care_death_meetings(*, scope: Scope, since: date, until: date) -> list[CrgMeeting]:
    """The CRG meetings that took place from the notification to today, latest first: the
    ones at which the CRG can have considered the death."""
    meetings = CrgMeeting.objects.visible_to(scope).filter(
        held_on__gte=since, held_on__lte=until, cancelled_at__isnull=True
    )
    return [m for m in meetings.order_by("-held_on", "-id") if m.takes_place]


def care_deaths_to_consider(*, scope: Scope) -> QuerySet[Case]:
    """Cases waiting for the CRG's consideration of a death (§1.3.5), oldest first."""
    return (
        Case.objects.visible_to(scope)
        .filter(stage=Stage.CRG_CONSIDERATION)
        .order_by("opened_on", "id")
    )
