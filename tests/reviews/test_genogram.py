"""The genogram (§7.2.1): the drawing's notation and generations, the anonymised version
that names nobody (its SVG's text and its PDF's text), the lead agency's uploads (image or
PDF only, versioned), and who may see them, every view and download logged."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import AccessAction, AccessEvent, Child, FamilyMember, Role
from cases.services.information_request import UPLOAD_CONTENT_MISMATCH
from reviews.documents.genogram import anonymised_genogram_pdf, named_genogram_pdf
from reviews.forms.genogram import CHOOSE_FILE
from reviews.genogram import (
    DIVORCED,
    FEMALE,
    MALE,
    MARRIED,
    PARTNERS,
    SEPARATED,
    UNKNOWN,
    Couple,
    Person,
    generations,
    genogram_svg,
    layout,
    svg_text,
)
from reviews.models import CoupleKind, GenogramUpload, NetworkMember, NetworkPartnership, Sex
from reviews.selectors.genogram import (
    NOT_ANONYMOUS,
    GenogramNotAnonymous,
    anonymised_genogram,
    anonymised_genogram_svg,
    named_genogram,
)
from reviews.services import genogram_upload_add
from reviews.services.genogram import GENOGRAM_TYPE_REFUSED
from tests.cases.test_portal import PDF_BYTES, media  # noqa: F401 - `media` keeps uploads out of var/
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64

# --- The drawing (reviews/genogram.py): no database --------------------------------------


def family():
    """Three generations: a grandmother; the mother, her divorced husband (no parents in
    the network) and her new partner; the subject child, a sister and a half-brother."""
    people = [
        Person(1, "Grandmother", FEMALE, 70),
        Person(2, "Mother", FEMALE, 34, mother=1, household="Home"),
        Person(3, "Father", MALE, 36, is_deceased=True),
        Person(4, "Partner", MALE, 40, household="Home"),
        Person(5, "Child A", FEMALE, 3, is_subject=True, mother=2, father=3, household="Home"),
        Person(6, "Sibling 1", UNKNOWN, 5, mother=2, father=3),
        Person(7, "Half-sibling 1", MALE, 1, mother=2, father=4, household="Home"),
    ]
    couples = [Couple(2, 3, DIVORCED), Couple(2, 4, PARTNERS)]
    return people, couples


def parsed(svg):
    return ET.fromstring(svg)  # noqa: S314 - the product's own drawing, not untrusted input


def groups(root, css):
    return [g for g in root.iter(f"{SVG}g") if css in g.get("class", "").split()]


def test_generations_come_from_the_parents_and_partners():
    people, couples = family()
    level = generations(people, couples)
    assert level[1] == 0  # the grandmother
    assert level[2] == level[3] == level[4] == 1  # the mother and both her partners
    assert level[5] == level[6] == level[7] == 2


def test_someone_with_no_parents_in_the_network_stands_above_their_children():
    # A father with no parents recorded and no couple with the mother, whose own mother
    # is in the network: he stands on the generation above his child, not at the top.
    people = [
        Person(1, "Grandmother", FEMALE),
        Person(2, "Mother", FEMALE, mother=1),
        Person(3, "Father", MALE),
        Person(4, "Child A", MALE, mother=2, father=3, is_subject=True),
    ]
    assert generations(people, []) == {1: 0, 2: 1, 3: 1, 4: 2}


def test_partners_stand_side_by_side_and_children_below_their_parents():
    people, couples = family()
    where = layout(people, couples)
    mother_row = sorted((where.x[k], k) for k in (2, 3, 4))
    # The mother stands between her former husband and her partner.
    assert [k for _x, k in mother_row] in ([3, 2, 4], [4, 2, 3])
    assert where.y[5] > where.y[2] > where.y[1]
    assert where.y[5] == where.y[6] == where.y[7]


def test_shapes_follow_the_sex_and_the_subject_child_has_a_double_outline():
    people, couples = family()
    root = parsed(genogram_svg(people, couples, title="T", description="D"))
    for person in groups(root, "person"):
        css = person.get("class").split()
        shapes = [e for e in person if e.get("class") == "shape"]
        expected = (
            f"{SVG}rect"
            if "person-male" in css
            else f"{SVG}circle"
            if "person-female" in css
            else f"{SVG}polygon"
        )
        assert {s.tag for s in shapes} == {expected}
        assert len(shapes) == (2 if "person-subject" in css else 1)
    assert len(groups(root, "person-male")) == 3
    assert len(groups(root, "person-female")) == 3
    assert len(groups(root, "person-unknown")) == 1
    assert len(groups(root, "person-subject")) == 1


def test_a_person_who_has_died_is_crossed_through():
    people, couples = family()
    root = parsed(genogram_svg(people, couples, title="T", description="D"))
    (deceased,) = groups(root, "person-deceased")
    assert "Father" in "".join(deceased.itertext())
    assert len([e for e in deceased if e.get("class") == "cross"]) == 2
    for person in groups(root, "person"):
        if person is not deceased:
            assert not [e for e in person if e.get("class") == "cross"]


@pytest.mark.parametrize(
    ("kind", "slashes", "dashed"),
    [(MARRIED, 0, False), (PARTNERS, 0, True), (SEPARATED, 1, False), (DIVORCED, 2, False)],
)
def test_a_couple_is_joined_by_a_line_with_slashes_when_they_parted(kind, slashes, dashed):
    people = [Person(1, "Mother", FEMALE), Person(2, "Father", MALE)]
    root = parsed(genogram_svg(people, [Couple(1, 2, kind)], title="T", description="D"))
    (couple,) = groups(root, f"couple-{kind}")
    lines = [e for e in couple if "line" in e.get("class").split()]
    horizontal = [e for e in lines if e.get("y1") == e.get("y2")]
    assert len(horizontal) == 1
    assert float(horizontal[0].get("x1")) < float(horizontal[0].get("x2"))
    assert len([e for e in couple if e.get("class") == "slash"]) == slashes
    assert all(("stroke-dasharray" in e.attrib) == dashed for e in lines)


def test_children_hang_from_their_parents_line():
    people, couples = family()
    where = layout(people, couples)
    root = parsed(genogram_svg(people, couples, title="T", description="D"))
    descents = groups(root, "descent")
    assert len(descents) == 3  # the grandmother's; the divorced couple's; the new couple's
    # Each child's line ends at the top of their shape.
    ends = {(float(e.get("x2")), float(e.get("y2"))) for g in descents for e in g}
    for child in (2, 5, 6, 7):
        assert (where.x[child], where.y[child] - 20) in ends


def test_a_household_is_a_dashed_boundary_around_its_members():
    people, couples = family()
    where = layout(people, couples)
    root = parsed(genogram_svg(people, couples, title="T", description="D"))
    (household,) = groups(root, "household")
    box = household.find(f"{SVG}rect")
    left, top = float(box.get("x")), float(box.get("y"))
    right, bottom = left + float(box.get("width")), top + float(box.get("height"))
    assert "stroke-dasharray" in box.attrib
    for member in (2, 4, 5, 7):
        assert left < where.x[member] < right
        assert top < where.y[member] < bottom


def test_the_age_is_under_the_shape():
    people, couples = family()
    root = parsed(genogram_svg(people, couples, title="T", description="D"))
    (child,) = groups(root, "person-subject")
    texts = [e for e in child if e.tag == f"{SVG}text"]
    assert [t.text for t in texts] == ["Child A", "Age 3"]
    shape_bottom = float(child.find(f"{SVG}circle").get("cy")) + 20
    assert all(float(t.get("y")) > shape_bottom for t in texts)


def test_the_svg_is_an_image_with_a_title_and_a_description():
    people, couples = family()
    root = parsed(
        genogram_svg(people, couples, title="The title", description="The desc", id_prefix="g")
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "g-title g-desc"
    assert root.find(f"{SVG}title").get("id") == "g-title"
    assert root.find(f"{SVG}title").text == "The title"
    assert root.find(f"{SVG}desc").text == "The desc"


def test_labels_are_escaped():
    svg = genogram_svg([Person(1, "<script>x</script> & co")], [], title="T", description="D")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


# --- The family network, named and anonymised ---------------------------------------------

NAMES = [
    "Maureen Kowalski",
    "Chantelle Kowalski",
    "Darren Whitlock",
    "Craig Pemberton",
    "Jayden Whitlock",
    "Keeley Whitlock",
    "Rhys Pemberton",
    "Bernadette Kowalski",
    "Tony Cross",
]
CASE_ONLY_NAME = "Sharon Oduya"  # a family member of the case, not in the network
HOME = "14 Larchwood Close"
CHANTELLE_BORN = date(1991, 6, 5)


@pytest.fixture
def review(leicester):
    return family_review(leicester)


def family_review(leicester):
    """A review whose network holds the family above, the subject child linked to the
    case's child (pseudonym Child A)."""
    case = open_case(leicester)
    lcspr = appoint(case, staff_user(leicester, role=Role.REVIEWER)).lcspr
    child = Child.unscoped.create(case=case, pseudonym="Child A", name="Jayden Whitlock")
    FamilyMember.unscoped.create(case=case, relationship="Aunt", name=CASE_ONLY_NAME)

    def member(name, relationship, sex, **kwargs):
        return NetworkMember.unscoped.create(
            lcspr=lcspr, name=name, relationship=relationship, sex=sex, **kwargs
        )

    grandmother = member("Maureen Kowalski", "Maternal grandmother", Sex.FEMALE, age=68)
    mother = member(
        "Chantelle Kowalski",
        "Mum",
        Sex.FEMALE,
        mother=grandmother,
        date_of_birth=CHANTELLE_BORN,
        household=HOME,
        address=HOME,
    )
    father = member("Darren Whitlock", "Father", Sex.MALE, is_deceased=True, age=37)
    partner = member("Craig Pemberton", "Mother's partner", Sex.MALE, household=HOME)
    subject = member(
        "Jayden Whitlock",
        "Subject child",
        Sex.MALE,
        is_subject_child=True,
        child=child,
        mother=mother,
        father=father,
        age=4,
        household=HOME,
    )
    member("Keeley Whitlock", "sister", Sex.FEMALE, mother=mother, father=father, age=7)
    member(
        "Rhys Pemberton", "half-brother", Sex.MALE, mother=mother, father=partner, household=HOME
    )
    member("Bernadette Kowalski", "Aunt (Bernadette)", Sex.FEMALE, mother=grandmother)
    member("Tony Cross", "Uncle", Sex.MALE, mother=grandmother)
    NetworkPartnership.unscoped.create(
        lcspr=lcspr, first=mother, second=father, kind=CoupleKind.DIVORCED
    )
    NetworkPartnership.unscoped.create(
        lcspr=lcspr, first=mother, second=partner, kind=CoupleKind.PARTNERS
    )
    return {
        "case": case,
        "lcspr": lcspr,
        "subject": subject,
        "partnership": leicester,
        "agency": AgencyFactory(name="Leicester City Council", partnerships=[leicester]),
    }


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def names_in(text: str) -> list[str]:
    """Every name, or part of one, found in the text (whole words, any case)."""
    words = set(text.casefold().replace("(", " ").replace(")", " ").split())
    return [
        part
        for name in [*NAMES, CASE_ONLY_NAME]
        for part in name.split()
        if part.casefold() in words
    ]


