"""A chronology imported from a spreadsheet (§8.4.1; issue 14), through the portal's and
the office's pages as people use them: the template, the upload, every error by row and
column, nothing saved until the file is valid (or only its valid rows, by choice), one
import however often it is confirmed, and only by the agency or the office for it."""

import csv
import io
import logging
import re
import zipfile
from datetime import date, time, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cases import services
from cases.dates import format_date
from cases.models import (
    AgencyKind,
    Case,
    Child,
    ChronologyEntry,
    FamilyMember,
    ImportStatus,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    Stage,
    StagedChronologyImport,
    SubmissionKind,
)
from cases.services.chronology_import import (
    ANALYSIS_NOT_ASKED,
    FILE_MISSING_COLUMNS,
    FILE_NOT_CSV,
    FILE_NOT_XLSX,
    FILE_TOO_BIG,
    FILE_TYPE_REFUSED,
    FIX_FIRST,
    NO_HEADER,
    ORGANISATIONAL_CHANGES_NOT_ASKED,
    chronology_parse,
)
from cases.services.information_request import CONFLICT, NOT_OPEN_FOR_AGENCY
from cases.tenancy import Scope
from cases.views.chronology_import import ALREADY_IMPORTED
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

HEADER = [
    "Date",
    "Time",
    "Concerning",
    "Source",
    "Event",
    "Agency response",
    "Analysis",
    "Expected practice",
    "Organisational change",
]
CHILD_NAME = "Kayden Whitlock"
MOTHER_NAME = "Sharon Whitlock"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads (the office's original reply) go to a temporary directory, not var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)


@pytest.fixture
def portal_user(police):
    return agency_user(police, username="police-portal")


def lcspr_request(partnership, agency, **kwargs) -> InformationRequest:
    """An LCSPR chronology request (§8.4.1), made with the ORM as the office would send it;
    its case has a child and a mother, named in the restricted file only."""
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    Case.objects.for_partnership(partnership).filter(pk=case.pk).update(stage=Stage.LCSPR)
    Child.objects.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    FamilyMember.objects.create(case=case, relationship="Mother", name=MOTHER_NAME)
    options = {"with_analysis": True, "with_organisational_changes": True, **kwargs}
    return InformationRequest.objects.create(
        case=case,
        agency=agency,
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.CHRONOLOGY,
        reply_due_on=working_days_ahead(20),
        sent_at=timezone.now(),
        **options,
    )


@pytest.fixture
def item(leicester, police):
    return lcspr_request(leicester, police)


def reload(request) -> InformationRequest:
    return InformationRequest.objects.for_partnership(request.case.partnership).get(pk=request.pk)


def entries(request):
    return ChronologyEntry.objects.for_partnership(request.case.partnership).filter(request=request)


def scope_of(user):
    return Scope(user=user, membership=user.memberships.get())


def good_row(n=1, **overrides):
    day = timezone.localdate() - timedelta(days=100 - n % 90)
    row = {
        "Date": day.strftime("%d/%m/%Y"),
        "Time": "09:30",
        "Concerning": "Child A",
        "Source": "Police incident log",
        "Event": f"Officers attended the home (event {n}).",
        "Agency response": "Referral to children's social care.",
        "Analysis": "",
        "Expected practice": "",
        "Organisational change": "",
    }
    row.update(overrides)
    return row


def xlsx_file(rows, name="chronology.xlsx", header=HEADER) -> SimpleUploadedFile:
    """A workbook as an agency's own spreadsheet would be: a header row, then its rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def csv_file(rows, name="chronology.csv", bom=True) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    data = ("\ufeff" if bom else "") + out.getvalue()
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def import_url(item, page="", side="portal"):
    if side == "portal":
        return f"/portal/requests/{item.pk}/chronology/import/{page}"
    return f"/requests/{item.pk}/on-behalf/chronology/import/{page}"


def upload(client, item, file, side="portal"):
    return client.post(import_url(item, side=side), {"file": file}, follow=True)


def staged_of(item) -> StagedChronologyImport:
    return StagedChronologyImport.objects.for_partnership(item.case.partnership).get(
        request=item, status=ImportStatus.PENDING
    )


def confirm(client, item, action="import", side="portal", staged=None):
    staged = staged or staged_of(item)
    return client.post(
        import_url(item, "check/", side=side),
        {"staged": staged.pk, "action": action},
        follow=True,
    )


def page_text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def shown_errors(response) -> list[str]:
    """The errors of the page's error summary, as a user reads them."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    if not summary:
        return []
    return [unescape(text) for text in re.findall(r'<a href="[^"]*">(.*?)</a>', summary[1])]


# --- The template -----------------------------------------------------------------------


def test_the_template_lists_the_accepted_values_and_no_childs_name(client, item, portal_user):
    response = sign_in(client, portal_user).get(
        f"/portal/requests/{item.pk}/chronology/template.xlsx"
    )
    assert response.status_code == 200
    assert f"{item.case.reference}-chronology-template.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Chronology", "How to fill this in"]
    header = [cell.value for cell in book["Chronology"][1]]
    assert header == HEADER
    guidance = [str(cell.value) for row in book["How to fill this in"].iter_rows() for cell in row]
    for accepted in ("Child A", "Mother", "The family", "Yes, No, Unclear", "dd/mm/yyyy", "HH:MM"):
        assert any(accepted in text for text in guidance), accepted
    # Not a name in any part of the file, not even its XML.
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = b"".join(archive.read(name) for name in archive.namelist()).decode()
    for name in (CHILD_NAME, MOTHER_NAME, "Whitlock", "Kayden"):
        assert name not in xml

    as_csv = client.get(f"/portal/requests/{item.pk}/chronology/template.csv")
    assert as_csv.content.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")))) == HEADER


