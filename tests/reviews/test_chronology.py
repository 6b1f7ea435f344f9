"""The multi-agency chronology (§8.4.3): every agency's received LCSPR chronology merged by
date and time within the scoping period, filtered, with its gaps and overlaps, exported as
a landscape PDF, a CSV and an XLSX, read only by the review team and access-logged."""

import csv
import io
from datetime import date, time, timedelta

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import (
    AccessAction,
    AccessEvent,
    Child,
    ChronologyEntry,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    Role,
    SubmissionKind,
)
from reviews.models import TermsVersion
from reviews.selectors.chronology import (
    ChronologyFilters,
    chronology_status,
    gaps_between,
    multi_agency_chronology,
)
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

CHILD_NAME = "Peregrine"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def submission(case, agency, *, status=RequestStatus.SUBMITTED, purpose=RequestPurpose.LCSPR):
    return InformationRequest.unscoped.create(
        case=case,
        agency=agency,
        purpose=purpose,
        submission_kind=SubmissionKind.CHRONOLOGY if purpose == RequestPurpose.LCSPR else "",
        status=status,
        reply_due_on=timezone.localdate() + timedelta(days=20),
        sent_at=timezone.now(),
    )


def entry(request, day, event, *, at=None, concerning="Child A", organisational=False):
    return ChronologyEntry.unscoped.create(
        request=request,
        happened_on=day,
        happened_at=at,
        concerning=concerning,
        source=f"{request.agency.name} records",
        event=event,
        is_organisational_change=organisational,
    )


@pytest.fixture
def review(leicester):
    """A Leicester LCSPR (the child named in the case's restricted file) with its Reviewer,
    Panel member, office and a chair; Police and Health have submitted, Education has a
    draft, and the scoping period is 2025."""
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=f"{CHILD_NAME} Smith")
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    panel = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, panel, Role.PANEL_MEMBER)
    TermsVersion.unscoped.create(
        lcspr=lcspr, number=1, scoping_start=date(2025, 1, 1), scoping_end=date(2025, 12, 31)
    )
    police, health, education = (
        AgencyFactory(name=name) for name in ("Police", "Health", "Education")
    )
    police_request, health_request = submission(case, police), submission(case, health)
    police_request.status = RequestStatus.ACCEPTED
    police_request.save()
    draft = submission(case, education, status=RequestStatus.IN_PROGRESS)
    return {
        "case": case,
        "lcspr": lcspr,
        "reviewer": reviewer,
        "panel": panel,
        "office": staff_user(leicester),
        "police": police_request,
        "health": health_request,
        "draft": draft,
    }


def url(name, case, query=""):
    return reverse(name, kwargs={"reference": case.reference}) + query


def events(chronology):
    return [row.entry.event for row in chronology.rows if not row.is_gap]


# --- The merge ---------------------------------------------------------------------------


def test_entries_merge_by_date_then_time_with_untimed_entries_first_on_their_day(review):
    police, health = review["police"], review["health"]
    entry(police, date(2025, 3, 3), "Police visit at 14:00", at=time(14, 0))
    entry(health, date(2025, 3, 3), "Health note without a time")
    entry(health, date(2025, 3, 3), "Health visit at 09:30", at=time(9, 30))
    entry(police, date(2025, 3, 1), "Earlier police call", at=time(23, 0))
    entry(police, date(2025, 3, 4), "Police note without a time")
    chronology = multi_agency_chronology(review["lcspr"])
    assert events(chronology) == [
        "Earlier police call",
        "Health note without a time",
        "Health visit at 09:30",
        "Police visit at 14:00",
        "Police note without a time",
    ]


def test_drafts_and_rapid_review_entries_are_not_merged_returned_ones_stay(review, leicester):
    """A draft is its agency's own and a Rapid Review reply is not the LCSPR's; a submission
    returned for more information was submitted once and stays merged (§8.7.2)."""
    entry(review["police"], date(2025, 3, 3), "Submitted police event")
    entry(review["draft"], date(2025, 3, 3), "Education's draft event")
    rapid = submission(review["case"], AgencyFactory(name="Housing"), purpose="rapid_review")
    entry(rapid, date(2025, 3, 3), "Rapid Review reply event")
    returned = submission(
        review["case"], AgencyFactory(name="Probation"), status=RequestStatus.RETURNED
    )
    entry(returned, date(2025, 3, 3), "Returned submission event")
    assert sorted(events(multi_agency_chronology(review["lcspr"]))) == [
        "Returned submission event",
        "Submitted police event",
    ]


def test_entries_outside_the_scoping_period_are_kept_apart(review):
    entry(review["police"], date(2024, 12, 31), "Before the period")
    entry(review["police"], date(2025, 1, 1), "First day of the period")
    entry(review["police"], date(2025, 12, 31), "Last day of the period")
    entry(review["police"], date(2026, 1, 1), "After the period")
    chronology = multi_agency_chronology(review["lcspr"])
    assert events(chronology) == ["First day of the period", "Last day of the period"]
    assert [e.event for e in chronology.outside] == ["Before the period", "After the period"]