def test_the_named_genogram_shows_names_ages_and_the_household(review):
    genogram = named_genogram(review["lcspr"])
    text = svg_text(genogram.svg)
    for name in NAMES:
        assert name in text or all(part in text for part in name.split())
    assert HOME in text
    assert "Age 68" in text
    assert {r.label for r in genogram.rows} >= {"Jayden Whitlock", "Chantelle Kowalski"}
    assert genogram.generations == 3


def test_the_anonymised_genogram_labels_everyone_by_relationship(review):
    genogram = anonymised_genogram(review["lcspr"])
    labels = [row.label for row in genogram.rows]
    assert labels == [
        "Maternal grandmother",
        "Mother",
        "Father",
        "Mother's partner",
        "Child A",
        "Sibling 1",
        "Half-sibling 1",
        "Family member 1",  # "Aunt (Bernadette)" holds a name
        "Uncle",
    ]
    subject = next(row for row in genogram.rows if row.is_subject)
    assert subject.label == "Child A"
    assert all(row.date_of_birth is None and row.relationship == "" for row in genogram.rows)
    assert {row.household for row in genogram.rows} == {"Household 1", ""}


def test_the_anonymised_svg_text_holds_no_name_no_date_of_birth_and_no_address(review):
    svg = anonymised_genogram_svg(review["lcspr"])
    text = svg_text(svg)
    assert names_in(text) == []
    # Not even a part of a name as a word: Tony Cross's surname and the legend's "cross".
    assert "cross" not in text.casefold().split()
    assert HOME not in text
    assert "Larchwood" not in text
    assert str(CHANTELLE_BORN.year) not in text
    assert "June" not in text
    assert "Child A" in text
    assert "Mother" in text
    assert "Household 1" in text
    # The check can fail: the named one holds them.
    assert names_in(svg_text(named_genogram(review["lcspr"]).svg))


