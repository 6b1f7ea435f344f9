"""The LCSPRs through the API: where each review stands against its six-month date
(§3.1.2-§3.1.3), its terms of reference (§5), its people (§6) and its timetable (§5.8),
for the partnership's reporting systems. Dates, kinds and yes/no only: never a child's
name, a person's details or the case narrative."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases import services as case_services
from cases.api.intake import (
    BAD_KEY,
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_PARAMETER,
    KEY_PATTERN,
    REPLAYED_HEADER,
    REPLAYED_PARAMETER,
)
from cases.api.lists import ListFilterSerializer, list_filters, list_parameters
from cases.api.views import ScopedApiMixin
from cases.errors import ApplicationError
from cases.file_store import StorageUnavailable
from cases.models import (
    SAFEGUARDING_PARTNER_KINDS,
    DeadlineStatus,
    RequestStatus,
    Stage,
    SubmissionKind,
)
from cases.permissions import Action
from reviews.checklist import KLOE_PREFIX, MINIMUM_CONTENT, REQUIREMENT_PREFIX
from reviews.models import (
    CollectionTool,
    HitKind,
    HitWhere,
    Lcspr,
    MilestoneKind,
    ParallelKind,
    QaOutcome,
)
from reviews.selectors import api as selectors
from reviews.selectors import findings as findings_selectors
from reviews.selectors import report as report_selectors
from reviews.selectors import report_approval as approval_selectors
from reviews.selectors import submissions as submission_selectors
from reviews.selectors.review import lcspr_get
from reviews.services.report_drafts import report_draft_upload

BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class SixMonthDate:
    due_date: date
    status: str
    expected_date: date | None


@dataclass(frozen=True)
class MethodologyRow:
    methodology: str
    collection_tools: list[str]


@dataclass(frozen=True)
class MilestoneRow:
    kind: str
    date: date


@dataclass(frozen=True)
class LcsprRow:
    case_reference: str
    stage: str
    decided_on: date
    lcspr_complete: SixMonthDate | None
    terms_of_reference_agreed_on: date | None
    scoping_period_start: date | None
    scoping_period_end: date | None
    methodology: MethodologyRow | None
    reviewer_appointed: bool
    panel_partners_missing: list[str]
    parallel_processes: list[str]
    delay_notices: list[date]
    at_risk: bool
    next_milestone: MilestoneRow | None


def lcspr_row(lcspr: Lcspr) -> LcsprRow:
    """One row, from a review read by `selectors.lcspr_list` (no further queries)."""
    deadline = selectors.listed_lcspr_complete(lcspr)
    terms = selectors.listed_terms_shown(lcspr)
    milestone = selectors.listed_next_milestone(lcspr)
    return LcsprRow(
        case_reference=lcspr.case.reference,
        stage=lcspr.case.stage,
        decided_on=lcspr.decided_on,
        lcspr_complete=SixMonthDate(
            due_date=deadline.due_date, status=deadline.status, expected_date=deadline.expected_date
        )
        if deadline
        else None,
        terms_of_reference_agreed_on=selectors.listed_terms_first_agreed_on(lcspr),
        scoping_period_start=terms.scoping_start if terms else None,
        scoping_period_end=terms.scoping_end if terms else None,
        methodology=MethodologyRow(
            methodology=terms.methodology, collection_tools=list(terms.collection_tools)
        )
        if terms
        else None,
        reviewer_appointed=selectors.listed_reviewer_appointed(lcspr),
        panel_partners_missing=selectors.listed_partners_missing(lcspr),
        parallel_processes=selectors.listed_parallel_kinds(lcspr),
        delay_notices=selectors.listed_delay_notices(lcspr),
        at_risk=selectors.listed_at_risk(lcspr),
        next_milestone=MilestoneRow(kind=milestone.kind, date=milestone.due_on)
        if milestone
        else None,
    )


# Plain strings in the schema, their values in help_text: as enums they would rename the
# schema's existing same-named enum components (`status`, `kind`: drf-spectacular resolves
# same-named enums by hashing), as rapidreview/api.py explains.


class SixMonthDateSerializer(serializers.Serializer):
    due_date = serializers.DateField(
        help_text="The statutory date: six months from the decision (§3.1.2). It never moves."
    )
    status = serializers.CharField(help_text=", ".join(DeadlineStatus.values) + ".")
    expected_date = serializers.DateField(
        allow_null=True,
        help_text="The revised expected date after a delay (§3.1.3); null if none.",
    )


class MethodologySerializer(serializers.Serializer):
    methodology = serializers.CharField(
        allow_blank=True, help_text="The methodology the review follows (§5.4, §8.1.3)."
    )
    collection_tools = serializers.ListField(
        child=serializers.CharField(),
        help_text="The information-collection tools (§5.4.2, §8.3-§8.5): "
        + ", ".join(CollectionTool.values)
        + ".",
    )


class MilestoneSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=", ".join(MilestoneKind.values) + ".")
    date = serializers.DateField()


class LcsprOutputSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    stage = serializers.CharField(help_text="The case's stage: " + ", ".join(Stage.values) + ".")
    decided_on = serializers.DateField(
        help_text="The CRG's decision to commission the LCSPR (§4.6.2, §4.9), which starts "
        "its six months (§3.1.2)."
    )
    lcspr_complete = SixMonthDateSerializer(
        allow_null=True, help_text="The six-month date (§3.1.2); null until it is scheduled."
    )
    terms_of_reference_agreed_on = serializers.DateField(
        allow_null=True,
        help_text="The date the CRG first agreed the terms of reference (§5.1.3); null until "
        "it has.",
    )
    scoping_period_start = serializers.DateField(
        allow_null=True,
        help_text="The scoping period (§5.2) of the terms in force, else of the latest draft.",
    )
    scoping_period_end = serializers.DateField(allow_null=True, help_text="As the start.")
    methodology = MethodologySerializer(
        allow_null=True,
        help_text="Of the terms of reference in force, else of the latest draft (§5.4); null "
        "before any draft.",
    )
    reviewer_appointed = serializers.BooleanField(
        help_text="Whether the review has a current Reviewer (§6.1.1). Never their details."
    )
    panel_partners_missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="The Safeguarding Partners no current Panel member represents (§6.2.1): "
        "of " + ", ".join(sorted(SAFEGUARDING_PARTNER_KINDS)) + ".",
    )
    parallel_processes = serializers.ListField(
        child=serializers.CharField(),
        help_text="The kinds of the parallel investigations and reviews (§5.6.1): "
        + ", ".join(ParallelKind.values)
        + ".",
    )
    delay_notices = serializers.ListField(
        child=serializers.DateField(),
        help_text="The dates notices of a delay were sent to the National Panel and the "
        "Secretary of State (§3.1.3), oldest first.",
    )
    at_risk = serializers.BooleanField(
        help_text="True when an open delay prevents publication within six months (§3.1.3), "
        "or the six-month date (§3.1.2) has passed with the review not complete."
    )
    next_milestone = MilestoneSerializer(
        allow_null=True,
        help_text="The timetable's next milestone not cancelled, from today on (§5.8); null "
        "if none.",
    )


class LcsprFilterSerializer(ListFilterSerializer):
    at_risk = serializers.ChoiceField(choices=list(BOOLEANS), required=False)


@extend_schema(
    parameters=[
        *list_parameters(
            rows="reviews",
            dated="decision to hold the LCSPR (`decided_on`)",
            stage_of="the review's case",
        ),
        OpenApiParameter(
            "at_risk",
            type=OpenApiTypes.BOOL,
            description="true: only reviews whose six-month date is at risk (§3.1.2-§3.1.3); "
            "false: only those on track.",
        ),
    ]
)
class LcsprListApi(ScopedApiMixin, generics.ListAPIView):
    """The partnership's LCSPRs, newest decision first: the six-month date and its delays,
    the terms of reference, the review's people and its next milestone. A Reviewer or Panel
    member lists only the reviews they are appointed to and have declared for."""

    name = "LCSPRs"
    serializer_class = LcsprOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request, LcsprFilterSerializer)
        at_risk = filters.get("at_risk")
        return selectors.lcspr_list(
            scope=self.request.scope,
            stages=filters["stage"],
            at_risk=BOOLEANS[at_risk] if at_risk is not None else None,
            decided_from=filters["from"],
            decided_to=filters["to"],
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [lcspr_row(lcspr) for lcspr in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


# --- issue 14: agency submissions (§8.2-8.7) ---------------------------------------------


class SubmissionDecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text=", ".join(QaOutcome.values) + ".")
    decided_on = serializers.DateField()
    respond_by = serializers.DateField(
        allow_null=True, help_text="For more information asked for: by when (§8.7)."
    )
    panel_meeting_on = serializers.DateField(
        allow_null=True, help_text="For an invitation: the panel meeting's date (§8.7)."
    )
    responded_on = serializers.DateField(
        allow_null=True, help_text="When the agency answered the decision; null until it has."
    )


class SubmissionRowSerializer(serializers.Serializer):
    agency = serializers.CharField(help_text="The agency's name.")
    kind = serializers.CharField(
        help_text="What was asked for (§8.2.1): " + ", ".join(SubmissionKind.values) + "."
    )
    with_analysis = serializers.BooleanField(help_text="Analysis columns asked for (§8.4.1).")
    with_organisational_changes = serializers.BooleanField(
        help_text="A chronology of organisational changes asked for (§8.4.1)."
    )
    sent_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(help_text="The current due date (a working day).")
    status = serializers.CharField(help_text=", ".join(RequestStatus.values) + ".")
    submitted_on = serializers.DateField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    qa_outcome = serializers.CharField(
        allow_null=True,
        help_text="The Panel's latest decision (§8.7): " + ", ".join(QaOutcome.values) + "; "
        "null before any.",
    )
    qa_decisions = SubmissionDecisionSerializer(
        many=True, help_text="Every decision, oldest first."
    )
    escalation_step = serializers.IntegerField(
        allow_null=True,
        help_text="The latest step of the §2.1.7 escalation (1 the CRG, 2 the agency's "
        "strategic lead, 3 the Safeguarding Partners); null if not escalated.",
    )
    escalation_resolved = serializers.BooleanField()


class LcsprSubmissionsSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    submissions = SubmissionRowSerializer(many=True)


def _day(value):
    return timezone.localdate(value) if value else None


def submission_row(request) -> dict:
    """One agency's submission: what was asked, dates, status and QA; never its content."""
    decisions = list(request.submission_reviews.all())
    steps = list(request.escalations.all())
    return {
        "agency": request.agency.name,
        "kind": request.submission_kind,
        "with_analysis": request.with_analysis,
        "with_organisational_changes": request.with_organisational_changes,
        "sent_on": _day(request.sent_at),
        "due_on": request.reply_due_on,
        "status": request.status,
        "submitted_on": _day(request.submitted_at),
        "accepted_on": _day(request.accepted_at),
        "qa_outcome": decisions[-1].outcome if decisions else None,
        "qa_decisions": [
            {
                "outcome": d.outcome,
                "decided_on": _day(d.decided_at),
                "respond_by": d.respond_by,
                "panel_meeting_on": d.panel_meeting.held_on if d.panel_meeting else None,
                "responded_on": _day(d.responded_at),
            }
            for d in decisions
        ],
        "escalation_step": steps[-1].step if steps else None,
        "escalation_resolved": bool(steps and steps[-1].resolved),
    }


