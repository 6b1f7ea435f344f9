"""The Rapid Reviews through the API: where each stands against its timescales, for the
partnership's reporting systems (§4.4-4.9, §3.1.2). Dates and outcomes only: never a
child's name or the case narrative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from cases.api.lists import ListFilterSerializer, list_filters, list_parameters
from cases.api.views import ScopedApiMixin
from cases.models import Case, DeadlineStatus
from rapidreview.models import Decision
from rapidreview.selectors import (
    RAPID_REVIEW_DEADLINES,
    UNDECIDED,
    meeting_quorum,
    rapid_review_list,
)

DECISION_FILTERS = [*Decision.values, UNDECIDED]


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    due_date: date
    status: str
    completed_on: date | None
    met: bool | None


@dataclass(frozen=True)
class RapidReviewRow:
    case_reference: str
    path: str
    notification_date: date | None
    referral_date: date | None
    meeting_date: date | None
    quorate: bool | None
    decision: str | None
    decision_date: date | None
    signed_off: bool
    report_sent_date: date | None
    decision_notified_date: date | None
    deadlines: list[DeadlineRow]


def rapid_review_row(case: Case) -> RapidReviewRow:
    """One row, from a case read by `rapid_review_list` (no further queries)."""
    # A missing reverse one-to-one raises a subclass of AttributeError.
    notification = getattr(case, "notification", None)
    referral = getattr(case, "referral", None)
    review = getattr(case, "rapid_review", None)
    meeting = review.meeting if review else None
    return RapidReviewRow(
        case_reference=case.reference,
        path="rapid_review" if notification else "referral",
        notification_date=notification.received_on if notification else None,
        referral_date=referral.received_on if referral else None,
        meeting_date=meeting.held_on if meeting else None,
        quorate=(
            meeting_quorum(attendances=meeting.recorded_attendances).quorate if meeting else None
        ),
        decision=(review.decision or None) if review else None,
        decision_date=review.decided_on if review else None,
        signed_off=bool(review and review.is_signed_off),
        report_sent_date=review.report_sent_on if review else None,
        decision_notified_date=review.decision_notified_on if review else None,
        deadlines=[
            DeadlineRow(
                kind=d.kind,
                due_date=d.due_date,
                status=d.status,
                completed_on=d.completed_on,
                met={DeadlineStatus.MET: True, DeadlineStatus.MISSED: False}.get(d.status),
            )
            for d in sorted(case.rapid_review_deadlines, key=lambda d: (d.due_date, d.pk))
        ],
    )


class RapidReviewDeadlineSerializer(serializers.Serializer):
    # Plain strings in the schema: as enums they would rename the schema's existing
    # `status` enum components (drf-spectacular resolves same-named enums by hashing).
    kind = serializers.CharField(help_text=", ".join(RAPID_REVIEW_DEADLINES) + ".")
    due_date = serializers.DateField()
    status = serializers.CharField(help_text=", ".join(DeadlineStatus.values) + ".")
    completed_on = serializers.DateField(allow_null=True)
    met = serializers.BooleanField(
        allow_null=True, help_text="True if met, false if missed, null while open or if waived."
    )


class RapidReviewOutputSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    path = serializers.ChoiceField(
        choices=["rapid_review", "referral"],
        help_text="rapid_review when the case has a Local Authority notification (§4.2); "
        "referral for an agency referral without one (§4.9).",
    )
    notification_date = serializers.DateField(allow_null=True)
    referral_date = serializers.DateField(allow_null=True)
    meeting_date = serializers.DateField(
        allow_null=True, help_text="Null until the deciding meeting is set (§4.4.2)."
    )
    quorate = serializers.BooleanField(
        allow_null=True,
        help_text="From the attendance recorded (§4.6.1); null until a meeting is set.",
    )
    decision = serializers.ChoiceField(choices=Decision.choices, allow_null=True)
    decision_date = serializers.DateField(allow_null=True)
    signed_off = serializers.BooleanField(
        help_text="Signed by the CRG chair and each Safeguarding Partner present."
    )
    report_sent_date = serializers.DateField(
        allow_null=True, help_text="Rapid Review Report sent to the National Panel (§4.8.1)."
    )
    decision_notified_date = serializers.DateField(
        allow_null=True, help_text="Decision notified to the National Panel (§1.6.3)."
    )
    deadlines = RapidReviewDeadlineSerializer(many=True)


class RapidReviewFilterSerializer(ListFilterSerializer):
    decision = serializers.ChoiceField(choices=DECISION_FILTERS, required=False)


@extend_schema(
    parameters=[
        *list_parameters(rows="cases", dated="date received (`opened_on`)"),
        OpenApiParameter(
            "decision",
            enum=DECISION_FILTERS,
            description=f"Only Rapid Reviews with this decision ({UNDECIDED}: none yet).",
        ),
    ]
)
class RapidReviewListApi(ScopedApiMixin, generics.ListAPIView):
    """The partnership's Rapid Reviews and referral decisions, newest first: the meeting,
    the decision, its sign-off and the report, each against its statutory deadline. A case
    awaiting its Rapid Review is listed before its meeting is set, with a null meeting."""

    name = "Rapid Reviews"
    serializer_class = RapidReviewOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request, RapidReviewFilterSerializer)
        return rapid_review_list(
            scope=self.request.scope,
            stages=filters["stage"],
            decision=filters.get("decision"),
            opened_from=filters["from"],
            opened_to=filters["to"],
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [rapid_review_row(case) for case in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
