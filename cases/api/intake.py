"""Intake and information requests through the API: Local Authority systems post
notifications and referrals; reporting systems and portals read deadlines and requests."""

import json
import re

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.api.exceptions import RuleBroken
from cases.api.lists import list_filters, list_parameters
from cases.api.views import ScopedApiMixin
from cases.models import (
    AbuseOrNeglect,
    CareStatus,
    Criterion,
    Deadline,
    IncidentKind,
    InformationRequest,
)
from cases.partnerships import PARTNERSHIPS
from cases.permissions import Action
from cases.services.intake import EARLIEST_RECEIVED, NOT_THE_PARTNERSHIPS_AGENCY

PARTNERSHIP_SLUGS = [p["slug"] for p in PARTNERSHIPS]
DATE_RECEIVED = (
    f"From {EARLIEST_RECEIVED.isoformat()} to today (UK time); outside these, 422 with the reason."
)


def _agency_field(**kwargs):
    return serializers.CharField(
        max_length=200,
        required=False,
        help_text="The agency's exact name, as the Business Office lists it. An agency "
        "that does not work with this partnership (or no such agency) answers 422, with "
        "one message for both.",
        **kwargs,
    )


class _IntakeInput(serializers.Serializer):
    partnership = serializers.ChoiceField(
        choices=PARTNERSHIP_SLUGS,
        help_text="The token's own partnership: naming the other one answers 403.",
    )
    received_on = serializers.DateField(input_formats=["iso-8601"], help_text=DATE_RECEIVED)
    child_reference = serializers.CharField(
        max_length=60, help_text="The Local Authority's reference for the subject child."
    )
    summary = serializers.CharField(max_length=5000, help_text="Use pseudonyms, never names.")
    child_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    child_date_of_birth = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="Not after today (UK time); a later date answers 422.",
    )
    agency_fields: tuple[str, ...] = ()

    def check_rules(self, partnership) -> None:
        """Rules on a schema-valid body, as a 422 naming each field: the agency named must
        work with the token's partnership, and one message whether it does not or does not
        exist, so that a token cannot list the other partnership's agencies."""
        data, errors = self.validated_data, {}
        born = data.get("child_date_of_birth")
        if born is not None and born > timezone.localdate():  # as the web form's ChildForm
            errors["child_date_of_birth"] = ["The date of birth must be in the past."]
        for field in self.agency_fields:
            if field in data:
                agency = selectors.agency_serving(partnership=partnership, name=data[field])
                if agency is None:
                    errors[field] = [NOT_THE_PARTNERSHIPS_AGENCY]
                data[field] = agency
        if errors:
            raise RuleBroken(errors)

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


NOT_DETAILS = (
    "partnership",
    "child_reference",
    "child_name",
    "child_date_of_birth",
    "confirm_duplicate",
)


class PossibleDuplicate(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "possible_duplicate"


class NotificationInputSerializer(_IntakeInput):
    agency_fields = ("notifying_authority",)
    notifying_authority = _agency_field()
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
    confirm_duplicate = serializers.BooleanField(
        default=False,
        help_text="Open the case even though an open case in the partnership has a child "
        "with this Local Authority reference and the same date received or incident date. "
        "Without it, such a notification answers 409 naming the matching cases.",
    )

    def details(self):
        data = {k: v for k, v in self.validated_data.items() if k not in NOT_DETAILS}
        return services.NotificationDetails(**data)


class ReferralInputSerializer(_IntakeInput):
    agency_fields = ("referring_agency",)
    referring_agency = _agency_field()
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


IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[!-~]{1,255}")
BAD_KEY = "Give a key of 1 to 255 visible ASCII characters, such as a UUID."
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=f"^{KEY_PATTERN.pattern}$",
    description=(
        "Any unique string per intended create, such as a UUID. The same key from the same "
        "user with the same body within 24 hours answers the first response again, with "
        f"`{REPLAYED_HEADER}: true`, and creates nothing; with a different body it answers "
        "422. Two requests at once with one key create one case."
    ),
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    location=OpenApiParameter.HEADER,
    description="`true` when this is the first response again.",
    enum=["true"],
    response=[201],
)
CREATE_RESPONSES = {
    201: OpenApiResponse(
        CreatedCaseSerializer,
        description="Created; or, for a repeated `Idempotency-Key`, the first response again.",
    )
}