def test_the_anonymised_pdf_text_holds_no_name(review):
    text = pdf_text(anonymised_genogram_pdf(case=review["case"], lcspr=review["lcspr"]))
    assert "Child A" in text
    assert "Maternal grandmother" in text
    assert names_in(text) == []
    assert HOME not in text
    assert "Larchwood" not in text
    named = pdf_text(named_genogram_pdf(case=review["case"], lcspr=review["lcspr"]))
    assert "Chantelle Kowalski" in named  # the same check catches names where they are


def test_the_subject_child_without_a_case_child_is_child_a(review):
    NetworkMember.unscoped.filter(pk=review["subject"].pk).update(child=None)
    Child.unscoped.filter(case=review["case"]).update(pseudonym="Child B")
    labels = [row.label for row in anonymised_genogram(review["lcspr"]).rows]
    assert "Child A" in labels


def test_a_name_that_is_a_word_of_every_label_refuses_the_anonymised_version(review):
    NetworkMember.unscoped.create(
        lcspr=review["lcspr"], name="Family Member", relationship="Cousin", sex=Sex.UNKNOWN
    )
    with pytest.raises(GenogramNotAnonymous):
        anonymised_genogram_svg(review["lcspr"])
    with pytest.raises(GenogramNotAnonymous):
        anonymised_genogram_pdf(case=review["case"], lcspr=review["lcspr"])