def test_the_template_has_only_the_columns_the_request_asks_for(client, leicester, police):
    item = lcspr_request(leicester, police, with_analysis=False, with_organisational_changes=False)
    sign_in(client, agency_user(police))
    response = client.get(f"/portal/requests/{item.pk}/chronology/template.xlsx")
    header = [cell.value for cell in load_workbook(io.BytesIO(response.content))["Chronology"][1]]
    assert header == ["Date", "Time", "Concerning", "Source", "Event", "Agency response"]


# --- Importing --------------------------------------------------------------------------


def test_an_xlsx_chronology_is_checked_then_imported_in_one_step(client, item, portal_user):
    version = item.version
    rows = [
        good_row(1, Concerning="mother", Analysis="Timely.", **{"Expected practice": "yes"}),
        good_row(2, Time="", Concerning="the family"),
        good_row(3, **{"Organisational change": "Yes", "Concerning": ""}),
    ]
    # A real Excel date cell, as a spreadsheet typed by hand holds.
    rows[2]["Date"] = timezone.localdate() - timedelta(days=3)
    sign_in(client, portal_user)
    response = upload(client, item, xlsx_file(rows))
    assert response.redirect_chain[-1][0] == import_url(item, "check/")
    text = page_text(response)
    assert "Rows without errors 3" in text
    assert "Rows with errors 0" in text
    assert "Officers attended the home (event 1)." in text  # the first rows, shown back
    assert entries(item).count() == 0  # nothing saved before the agency confirms

    response = confirm(client, item)
    assert "3 chronology entries imported." in page_text(response)
    made = list(entries(item).order_by("event"))
    assert [e.concerning for e in made] == ["Mother", "The family", ""]
    assert made[0].happened_at == time(9, 30)
    assert made[0].analysis == "Timely."
    assert made[0].expected_practice == "yes"
    assert made[1].happened_at is None
    assert made[2].happened_on == timezone.localdate() - timedelta(days=3)
    assert [e.is_organisational_change for e in made] == [False, False, True]
    assert all(e.created_by == portal_user for e in made)
    current = reload(item)
    assert current.version == version + 1
    assert current.status == RequestStatus.IN_PROGRESS
    # The entries are listed on the chronology page the import ends on.
    assert "Officers attended the home (event 3)." in page_text(response)


@pytest.mark.parametrize("bom", [True, False])
def test_a_csv_chronology_is_imported_with_or_without_a_byte_order_mark(
    client, item, portal_user, bom
):
    rows = [good_row(1, Date="2025-01-31"), good_row(2, Event="Visit to Zoë’s school")]
    sign_in(client, portal_user)
    upload(client, item, csv_file(rows, bom=bom))
    confirm(client, item)
    made = list(entries(item).order_by("happened_on"))
    assert made[0].happened_on == date(2025, 1, 31)
    assert {e.event for e in made} == {rows[0]["Event"], "Visit to Zoë’s school"}