def test_organisational_changes_are_shown_apart_or_alone(review):
    entry(review["police"], date(2025, 3, 3), "A visit")
    entry(review["police"], date(2025, 5, 1), "Team restructured", organisational=True)
    lcspr = review["lcspr"]
    chronology = multi_agency_chronology(lcspr)
    assert events(chronology) == ["A visit"]
    assert [e.event for e in chronology.organisational] == ["Team restructured"]
    only = multi_agency_chronology(lcspr, ChronologyFilters(organisational="only"))
    assert events(only) == []
    assert [e.event for e in only.organisational] == ["Team restructured"]
    without = multi_agency_chronology(lcspr, ChronologyFilters(organisational="without"))
    assert events(without) == ["A visit"]
    assert without.organisational == []


# --- Gaps and overlaps ---------------------------------------------------------------------


def test_a_gap_is_more_days_without_contact_than_the_threshold():
    first = date(2025, 3, 1)
    assert gaps_between([first, first + timedelta(days=28)], 28) == []
    assert gaps_between([first, first + timedelta(days=29)], 28) == [
        (first, first + timedelta(days=29), 29)
    ]
    assert gaps_between([first, first + timedelta(days=28)], 27) == [
        (first, first + timedelta(days=28), 28)
    ]
    assert gaps_between([first], 1) == []


def test_the_gap_row_says_how_long_and_between_which_days(review):
    lcspr = review["lcspr"]
    assert lcspr.chronology_gap_days == 28
    entry(review["police"], date(2025, 3, 3), "Before the gap")
    entry(review["health"], date(2025, 4, 17), "After the gap")
    entry(review["health"], date(2025, 5, 15), "28 days later: no gap")
    chronology = multi_agency_chronology(lcspr)
    assert [row.gap_text for row in chronology.gaps] == [
        "No agency contact for 45 days: 3 March 2025 – 17 April 2025"
    ]
    rows = [row.gap_text if row.is_gap else row.entry.event for row in chronology.rows]
    assert rows[1].startswith("No agency contact for 45 days")
    lcspr.chronology_gap_days = 27
    assert len(multi_agency_chronology(lcspr).gaps) == 2


def test_a_day_with_contacts_by_several_agencies_is_said_in_words(review):
    entry(review["police"], date(2025, 3, 3), "Police visit")
    entry(review["police"], date(2025, 3, 3), "Police call")
    entry(review["police"], date(2025, 3, 4), "Police again")
    entry(review["health"], date(2025, 3, 3), "Health visit")
    chronology = multi_agency_chronology(review["lcspr"])
    said = {row.entry.event: row.overlap_text for row in chronology.rows}
    assert said == {
        "Police visit": "2 agencies on this day",
        "Police call": "2 agencies on this day",
        "Health visit": "2 agencies on this day",
        "Police again": "",
    }
    assert chronology.overlap_days == [date(2025, 3, 3)]


# --- Filters -------------------------------------------------------------------------------


def test_the_filters_narrow_by_agency_period_person_and_theme(client, review):
    police, health = review["police"], review["health"]
    entry(police, date(2025, 2, 1), "Police in February", concerning="Mother")
    entry(police, date(2025, 6, 1), "Police in June")
    entry(health, date(2025, 6, 2), "Health in June")
    sign_in(client, review["reviewer"])
    case = review["case"]
    by_agency = client.get(url("lcspr_chronology", case, f"?agency={health.agency_id}"))
    assert "Health in June" in by_agency.text
    assert "Police in June" not in by_agency.text
    period = "?date_from-day=1&date_from-month=5&date_from-year=2025"
    by_period = client.get(url("lcspr_chronology", case, period))
    assert "Police in February" not in by_period.text
    assert "Police in June" in by_period.text
    # The filters keep what was chosen.
    assert 'name="date_from-month" type="text" inputmode="numeric" value="5"' in by_period.text
    by_person = client.get(url("lcspr_chronology", case, "?concerning=Mother"))
    assert "Police in February" in by_person.text
    assert "Police in June" not in by_person.text
    backwards = client.get(
        url(
            "lcspr_chronology",
            case,
            "?date_from-day=1&date_from-month=6&date_from-year=2025"
            "&date_to-day=1&date_to-month=5&date_to-year=2025",
        )
    )
    assert "The end of the period must be the same as or after its start." in backwards.text


def test_the_threshold_is_set_by_the_panel_and_conflicts_when_stale(client, review):
    case, lcspr = review["case"], review["lcspr"]
    entry(review["police"], date(2025, 3, 1), "One")
    entry(review["police"], date(2025, 3, 21), "Two")
    sign_in(client, review["panel"])
    settings_url = url("lcspr_chronology_settings", case)
    response = client.post(settings_url, {"gap_days": 14, "version": lcspr.version})
    assert response.status_code == 302
    lcspr.refresh_from_db()
    assert lcspr.chronology_gap_days == 14
    page = client.get(url("lcspr_chronology", case))
    assert "No agency contact for 20 days: 1 March 2025 – 21 March 2025" in page.text
    stale = client.post(settings_url, {"gap_days": 60, "version": lcspr.version - 1})
    assert "Someone else changed the review" in stale.text
    lcspr.refresh_from_db()
    assert lcspr.chronology_gap_days == 14
    bad = client.post(settings_url, {"gap_days": 0, "version": lcspr.version})
    assert "Enter at least 1 day." in bad.text
    sign_in(client, staff_user(case.partnership, role=Role.CRG_CHAIR))
    assert client.post(settings_url, {"gap_days": 5, "version": lcspr.version}).status_code == 403


