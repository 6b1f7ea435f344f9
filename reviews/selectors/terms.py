"""Reads of the terms of reference (§5): versions, the version in force, what awaits the
CRG, the parallel processes and the referred issues; the task on the LCSPR page, its
summary rows, its business at CRG meetings and its work on the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.permissions import Action
from cases.tenancy import Scope
from rapidreview import meeting_business
from rapidreview.meeting_business import BusinessItem
from rapidreview.models import CrgMeeting
from reviews import workspace
from reviews.models import (
    AgreementOutcome,
    Lcspr,
    ParallelProcess,
    ReferredIssue,
    TermsAgreement,
    TermsNotice,
    TermsVersion,
)
from reviews.rules import crg_meeting_takes_business

# How long the Reviewer and the Panel see "the CRG agreed the terms of reference" on
# their dashboard after it is recorded.
AGREED_NOTICE_DAYS = 14


def terms_versions(lcspr: Lcspr) -> list[TermsVersion]:
    return list(
        TermsVersion.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("created_by", "minor_accepted_by")
        .order_by("number")
    )


def terms_latest(lcspr: Lcspr) -> TermsVersion | None:
    return (
        TermsVersion.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .order_by("-number")
        .first()
    )


def terms_version_get(lcspr: Lcspr, number: int) -> TermsVersion:
    version = (
        TermsVersion.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, number=number)
        .first()
    )
    if version is None:
        raise Http404("No such version.")
    return version


def terms_in_force(lcspr: Lcspr) -> TermsVersion | None:
    """The version in force: the latest the CRG agreed (§5.1.3), or one the Business
    Office or chair accepted afterwards as a minor change."""
    return (
        TermsVersion.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .filter(Q(agreements__outcome=AgreementOutcome.AGREED) | Q(minor_accepted_at__isnull=False))
        .order_by("-number")
        .distinct()
        .first()
    )


def terms_agreed(lcspr: Lcspr) -> TermsAgreement | None:
    """The CRG's latest agreement of the terms of reference (§5.1.3)."""
    return (
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, outcome=AgreementOutcome.AGREED)
        .select_related("version", "meeting")
        .order_by("-decided_on", "-id")
        .first()
    )


def terms_first_agreed_on(lcspr: Lcspr):
    """The date the CRG first agreed the terms of reference (the API's
    `terms_of_reference_agreed_on`), or None."""
    first = (
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, outcome=AgreementOutcome.AGREED)
        .order_by("decided_on", "id")
        .first()
    )
    return first.decided_on if first else None


def terms_pending(lcspr: Lcspr) -> TermsAgreement | None:
    """The version before the CRG now, if one is."""
    return (
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, outcome=AgreementOutcome.PENDING)
        .select_related("version", "meeting")
        .first()
    )


def terms_agreements(lcspr: Lcspr) -> list[TermsAgreement]:
    return list(
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("version", "meeting", "submitted_by", "recorded_by")
        .order_by("submitted_at", "id")
    )


def crg_meetings_ahead(lcspr: Lcspr) -> list[CrgMeeting]:
    """The CRG meetings of the review's partnership it can be put to (§5.1.2-§5.1.3).

    The calendar's dates only, no case data: `lcspr` was read through the scope
    (`lcspr_get`), so its partnership's calendar is the one its people may choose from,
    an appointed Reviewer or Panel member included (they read no meeting otherwise)."""
    today = timezone.localdate()
    meetings = CrgMeeting.objects.for_partnership(lcspr.case.partnership).filter(
        held_on__gt=today, cancelled_at__isnull=True
    )
    return [m for m in meetings if crg_meeting_takes_business(m, today)]


def parallel_processes(lcspr: Lcspr) -> list[ParallelProcess]:
    return list(
        ParallelProcess.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .order_by("created_at", "id")
    )


def parallel_process_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> ParallelProcess:
    process = ParallelProcess.objects.visible_to(scope).filter(lcspr=lcspr, pk=pk).first()
    if process is None:
        raise Http404("No such parallel process.")
    return process


def parallel_process_history(process: ParallelProcess) -> list:
    return list(process.history.select_related("history_user").order_by("-history_date"))


def referred_issues(lcspr: Lcspr) -> list[ReferredIssue]:
    return list(
        ReferredIssue.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("meeting", "referred_by", "decided_by")
        .order_by("referred_at", "id")
    )


def referred_issue_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> ReferredIssue:
    issue = (
        ReferredIssue.objects.visible_to(scope)
        .filter(lcspr=lcspr, pk=pk)
        .select_related("meeting")
        .first()
    )
    if issue is None:
        raise Http404("No such issue.")
    return issue