class LcsprSubmissionsApi(ScopedApiMixin, generics.GenericAPIView):
    """The agencies' submissions to one LCSPR (§8.2-8.7): per agency, the kind asked for,
    the due date, the status and the Panel's quality assurance, with their dates; never
    the content. A Reviewer or Panel member reads only the reviews they are appointed to
    and have declared for; another partnership's case is a 404."""

    name = "LCSPR submissions"
    serializer_class = LcsprSubmissionsSerializer
    pagination_class = None

    def get(self, request, reference):
        case = case_selectors.case_get(scope=request.scope, reference=reference)
        lcspr_get(scope=request.scope, case=case)
        rows = [submission_row(item) for item in submission_selectors.submissions(case=case)]
        data = {"case_reference": case.reference, "submissions": rows}
        return Response(self.get_serializer(data).data)


# --- issue 15: the report (§9) ------------------------------------------------------------

POINT_TITLES = {point.key: point.title for point in MINIMUM_CONTENT}


def _point_label(key: str) -> str:
    """A checklist point as the API names it: §9.1.2's own title, or the number of a line of
    enquiry or of a requirement, never the terms' wording."""
    if key.startswith(KLOE_PREFIX):
        return f"Key line of enquiry {key.removeprefix(KLOE_PREFIX)}"
    if key.startswith(REQUIREMENT_PREFIX):
        return "A requirement of the terms of reference"
    return POINT_TITLES.get(key, key)


class ChecklistPointSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="§9.1.2's point (`overview`, `methods`, ...), `kloe:N` for the Nth key line "
        "of enquiry of the terms of reference in force, `requirement:ID` for one the terms add."
    )
    title = serializers.CharField()


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=", ".join(HitKind.values) + ".")
    where = serializers.CharField(help_text=", ".join(HitWhere.values) + ".")


class ReportSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    version = serializers.IntegerField(
        allow_null=True, help_text="The latest draft's number; null before the first."
    )
    version_finished = serializers.BooleanField(
        help_text="Whether that draft is finished (a draft written in the product is not, "
        "until the Reviewer finishes it)."
    )
    status = serializers.CharField(
        help_text="drafting, qa, crg_approval, partnership_approval or final (§9.1.4-9.1.5)."
    )
    checklist_missing = ChecklistPointSerializer(
        many=True, help_text="The §9.1.2 points the latest finished draft does not address."
    )
    anonymisation_hits_open = serializers.IntegerField(
        help_text="Restricted data the guard found in the latest finished draft, neither "
        "fixed nor accepted by the CRG chair (§9.1.3)."
    )
    recommendation_count = serializers.IntegerField()


def _missing(draft) -> list[dict]:
    if draft is None:
        return []
    return [
        {"key": point.key, "title": _point_label(point.key)}
        for point in report_selectors.draft_missing_points(draft)
    ]


