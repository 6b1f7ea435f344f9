"""Issue 14, the genogram (§7.2.1), in Chromium for both partnerships: the review team sees
the genogram the product draws from the family network and its anonymised version (whose
PDF names nobody), uploads the lead agency's own genogram, and axe finds nothing."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Agency, Partnership, Stage
from cases.services import case_stage_set
from reviews.models import CoupleKind, NetworkMember, NetworkPartnership, Sex
from reviews.services import lcspr_open
from tests.browser.test_intake import pdf_text, sign_out
from tests.browser.test_lcspr import check_page, sign_in_as
from tests.factories import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICES = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
NAMES = ("Maureen Kowalski", "Chantelle Kowalski", "Darren Whitlock", "Jayden Whitlock")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def review(request, demo):
    """An LCSPR whose family network holds three generations."""
    partnership = Partnership.objects.get(slug=request.param)
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )

    def member(name, relationship, sex, **kwargs):
        return NetworkMember.unscoped.create(
            lcspr=lcspr, name=name, relationship=relationship, sex=sex, **kwargs
        )

    grandmother = member("Maureen Kowalski", "Maternal grandmother", Sex.FEMALE, age=68)
    mother = member(
        "Chantelle Kowalski", "Mother", Sex.FEMALE, mother=grandmother, age=34, household="Home"
    )
    father = member("Darren Whitlock", "Father", Sex.MALE, is_deceased=True, age=37)
    member(
        "Jayden Whitlock",
        "Subject child",
        Sex.MALE,
        is_subject_child=True,
        mother=mother,
        father=father,
        age=4,
        household="Home",
    )
    NetworkPartnership.unscoped.create(
        lcspr=lcspr, first=mother, second=father, kind=CoupleKind.SEPARATED
    )
    agency = Agency.objects.filter(partnerships=partnership).order_by("name").first()
    return OFFICES[request.param], case.reference, agency


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_review_team_sees_both_genograms_and_uploads_the_agencys(page, review, tmp_path):
    office, reference, agency = review
    slug = "l" if office.startswith("leicester") else "lr"
    sign_in_as(page, office)
    page.goto(f"/cases/{reference}/lcspr/family/genogram/")
    expect(page.get_by_role("heading", name="Genogram", exact=True)).to_be_visible()

    named = page.get_by_role("img", name=f"Genogram of case {reference} (named)")
    expect(named).to_be_visible()
    expect(named).to_contain_text("Chantelle Kowalski")
    anonymised = page.get_by_role("img", name=f"Genogram of case {reference} (anonymised)")
    expect(anonymised).to_be_visible()
    expect(anonymised).to_contain_text("Child A")
    expect(anonymised).to_contain_text("Maternal grandmother")
    for name in NAMES:
        expect(anonymised).not_to_contain_text(name.split()[1])
    # The text alternative: the same people as a table.
    page.get_by_text("The anonymised genogram as a table").click()
    table = page.get_by_role("table", name="The anonymised genogram's people")
    expect(table).to_contain_text("Child A (subject child)")
    expect(table).to_contain_text("Father (died)")
    check_page(page, f"{slug}-genogram")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the anonymised genogram (PDF)").click()
    text = pdf_text(download.value)
    assert "Child A" in text
    assert not [n for n in NAMES for part in n.split() if part in text]

    # The lead agency's genogram, uploaded for it: a text file renamed .png is refused.
    fake = tmp_path / "genogram.png"
    fake.write_bytes(b"Maureen Kowalski, grandmother")
    page.get_by_label("Whose genogram is it?").select_option(label=agency.name)
    page.get_by_label("The genogram", exact=True).set_input_files(str(fake))
    page.get_by_role("button", name="Upload the genogram").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match its type (.png)")
    check_page(page, f"{slug}-genogram-upload-refused")
    real = tmp_path / "lead-agency-genogram.png"
    real.write_bytes(PNG)
    page.get_by_label("Whose genogram is it?").select_option(label=agency.name)
    page.get_by_label("The genogram", exact=True).set_input_files(str(real))
    page.get_by_label("What changed since the last version (optional)").fill("First version")
    page.get_by_role("button", name="Upload the genogram").click()
    expect(page.get_by_text("Version 1 of the genogram is uploaded.")).to_be_visible()
    uploads = page.get_by_role("table", name=re.compile("Uploaded genograms"))
    expect(uploads).to_contain_text(agency.name)
    expect(uploads).to_contain_text("First version")
    check_page(page, f"{slug}-genogram-uploaded")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download version 1")).click()
    assert download.value.suggested_filename == f"{reference}-genogram-version-1.png"
    sign_out(page)
