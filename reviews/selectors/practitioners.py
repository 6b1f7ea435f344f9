"""Reading what an agency gives with its LCSPR submission: the practitioners and line
managers it names for the learning workshop (§8.10.1-8.10.2), and what the Panel asked of
its submission (§8.7), as the agency's portal shows it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cases.models import InformationRequest, RequestPurpose, RequestStatus
from cases.tenancy import Scope
from reviews.models import Lcspr, NamedPractitioner, QaOutcome, SubmissionReview
from reviews.rules import SUBMISSION_READ_STATUSES


def named_practitioners(*, lcspr: Lcspr) -> QuerySet[NamedPractitioner]:
    """Every agency's named practitioners and line managers for the review, by agency then
    name: the workshop's invitees come from these (§8.10.1). For the review's own
    people: callers check the review team's permission."""
    return (
        NamedPractitioner.objects.for_partnership(lcspr.case.partnership)
        .filter(
            request__case_id=lcspr.case_id,
            request__purpose=RequestPurpose.LCSPR,
            request__status__in=SUBMISSION_READ_STATUSES,
        )
        .select_related("request__agency")
        .order_by("request__agency__name", "name", "id")
    )


def request_practitioners(*, scope: Scope, request: InformationRequest) -> list[NamedPractitioner]:
    """The practitioners named with one submission, as far as the scope may see them: the
    agency its own; the office those it enters for the agency, or once submitted."""
    from cases.selectors import reply_visible

    if not reply_visible(scope=scope, request=request):
        return []
    return list(
        NamedPractitioner.objects.visible_to(scope)
        .filter(request=request)
        .select_related("created_by")
    )


def practitioner_get(*, scope: Scope, pk: int) -> NamedPractitioner:
    try:
        return (
            NamedPractitioner.objects.visible_to(scope)
            .select_related("request__case__partnership", "request__agency")
            .get(pk=pk)
        )
    except NamedPractitioner.DoesNotExist:
        raise Http404("No such practitioner.") from None


def qa_latest(*, scope: Scope, request: InformationRequest) -> SubmissionReview | None:
    """The Panel's latest decision on this submission (§8.7), as the scope may see it: an
    agency only ever the decisions on its own submissions."""
    return (
        SubmissionReview.objects.visible_to(scope)
        .filter(request_id=request.pk)
        .select_related("panel_meeting__milestone")
        .order_by("-decided_at", "-id")
        .first()
    )


def qa_awaiting_answer(*, request: InformationRequest) -> SubmissionReview | None:
    """The Panel's request for more information (§8.7.2) the agency has still to answer:
    the latest decision, while the submission is back with the agency."""
    if request.purpose != RequestPurpose.LCSPR or request.status != RequestStatus.RETURNED:
        return None
    latest = (
        SubmissionReview.objects.for_partnership(request.case.partnership)
        .filter(request_id=request.pk)
        .order_by("-decided_at", "-id")
        .first()
    )
    if latest is None or latest.outcome != QaOutcome.MORE_INFORMATION or latest.responded_at:
        return None
    return latest