def test_the_page_says_why_the_anonymised_version_is_refused(client, review):
    NetworkMember.unscoped.create(
        lcspr=review["lcspr"], name="Family Member", relationship="Cousin", sex=Sex.UNKNOWN
    )
    sign_in(client, staff_user(review["partnership"]))
    page = client.get(page_url(review))
    assert page.status_code == 200
    assert escape(NOT_ANONYMOUS) in page.content.decode()
    response = client.get(url(review, "lcspr_genogram_anonymised_pdf"))
    assert response.status_code == 302


# --- The page and its downloads -----------------------------------------------------------


def url(review, name, **kwargs):
    return reverse(name, kwargs={"reference": review["case"].reference, **kwargs})


def page_url(review):
    return url(review, "lcspr_genogram")


def test_the_page_shows_both_versions_and_their_tables(client, review):
    sign_in(client, staff_user(review["partnership"]))
    page = client.get(page_url(review)).content.decode()
    assert page.count('role="img"') == 2
    assert "Chantelle Kowalski" in page  # the named version, for the review team
    assert "Genogram of case" in page
    assert "(anonymised)" in page
    assert "The anonymised genogram's people" in page
    assert "Larchwood" in page  # the named household, in the named version only
    assert page.count("Larchwood") == page.count(escape("14 Larchwood Close"))


