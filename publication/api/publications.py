"""The publications through the API (§10.5): for the partnership's reporting systems, each
review's publication dates, its archiving, the NSPCC decision, and its timeliness against
the seven working days' notice (§10.5.1) and the six months (§3.1.2-§3.1.3). Dates, choices
and yes/no only: never a name, the reason for a choice or the published files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from cases.api.lists import list_filters, list_parameters
from cases.api.views import ScopedApiMixin
from cases.models import DeadlineStatus
from cases.selectors import working_calendar
from publication.models import NspccChoice, PackKind, Publication, PublishChoice
from publication.rules.availability import (
    AVAILABLE_UNTIL_KIND,
    SIX_MONTH_KIND,
    available_until,
    notice_in_time,
)
from publication.selectors.api_publications import publication_list

PACK_OF_CHOICE = {
    PublishChoice.REPORT: PackKind.REPORT,
    PublishChoice.IMPROVEMENTS_ONLY: PackKind.IMPROVEMENTS,
}


@dataclass(frozen=True)
class SixMonthDate:
    due_date: date
    status: str
    expected_date: date | None


@dataclass(frozen=True)
class PublicationRow:
    case_reference: str
    choice: str | None
    planned_on: date | None
    notice_sent_on: date | None
    published_on: date | None
    available_until: date | None
    archived: bool
    archived_on: date | None
    nspcc_choice: str | None
    nspcc_submitted_on: date | None
    notice_in_time: bool | None
    lcspr_complete: SixMonthDate | None
    published_within_six_months: bool | None


def _notice_sent_on(publication: Publication) -> date | None:
    """The latest notice of the pack the choice publishes (the one that went last is the
    one the Panel, Ofsted and the DfE hold), or of any pack before the choice is made."""
    notices = publication.api_notices
    pack = PACK_OF_CHOICE.get(publication.choice)
    matching = [n for n in notices if n.kind == pack] if pack else notices
    return max((n.sent_on for n in matching), default=None)


def _within_six_months(publication: Publication, deadline) -> bool | None:
    """Whether publication met `lcspr_complete` (§3.1.2-§3.1.3): its status once closed,
    worked out from the dates while it is still open; None before publication or when it
    was waived."""
    if deadline is None or publication.published_on is None:
        return None
    if deadline.status == DeadlineStatus.MET:
        return True
    if deadline.status == DeadlineStatus.MISSED:
        return False
    if deadline.status == DeadlineStatus.OPEN:
        return publication.published_on <= deadline.due_date
    return None


def publication_row(publication: Publication, calendars: dict) -> PublicationRow:
    """One row, from a publication read by `publication_list` (no further queries but
    each partnership's working calendar, once)."""
    partnership = publication.lcspr.case.partnership
    if partnership.pk not in calendars:
        calendars[partnership.pk] = working_calendar(partnership=partnership)
    cal = calendars[partnership.pk]
    deadlines = {d.kind: d for d in publication.lcspr.case.api_deadlines}
    until = deadlines.get(AVAILABLE_UNTIL_KIND)
    six_months = deadlines.get(SIX_MONTH_KIND)
    sent_on = _notice_sent_on(publication)
    published_on = publication.published_on
    return PublicationRow(
        case_reference=publication.lcspr.case.reference,
        choice=publication.choice or None,
        planned_on=publication.planned_on,
        notice_sent_on=sent_on,
        published_on=published_on,
        available_until=until.due_date
        if until is not None
        else (available_until(partnership, published_on, cal) if published_on else None),
        archived=publication.archived_on is not None,
        archived_on=publication.archived_on,
        nspcc_choice=publication.nspcc_choice or None,
        nspcc_submitted_on=publication.nspcc_submitted_on,
        notice_in_time=notice_in_time(
            partnership, sent_on=sent_on, published_on=published_on, cal=cal
        ),
        lcspr_complete=SixMonthDate(
            due_date=six_months.due_date,
            status=six_months.status,
            expected_date=six_months.expected_date,
        )
        if six_months is not None
        else None,
        published_within_six_months=_within_six_months(publication, six_months),
    )


# Plain strings in the schema, their values in help_text (as reviews/api.py explains: a
# same-named enum would rename the schema's existing enum components).


class PublicationSixMonthDateSerializer(serializers.Serializer):
    due_date = serializers.DateField(
        help_text="Six months from the decision to hold the LCSPR (§3.1.2). It never moves."
    )
    status = serializers.CharField(help_text=", ".join(DeadlineStatus.values) + ".")
    expected_date = serializers.DateField(
        allow_null=True,
        help_text="The revised expected date after a delay (§3.1.3); null if none.",
    )


class PublicationOutputSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    choice = serializers.CharField(
        allow_null=True,
        help_text="What the partnership decided to publish (§10.1.1, footnote 23): "
        + ", ".join(PublishChoice.values)
        + "; null until decided.",
    )
    planned_on = serializers.DateField(
        allow_null=True, help_text="The planned publication date (§10.5.1); null until set."
    )
    notice_sent_on = serializers.DateField(
        allow_null=True,
        help_text="The date the pack of the chosen kind was last sent to the National Panel, "
        "Ofsted and the DfE (§10.5.1); null until sent.",
    )
    published_on = serializers.DateField(
        allow_null=True, help_text="The date published (§10.5.2); null until published."
    )
    available_until = serializers.DateField(
        allow_null=True,
        help_text="The end of its year of publication, the earliest take-down date "
        "(§10.5.2); null until published.",
    )
    archived = serializers.BooleanField(help_text="Archived after its year (§10.5.2).")
    archived_on = serializers.DateField(allow_null=True)
    nspcc_choice = serializers.CharField(
        allow_null=True,
        help_text="Whether to submit it to the NSPCC National Repository (§10.5.3): "
        + ", ".join(NspccChoice.values)
        + "; null until decided.",
    )
    nspcc_submitted_on = serializers.DateField(
        allow_null=True, help_text="The date submitted to the NSPCC (§10.5.3); null if not."
    )
    notice_in_time = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the notice went no later than seven working days before "
        "publication (§10.5.1); null until both dates are known.",
    )
    lcspr_complete = PublicationSixMonthDateSerializer(
        allow_null=True, help_text="The review's six-month date (§3.1.2); null if none."
    )
    published_within_six_months = serializers.BooleanField(
        allow_null=True,
        help_text="Whether publication met the six-month date (§3.1.2-§3.1.3): the "
        "deadline's status; null before publication or if the deadline was waived.",
    )


@extend_schema(
    parameters=list_parameters(
        rows="publications",
        dated="date published (`published_on`; a date filter leaves out those not yet published)",
        stage_of="the review's case",
    )
)
class PublicationListApi(ScopedApiMixin, generics.ListAPIView):
    """The partnership's publications, newest publication first, then those not yet
    published: dates, archiving, the NSPCC decision and timeliness (§10.5, §3.1.3). A
    Reviewer or Panel member lists only the reviews they are appointed to."""

    name = "Publications"
    serializer_class = PublicationOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request)
        return publication_list(
            scope=self.request.scope,
            stages=filters["stage"],
            published_from=filters["from"],
            published_to=filters["to"],
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        calendars: dict = {}
        rows = [publication_row(publication, calendars) for publication in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