# --- Where the terms of reference stand ----------------------------------------------------


@dataclass(frozen=True)
class TermsState:
    latest: TermsVersion | None
    in_force: TermsVersion | None
    agreed: TermsAgreement | None  # the latest agreement
    pending: TermsAgreement | None  # before the CRG now
    returned: TermsAgreement | None  # the CRG's last decision, when it did not agree

    @property
    def change_pending(self) -> bool:
        """A version after the one in force, not yet approved."""
        return (
            self.in_force is not None
            and self.latest is not None
            and self.latest.number > self.in_force.number
        )


def terms_state(lcspr: Lcspr) -> TermsState:
    last_decided = (
        TermsAgreement.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .exclude(outcome=AgreementOutcome.PENDING)
        .select_related("version", "meeting")
        .order_by("-recorded_at", "-id")
        .first()
    )
    latest = terms_latest(lcspr)
    returned = (
        last_decided
        if last_decided is not None
        and last_decided.outcome == AgreementOutcome.NOT_AGREED
        and latest is not None
        and latest.number == last_decided.version.number
        else None
    )
    return TermsState(
        latest=latest,
        in_force=terms_in_force(lcspr),
        agreed=terms_agreed(lcspr),
        pending=terms_pending(lcspr),
        returned=returned,
    )


def terms_status(lcspr: Lcspr) -> workspace.TaskStatus:
    """The task's status: not started, drafting, awaiting the CRG's agreement, agreed,
    or a change awaiting approval (§5.1.3, §5.3.1)."""
    state = terms_state(lcspr)
    TaskState, TaskStatus = workspace.TaskState, workspace.TaskStatus
    if state.latest is None:
        return TaskStatus(TaskState.NOT_STARTED, "Drafted by the Panel or the Reviewer (§5.1.2)")
    if state.in_force is None:
        if state.pending:
            return TaskStatus(
                TaskState.IN_PROGRESS,
                f"Awaiting the CRG's agreement on {format_date(state.pending.meeting.held_on)}",
            )
        if state.returned:
            return TaskStatus(
                TaskState.ATTENTION,
                f"Not agreed by the CRG on {format_date(state.returned.decided_on)}: "
                "revise and put them to the CRG again",
            )
        return TaskStatus(TaskState.IN_PROGRESS, f"Drafting: version {state.latest.number}")
    if state.change_pending:
        if state.pending and state.pending.version_id == state.latest.pk:
            day = format_date(state.pending.meeting.held_on)
            hint = f"Change awaiting the CRG's approval on {day}"
        elif state.latest.significant_change:
            hint = "Significant change awaiting approval: put it to the CRG (§5.3.1)"
        else:
            hint = "Change awaiting approval by the CRG or the Business Office"
        return TaskStatus(TaskState.ATTENTION, hint)
    agreed_on = state.agreed.decided_on if state.agreed else None
    return TaskStatus(
        TaskState.COMPLETED,
        f"Agreed on {format_date(agreed_on)}" if agreed_on else "Agreed",
    )


workspace.register(
    workspace.Task(
        order=20,
        key="terms",
        title="Agree the terms of reference",
        url_name="lcspr_terms",
        status=terms_status,
    )
)


@workspace.register_summary
def terms_summary(lcspr: Lcspr) -> list[workspace.SummaryRow]:
    state = terms_state(lcspr)
    if state.latest is None:
        terms = workspace.SummaryRow(20, "Terms of reference", "Not yet drafted")
    elif state.in_force is not None:
        agreed_on = state.agreed.decided_on if state.agreed else None
        hint = ""
        if state.change_pending:
            hint = f"Version {state.latest.number}: a change awaiting approval"
        terms = workspace.SummaryRow(
            20,
            "Terms of reference",
            f"Agreed on {format_date(agreed_on)} (version {state.in_force.number} in force)"
            if agreed_on
            else f"Version {state.in_force.number} in force",
            hint,
        )
    else:
        hint = ""
        if state.pending:
            hint = f"Before the CRG on {format_date(state.pending.meeting.held_on)}"
        terms = workspace.SummaryRow(
            20, "Terms of reference", f"Draft version {state.latest.number}", hint
        )
    shown = state.in_force or state.latest
    if shown is not None and shown.scoping_start and shown.scoping_end:
        scoping = workspace.SummaryRow(
            21,
            "Scoping period",
            f"{format_date(shown.scoping_start)} to {format_date(shown.scoping_end)}",
            "" if shown is state.in_force else "In the draft",
        )
    else:
        scoping = workspace.SummaryRow(21, "Scoping period", "Not yet set")
    return [terms, scoping]