@pytest.mark.parametrize(
    ("name", "content_type", "start"),
    [
        ("lcspr_genogram_svg", "image/svg+xml", b"<svg"),
        ("lcspr_genogram_anonymised_svg", "image/svg+xml", b"<svg"),
        ("lcspr_genogram_pdf", "application/pdf", b"%PDF"),
        ("lcspr_genogram_anonymised_pdf", "application/pdf", b"%PDF"),
    ],
)
def test_each_download_is_named_by_reference_and_logged(client, review, name, content_type, start):
    office = staff_user(review["partnership"])
    sign_in(client, office)
    response = client.get(url(review, name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(start)
    reference = review["case"].reference
    assert f'filename="{reference}-genogram-' in response["Content-Disposition"]
    assert AccessEvent.unscoped.filter(
        user=office, action=AccessAction.DOWNLOAD, route=name, object_reference=reference
    ).exists()


def test_the_downloaded_anonymised_svg_holds_no_name(client, review):
    sign_in(client, staff_user(review["partnership"]))
    response = client.get(url(review, "lcspr_genogram_anonymised_svg"))
    assert names_in(svg_text(response.content.decode())) == []


def test_viewing_the_page_is_logged(client, review):
    chair = staff_user(review["partnership"], role=Role.CRG_CHAIR)
    sign_in(client, chair)
    assert client.get(page_url(review)).status_code == 200
    assert AccessEvent.unscoped.filter(
        user=chair,
        action=AccessAction.VIEW,
        route="lcspr_genogram",
        object_reference=review["case"].reference,
    ).exists()


@pytest.mark.parametrize(
    "role", [Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER, Role.PARTNERSHIP_ADMIN]
)
def test_people_outside_the_review_team_are_refused(client, review, role):
    sign_in(client, staff_user(review["partnership"], role=role))
    for name in (
        "lcspr_genogram",
        "lcspr_genogram_svg",
        "lcspr_genogram_pdf",
        "lcspr_genogram_anonymised_svg",
        "lcspr_genogram_anonymised_pdf",
    ):
        response = client.get(url(review, name))
        assert response.status_code == 403, name
        assert "Kowalski" not in response.content.decode()
    assert AccessEvent.unscoped.filter(
        action=AccessAction.DENIED, route="lcspr_genogram", status_code=403
    ).exists()


def test_an_agency_user_is_refused(client, review):
    sign_in(client, agency_user(review["agency"]))
    assert client.get(page_url(review)).status_code == 403


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.PANEL_MEMBER])
def test_the_reviews_own_reviewer_and_panel_see_it_and_others_do_not(client, review, role):
    person = staff_user(review["partnership"], role=role)
    sign_in(client, person)
    assert client.get(page_url(review)).status_code == 404  # not appointed to this review
    appoint(review["case"], person, role)
    page = client.get(page_url(review))
    assert page.status_code == 200
    assert "Chantelle Kowalski" in page.content.decode()


def test_the_other_partnership_finds_nothing(client, review, lr):
    sign_in(client, staff_user(lr))
    for name in ("lcspr_genogram", "lcspr_genogram_pdf", "lcspr_genogram_anonymised_svg"):
        response = client.get(url(review, name))
        assert response.status_code == 404
        assert "Kowalski" not in response.content.decode()


# --- Uploads --------------------------------------------------------------------------------


def lead_agency(review):
    return review["agency"]


def test_each_upload_is_a_new_version_and_the_earlier_are_kept(review):
    office = staff_user(review["partnership"])
    agency = lead_agency(review)
    first = genogram_upload_add(
        lcspr=review["lcspr"],
        actor=office,
        upload=SimpleUploadedFile("kowalski family.png", PNG_BYTES),
        agency=agency,
    )
    second = genogram_upload_add(
        lcspr=review["lcspr"],
        actor=office,
        upload=SimpleUploadedFile("genogram.pdf", PDF_BYTES),
        agency=agency,
        note="The father's family added",
    )
    third = genogram_upload_add(
        lcspr=review["lcspr"],
        actor=office,
        upload=SimpleUploadedFile("genogram.JPG", JPEG_BYTES),
        agency=agency,
    )
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert (first.content_type, second.content_type, third.content_type) == (
        "image/png",
        "application/pdf",
        "image/jpeg",
    )
    assert GenogramUpload.unscoped.filter(lcspr=review["lcspr"]).count() == 3
    first.refresh_from_db()
    assert first.file.read() == PNG_BYTES
    # Stored under a random name: not the name it came with.
    assert "kowalski" not in first.file.name
    assert first.uploaded_by == office
    assert first.agency == agency
    assert first.on_behalf
    assert first.history.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("genogram.png", b"Maureen Kowalski, grandmother\n", UPLOAD_CONTENT_MISMATCH),
        ("genogram.pdf", PNG_BYTES, UPLOAD_CONTENT_MISMATCH),
        ("genogram.jpg", PDF_BYTES, UPLOAD_CONTENT_MISMATCH),
        ("genogram.txt", b"text", GENOGRAM_TYPE_REFUSED),
        ("genogram.docx", b"PK\x03\x04rest", GENOGRAM_TYPE_REFUSED),
        ("genogram.svg", b"<svg/>", GENOGRAM_TYPE_REFUSED),
    ],
)
def test_anything_but_an_image_or_a_pdf_is_refused(review, name, content, message):
    with pytest.raises(ApplicationError) as refusal:
        genogram_upload_add(
            lcspr=review["lcspr"],
            actor=staff_user(review["partnership"]),
            upload=SimpleUploadedFile(name, content),
            agency=lead_agency(review),
        )
    assert refusal.value.message.startswith(message.split("{")[0])
    assert not GenogramUpload.unscoped.exists()