class _IntakeCreateApi(ScopedApiMixin, APIView):
    required_action = Action.OPEN_CASE
    # JSON only: one encoding to describe, validate and replay (`Idempotency-Key`).
    parser_classes = [JSONParser]
    input_serializer: type[_IntakeInput]

    def _create(self, partnership, serializer):
        raise NotImplementedError

    def post(self, request):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not KEY_PATTERN.fullmatch(key):
            raise ValidationError({IDEMPOTENCY_HEADER: [BAD_KEY]})
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partnership = request.scope.partnership
        if serializer.validated_data["partnership"] != partnership.slug:
            raise PermissionDenied(
                f"This token may only create cases in its own partnership ({partnership.slug})."
            )
        serializer.check_rules(partnership)
        if key is None:
            return Response(*self._created(partnership, serializer))
        outcome = services.idempotent_create(
            user=request.user,
            partnership=partnership,
            key=key,
            digest=services.request_digest(path=request.path, body=request.data),
            create=lambda: self._created(partnership, serializer),
        )
        response = Response(outcome.body, status=outcome.status)
        if outcome.replayed:
            response[REPLAYED_HEADER] = "true"
        return response

    def _created(self, partnership, serializer) -> tuple[dict, int]:
        case = self._create(partnership, serializer)
        output = CreatedCaseSerializer(
            {
                "case_reference": case.reference,
                "stage": case.stage,
                "deadlines": list(selectors.case_deadlines(case=case)),
            }
        )
        return json.loads(json.dumps(output.data)), status.HTTP_201_CREATED


class PossibleDuplicateSerializer(serializers.Serializer):
    detail = serializers.CharField()
    matching_cases = serializers.ListField(child=serializers.CharField())


@extend_schema(
    request=NotificationInputSerializer,
    responses={
        **CREATE_RESPONSES,
        409: OpenApiResponse(
            PossibleDuplicateSerializer,
            description="An open case may be this notification: nothing was created. "
            "Check the matching cases, then send again with `confirm_duplicate: true`.",
        ),
    },
    parameters=[IDEMPOTENCY_PARAMETER, REPLAYED_PARAMETER],
)
class NotificationCreateApi(_IntakeCreateApi):
    """Record a Local Authority notification (§4.1.3): opens a Rapid Review case; or, for
    the death of a looked-after child or care leaver notified to the Secretary of State and
    Ofsted, not the National Panel, a case at `crg_consideration`, without deadlines (§1.3.5)."""

    name = "Notifications"
    input_serializer = NotificationInputSerializer

    def _create(self, partnership, serializer):
        data = serializer.validated_data
        if not data["confirm_duplicate"]:
            matches = selectors.matching_open_cases(
                partnership=partnership,
                child_reference=data["child_reference"],
                received_on=data["received_on"],
                incident_on=data.get("incident_on"),
            )
            if matches:
                raise PossibleDuplicate(
                    {
                        "detail": f"This may be a case already open: {', '.join(matches)}. "
                        "Send `confirm_duplicate: true` to open another case.",
                        "matching_cases": matches,
                    }
                )
        return services.notification_record(
            partnership=partnership,
            details=serializer.details(),
            children=serializer.children(),
            actor=self.request.user,
        )


@extend_schema(
    request=ReferralInputSerializer,
    responses=CREATE_RESPONSES,
    parameters=[IDEMPOTENCY_PARAMETER, REPLAYED_PARAMETER],
)
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
            # issue 14: a Rapid Review request or an LCSPR submission, and the kind asked
            "purpose",
            "submission_kind",
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


@extend_schema(
    parameters=list_parameters(
        rows="requests", dated="day sent (`sent_at`, UK time)", stage_of="the request's case"
    )
)
class InformationRequestListApi(ScopedApiMixin, generics.ListAPIView):
    """Information requests, newest sent first: a portal user's own agency's only, or the
    partnership's."""

    name = "Information requests"
    required_action = Action.READ_REQUESTS_API
    serializer_class = InformationRequestOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request)
        return selectors.portal_requests(
            scope=self.request.scope,
            stages=filters["stage"],
            sent_from=filters["from"],
            sent_to=filters["to"],
        )