# --- A CRG meeting's business (§5.1.2, §5.1.3, §5.3.1) ---------------------------------------


@meeting_business.register
def terms_business(meeting: CrgMeeting, scope: Scope) -> list[BusinessItem]:
    items = []
    for agreement in (
        TermsAgreement.objects.visible_to(scope)
        .filter(meeting=meeting)
        .select_related("lcspr__case", "version")
    ):
        reference = agreement.lcspr.case.reference
        what = "Approve a change to" if agreement.is_change else "Agree"
        items.append(
            BusinessItem(
                case_reference=reference,
                title=f"{what} the terms of reference (version {agreement.version.number})",
                url=reverse("lcspr_terms_agreement", kwargs={"reference": reference}),
                decided=agreement.outcome != AgreementOutcome.PENDING,
            )
        )
    for issue in (
        ReferredIssue.objects.visible_to(scope)
        .filter(meeting=meeting)
        .select_related("lcspr__case")
    ):
        reference = issue.lcspr.case.reference
        items.append(
            BusinessItem(
                case_reference=reference,
                title="Decide an issue the Panel or the Reviewer referred (§5.1.2)",
                url=reverse(
                    "lcspr_issue_decision", kwargs={"reference": reference, "pk": issue.pk}
                ),
                decided=issue.decided_on is not None,
            )
        )
    return items


# --- Work on the dashboard -------------------------------------------------------------------


@register_work
def terms_work(scope: Scope) -> list[WorkItem]:
    today = timezone.localdate()
    items = []
    if scope.partnership is None:
        return items
    if scope.can(Action.RECORD_CRG_AGREEMENT):
        for agreement in (
            TermsAgreement.objects.visible_to(scope)
            .filter(outcome=AgreementOutcome.PENDING, meeting__held_on__lte=today)
            .select_related("lcspr__case", "version", "meeting")
            .only("id", "lcspr__case__reference", "version__number", "meeting__held_on")
        ):
            reference = agreement.lcspr.case.reference
            items.append(
                WorkItem(
                    case_reference=reference,
                    text=f"Record the CRG's agreement of the terms of reference "
                    f"(version {agreement.version.number})",
                    url=reverse("lcspr_terms_agreement", kwargs={"reference": reference}),
                    due_on=agreement.meeting.held_on,
                )
            )
        for issue in (
            ReferredIssue.objects.visible_to(scope)
            .filter(decided_on__isnull=True, meeting__held_on__lte=today)
            .select_related("lcspr__case", "meeting")
            .only("id", "lcspr__case__reference", "meeting__held_on")
        ):
            reference = issue.lcspr.case.reference
            items.append(
                WorkItem(
                    case_reference=reference,
                    text="Record the CRG's decision on a referred issue",
                    url=reverse(
                        "lcspr_issue_decision", kwargs={"reference": reference, "pk": issue.pk}
                    ),
                    due_on=issue.meeting.held_on,
                )
            )
    since = timezone.now() - timedelta(days=AGREED_NOTICE_DAYS)
    for notice in (
        TermsNotice.objects.visible_to(scope)
        .filter(user=scope.user)
        .select_related("agreement__lcspr__case")
        .only(
            "id",
            "created_at",
            "agreement__outcome",
            "agreement__decided_on",
            "agreement__version",
            "agreement__lcspr__case__reference",
            "agreement__lcspr__case__partnership",
        )
        .order_by("-created_at")
    ):
        agreement = notice.agreement
        lcspr = agreement.lcspr
        reference = lcspr.case.reference
        url = reverse("lcspr_terms", kwargs={"reference": reference})
        if agreement.outcome == AgreementOutcome.AGREED and notice.created_at >= since:
            items.append(
                WorkItem(
                    case_reference=reference,
                    text=f"The CRG agreed the terms of reference on "
                    f"{format_date(agreement.decided_on)}: read the version in force",
                    url=url,
                )
            )
        elif agreement.outcome == AgreementOutcome.NOT_AGREED:
            latest = terms_latest(lcspr)
            if latest is not None and latest.pk == agreement.version_id:
                items.append(
                    WorkItem(
                        case_reference=reference,
                        text="Revise the terms of reference: the CRG did not agree them",
                        url=reverse("lcspr_terms_edit", kwargs={"reference": reference}),
                    )
                )
    return items
