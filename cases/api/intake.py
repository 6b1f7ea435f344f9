"""Intake and information requests through the API: Local Authority systems post
notifications and referrals; reporting systems and portals read deadlines and requests."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.api.views import ScopedApiMixin
from cases.models import (
    AbuseOrNeglect,
    Agency,
    AgencyKind,
    CareStatus,
    Criterion,
    Deadline,
    IncidentKind,
    InformationRequest,
)
from cases.permissions import Action
from cases.services.intake import NOT_A_LOCAL_AUTHORITY

EARLIEST_DATE = "2000-01-01"


class _PartnershipAgencyField(serializers.SlugRelatedField):
    """An agency by its exact name; the service checks it serves the partnership."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="name", queryset=Agency.objects.all(), **kwargs)

    def to_internal_value(self, data):
        # A NUL character cannot name an agency, and PostgreSQL refuses it in a query.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class _IntakeInput(serializers.Serializer):
    partnership = serializers.SlugField(help_text="leicester or leicestershire-rutland")
    received_on = serializers.DateField(input_formats=["iso-8601"])
    child_reference = serializers.CharField(
        max_length=60, help_text="The Local Authority's reference for the subject child."
    )
    summary = serializers.CharField(max_length=5000, help_text="Use pseudonyms, never names.")
    child_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    child_date_of_birth = serializers.DateField(required=False, input_formats=["iso-8601"])

    def validate_received_on(self, value):
        if value.isoformat() < EARLIEST_DATE:
            raise serializers.ValidationError("Give a date from 2000 onwards.")
        return value

    def validate_child_date_of_birth(self, value):
        if value > timezone.localdate():  # as the web form's ChildForm refuses it
            raise serializers.ValidationError("The date of birth must be in the past.")
        return value

    def children(self):
        from cases.models import ChildRole

        data = self.validated_data
        return [
            services.ChildDetails(
                role=ChildRole.SUBJECT,
                local_authority_reference=data["child_reference"],
                name=data.get("child_name", ""),
                date_of_birth=data.get("child_date_of_birth"),
            )
        ]


class NotificationInputSerializer(_IntakeInput):
    notifying_authority = _PartnershipAgencyField(required=False)
    notified_national_panel_on = serializers.DateField(required=False, input_formats=["iso-8601"])
    incident_kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)
    abuse_or_neglect = serializers.ChoiceField(choices=AbuseOrNeglect.choices, required=False)
    incident_on = serializers.DateField(required=False, input_formats=["iso-8601"])
    care_status = serializers.ChoiceField(choices=CareStatus.choices, required=False)
    care_leaver_age = serializers.IntegerField(required=False, min_value=0, max_value=99)
    secretary_of_state_notified_on = serializers.DateField(
        required=False, input_formats=["iso-8601"]
    )
    ofsted_notified_on = serializers.DateField(required=False, input_formats=["iso-8601"])

    def validate_notifying_authority(self, value):
        if value.kind != AgencyKind.LOCAL_AUTHORITY:
            raise serializers.ValidationError(NOT_A_LOCAL_AUTHORITY)
        return value

    def details(self):
        data = {
            k: v
            for k, v in self.validated_data.items()
            if k not in ("partnership", "child_reference", "child_name", "child_date_of_birth")
        }
        return services.NotificationDetails(**data)


class ReferralInputSerializer(_IntakeInput):
    referring_agency = _PartnershipAgencyField(required=False)
    referrer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referrer_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=Criterion.choices), required=False, max_length=8
    )
    reasons = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def details(self):
        data = {
            k: v
            for k, v in self.validated_data.items()
            if k not in ("partnership", "child_reference", "child_name", "child_date_of_birth")
        }
        data["criteria"] = tuple(dict.fromkeys(data.get("criteria", [])))
        return services.ReferralDetails(**data)


class DeadlineOutputSerializer(serializers.ModelSerializer):
    title = serializers.CharField()

    class Meta:
        model = Deadline
        fields = [
            "kind",
            "title",
            "event_date",
            "due_date",
            "window_start",
            "status",
            "completed_on",
            "waived_reason",
        ]


class CreatedCaseSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    stage = serializers.CharField()
    deadlines = DeadlineOutputSerializer(many=True)


class _IntakeCreateApi(ScopedApiMixin, APIView):
    required_action = Action.OPEN_CASE
    input_serializer: type[_IntakeInput]

    def _create(self, partnership, serializer):
        raise NotImplementedError

    def post(self, request):
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partnership = request.scope.partnership
        if serializer.validated_data["partnership"] != partnership.slug:
            raise PermissionDenied(
                f"This token may only create cases in its own partnership ({partnership.slug})."
            )
        case = self._create(partnership, serializer)
        output = CreatedCaseSerializer(
            {
                "case_reference": case.reference,
                "stage": case.stage,
                "deadlines": list(selectors.case_deadlines(case=case)),
            }
        )
        return Response(output.data, status=status.HTTP_201_CREATED)


@extend_schema(request=NotificationInputSerializer, responses={201: CreatedCaseSerializer})
class NotificationCreateApi(_IntakeCreateApi):
    """Record a Local Authority notification (§4.1.3): opens a Rapid Review case."""

    name = "Notifications"
    input_serializer = NotificationInputSerializer

    def _create(self, partnership, serializer):
        return services.notification_record(
            partnership=partnership,
            details=serializer.details(),
            children=serializer.children(),
            actor=self.request.user,
        )


@extend_schema(request=ReferralInputSerializer, responses={201: CreatedCaseSerializer})
class ReferralCreateApi(_IntakeCreateApi):
    """Record an agency referral (§4.1.1): opens a case on the referral path (§4.9)."""

    name = "Referrals"
    input_serializer = ReferralInputSerializer

    def _create(self, partnership, serializer):
        return services.referral_record(
            partnership=partnership,
            details=serializer.details(),
            children=serializer.children(),
            actor=self.request.user,
        )


class CaseDeadlinesApi(ScopedApiMixin, generics.ListAPIView):
    """A case's statutory deadlines, each with its status."""

    name = "Case deadlines"
    serializer_class = DeadlineOutputSerializer
    pagination_class = None

    def get_queryset(self):
        case = selectors.case_get(scope=self.request.scope, reference=self.kwargs["reference"])
        return selectors.case_deadlines(case=case)


class InformationRequestOutputSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")
    partnership = serializers.CharField(source="case.partnership.slug")
    agency = serializers.CharField(source="agency.name")
    reply_kind = serializers.SerializerMethodField()
    records_secured = serializers.SerializerMethodField()

    class Meta:
        model = InformationRequest
        fields = [
            "id",
            "case_reference",
            "partnership",
            "agency",
            "status",
            "reply_kind",
            "sent_at",
            "reply_due_on",
            "submitted_at",
            "records_secured",
            "includes_chronology_template",
        ]

    def _visible(self, request) -> bool:
        return selectors.reply_visible(scope=self.context["request"].scope, request=request)

    def get_reply_kind(self, request) -> str | None:
        """The reply's kind; null to the partnership until the agency submits it."""
        return request.reply_kind if self._visible(request) else None

    def get_records_secured(self, request) -> bool | None:
        """Whether records were secured (§4.3.5); null until the reply is submitted."""
        return request.records_secured if self._visible(request) else None


class InformationRequestListApi(ScopedApiMixin, generics.ListAPIView):
    """Information requests: a portal user's own agency's only, or the partnership's."""

    name = "Information requests"
    required_action = Action.READ_REQUESTS_API
    serializer_class = InformationRequestOutputSerializer

    def get_queryset(self):
        return selectors.portal_requests(scope=self.request.scope)