def test_a_bad_date_in_row_57_names_row_57_and_the_date_column(client, item, portal_user):
    rows = [good_row(n) for n in range(2, 70)]  # spreadsheet rows 2 to 69
    rows[55]["Date"] = "31/02/2025"  # spreadsheet row 57
    sign_in(client, portal_user)
    response = upload(client, item, xlsx_file(rows))
    assert shown_errors(response) == [
        "Row 57, Date: '31/02/2025' is not a date: use dd/mm/yyyy, for example 31/01/2025"
    ]
    assert "<title>Error:" in response.content.decode()
    text = page_text(response)
    assert "Rows without errors 67" in text
    assert "Rows with errors 1" in text
    # Nothing saved until the whole file is valid: importing it all is refused.
    refused = confirm(client, item)
    assert FIX_FIRST in page_text(refused)
    assert entries(item).count() == 0


def test_every_error_is_listed_by_row_and_column(client, item, portal_user, leicester, police):
    rows = [
        good_row(1),
        good_row(2, Time="25:00", Event=""),
        good_row(3, Concerning=CHILD_NAME, **{"Expected practice": "Mostly"}),
        good_row(4, Source="", Date=(timezone.localdate() + timedelta(days=2)).isoformat()),
        good_row(5, **{"Organisational change": "Maybe"}),
        good_row(6, Date=""),
    ]
    sign_in(client, portal_user)
    response = upload(client, item, xlsx_file(rows))
    future = format_date(timezone.localdate() + timedelta(days=2))
    errors = shown_errors(response)
    assert errors[:2] == [
        "Row 3, Time: '25:00' is not a time: use HH:MM, for example 14:30",
        "Row 3, Event: describe the event",
    ]
    assert errors[2].startswith("Row 4, Concerning: is not one of the people this request names")
    assert CHILD_NAME not in errors[2]  # a name typed there is not repeated back
    assert errors[3:] == [
        "Row 4, Expected practice: 'Mostly' is not one of Yes, No or Unclear",
        f"Row 5, Date: {future} is in the future",
        "Row 5, Source: enter where the event is recorded",
        "Row 6, Organisational change: 'Maybe' is not Yes or No",
        "Row 7, Date: enter the date of the event",
    ]
    assert "Rows with errors 5" in page_text(response)


def test_columns_the_request_does_not_ask_for_are_refused(client, leicester, police):
    item = lcspr_request(leicester, police, with_analysis=False, with_organisational_changes=False)
    rows = [
        good_row(1, Analysis="Late."),
        good_row(2, **{"Organisational change": "Yes"}),
        good_row(3, **{"Organisational change": "No"}),
    ]
    sign_in(client, agency_user(police))
    response = upload(client, item, xlsx_file(rows))
    assert shown_errors(response) == [
        f"Row 2, Analysis: {ANALYSIS_NOT_ASKED}",
        f"Row 3, Organisational change: {ORGANISATIONAL_CHANGES_NOT_ASKED}",
    ]


def test_keeping_the_valid_rows_imports_only_those(client, item, portal_user):
    rows = [good_row(1), good_row(2, Date="not a date"), good_row(3)]
    sign_in(client, portal_user)
    upload(client, item, xlsx_file(rows))
    response = confirm(client, item, action="keep_valid")
    assert "2 chronology entries imported." in page_text(response)
    assert sorted(entries(item).values_list("event", flat=True)) == [
        rows[0]["Event"],
        rows[2]["Event"],
    ]


def test_confirming_twice_imports_once(client, item, portal_user):
    sign_in(client, portal_user)
    upload(client, item, xlsx_file([good_row(1), good_row(2)]))
    staged = staged_of(item)
    confirm(client, item, staged=staged)
    again = confirm(client, item, staged=staged)  # a double click, or Back and send again
    assert ALREADY_IMPORTED in page_text(again)
    assert entries(item).count() == 2
    assert reload(item).version == item.version + 1
    assert (
        StagedChronologyImport.objects.for_partnership(item.case.partnership).get(pk=staged.pk).rows
        == []
    )  # the rows live in the entries now, not twice


