"""The action plans through the API (§10.1.2, §11.3-11.4): each action with its plan,
source, case reference (none for a national review's), recommendation number, owner
agency, lead, due date, status, latest RAG and whether it is overdue. Tenant-scoped
through `visible_to`: a partnership's token lists its plans' actions; an agency's portal
token only the actions its agency owns (like the information requests' list)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from cases.api.lists import list_filters, list_parameters
from cases.api.views import ScopedApiMixin
from cases.permissions import Action
from publication.selectors import actions as selectors


class ActionPlanActionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="action.pk")
    plan = serializers.IntegerField(source="action.plan_id")
    partnership = serializers.CharField(source="action.plan.partnership.slug")
    source = serializers.CharField(source="action.plan.source")
    case_reference = serializers.SerializerMethodField()
    recommendation_number = serializers.CharField(source="action.recommendation.number")
    owner_agency = serializers.CharField(source="action.owner_agency.name")
    lead = serializers.CharField(source="action.lead_name")
    due_on = serializers.DateField(source="action.due_on")
    status = serializers.CharField(source="action.status")
    closed_on = serializers.DateField(source="action.closed_on", allow_null=True)
    rag = serializers.SerializerMethodField(help_text="The latest audit's rating (§11.4.1).")
    overdue = serializers.BooleanField()

    def get_case_reference(self, row) -> str | None:
        plan = row.action.plan
        return plan.case.reference if plan.case_id else None

    def get_rag(self, row) -> str | None:
        return row.rag or None


@extend_schema(
    parameters=list_parameters(
        rows="actions",
        dated="due date (`due_on`)",
        stage_of="the plan's case (a national review's plan has none, so never matches)",
    )
)
class ActionPlanListApi(ScopedApiMixin, generics.ListAPIView):
    """Actions of the action plans, by status (as the word sorts), then the soonest due: the
    partnership's, or a portal token's own agency's."""

    name = "Action plans"
    required_action = Action.READ_REQUESTS_API
    serializer_class = ActionPlanActionOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request)
        return selectors.portal_actions(
            scope=self.request.scope,
            stages=filters["stage"],
            due_from=filters["from"],
            due_to=filters["to"],
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.action_rows(page, today=timezone.localdate())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