def test_the_crg_chair_reads_but_cannot_upload(review):
    with pytest.raises(ApplicationError):
        genogram_upload_add(
            lcspr=review["lcspr"],
            actor=staff_user(review["partnership"], role=Role.CRG_CHAIR),
            upload=SimpleUploadedFile("genogram.png", PNG_BYTES),
            agency=lead_agency(review),
        )


def test_an_agency_of_no_concern_to_the_partnership_is_refused(review, lr):
    stranger = AgencyFactory(name="An agency elsewhere", partnerships=[lr])
    with pytest.raises(ApplicationError):
        genogram_upload_add(
            lcspr=review["lcspr"],
            actor=staff_user(review["partnership"]),
            upload=SimpleUploadedFile("genogram.png", PNG_BYTES),
            agency=stranger,
        )


def test_uploading_on_the_page_then_downloading_it_logged(client, review):
    reviewer = staff_user(review["partnership"], role=Role.REVIEWER)
    appoint(review["case"], reviewer)
    sign_in(client, reviewer)
    agency = lead_agency(review)
    response = client.post(
        page_url(review),
        {
            "agency": agency.pk,
            "file": SimpleUploadedFile("genogram.png", PNG_BYTES),
            "note": "From the lead agency",
        },
    )
    assert response.status_code == 302
    page = client.get(page_url(review)).content.decode()
    assert "Version 1 of the genogram is uploaded" in page
    assert escape(agency.name) in page
    assert "on the agency's behalf" in page
    upload = GenogramUpload.unscoped.get()
    download = client.get(url(review, "lcspr_genogram_upload", pk=upload.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG_BYTES
    reference = review["case"].reference
    assert f"{reference}-genogram-version-1.png" in download["Content-Disposition"]
    assert AccessEvent.unscoped.filter(
        user=reviewer,
        action=AccessAction.DOWNLOAD,
        route="lcspr_genogram_upload",
        object_reference=reference,
    ).exists()


def test_a_text_file_renamed_png_is_refused_on_the_page_with_the_form_kept(client, review):
    sign_in(client, staff_user(review["partnership"]))
    agency = lead_agency(review)
    response = client.post(
        page_url(review),
        {
            "agency": agency.pk,
            "file": SimpleUploadedFile("genogram.png", b"not an image at all"),
            "note": "Typed note",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert escape(UPLOAD_CONTENT_MISMATCH.format(extension=".png")) in page
    assert 'value="Typed note"' in page
    assert not GenogramUpload.unscoped.exists()
    response = client.post(page_url(review), {"agency": agency.pk})
    assert escape(CHOOSE_FILE) in response.content.decode()


def test_the_crg_chair_cannot_upload_on_the_page(client, review):
    sign_in(client, staff_user(review["partnership"], role=Role.CRG_CHAIR))
    page = client.get(page_url(review)).content.decode()
    assert "Upload the genogram" not in page
    response = client.post(
        page_url(review),
        {"agency": lead_agency(review).pk, "file": SimpleUploadedFile("g.png", PNG_BYTES)},
    )
    assert response.status_code == 403
    assert not GenogramUpload.unscoped.exists()


def test_another_reviews_upload_is_not_found_under_this_case(client, review, leicester, lr):
    office = staff_user(leicester)
    other_case = open_case(leicester)
    other_lcspr = appoint(other_case, staff_user(leicester, role=Role.REVIEWER)).lcspr
    upload = genogram_upload_add(
        lcspr=other_lcspr,
        actor=office,
        upload=SimpleUploadedFile("genogram.png", PNG_BYTES),
        agency=lead_agency(review),
    )
    sign_in(client, office)
    assert client.get(url(review, "lcspr_genogram_upload", pk=upload.pk)).status_code == 404
    sign_in(client, staff_user(lr))
    other = reverse(
        "lcspr_genogram_upload", kwargs={"reference": other_case.reference, "pk": upload.pk}
    )
    assert client.get(other).status_code == 404
