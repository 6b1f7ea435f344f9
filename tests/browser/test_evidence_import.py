"""A chronology imported from a spreadsheet (issue 14, §8.4.1), in the browser with axe, for
both partnerships: the police, in the portal, upload an XLSX with one bad row, see the
error by its row and column, upload the corrected file and import it, and find the
entries listed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from cases.models import (
    Case,
    ChronologyEntry,
    InformationRequest,
    Partnership,
    RequestPurpose,
    SubmissionKind,
)
from cases.selectors import chronology_concerning_options
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.factories import working_days_ahead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["Date", "Time", "Concerning", "Source", "Event", "Agency response", "Analysis"]


def police_lcspr_request(slug) -> InformationRequest:
    """An LCSPR chronology request to the police (§8.4.1), made as the office sends it, on a
    case of the partnership that has none yet."""
    partnership = Partnership.objects.get(slug=slug)
    police = partnership.agencies.get(name="Leicestershire Police")
    case = (
        Case.objects.for_partnership(partnership)
        .exclude(
            information_requests__agency=police,
            information_requests__purpose=RequestPurpose.LCSPR,
        )
        .filter(withdrawn_at__isnull=True)
        .order_by("pk")
        .first()
    )
    return InformationRequest.objects.create(
        case=case,
        agency=police,
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.CHRONOLOGY,
        with_analysis=True,
        reply_due_on=working_days_ahead(20, partnership),
        sent_at=timezone.now(),
    )


def entries(request):
    return ChronologyEntry.objects.for_partnership(request.case.partnership).filter(request=request)


def workbook(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_police_import_a_chronology_with_one_bad_row_corrected(page, slug, tmp_path):
    request = police_lcspr_request(slug)
    who = chronology_concerning_options(case=request.case)[0]
    day = timezone.localdate() - timedelta(days=40)
    rows = [
        [day.strftime("%d/%m/%Y"), "21:15", who, "Incident log", "Call from a neighbour.", "", ""],
        ["31/02/2025", "", "", "Incident log", "Officers attended the home.", "", ""],
        [day.strftime("%d/%m/%Y"), "", "", "Custody record", "Father arrested.", "", "Timely."],
    ]
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/chronology/")
    page.get_by_role("link", name="Import from a spreadsheet").click()
    expect(
        page.get_by_role("heading", name="Import a chronology from a spreadsheet")
    ).to_be_visible()
    expect(page.locator("#concerning-values")).to_contain_text(who)
    assert_accessible(page, f"chronology-import-{slug}")

    page.get_by_label("Upload your chronology").set_input_files(
        workbook(tmp_path / "police.xlsx", rows)
    )
    page.get_by_role("button", name="Upload and check").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Row 3, Date: '31/02/2025' is not a date: use dd/mm/yyyy, for example 31/01/2025"
    )
    expect(page.locator("#invalid-count")).to_have_text("1")
    expect(page.locator("#valid-count")).to_have_text("2")
    expect(page.get_by_role("button", name="Import only the 2 rows without errors")).to_be_visible()
    assert_accessible(page, f"chronology-import-errors-{slug}")
    assert not entries(request).exists()

    rows[1][0] = (day + timedelta(days=1)).strftime("%d/%m/%Y")
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Upload your chronology").set_input_files(
        workbook(tmp_path / "police-corrected.xlsx", rows)
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#invalid-count")).to_have_text("0")
    expect(page.get_by_text("Officers attended the home.")).to_be_visible()
    assert_accessible(page, f"chronology-import-check-{slug}")
    page.get_by_role("button", name="Import 3 entries").click()

    expect(page.get_by_text("3 chronology entries imported.")).to_be_visible()
    table = page.get_by_role("region", name="Chronology entries")
    for event in ("Call from a neighbour.", "Officers attended the home.", "Father arrested."):
        expect(table.get_by_text(event)).to_be_visible()
    assert_accessible(page, f"chronology-imported-{slug}")
    assert entries(request).count() == 3