def test_a_new_upload_replaces_the_one_waiting(client, item, portal_user):
    sign_in(client, portal_user)
    upload(client, item, xlsx_file([good_row(1, Date="bad")]))
    first = staged_of(item)
    upload(client, item, xlsx_file([good_row(1)]))
    # The older page's button names the older upload: it imports nothing.
    response = confirm(client, item, staged=first)
    assert entries(item).count() == 0
    assert ALREADY_IMPORTED in page_text(response)
    confirm(client, item)
    assert entries(item).count() == 1


def test_a_police_chronology_of_200_events_is_one_import(
    client, item, portal_user, django_assert_max_num_queries
):
    sign_in(client, portal_user)
    upload(client, item, xlsx_file([good_row(n) for n in range(200)]))
    staged = staged_of(item)
    # One bulk create: the queries do not grow with the rows.
    with django_assert_max_num_queries(40):
        client.post(import_url(item, "check/"), {"staged": staged.pk, "action": "import"})
    assert entries(item).count() == 200
    assert entries(item).first().history.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("chronology.xlsx", b"%PDF-1.4\n%%EOF\n", FILE_NOT_XLSX),
        ("chronology.csv", b"%PDF-1.4\n%%EOF\n", FILE_NOT_CSV),
        ("chronology.xlsx", b"PK\x03\x04 not really a workbook", FILE_NOT_XLSX),
        ("chronology.pdf", b"%PDF-1.4\n%%EOF\n", FILE_TYPE_REFUSED),
        ("chronology.txt", b"Date,Source,Event\n", FILE_TYPE_REFUSED),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(
    client, item, portal_user, name, content, message
):
    sign_in(client, portal_user)
    response = upload(client, item, SimpleUploadedFile(name, content))
    assert message in page_text(response)
    assert not StagedChronologyImport.objects.for_partnership(item.case.partnership).exists()


