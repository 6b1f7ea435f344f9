"""A chronology imported from a spreadsheet (§8.4.1; issue 14): the template the product
provides, as XLSX and CSV; an upload read row by row and every row checked, each error
named by its row and column; the checked rows staged until the uploader confirms them;
then every row created at once, in one transaction, so that a police chronology of 200
events is one step, not 200 forms.

The file itself is never kept nor logged: only the parsed rows are staged, and only
counts, with the case reference, reach the log.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import (
    ChronologyEntry,
    ExpectedPractice,
    ImportStatus,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    StagedChronologyImport,
)
from cases.services.common import validated_save as _save
from cases.services.information_request import _agency_change
from cases.tenancy import Scope

logger = logging.getLogger(__name__)

# --- The template's columns ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the ChronologyEntry field it fills
    header: str
    guidance: str


DATE = Column(
    "happened_on",
    "Date",
    "Required. The date of the event: dd/mm/yyyy, for example 31/01/2025, or "
    "yyyy-mm-dd, or a cell formatted as a date.",
)
TIME = Column("happened_at", "Time", "Optional. The time, 24-hour HH:MM, for example 14:30.")
CONCERNING = Column(
    "concerning",
    "Concerning",
    "Optional. Who the event is about, as the request names them (the list below). Never a name.",
)
SOURCE = Column(
    "source", "Source", "Required. Where the event is recorded, for example the case file."
)
EVENT = Column("event", "Event", "Required. What happened.")
AGENCY_RESPONSE = Column("agency_response", "Agency response", "Optional. What your agency did.")
ANALYSIS = Column("analysis", "Analysis", "Optional. Your analysis of the response (§8.4.1).")
EXPECTED_PRACTICE = Column(
    "expected_practice",
    "Expected practice",
    "Optional. Was the response expected practice? Yes, No or Unclear (§8.4.1).",
)
ORGANISATIONAL_CHANGE = Column(
    "is_organisational_change",
    "Organisational change",
    "Yes for a row of the chronology of organisational changes, otherwise No or empty (§8.4.1).",
)
ALL_COLUMNS = (
    DATE,
    TIME,
    CONCERNING,
    SOURCE,
    EVENT,
    AGENCY_RESPONSE,
    ANALYSIS,
    EXPECTED_PRACTICE,
    ORGANISATIONAL_CHANGE,
)
REQUIRED_COLUMNS = (DATE, SOURCE, EVENT)
YES_NO = ("Yes", "No")
DATE_FORMATS = ("dd/mm/yyyy, for example 31/01/2025", "yyyy-mm-dd, for example 2025-01-31")
TIME_FORMAT = "HH:MM (24-hour), for example 14:30"
CHRONOLOGY_SHEET = "Chronology"
GUIDANCE_SHEET = "How to fill this in"
MAX_LENGTHS = {"source": 200, "event": 5000, "agency_response": 5000, "analysis": 5000}
MAX_ROWS = 5000
EARLIEST_YEAR = 1900  # "a real date within reason": no event of a review is older
# An XLSX is a zip: what it may unpack to, so that a small file cannot fill the memory.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def asks_for_analysis(request: InformationRequest) -> bool:
    """§8.4.1: an LCSPR chronology has analysis columns only where its request asks for
    them; a Rapid Review's chronology may always carry them (the portal's form does)."""
    return request.purpose != RequestPurpose.LCSPR or request.with_analysis


def asks_for_organisational_changes(request: InformationRequest) -> bool:
    """§8.4.1: a chronology of organisational changes, where the LCSPR's request asks."""
    return request.purpose == RequestPurpose.LCSPR and request.with_organisational_changes


def template_columns(request: InformationRequest) -> list[Column]:
    """The columns the template for this request has: the analysis columns and the
    organisational-change column only where the request asks for them."""
    columns = [DATE, TIME, CONCERNING, SOURCE, EVENT, AGENCY_RESPONSE]
    if asks_for_analysis(request):
        columns += [ANALYSIS, EXPECTED_PRACTICE]
    if asks_for_organisational_changes(request):
        columns.append(ORGANISATIONAL_CHANGE)
    return columns


