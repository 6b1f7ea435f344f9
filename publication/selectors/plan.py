"""Reading the publication (§10): whether its plan can open, its tasks, the agencies
involved, the pack and the notice (§10.5.1), the earliest allowed publication date, and
the LCSPR task and dashboard work it registers. Callers pass an LCSPR read through
`lcspr_get` (reviews/web.py `case_and_lcspr`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse

from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.models import Agency, Deadline, InformationRequest, Membership, User
from cases.permissions import PERMISSIONS, Action
from cases.selectors import working_calendar
from cases.tenancy import Scope
from publication.models import (
    ActionPlan,
    ArchiveRequest,
    PanelNotice,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    PlanStep,
    Publication,
    PublicationContact,
    PublicationTask,
    PublishChoice,
)
from publication.rules.plan import earliest_publication_date
from reviews import workspace
from reviews.models import Appointment, Lcspr, Recommendation, ReportFinal
from reviews.selectors.report_approval import approval_state, report_final, report_is_final

NOT_FINAL = (
    "The publication plan opens once the final report is approved by the Case Review Group "
    "and the Safeguarding Children Partnership (§10.2.1). {who_acts}"
)
NOT_OPEN = "The publication plan is not open yet. The Business Office or the CRG chair opens it."


def publication_of(lcspr: Lcspr) -> Publication | None:
    return (
        Publication.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("opened_by", "decided_by", "recorded_by")
        .first()
    )


def why_not_open(lcspr: Lcspr) -> str:
    """What is missing before the plan can open, and who acts; "" when it can (§10.2.1)."""
    if report_is_final(lcspr):
        return ""
    return NOT_FINAL.format(who_acts=approval_state(lcspr).state.who_acts)


def tasks(publication: Publication) -> list[PublicationTask]:
    order = {step: n for n, step in enumerate(PlanStep.values)}
    rows = list(
        PublicationTask.objects.for_partnership(publication.lcspr.case.partnership)
        .filter(publication=publication)
        .select_related("owner")
    )
    return sorted(rows, key=lambda t: order.get(t.step, 99))


def task_get(publication: Publication, step: str) -> PublicationTask | None:
    return (
        PublicationTask.objects.for_partnership(publication.lcspr.case.partnership)
        .filter(publication=publication, step=step)
        .select_related("owner")
        .first()
    )


def task_kind(step: str) -> str:
    """The task's own dated item (cases/services/deadline.py `dated_item_set`)."""
    return f"publication_task:{step}"


def owners(partnership) -> QuerySet[User]:
    """Who may own a plan step: the partnership's people who manage publication."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                partnership=partnership,
                role__in=PERMISSIONS[Action.MANAGE_PUBLICATION],
                is_active=True,
            ),
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def involved_agencies(lcspr: Lcspr) -> list[Agency]:
    """§10.2.1: the agencies involved in the review, those asked for information on the
    case (the Rapid Review's requests and the LCSPR's submissions)."""
    partnership = lcspr.case.partnership
    ids = set(
        InformationRequest.objects.for_partnership(partnership)
        .filter(case=lcspr.case)
        .values_list("agency_id", flat=True)
    )
    # The agencies on the review's Panel (§6.2.1) and those owning its recommendations are
    # involved too, even where the review asked them for nothing through the product.
    ids |= set(
        Appointment.objects.for_partnership(partnership)
        .filter(lcspr=lcspr, agency__isnull=False)
        .values_list("agency_id", flat=True)
    )
    ids |= set(
        Recommendation.objects.for_partnership(partnership)
        .filter(lcspr=lcspr, owner_agency__isnull=False)
        .values_list("owner_agency_id", flat=True)
    )
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def contacts(publication: Publication) -> dict[int, PublicationContact]:
    return {
        c.agency_id: c
        for c in PublicationContact.objects.for_partnership(
            publication.lcspr.case.partnership
        ).filter(publication=publication)
    }


def notices(publication: Publication) -> list[PanelNotice]:
    return list(
        PanelNotice.objects.for_partnership(publication.lcspr.case.partnership)
        .filter(publication=publication)
        .select_related("recorded_by")
        .order_by("sent_on", "id")
    )


def latest_notice(publication: Publication) -> PanelNotice | None:
    found = notices(publication)
    return found[-1] if found else None


def earliest_allowed(publication: Publication) -> date | None:
    """§10.5.1: seven working days after the latest pack sent; None before any."""
    notice = latest_notice(publication)
    if notice is None:
        return None
    calendar = working_calendar(partnership=publication.lcspr.case.partnership)
    return earliest_publication_date(notice.sent_on, calendar)


@dataclass(frozen=True)
class Pack:
    """The file the notice sends (§10.5.1): the final report or the improvements-only
    document, each as it passed the anonymisation guard."""

    kind: str
    name: str
    sha256: str
    file: object  # a FieldFile


def pack_of(publication: Publication) -> Pack | None:
    from publication.models import PackKind

    if publication.choice == PublishChoice.REPORT:
        final = report_final(publication.lcspr)
        if final is None:
            return None
        return Pack(PackKind.REPORT, "lcspr-report.pdf", final.sha256, final.file)
    if publication.choice == PublishChoice.IMPROVEMENTS_ONLY and publication.improvements_file:
        return Pack(
            PackKind.IMPROVEMENTS,
            "lcspr-improvements.pdf",
            publication.improvements_sha256,
            publication.improvements_file,
        )
    return None


def pack_missing(publication: Publication) -> str:
    """Why there is no pack to send yet, and who acts; "" when there is one."""
    if not publication.choice:
        return (
            "The partnership has not yet decided whether to publish the report or only the "
            "improvements to be made (§10.1.1): the Business Office or the CRG chair records it."
        )
    if pack_of(publication) is None:
        return (
            "The improvements-only document has not been made yet: record the decision again "
            "to make it."
        )
    return ""


MAILBOXES = (
    ("national_panel_email", "the National Panel's mailbox"),
    ("ofsted_email", "Ofsted's mailbox"),
    ("dfe_email", "the Department for Education's mailbox"),
)


def mailboxes(partnership) -> tuple[list[str], list[str]]:
    """(the addresses of the National Panel, Ofsted and the DfE that are set, the names of
    those missing): §10.5.1's three recipients, kept by the partnership admin."""
    have, missing = [], []
    for field, label in MAILBOXES:
        address = getattr(partnership, field)
        if address:
            have.append(address)
        else:
            missing.append(label)
    return have, missing