def test_a_file_over_the_size_limit_is_refused(client, item, portal_user, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    sign_in(client, portal_user)
    response = upload(client, item, csv_file([good_row(n) for n in range(40)]))
    assert FILE_TOO_BIG.format(size="2.0 KB") in page_text(response)
    assert entries(item).count() == 0


def test_the_files_contents_never_reach_the_log(client, item, portal_user, caplog):
    secret = "Disclosed at the school gate by the neighbour"
    sign_in(client, portal_user)
    with caplog.at_level(logging.DEBUG):
        upload(client, item, xlsx_file([good_row(1, Event=secret), good_row(2, Date="x")]))
        confirm(client, item, action="keep_valid")
    assert secret not in caplog.text
    assert "x' is not" not in caplog.text
    assert f"case {item.case.reference}: 1 chronology entries imported" in caplog.text


# --- Who may import, and when ------------------------------------------------------------


def test_another_agencys_request_is_not_found(client, item, health, portal_user):
    sign_in(client, portal_user)
    upload(client, item, xlsx_file([good_row(1)]))
    staged = staged_of(item)
    sign_in(client, agency_user(health))
    for url in (
        import_url(item),
        import_url(item, "check/"),
        f"/portal/requests/{item.pk}/chronology/template.xlsx",
    ):
        assert client.get(url).status_code == 404
    assert client.post(import_url(item), {"file": xlsx_file([good_row(1)])}).status_code == 404
    refused = client.post(import_url(item, "check/"), {"staged": staged.pk, "action": "import"})
    assert refused.status_code == 404
    # A colleague in the same agency cannot confirm the uploader's file either.
    sign_in(client, agency_user(item.agency))
    refused = client.post(import_url(item, "check/"), {"staged": staged.pk, "action": "import"})
    assert refused.status_code == 404
    assert entries(item).count() == 0


def test_the_other_partnerships_office_finds_nothing(client, item, lr):
    sign_in(client, staff_user(lr))
    assert client.get(import_url(item, side="office")).status_code == 404
    assert client.get(f"/requests/{item.pk}/on-behalf/chronology/template.csv").status_code == 404


def test_a_submitted_reply_takes_no_import(client, item, portal_user):
    sign_in(client, portal_user)
    upload(client, item, xlsx_file([good_row(1)]))
    InformationRequest.objects.for_partnership(item.case.partnership).filter(pk=item.pk).update(
        status=RequestStatus.SUBMITTED
    )
    response = confirm(client, item)
    assert entries(item).count() == 0
    assert NOT_OPEN_FOR_AGENCY in page_text(response)
    page = client.get(import_url(item))
    assert NOT_OPEN_FOR_AGENCY in page_text(page)
    assert 'type="file"' not in page.content.decode()


def test_the_office_imports_on_the_agencys_behalf_once_it_enters_the_reply(client, item, leicester):
    office = staff_user(leicester)
    sign_in(client, office)
    not_yet = client.get(import_url(item, side="office"))
    assert "The Business Office is not entering this reply" in page_text(not_yet)
    refused = upload(client, item, xlsx_file([good_row(1)]), side="office")
    assert not StagedChronologyImport.objects.for_partnership(leicester).exists()
    assert refused.status_code == 200

    services.reply_on_behalf_start(
        scope=scope_of(office),
        request=item,
        original=SimpleUploadedFile("email.txt", b"The police's chronology, attached."),
    )
    upload(client, item, xlsx_file([good_row(1), good_row(2)]), side="office")
    staged = staged_of(item)
    assert staged.on_behalf
    response = confirm(client, item, side="office")
    assert "2 chronology entries imported." in page_text(response)
    entry = entries(item).first()
    assert entry.created_by == office
    assert "on the agency's behalf" in entry.history.get().history_change_reason
    assert "on the agency's behalf" in reload(item).history.first().history_change_reason


def test_a_rapid_review_request_takes_an_imported_chronology(client, leicester, police):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    (item,) = services.information_requests_send(
        case=case, agencies=[police], reply_due_on=working_days_ahead(7), actor=None
    )
    sign_in(client, agency_user(police))
    response = upload(
        client,
        item,
        xlsx_file([good_row(1, Concerning="", Analysis="Prompt."), good_row(2, Concerning="")]),
    )
    assert shown_errors(response) == []
    confirm(client, item)
    assert entries(item).count() == 2


def test_an_import_makes_a_reply_opened_before_it_conflict(item, portal_user):
    scope = scope_of(portal_user)
    opened_at = item.version
    staged = services.chronology_import_stage(
        scope=scope,
        request=item,
        upload=xlsx_file([good_row(1)]),
        concerning=["Child A", "Mother", "The family"],
    )
    services.chronology_import_confirm(scope=scope, staged=staged)
    with pytest.raises(services.ReplyConflict) as conflict:
        services.reply_save(
            scope=scope,
            request=item,
            details=services.ReplyDetails(involvement="yes", facts="Typed meanwhile."),
            version=opened_at,
        )
    assert conflict.value.message == CONFLICT


def test_the_chronology_page_links_to_the_import(client, item, portal_user):
    sign_in(client, portal_user)
    page = client.get(f"/portal/requests/{item.pk}/chronology/").content.decode()
    assert f'href="{import_url(item)}">Import from a spreadsheet' in page


def test_a_file_without_a_required_column_says_which(client, item, portal_user):
    header = [column for column in HEADER if column != "Event"]
    sign_in(client, portal_user)
    response = upload(client, item, xlsx_file([good_row(1)], header=header))
    assert FILE_MISSING_COLUMNS.format(columns="Event") in page_text(response)
    assert not StagedChronologyImport.objects.for_partnership(item.case.partnership).exists()


def test_a_csv_saved_with_semicolons_is_read(item):
    text = (
        "Date;Source;Event\n"
        '01/03/2025;Case file;"Visit; the child was seen"\n'
        "02/03/2025;Case file;Visit; the child was seen\n"
    )
    parsed = chronology_parse(
        request=item,
        upload=SimpleUploadedFile("chronology.csv", text.encode()),
        concerning=["Child A"],
    )
    # A value beyond the named columns is never dropped without a word.
    assert [str(error) for error in parsed.errors] == [f"Row 3, column 4: {NO_HEADER}"]
    assert parsed.rows[0]["event"] == "Visit; the child was seen"
    assert parsed.rows[0]["happened_on"] == "2025-03-01"
