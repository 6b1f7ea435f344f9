"""The multi-agency chronology (§8.4.3) as a landscape A4 PDF, a CSV and an XLSX, each as
the reader's filters narrowed it. Named by case reference only: no child's name in a
file's name, its header or the template (which receives no child at all)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cases.dates import format_date
from cases.documents import render_pdf
from cases.models import Case
from reviews.selectors.chronology import Chronology

COLUMNS = [
    "Date",
    "Time",
    "Agency",
    "Concerning",
    "Source",
    "Event",
    "Agency response",
    "Analysis",
    "Expected practice?",
    "Key themes",
    "Note",
]


def _row(entry, note: str = "") -> list[str]:
    return [
        entry.happened_on.isoformat(),
        entry.happened_at.isoformat(timespec="minutes") if entry.happened_at else "",
        entry.request.agency.name,
        entry.concerning,
        entry.source,
        entry.event,
        entry.agency_response,
        entry.analysis,
        entry.get_expected_practice_display() if entry.expected_practice else "",
        "; ".join(theme.title for theme in entry.key_themes.all()),
        note,
    ]


def chronology_rows(chronology: Chronology) -> list[list[str]]:
    """Every line of the export: the merged entries with their gaps and overlaps said in
    words, then the entries outside the scoping period and the organisational changes."""
    rows = []
    for line in chronology.rows:
        if line.is_gap:
            rows.append(
                [line.gap_from.isoformat(), "", "", "", "", line.gap_text, "", "", "", "", "Gap"]
            )
        else:
            rows.append(_row(line.entry, line.overlap_text))
    rows += [_row(entry, "Outside the scoping period") for entry in chronology.outside]
    rows += [_row(entry, "Organisational change (§8.4.1)") for entry in chronology.organisational]
    return rows


def chronology_csv(chronology: Chronology) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in chronology_rows(chronology):
        # A cell a spreadsheet would run as a formula is written as text.
        writer.writerow([f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def chronology_xlsx(*, case: Case, chronology: Chronology) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Multi-agency chronology"
    sheet.append([f"Multi-agency chronology, case {case.reference} (§8.4.3)"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in chronology_rows(chronology):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = (12, 7, 24, 14, 20, 50, 40, 40, 14, 24, 24)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chronology_pdf(*, case: Case, chronology: Chronology, filters_text: list[str]) -> bytes:
    return render_pdf(
        "documents/multi_agency_chronology.html",
        {
            "case": case,
            "partnership": case.partnership,
            "chronology": chronology,
            "filters_text": filters_text,
            "scoping_start": format_date(chronology.scoping_start),
            "scoping_end": format_date(chronology.scoping_end),
            "generated_on": timezone.localdate(),
        },
    )
