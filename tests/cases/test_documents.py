"""The PDF documents: what a reader finds in them, and what they must never hold."""

import io
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.conf import settings

from cases import documents
from cases.models import (
    Child,
    ChronologyEntry,
    CombinedSummary,
    ExpectedPractice,
    IncidentKind,
    InformationRequest,
    Involvement,
    Notification,
    Referral,
    RequestStatus,
)
from tests.factories import AgencyFactory, open_case, sign_in, staff_user

LONDON = ZoneInfo("Europe/London")
MARKING = "OFFICIAL-SENSITIVE: contains special category data"
DEADLINE = "Friday 11 December 2026"


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line wraps) made single spaces.

    pypdf puts a space where the font size changes, even before a colon or comma: gone.
    """
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        re.sub(r" ([:,;.])", r"\1", " ".join(page.extract_text().split())) for page in reader.pages
    ]


def text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def is_landscape(pdf: bytes) -> bool:
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return box.width > box.height


def make_request(case, agency, **kwargs):
    fields = {
        "reply_due_on": date(2026, 12, 11),
        "sent_at": datetime(2026, 12, 2, 10, 0, tzinfo=LONDON),
        **kwargs,
    }
    return InformationRequest.objects.create(case=case, agency=agency, **fields)


@pytest.fixture
def case(leicester):
    case = open_case(leicester, opened_on=date(2026, 12, 1))
    Notification.objects.create(
        case=case,
        received_on=date(2026, 12, 1),
        incident_kind=IncidentKind.SERIOUS_HARM,
        summary="Child A was taken to hospital with a head injury.",
    )
    Child.objects.create(
        case=case, pseudonym="Child A", name="Jordan Secretname", date_of_birth=date(2015, 3, 4)
    )
    return case


@pytest.fixture
def police(leicester):
    return AgencyFactory(name="City Police", partnerships=[leicester])


@pytest.fixture
def hospital(leicester):
    return AgencyFactory(name="Royal Infirmary", partnerships=[leicester])


def test_every_page_shows_the_reference_partnership_marking_and_page_numbers(case, police):
    request = make_request(case, police)
    pages = pages_text(documents.reply_template_pdf(request))
    assert len(pages) > 1  # the blank answer boxes run over a page
    for number, page in enumerate(pages, start=1):
        assert case.reference in page
        assert "Leicester Safeguarding Children Partnership" in page
        assert MARKING in page
        assert f"Page {number} of {len(pages)}" in page
    assert "Leicester Safeguarding Boards Office" in pages[0]


def test_the_letter_outlines_the_notification_and_asks_for_a_reply_by_the_deadline(case, police):
    request = make_request(
        case,
        police,
        letter_note="Please include custody records from November.",
        school_holiday_exception="Schools reopen on 5 January; their replies may follow.",
    )
    letter = text(documents.information_request_letter_pdf(request))

    assert "To: City Police" in letter
    assert "Date: 2 December 2026" in letter
    assert case.reference in letter
    assert "Leicester Safeguarding Boards Office" in letter
    assert "Child A was taken to hospital with a head injury." in letter
    # §4.3.2's purpose, §4.3.4's deadline and §4.3.5's securing of records.
    assert (
        "to gather the basic facts about the case, including determining the extent of "
        "agency involvement with the child and family" in letter
    )
    assert DEADLINE in letter
    assert "secure all records and files relating to the case" in letter
    assert "nominated representative" in letter
    assert "Please include custody records from November." in letter
    assert "Schools reopen on 5 January; their replies may follow." in letter
    assert f"{settings.SITE_URL}/portal/requests/{request.pk}/" in letter


def test_the_letter_is_dated_on_the_local_day_it_was_sent(case, police):
    # 23:30 UTC on 30 June is already 1 July in London (BST).
    request = make_request(case, police, sent_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    letter = text(documents.information_request_letter_pdf(request))
    assert "Date: 1 July 2026" in letter
    assert "30 June 2026" not in letter


def test_the_letter_encloses_the_chronology_template_only_when_it_is_sent(case, police, hospital):
    with_chronology = make_request(case, police, includes_chronology_template=True)
    without = make_request(case, hospital, includes_chronology_template=False)

    enclosures = text(documents.information_request_letter_pdf(with_chronology))
    enclosures = enclosures[enclosures.index("Enclosures") :]
    assert "Information Request Reply Template" in enclosures
    assert "Chronology template" in enclosures

    letter = text(documents.information_request_letter_pdf(without))
    assert "Information Request Reply Template" in letter[letter.index("Enclosures") :]
    assert "chronology" not in letter.lower()


def test_a_referral_letter_outlines_the_referral(lr):
    case = open_case(lr, opened_on=date(2026, 12, 1))
    Referral.objects.create(
        case=case, received_on=date(2026, 11, 30), summary="School raised neglect of Child A."
    )
    agency = AgencyFactory(name="County Council", partnerships=[lr])
    letter = text(documents.information_request_letter_pdf(make_request(case, agency)))
    assert case.reference in letter
    assert "Leicestershire & Rutland Safeguarding Partnerships Business Office" in letter
    assert "received a referral" in letter
    assert "School raised neglect of Child A." in letter
    assert DEADLINE in letter
    # A referral is not a Rapid Review (§4.1.5): the letter does not say it is.
    assert "Referral to the Case Review Group" in letter
    assert "Rapid Review" not in letter


def test_a_blank_reply_template_has_every_section_and_the_deadline(case, police):
    template = text(documents.reply_template_pdf(make_request(case, police)))
    assert case.reference in template
    assert "City Police" in template
    assert f"Please return by {DEADLINE}" in template
    for heading in (
        "Involvement with the child and family",
        "Key dates and contacts",
        "What your agency did",
        "Concerns",
        "Facts",
        "Professional opinion",
        "Securing of records",
        "Nominated representative",
        "Completed by",
    ):
        assert heading in template


def test_the_reply_template_shows_the_agencys_answers(case, police):
    request = make_request(
        case,
        police,
        status=RequestStatus.IN_PROGRESS,
        involvement=Involvement.YES,
        facts="Officers attended the home on 3 November.",
        opinion="The injuries were not consistent with the account given.",
        records_secured=True,
        records_secured_on=date(2026, 12, 3),
        records_nominated_representative="Detective Sergeant, Public Protection Unit",
        completed_by="Safeguarding lead",
    )
    reply = text(documents.reply_template_pdf(request))
    facts = reply.index("Officers attended the home on 3 November.")
    opinion = reply.index("The injuries were not consistent with the account given.")
    # Fact and opinion stay under their own headings (§2.1.6).
    assert reply.index("Facts") < facts < reply.index("Professional opinion") < opinion
    assert "☒ Yes, records secured" in reply
    assert "3 December 2026" in reply
    assert "Detective Sergeant, Public Protection Unit" in reply
    assert "Safeguarding lead" in reply
    assert "In progress" in reply


def test_the_chronology_template_has_the_framework_columns_and_is_landscape(case, police):
    pdf = documents.chronology_template_pdf(make_request(case, police))
    chronology = text(pdf)
    assert is_landscape(pdf)
    assert case.reference in chronology
    assert DEADLINE in chronology
    for column in ("Date", "Time", "Source", "Event", "Agency response", "Analysis"):
        assert column in chronology
    assert "Expected practice?" in chronology


def test_the_chronology_template_lists_the_agencys_entries_in_date_order(case, police, hospital):
    request = make_request(case, police)
    ChronologyEntry.objects.create(
        request=request, happened_on=date(2026, 11, 3), source="Incident log", event="Second visit"
    )
    ChronologyEntry.objects.create(
        request=request,
        happened_on=date(2026, 10, 1),
        happened_at=time(14, 5),
        source="Custody record",
        event="First visit",
        expected_practice=ExpectedPractice.NO,
    )
    other = make_request(case, hospital)
    ChronologyEntry.objects.create(
        request=other, happened_on=date(2026, 10, 2), source="A&E notes", event="Hospital visit"
    )
    chronology = text(documents.chronology_template_pdf(request))
    assert "1 October 2026 2:05pm Custody record First visit" in chronology
    assert chronology.index("First visit") < chronology.index("Second visit")
    assert "Hospital visit" not in chronology  # another agency's entries


def test_the_combined_summary_collates_replies_and_lists_those_still_awaited(
    case, police, hospital
):
    submitted = make_request(
        case,
        police,
        status=RequestStatus.SUBMITTED,
        involvement=Involvement.LIMITED,
        facts="Two call-outs to the address in October.",
        opinion="Officers felt the family minimised the incidents.",
        records_secured=True,
        records_secured_on=date(2026, 12, 4),
    )
    awaited = make_request(
        case,
        hospital,
        facts="A draft the agency has not submitted.",
        reply_due_on=date(2026, 12, 14),
    )
    summary = CombinedSummary.objects.create(
        case=case,
        background="Child A lives with their mother and two siblings.",
        collation_notes="Police and health accounts differ about October.",
    )
    children = list(Child.objects.for_partnership(case.partnership).filter(case=case))
    report = text(
        documents.combined_summary_pdf(
            case=case,
            summary=summary,
            requests=[submitted, awaited],
            notification=case.notification,
            referral=None,
            children=children,
        )
    )

    assert "Combined Summary Report" in report
    assert case.reference in report
    assert "Section 1: Agency information" in report
    assert "Child A lives with their mother and two siblings." in report
    assert "Police and health accounts differ about October." in report
    assert "Received Tuesday 1 December 2026" in report
    assert "The child was seriously harmed" in report
    assert "Child A Subject child" in report

    police_part = report[report.rindex("City Police") : report.rindex("Royal Infirmary")]
    assert "Status Submitted" in police_part
    assert "Facts (§2.1.6) Two call-outs to the address in October." in police_part
    assert (
        "Professional opinion (§2.1.6) Officers felt the family minimised the incidents."
        in police_part
    )
    assert "Records secured (§4.3.5): Yes, on 4 December 2026" in police_part

    hospital_part = report[report.rindex("Royal Infirmary") :]
    assert "Status Not started" in hospital_part
    assert "No reply yet (due Monday 14 December 2026)" in hospital_part
    assert "A draft the agency has not submitted." not in report
    assert "Sections 2 and 3: completed and agreed at the Rapid Review meeting" in report


def test_the_combined_summary_without_section_one_text_or_requests(case):
    report = text(
        documents.combined_summary_pdf(
            case=case, summary=None, requests=[], notification=None, referral=None, children=[]
        )
    )
    assert case.reference in report
    assert "The Business Office has not written the background yet." in report
    assert "No information requests have been sent yet." in report


def test_the_combined_chronology_merges_every_agency_in_date_order(case, police, hospital):
    police_request = make_request(case, police)
    hospital_request = make_request(case, hospital)
    rows = [
        (police_request, date(2026, 11, 3), time(9, 0), "Event-4"),
        (hospital_request, date(2026, 10, 2), None, "Event-2"),
        (police_request, date(2026, 10, 1), time(14, 5), "Event-1"),
        (hospital_request, date(2026, 11, 3), time(8, 30), "Event-3"),
    ]
    entries = [
        ChronologyEntry.objects.create(
            request=request, happened_on=on, happened_at=at, source="Records", event=event
        )
        for request, on, at, event in rows
    ]
    pdf = documents.combined_chronology_pdf(case=case, entries=entries)
    chronology = text(pdf)

    assert is_landscape(pdf)
    assert case.reference in chronology
    assert "Agency" in chronology
    found = re.findall(r"(City Police|Royal Infirmary) Records (Event-\d)", chronology)
    assert found == [
        ("City Police", "Event-1"),
        ("Royal Infirmary", "Event-2"),
        ("Royal Infirmary", "Event-3"),
        ("City Police", "Event-4"),
    ]


def test_no_document_names_a_child_or_gives_their_date_of_birth(case, police):
    request = make_request(case, police, includes_chronology_template=True)
    ChronologyEntry.objects.create(
        request=request, happened_on=date(2026, 10, 1), source="Log", event="Visit"
    )
    children = list(Child.objects.for_partnership(case.partnership).filter(case=case))
    pdfs = {
        "letter": documents.information_request_letter_pdf(request),
        "reply": documents.reply_template_pdf(request),
        "chronology": documents.chronology_template_pdf(request),
        "summary": documents.combined_summary_pdf(
            case=case,
            summary=None,
            requests=[request],
            notification=case.notification,
            referral=None,
            children=children,
        ),
        "combined chronology": documents.combined_chronology_pdf(
            case=case, entries=list(ChronologyEntry.objects.for_partnership(case.partnership))
        ),
    }
    for name, pdf in pdfs.items():
        found = text(pdf)
        for secret in ("Jordan", "Secretname", "4 March 2015", "4 Mar 2015", "04/03/2015"):
            assert secret not in found, f"{secret!r} in the {name}"
        assert "2015" not in found, f"a birth year in the {name}"
    # The children are there, by pseudonym.
    assert "Child A (subject child)" in text(pdfs["letter"])
    assert "Child A Subject child" in text(pdfs["summary"])


def test_markup_in_an_agencys_answers_is_printed_as_text(case, police, monkeypatch):
    fetched = []
    monkeypatch.setattr(
        documents.LocalFilesOnly, "fetch", lambda self, url, headers=None: fetched.append(url)
    )
    request = make_request(case, police, facts='<img src="https://example.invalid/x.png"> ok')
    reply = text(documents.reply_template_pdf(request))
    assert '<img src="https://example.invalid/x.png"> ok' in reply
    assert fetched == []


def test_rendering_never_fetches_remote_or_outside_files(settings, monkeypatch):
    opened = []
    # Every fetch that gets past the refusal ends in urllib's opener.
    monkeypatch.setattr(
        "urllib.request.OpenerDirector.open",
        lambda self, url, *args, **kwargs: opened.append(url) or None,
    )
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "remote.html": (
                                '<link rel="stylesheet" href="https://example.invalid/a.css">'
                                '<img src="http://example.invalid/pixel.png">'
                                '<img src="file:///etc/hostname">'
                                "<p>{{ words }}</p>"
                            )
                        },
                    )
                ]
            },
        }
    ]
    pdf = documents.render_pdf("remote.html", {"words": "Rendered without the network"})
    assert "Rendered without the network" in text(pdf)
    assert opened == []


def test_the_url_fetcher_reads_project_files_only():
    fetcher = documents.LocalFilesOnly(settings.BASE_DIR)
    for url in (
        "https://example.org/style.css",
        "http://127.0.0.1:8000/",
        "data:text/css,body{}",
        "file://fileserver/share/file.css",
        "file:///etc/passwd",
        (settings.BASE_DIR / "static" / ".." / ".." / "escape.css").as_uri(),
    ):
        with pytest.raises(documents.RefusedURLError):
            fetcher.fetch(url)
    response = fetcher.fetch((settings.BASE_DIR / "static" / "favicon.svg").as_uri())
    try:
        assert b"<svg" in response.read()
    finally:
        response.close()


def pdf_font_names(pdf: bytes) -> set[str]:
    """The fonts embedded in a PDF, without their subset prefix ("ABCDEF+")."""
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def test_emoji_and_symbols_an_agency_typed_print_in_debians_noto_fonts(case, police):
    request = make_request(case, police)
    entry = ChronologyEntry.objects.create(
        request=request,
        happened_on=date(2026, 10, 1),
        source="Visit log ✓",
        event="Child A drew a picture 🙂 → left with mother",
    )
    pdf = documents.combined_chronology_pdf(case=case, entries=[entry])
    assert is_landscape(pdf)
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        297,
        210,
    )  # A4 landscape, in millimetres
    fonts = pdf_font_names(pdf)
    assert "Noto-Sans" in fonts  # the text
    assert "Noto-Color-Emoji" in fonts  # 🙂
    assert fonts & {"Noto-Sans-Symbols", "Noto-Sans-Symbols2", "Noto-Sans-Math"}  # ✓ →


def test_the_combined_chronology_page_shows_the_analysis_columns_the_pdf_has(
    client, case, police, leicester
):
    request = make_request(case, police, status=RequestStatus.SUBMITTED)
    ChronologyEntry.objects.create(
        request=request,
        happened_on=date(2026, 10, 1),
        happened_at=time(14, 5),
        source="Custody record",
        event="First visit",
        analysis="The referral was not followed up.",
        expected_practice=ExpectedPractice.NO,
    )
    sign_in(client, staff_user(leicester))
    page = client.get(f"/cases/{case.reference}/combined-chronology/").text
    for heading in ("Analysis", "Expected practice?"):
        assert f'<th scope="col" class="govuk-table__header">{heading}</th>' in page
    assert "1 October 2026, 2:05pm" in page
    assert "The referral was not followed up." in page
    assert '<td class="govuk-table__cell">No</td>' in page
    assert 'role="region" aria-label="Combined chronology" tabindex="0"' in page