class LcsprReportApi(ScopedApiMixin, generics.GenericAPIView):
    """Where one LCSPR's report stands (§9): the latest draft's number, the status, the
    minimum-content points missing (§9.1.2), the anonymisation hits open (§9.1.3) and the
    number of recommendations; never the report's text. A Reviewer or Panel member reads
    only the reviews they are appointed to; another partnership's case is a 404."""

    name = "LCSPR report"
    serializer_class = ReportSerializer
    pagination_class = None

    def get(self, request, reference):
        case = case_selectors.case_get(scope=request.scope, reference=reference)
        lcspr = lcspr_get(scope=request.scope, case=case)
        latest = report_selectors.report_draft_latest(lcspr)
        state = approval_selectors.approval_state(lcspr)
        finished = state.draft
        data = {
            "case_reference": case.reference,
            "version": latest.number if latest else None,
            "version_finished": bool(latest and latest.is_finished),
            "status": str(state.status),
            "checklist_missing": _missing(finished),
            "anonymisation_hits_open": (
                report_selectors.draft_open_hits(finished).count() if finished else 0
            ),
            "recommendation_count": findings_selectors.recommendations_of(lcspr).count(),
        }
        return Response(self.get_serializer(data).data)


class DraftInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The draft as a Word document (.docx).")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="What changed in this draft."
    )


class DraftCreatedSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    version = serializers.IntegerField(help_text="The new draft's number.")
    checklist_missing = ChecklistPointSerializer(many=True)
    anonymisation_hits = HitSerializer(
        many=True,
        help_text="What the guard found (§9.1.3): its kind and where; the report page shows "
        "each in its context to the review team.",
    )
    url = serializers.CharField(help_text="The draft's page in the product.")


@extend_schema(
    request={"multipart/form-data": DraftInputSerializer},
    responses={
        201: OpenApiResponse(
            DraftCreatedSerializer,
            description="The draft, checked: created; or, for a repeated `Idempotency-Key`, "
            "the first response again.",
        )
    },
    parameters=[IDEMPOTENCY_PARAMETER, REPLAYED_PARAMETER],
    examples=[
        OpenApiExample(
            "A draft with a name in it",
            response_only=True,
            status_codes=["201"],
            value={
                "case_reference": "LEI-2026-0003",
                "version": 3,
                "checklist_missing": [{"key": "research", "title": POINT_TITLES["research"]}],
                "anonymisation_hits": [{"kind": "family_name", "where": "draft"}],
                "url": "https://lcspr.example.org/cases/LEI-2026-0003/lcspr/report/drafts/41/",
            },
        )
    ],
)
class LcsprReportDraftCreateApi(ScopedApiMixin, APIView):
    """Upload the next draft of an LCSPR's report from Word (§9.1): the Reviewer's token
    (or the Business Office's) for a review it may write. The draft is finished at once,
    checked against the minimum content (§9.1.2) and by the anonymisation guard (§9.1.3).
    400 names the problem (not a Word document, password-protected, too large, a draft
    still being written in the product)."""

    name = "LCSPR report drafts"
    required_action = Action.WRITE_REPORT
    parser_classes = [MultiPartParser]

    def post(self, request, reference):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not KEY_PATTERN.fullmatch(key):
            raise ValidationError({IDEMPOTENCY_HEADER: [BAD_KEY]})
        case = case_selectors.case_get(scope=request.scope, reference=reference)
        lcspr = lcspr_get(scope=request.scope, case=case)
        serializer = DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        note = serializer.validated_data.get("note", "")

        def created() -> tuple[dict, int]:
            try:
                draft = report_draft_upload(
                    lcspr=lcspr, upload=upload, note=note, actor=request.user
                )
            except StorageUnavailable:
                raise  # not the file's fault: a 503 (cases.api.exceptions)
            except ApplicationError as refused:
                # The file itself is the problem (not Word, protected, too large, a draft
                # still being written): a 400 naming it, as a form field's error would.
                raise ValidationError({refused.field or "detail": [refused.message]}) from None
            return self._output(case, draft), status.HTTP_201_CREATED

        if key is None:
            return Response(*created())
        upload.seek(0)
        digest = case_services.request_digest(
            path=request.path,
            body={"sha256": hashlib.sha256(upload.read()).hexdigest(), "note": note},
        )
        upload.seek(0)
        outcome = case_services.idempotent_create(
            user=request.user,
            partnership=case.partnership,
            key=key,
            digest=digest,
            create=created,
        )
        response = Response(outcome.body, status=outcome.status)
        if outcome.replayed:
            response[REPLAYED_HEADER] = "true"
        return response

    def _output(self, case, draft) -> dict:
        hits = report_selectors.draft_open_hits(draft)
        data = {
            "case_reference": case.reference,
            "version": draft.number,
            "checklist_missing": _missing(draft),
            "anonymisation_hits": [{"kind": h.kind, "where": h.where} for h in hits],
            "url": self.request.build_absolute_uri(
                reverse("lcspr_report_draft", kwargs={"reference": case.reference, "pk": draft.pk})
            ),
        }
        return json.loads(json.dumps(DraftCreatedSerializer(data).data))