# --- The page ------------------------------------------------------------------------------


def test_every_entry_links_to_its_agencys_submission(client, review):
    entry(review["police"], date(2025, 3, 3), "Police visit")
    sign_in(client, review["office"])
    page = client.get(url("lcspr_chronology", review["case"]))
    request_url = reverse(
        "lcspr_submission",
        kwargs={"reference": review["case"].reference, "pk": review["police"].pk},
    )
    assert f'href="{request_url}"' in page.text
    assert 'role="region" aria-label="Multi-agency chronology"' in page.text


def test_the_task_says_how_many_entries_agencies_and_gaps(review):
    lcspr = review["lcspr"]
    assert chronology_status(lcspr).hint == "No agency's chronology received yet"
    entry(review["police"], date(2025, 3, 1), "One")
    entry(review["police"], date(2025, 5, 1), "Two")
    entry(review["health"], date(2025, 5, 1), "Three")
    assert chronology_status(lcspr).hint == "3 entries from 2 agencies; 1 gap"


def test_only_the_review_team_reads_it_and_each_read_is_logged(client, review, leicester, lr):
    entry(review["police"], date(2025, 3, 3), "Police visit")
    case = review["case"]
    for role in (Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER, Role.PARTNERSHIP_ADMIN):
        sign_in(client, staff_user(leicester, role=role))
        assert client.get(url("lcspr_chronology", case)).status_code == 403
    other_reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other_reviewer)
    sign_in(client, other_reviewer)
    assert client.get(url("lcspr_chronology", case)).status_code == 404
    sign_in(client, staff_user(lr))
    response = client.get(url("lcspr_chronology_csv", case))
    assert response.status_code == 404
    assert "Police visit" not in response.text
    sign_in(client, review["reviewer"])
    before = AccessEvent.unscoped.count()
    assert client.get(url("lcspr_chronology", case)).status_code == 200
    logged = AccessEvent.unscoped.order_by("-id")[: AccessEvent.unscoped.count() - before]
    assert [(e.action, e.object_type, e.object_reference) for e in logged] == [
        (AccessAction.VIEW, "multi-agency chronology", case.reference)
    ]


# --- Exports -------------------------------------------------------------------------------


def test_the_exports_hold_the_entries_honour_the_filters_and_are_logged(client, review):
    police, health = review["police"], review["health"]
    entry(police, date(2025, 3, 3), "Police visit")
    entry(health, date(2025, 3, 3), "Health visit")
    entry(health, date(2025, 6, 1), "Health later")
    case = review["case"]
    sign_in(client, review["office"])
    query = f"?agency={health.agency_id}"
    before = AccessEvent.unscoped.filter(action=AccessAction.DOWNLOAD).count()

    response = client.get(url("lcspr_chronology_csv", case, query))
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{case.reference}-multi-agency-chronology.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Time", "Agency"]
    found = [row[5] for row in rows[1:]]
    assert "Health visit" in found
    assert "Police visit" not in found
    assert any(text.startswith("No agency contact for 90 days") for text in found)

    response = client.get(url("lcspr_chronology_xlsx", case))
    assert response["Content-Disposition"].endswith('multi-agency-chronology.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[5] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "Police visit" in cells
    assert "Health visit" in cells
    notes = [row[10] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "2 agencies on this day" in notes

    response = client.get(url("lcspr_chronology_pdf", case, query))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Health visit" in text
    assert "Police visit" not in text
    assert "Narrowed to: Health" in text

    downloads = AccessEvent.unscoped.filter(action=AccessAction.DOWNLOAD).order_by("id")[before:]
    assert [(e.object_type, e.object_reference) for e in downloads] == [
        ("multi-agency chronology (csv)", case.reference),
        ("multi-agency chronology (xlsx)", case.reference),
        ("multi-agency chronology (pdf)", case.reference),
    ]


def test_the_pdf_is_landscape_a4_and_names_no_child(client, review):
    case = review["case"]
    entry(review["police"], date(2025, 3, 3), "Police visit")
    sign_in(client, review["office"])
    response = client.get(url("lcspr_chronology_pdf", case))
    page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width > height
    assert round(width / 72 * 25.4) == 297
    assert round(height / 72 * 25.4) == 210
    for name in ("lcspr_chronology_pdf", "lcspr_chronology_csv", "lcspr_chronology_xlsx"):
        response = client.get(url(name, case))
        assert case.reference in response["Content-Disposition"]
        assert CHILD_NAME not in response["Content-Disposition"]
    assert CHILD_NAME not in pdf_text(client.get(url("lcspr_chronology_pdf", case)).content)
