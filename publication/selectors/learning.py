"""Reads of the learning's pages (§11.2-11.5, §12): the dissemination plan and the swift
learning from panel meetings, the CRG's review of national reviews, and the National
Panel's requests about one. All through the scoping choke point (cases/tenancy.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases import dashboard
from cases.models import Membership, Partnership, Role, User
from cases.permissions import Action
from cases.tenancy import Scope
from publication.models import (
    ActionPlan,
    Briefing,
    NationalReview,
    NationalReviewRequest,
    NationalReviewSupport,
)
from rapidreview.models import CrgMeeting
from reviews.models import SwiftLearning


def briefing_overdue(briefing: Briefing, today: date) -> bool:
    """§11.3.2: a briefing planned for a day gone by and not recorded as delivered."""
    return briefing.delivered_on is None and briefing.planned_on < today


def briefings(*, scope: Scope) -> QuerySet[Briefing]:
    return Briefing.objects.visible_to(scope).select_related("plan").order_by("planned_on", "id")


def briefing_get(*, scope: Scope, pk: int) -> Briefing:
    briefing = briefings(scope=scope).filter(pk=pk).first()
    if briefing is None:
        raise Http404("No such briefing.")
    return briefing


def briefings_overdue(*, partnership: Partnership, today: date) -> QuerySet[Briefing]:
    return Briefing.objects.for_partnership(partnership).filter(
        delivered_on__isnull=True, planned_on__lt=today
    )


def swift_learning(*, scope: Scope) -> QuerySet[SwiftLearning]:
    """§11.2.1: the swift learning messages the review panels agreed, by case reference."""
    return (
        SwiftLearning.objects.visible_to(scope)
        .select_related("meeting__lcspr__case")
        .prefetch_related("agencies")
        .order_by("-created_at", "-id")
    )


def action_plans(*, scope: Scope) -> QuerySet[ActionPlan]:
    """The partnership's action plans a briefing may belong to."""
    return ActionPlan.objects.visible_to(scope).order_by("title", "id")


def action_plan_for(*, scope: Scope, pk: int | None) -> ActionPlan | None:
    """The chosen plan, only if it is one of the scope's: a foreign id is refused."""
    if not pk:
        return None
    plan = action_plans(scope=scope).filter(pk=pk).first()
    if plan is None:
        raise Http404("No such action plan.")
    return plan


def national_reviews(*, scope: Scope) -> QuerySet[NationalReview]:
    return NationalReview.objects.visible_to(scope).select_related("crg_meeting")


def national_review_get(*, scope: Scope, pk: int) -> NationalReview:
    review = national_reviews(scope=scope).filter(pk=pk).first()
    if review is None:
        raise Http404("No such national review.")
    return review


def national_review_plan(review: NationalReview) -> ActionPlan | None:
    """The national review's action plan, if there is one (built on its own page)."""
    return (
        ActionPlan.objects.for_partnership(review.partnership)
        .filter(national_review=review)
        .first()
    )


def crg_meetings(*, scope: Scope) -> QuerySet[CrgMeeting]:
    """The partnership's CRG meetings not cancelled, the latest first."""
    return (
        CrgMeeting.objects.visible_to(scope)
        .filter(cancelled_at__isnull=True)
        .order_by("-held_on", "id")
    )


def review_requests(*, scope: Scope) -> QuerySet[NationalReviewRequest]:
    return NationalReviewRequest.objects.visible_to(scope).select_related("contact")


def review_request_get(*, scope: Scope, pk: int) -> NationalReviewRequest:
    request = review_requests(scope=scope).filter(pk=pk).first()
    if request is None:
        raise Http404("No such request.")
    return request


def request_support(request: NationalReviewRequest) -> QuerySet[NationalReviewSupport]:
    return NationalReviewSupport.objects.for_partnership(request.partnership).filter(
        request=request
    )


def crg_chairs(partnership: Partnership) -> list[User]:
    """§12.3: the CRG chairs of the partnership, one of whom is the main point of contact."""
    memberships = (
        Membership.objects.filter(
            partnership=partnership, role=Role.CRG_CHAIR, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__id")
    )
    return [m.user for m in memberships]


def request_gaps(request: NationalReviewRequest) -> list[str]:
    """§12.3: who has not yet been told of the request, in the order they are told."""
    gaps = []
    if request.partners_informed_on is None:
        gaps.append("The Safeguarding Partners have not been informed of this request.")
    if request.crg_informed_on is None:
        gaps.append("The Case Review Group has not been informed of this request.")
    if request.contact_id is None:
        gaps.append("No CRG chair is named as the main point of contact.")
    return gaps


@dataclass(frozen=True)
class LearningItem:
    text: str
    url: str
    due_on: date | None = None


@dashboard.register
def learning_dashboard(scope: Scope) -> dict:
    """The office's overdue briefings and requests not yet passed on (§11.3, §12.3); and
    the CRG chair's requests they are the main point of contact for (§12.3)."""
    if scope.partnership is None:
        return {}
    items: list[LearningItem] = []
    manages = scope.can(Action.MANAGE_LEARNING)
    to_inform = Q(partners_informed_on__isnull=True) | Q(crg_informed_on__isnull=True)
    # One read for both lists (issue 18: a query fewer on every dashboard).
    requests = list(
        review_requests(scope=scope).filter(
            (to_inform | Q(contact=scope.user)) if manages else Q(contact=scope.user)
        )
    )
    if manages:
        today = timezone.localdate()
        for briefing in briefings_overdue(partnership=scope.partnership, today=today):
            items.append(
                LearningItem(
                    f"Briefing “{briefing.title}” was planned for {briefing.planned_on:%-d %B %Y} "
                    "and is not recorded as delivered",
                    reverse("learning_briefing", kwargs={"pk": briefing.pk}),
                    briefing.planned_on,
                )
            )
        for request in requests:
            if request.partners_informed_on is None or request.crg_informed_on is None:
                items.append(
                    LearningItem(
                        f"National review request “{request.title}”: the Safeguarding "
                        "Partners and the CRG are to be informed",
                        reverse("national_review_request", kwargs={"pk": request.pk}),
                        request.received_on,
                    )
                )
    for request in requests:
        if request.contact_id == scope.user.pk:
            items.append(
                LearningItem(
                    f"You are the main point of contact for the National Panel's request "
                    f"“{request.title}”",
                    reverse("national_review_request", kwargs={"pk": request.pk}),
                )
            )
    return {"learning_items": items}