def chronology_template_csv(*, request: InformationRequest) -> bytes:
    """The template as CSV: the header row only, UTF-8 with a byte-order mark so that
    Excel opens it with every character intact."""
    out = io.StringIO()
    csv.writer(out).writerow([c.header for c in template_columns(request)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def chronology_template_xlsx(*, request: InformationRequest, concerning: list[str]) -> bytes:
    """The template as XLSX: the chronology sheet with its header row (and drop-down lists
    where a column has a fixed set of values), and a second sheet, "How to fill this in",
    with each column's guidance and accepted values. `concerning`: the request's children's
    pseudonyms and family members' relationships (selectors.chronology_concerning_options);
    never a name."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = template_columns(request)
    book = Workbook()
    sheet = book.active
    sheet.title = CHRONOLOGY_SHEET
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 50 if column in (EVENT, ANALYSIS) else 18
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(GUIDANCE_SHEET)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 90
    guide.append(["How to fill this in"])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append(
        [
            "",
            "One row for each significant event in the scoping period, in the "
            f"'{CHRONOLOGY_SHEET}' sheet, under its header row. Keep the header row.",
        ]
    )
    guide.append(["Column", "What to enter"])
    for cell in guide[3]:
        cell.font = Font(bold=True)
    for column in columns:
        guide.append([column.header, column.guidance])
    guide.append([])
    guide.append(["Dates", "; ".join(DATE_FORMATS) + "; or a cell formatted as a date."])
    guide.append(["Times", TIME_FORMAT])
    if asks_for_analysis(request):
        guide.append(["Expected practice", ", ".join(ExpectedPractice.labels)])
    if asks_for_organisational_changes(request):
        guide.append(["Organisational change", ", ".join(YES_NO)])
    guide.append([])
    guide.append(["Concerning: accepted values"])
    guide.cell(row=guide.max_row, column=1).font = Font(bold=True)
    first_value_row = guide.max_row + 1
    for value in concerning:
        guide.append(["", value])
    last_value_row = guide.max_row
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    def drop_down(column: Column, formula: str) -> None:
        if column not in columns:
            return
        letter = sheet.cell(row=1, column=columns.index(column) + 1).column_letter
        check = DataValidation(type="list", formula1=formula, allow_blank=True)
        check.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(check)

    drop_down(CONCERNING, f"'{GUIDANCE_SHEET}'!$B${first_value_row}:$B${last_value_row}")
    drop_down(EXPECTED_PRACTICE, '"{}"'.format(",".join(ExpectedPractice.labels)))
    drop_down(ORGANISATIONAL_CHANGE, '"{}"'.format(",".join(YES_NO)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Reading an upload -------------------------------------------------------------------

FILE_TYPE_REFUSED = (
    "The file must be a spreadsheet: an Excel workbook (.xlsx) or a CSV file (.csv)."
)
FILE_NOT_XLSX = (
    "The file is not an Excel workbook (.xlsx) inside, whatever its name says. Save it from "
    "your spreadsheet as Excel Workbook (.xlsx) or CSV UTF-8 (.csv)."
)
FILE_NOT_CSV = (
    "The file is not a CSV text file inside, whatever its name says. Save it from your "
    "spreadsheet as CSV UTF-8 (.csv) or Excel Workbook (.xlsx)."
)
FILE_NOT_UTF8 = "The CSV file is not in UTF-8. In Excel, save it as 'CSV UTF-8 (comma delimited)'."
FILE_EMPTY = "The file is empty."
FILE_TOO_BIG = "The file must be smaller than {size}."
FILE_NO_HEADER = (
    "Row 1 must be the header row, with the template's column names: {columns}. "
    "Download the template and copy your rows into it."
)
FILE_MISSING_COLUMNS = "Row 1 has no column for {columns}: these columns are required."
FILE_UNKNOWN_COLUMN = (
    "Row 1, column {position}: '{header}' is not one of the template's columns ({columns})."
)
FILE_REPEATED_COLUMN = "Row 1: the column '{header}' appears twice."
FILE_NO_ROWS = "The file has no rows of chronology under its header row."
FILE_TOO_MANY_ROWS = "The file has more than {limit:,} rows: split it into several files."


def _normalised(header) -> str:
    """A header as matched: without case, spaces or a note in brackets ("Time (HH:MM)")."""
    text = "" if header is None else str(header)
    return " ".join(text.split("(")[0].split()).casefold()


_BY_HEADER = {_normalised(c.header): c for c in ALL_COLUMNS}


# What a document or an older Excel file starts with: not text, whatever its name.
BINARY_SIGNATURES = (b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def _check_file(upload) -> str:
    """ "xlsx" or "csv", as the file's content (not only its name) says; otherwise why not."""
    import os

    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in (".xlsx", ".csv"):
        raise ApplicationError(FILE_TYPE_REFUSED, field="file")
    if not upload.size:
        raise ApplicationError(FILE_EMPTY, field="file")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            FILE_TOO_BIG.format(size=filesizeformat(settings.UPLOAD_MAX_BYTES)), field="file"
        )
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    is_zip = head == b"PK\x03\x04"
    if extension == ".xlsx" and not is_zip:
        raise ApplicationError(FILE_NOT_XLSX, field="file")
    if extension == ".csv" and (is_zip or head.startswith(BINARY_SIGNATURES)):
        raise ApplicationError(FILE_NOT_CSV, field="file")
    return extension[1:]


def _xlsx_rows(data: bytes):
    """(spreadsheet row number, cells) of the workbook's chronology sheet (or its first)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ApplicationError(FILE_NOT_XLSX, field="file")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ApplicationError:
        raise
    except Exception:  # noqa: BLE001 - anything openpyxl cannot read is not a workbook
        raise ApplicationError(FILE_NOT_XLSX, field="file") from None
    try:
        sheet = (
            book[CHRONOLOGY_SHEET] if CHRONOLOGY_SHEET in book.sheetnames else book.worksheets[0]
        )
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except Exception:  # noqa: BLE001 - a damaged sheet part
        raise ApplicationError(FILE_NOT_XLSX, field="file") from None
    finally:
        book.close()


def _csv_rows(data: bytes):
    if b"\x00" in data:
        raise ApplicationError(FILE_NOT_CSV, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError(FILE_NOT_UTF8, field="file") from None
    # Commas, or the semicolons or tabs some spreadsheets save with: as the header row
    # (whose column names hold none of them) shows.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Excel numbers a CSV's records as rows, a quoted line break and all.
        yield from enumerate(reader, start=1)
    except csv.Error:
        raise ApplicationError(FILE_NOT_CSV, field="file") from None


def _blank(cells) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _header(cells) -> list[Column | None]:
    """Which column each position of the header row is; refuses a header it cannot use."""
    known = ", ".join(c.header for c in ALL_COLUMNS)
    if _blank(cells):
        raise ApplicationError(FILE_NO_HEADER.format(columns=known), field="file")
    positions: list[Column | None] = []
    for position, cell in enumerate(cells, start=1):
        name = _normalised(cell)
        if not name:
            positions.append(None)
            continue
        column = _BY_HEADER.get(name)
        if column is None:
            raise ApplicationError(
                FILE_UNKNOWN_COLUMN.format(
                    position=position, header=str(cell).strip(), columns=known
                ),
                field="file",
            )
        if column in positions:
            raise ApplicationError(FILE_REPEATED_COLUMN.format(header=column.header), field="file")
        positions.append(column)
    missing = [c.header for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ApplicationError(
            FILE_MISSING_COLUMNS.format(columns=" and ".join(missing)), field="file"
        )
    return positions


# --- Checking a row ----------------------------------------------------------------------

NOT_A_DATE = "'{value}' is not a date: use dd/mm/yyyy, for example 31/01/2025"
DATE_REQUIRED = "enter the date of the event"
DATE_IN_FUTURE = "{value} is in the future"
DATE_TOO_EARLY = "{value} is before " + str(EARLIEST_YEAR) + ": check the year"
NOT_A_TIME = "'{value}' is not a time: use HH:MM, for example 14:30"
SOURCE_REQUIRED = "enter where the event is recorded"
EVENT_REQUIRED = "describe the event"
TOO_LONG = "is longer than {limit:,} characters"
NOT_CONCERNING = (
    "is not one of the people this request names ({values}): use a child's pseudonym or a "
    "family member's relationship, never a name"
)
NOT_EXPECTED_PRACTICE = "'{value}' is not one of Yes, No or Unclear"
NOT_YES_NO = "'{value}' is not Yes or No"
ANALYSIS_NOT_ASKED = (
    "this request does not ask for analysis (§8.4.1): leave the column empty, or ask the "
    "Business Office"
)
NO_HEADER = "has a value but no column name in row 1: name the column, or move the value"
ORGANISATIONAL_CHANGES_NOT_ASKED = (
    "this request does not ask for a chronology of organisational changes (§8.4.1): "
    "mark the row No, or leave it out"
)

_DATE_PATTERNS = (
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    # As a CSV saved from a date cell may show it.
    (re.compile(r"^\d{4}-\d{2}-\d{2}[ T]00:00(:00)?$"), None),
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _shown(value) -> str:
    """A cell's value in a message: short, on one line."""
    text = " ".join(_text(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _date(value, today: date) -> tuple[date | None, str]:
    """(the date, "") or (None, why not)."""
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = _text(value)
        if not text:
            return None, DATE_REQUIRED
        found = None
        for pattern, fmt in _DATE_PATTERNS:
            if pattern.match(text):
                try:
                    found = (
                        datetime.strptime(text, fmt).date()
                        if fmt
                        else date.fromisoformat(text[:10])
                    )
                except ValueError:
                    found = None
                break
        if found is None:
            return None, NOT_A_DATE.format(value=_shown(value))
    shown = format_date(found)
    if found > today:
        return None, DATE_IN_FUTURE.format(value=shown)
    if found.year < EARLIEST_YEAR:
        return None, DATE_TOO_EARLY.format(value=shown)
    return found, ""


def _time(value) -> tuple[time | None, str]:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0), ""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0), ""
    text = _text(value)
    if not text:
        return None, ""
    match = _TIME.match(text)
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return time(hours, minutes), ""
    return None, NOT_A_TIME.format(value=_shown(value))


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


def _check_row(number, values: dict, *, request, concerning: dict, today) -> tuple[dict, list]:
    """One row's entry fields, and its errors (each naming its column)."""
    errors: list[RowError] = []

    def error(column: Column, message: str) -> None:
        errors.append(RowError(number, column.header, message))

    happened_on, problem = _date(values.get(DATE), today)
    if problem:
        error(DATE, problem)
    happened_at, problem = _time(values.get(TIME))
    if problem:
        error(TIME, problem)
    row = {
        "row": number,
        "happened_on": happened_on.isoformat() if happened_on else "",
        "happened_at": happened_at.isoformat(timespec="minutes") if happened_at else "",
    }
    for column in (SOURCE, EVENT, AGENCY_RESPONSE, ANALYSIS):
        row[column.key] = _text(values.get(column))
        limit = MAX_LENGTHS[column.key]
        if len(row[column.key]) > limit:
            error(column, TOO_LONG.format(limit=limit))
    if not row["source"]:
        error(SOURCE, SOURCE_REQUIRED)
    if not row["event"]:
        error(EVENT, EVENT_REQUIRED)

    who = _text(values.get(CONCERNING))
    row["concerning"] = concerning.get(who.casefold(), "") if who else ""
    if who and not row["concerning"]:
        error(CONCERNING, NOT_CONCERNING.format(values=", ".join(concerning.values())))

    practice = _text(values.get(EXPECTED_PRACTICE))
    by_label = {label.casefold(): value for value, label in ExpectedPractice.choices}
    row["expected_practice"] = by_label.get(practice.casefold(), "") if practice else ""
    if practice and not row["expected_practice"]:
        error(EXPECTED_PRACTICE, NOT_EXPECTED_PRACTICE.format(value=_shown(practice)))
    if not asks_for_analysis(request):
        for column in (ANALYSIS, EXPECTED_PRACTICE):
            if _text(values.get(column)):
                error(column, ANALYSIS_NOT_ASKED)

    change = _text(values.get(ORGANISATIONAL_CHANGE)).casefold()
    if change not in ("", "yes", "no"):
        error(
            ORGANISATIONAL_CHANGE,
            NOT_YES_NO.format(value=_shown(values.get(ORGANISATIONAL_CHANGE))),
        )
    row["is_organisational_change"] = change == "yes"
    if change == "yes" and not asks_for_organisational_changes(request):
        error(ORGANISATIONAL_CHANGE, ORGANISATIONAL_CHANGES_NOT_ASKED)
    return row, errors


@dataclass
class ParsedChronology:
    rows: list[dict]  # the valid rows, as entry fields
    errors: list[RowError]
    invalid_count: int


def chronology_parse(
    *, request: InformationRequest, upload, concerning: list[str]
) -> ParsedChronology:
    """Every row of an uploaded chronology checked; refuses (ApplicationError on "file") a
    file that is not a spreadsheet or has no usable header row or no rows."""
    kind = _check_file(upload)
    upload.seek(0)
    data = upload.read()
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    accepted = {value.casefold(): value for value in concerning}
    today = timezone.localdate()
    positions = None
    parsed = ParsedChronology(rows=[], errors=[], invalid_count=0)
    seen = 0
    for number, cells in rows:
        if positions is None:
            positions = _header(cells)
            continue
        if _blank(cells):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise ApplicationError(FILE_TOO_MANY_ROWS.format(limit=MAX_ROWS), field="file")
        values = {column: cell for column, cell in zip(positions, cells, strict=False) if column}
        row, errors = _check_row(number, values, request=request, concerning=accepted, today=today)
        errors += [
            RowError(number, f"column {position}", NO_HEADER)
            for position, cell in enumerate(cells, start=1)
            if (position > len(positions) or positions[position - 1] is None) and _text(cell)
        ]
        if errors:
            parsed.errors += errors
            parsed.invalid_count += 1
        else:
            parsed.rows.append(row)
    if positions is None:
        raise ApplicationError(FILE_EMPTY, field="file")
    if not seen:
        raise ApplicationError(FILE_NO_ROWS, field="file")
    return parsed


# --- Staging, confirming, discarding -----------------------------------------------------

FIX_FIRST = (
    "Nothing has been imported: correct the rows listed and upload the file again, or "
    "import only the rows without errors."
)
NOTHING_VALID = "No row of the file can be imported: correct the rows listed and upload it again."
NOT_THE_UPLOADER = "Only the person who uploaded the spreadsheet can import or discard it."


def _reason(scope: Scope, what: str) -> str:
    if scope.agency is None:
        return f"{what}, entered by the Business Office on the agency's behalf"
    return what


@transaction.atomic
def chronology_import_stage(
    *, scope: Scope, request: InformationRequest, upload, concerning: list[str]
) -> StagedChronologyImport:
    """Read and check an uploaded chronology and keep its rows (not the file) until the
    uploader confirms. Only the addressed agency, or the office entering the reply on its
    behalf, while the reply is open. The uploader's earlier unconfirmed upload for this
    request is discarded: the newer file replaces it."""
    request = _agency_change(scope, request)
    parsed = chronology_parse(request=request, upload=upload, concerning=concerning)
    earlier = StagedChronologyImport.objects.for_partnership(request.case.partnership).filter(
        request=request, uploaded_by=scope.user, status=ImportStatus.PENDING
    )
    for old in earlier.select_for_update():
        _finish(old, scope, ImportStatus.DISCARDED, "Replaced by a newer upload")
    staged = StagedChronologyImport(
        request=request,
        uploaded_by=scope.user,
        on_behalf=scope.agency is None,
        rows=parsed.rows,
        errors=[{"row": e.row, "column": e.column, "message": e.message} for e in parsed.errors],
        valid_count=len(parsed.rows),
        invalid_count=parsed.invalid_count,
    )
    _save(staged, scope.user, _reason(scope, "Chronology spreadsheet uploaded and checked"))
    logger.info(
        "case %s: chronology spreadsheet checked, %d rows valid, %d with errors",
        request.case.reference,
        staged.valid_count,
        staged.invalid_count,
    )
    return staged


def _finish(staged, scope, status, reason, imported=0) -> None:
    staged.status = status
    staged.imported_count = imported
    staged.finished_at = timezone.now()
    staged.rows = []
    staged.errors = []
    _save(staged, scope.user, _reason(scope, reason))


def _locked_import(scope: Scope, staged: StagedChronologyImport) -> StagedChronologyImport:
    current = (
        StagedChronologyImport.objects.for_partnership(staged.request.case.partnership)
        .select_for_update()
        .get(pk=staged.pk)
    )
    if current.uploaded_by_id != scope.user.pk:
        raise ApplicationError(NOT_THE_UPLOADER)
    return current


@transaction.atomic
def chronology_import_confirm(
    *, scope: Scope, staged: StagedChronologyImport, keep_valid_rows: bool = False
) -> int:
    """Create every staged row as a chronology entry, in one transaction; the number
    created. Confirming again (a double click, Back and resend) creates nothing more and
    returns 0. A file with errors is imported only if the uploader chose to keep the valid
    rows. The request's version goes up, so that a reply form opened before the import
    conflicts visibly rather than saving over it."""
    request = _agency_change(scope, staged.request)  # locked first: one lock order
    current = _locked_import(scope, staged)
    if current.status != ImportStatus.PENDING:
        return 0
    if current.invalid_count and not keep_valid_rows:
        raise ApplicationError(FIX_FIRST)
    if not current.rows:
        raise ApplicationError(NOTHING_VALID)
    entries = []
    for row in current.rows:
        entry = ChronologyEntry(
            request=request,
            happened_on=date.fromisoformat(row["happened_on"]),
            happened_at=time.fromisoformat(row["happened_at"]) if row["happened_at"] else None,
            concerning=row["concerning"],
            is_organisational_change=row["is_organisational_change"],
            source=row["source"],
            event=row["event"],
            agency_response=row["agency_response"],
            analysis=row["analysis"],
            expected_practice=row["expected_practice"],
            created_by=scope.user,
        )
        try:
            entry.full_clean(exclude=["request", "created_by"])
        except ValidationError as error:  # checked on upload: only a changed rule gets here
            raise ApplicationError(f"Row {row['row']}: {error.messages[0]}") from None
        entries.append(entry)
    bulk_create_with_history(
        entries,
        ChronologyEntry,
        default_user=scope.user,
        default_change_reason=_reason(scope, "Chronology entry imported from a spreadsheet"),
    )
    if request.status == RequestStatus.NOT_STARTED:
        request.status = RequestStatus.IN_PROGRESS
    request.version += 1
    _save(request, scope.user, _reason(scope, f"{len(entries)} chronology entries imported"))
    _finish(current, scope, ImportStatus.IMPORTED, "Chronology spreadsheet imported", len(entries))
    logger.info(
        "case %s: %d chronology entries imported from a spreadsheet, %d rows left out",
        request.case.reference,
        len(entries),
        current.invalid_count,
    )
    return len(entries)


@transaction.atomic
def chronology_import_discard(*, scope: Scope, staged: StagedChronologyImport) -> None:
    """Drop an upload without importing anything; its rows are cleared."""
    current = _locked_import(scope, staged)
    if current.status == ImportStatus.PENDING:
        _finish(current, scope, ImportStatus.DISCARDED, "Chronology spreadsheet discarded")