def action_plan_of(lcspr: Lcspr) -> ActionPlan | None:
    """The case's action plan from its LCSPR (helper `actions` keeps it), if any."""
    return (
        ActionPlan.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case, source=PlanSource.LCSPR)
        .first()
    )


def action_plan_rows(plan: ActionPlan) -> list[dict]:
    """The plan's recommendations, each with its actions or its non-acceptance statement."""
    partnership = plan.partnership
    actions = list(
        PlanAction.objects.for_partnership(partnership)
        .filter(plan=plan)
        .select_related("owner_agency")
        .order_by("order", "id")
    )
    rows = []
    for rec in (
        PlanRecommendation.objects.for_partnership(partnership)
        .filter(plan=plan)
        .order_by("order", "id")
    ):
        rows.append(
            {
                "recommendation": rec,
                "actions": [a for a in actions if a.recommendation_id == rec.pk],
            }
        )
    return rows


def deadline_of(lcspr: Lcspr, kind: str) -> Deadline | None:
    return (
        Deadline.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case, kind=kind)
        .first()
    )


def reviewer_default(publication: Publication) -> tuple[str, bool]:
    """The Reviewer's name and anonymity as the final report has them (§10.5.2)."""
    final = report_final(publication.lcspr)
    if final is None:
        return "", False
    return final.reviewer_name, final.anonymous_reviewer


def archive_requests(publication: Publication) -> list[ArchiveRequest]:
    return list(
        ArchiveRequest.objects.for_partnership(publication.lcspr.case.partnership)
        .filter(publication=publication)
        .order_by("received_on", "id")
    )


# --- The LCSPR page's task and the dashboard's work -------------------------------------


def publication_task_status(lcspr: Lcspr) -> workspace.TaskStatus:
    TaskState, TaskStatus = workspace.TaskState, workspace.TaskStatus
    publication = publication_of(lcspr)
    if publication is None:
        if report_is_final(lcspr):
            return TaskStatus(TaskState.NOT_STARTED, "The final report is approved: open the plan")
        return TaskStatus(TaskState.CANNOT_START, "Waits for the final approved report (§10.2.1)")
    if publication.published_on:
        return TaskStatus(
            TaskState.COMPLETED, f"Published on {format_date(publication.published_on)}"
        )
    return TaskStatus(TaskState.IN_PROGRESS, "The publication plan is open")


workspace.register(
    workspace.Task(
        order=80,
        key="publication",
        title="Publication",
        url_name="lcspr_publication",
        status=publication_task_status,
    )
)


@register_work
def publication_work(scope: Scope) -> list[WorkItem]:
    """Each open plan step on its owner's dashboard (the email tells them too)."""
    if scope.partnership is None or not scope.can(Action.MANAGE_PUBLICATION):
        return []
    items = [
        # §10.2.1: planning starts once the CRG and the partnership have endorsed the
        # final report; until the plan is opened, nobody owns a step to be reminded of.
        WorkItem(
            case_reference=final.lcspr.case.reference,
            text="The final report is approved: open the publication plan (§10.2.1)",
            url=reverse("lcspr_publication", kwargs={"reference": final.lcspr.case.reference}),
        )
        for final in ReportFinal.objects.visible_to(scope)
        .filter(lcspr__publication__isnull=True)
        .select_related("lcspr__case")
        .only("id", "lcspr__case__reference")  # not the final's file and hashes (issue 18)
    ]
    for task in (
        PublicationTask.objects.visible_to(scope)
        .filter(owner=scope.user, done_on__isnull=True)
        .select_related("publication__lcspr__case")
        .only("id", "step", "due_on", "publication__lcspr__case__reference")
    ):
        reference = task.publication.lcspr.case.reference
        items.append(
            WorkItem(
                case_reference=reference,
                text=f"Publication plan: {task.get_step_display()}",
                url=reverse("lcspr_publication", kwargs={"reference": reference}),
                due_on=task.due_on,
            )
        )
    return items
