"""Issue 14, family engagement (§7), end to end in Chromium for both partnerships: the
Business Office brings the case's children and family into the review's family network
and adds a member the case file did not hold, records the first contact with the letter
and leaflet (§7.3), a member not taking part with the reason (§7.4.2), and a
conversation (§7.4.1); axe checks every page on the way."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Child, ChildRole, FamilyMember, Partnership, Stage
from cases.services import case_stage_set
from reviews.services import lcspr_open
from tests.browser.conftest import assert_accessible
from tests.browser.test_intake import fill_date, pdf_text
from tests.browser.test_lcspr import sign_in_as
from tests.factories import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICES = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
CHILD = "Jasper Thornaby"
MOTHER = "Imogen Thornaby"
FATHER = "Lucas Penhallow"


@pytest.fixture
def review(request, demo):
    """A case under review with its subject child, a sibling and the mother on file."""
    partnership = Partnership.objects.get(slug=request.param)
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr_open(case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD, role=ChildRole.SUBJECT)
    Child.unscoped.create(
        case=case, pseudonym="Child B", name="Posy Thornaby", role=ChildRole.SIBLING
    )
    FamilyMember.unscoped.create(case=case, relationship="Mother", name=MOTHER)
    return partnership, case.reference


def check_page(page, name):
    expect(page.get_by_role("main")).not_to_contain_text(re.compile(r"\{[#%{]"))
    assert_accessible(page, name)


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_office_builds_the_family_network_and_records_contact_and_conversations(page, review):
    partnership, reference = review
    slug = "l" if partnership.slug == "leicester" else "lr"
    today = timezone.localdate()
    sign_in_as(page, OFFICES[partnership.slug])

    # The task on the LCSPR page says what is missing, and leads to the family page.
    page.goto(f"/cases/{reference}/lcspr/")
    task = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name="Engage the family")
    )
    expect(task).to_contain_text("No family network recorded yet")
    page.get_by_role("link", name="Engage the family").click()
    expect(page.get_by_role("heading", name="Engage the family")).to_be_visible()
    check_page(page, f"{slug}-family-empty")

    # Bring in the case's children and family: nothing typed twice.
    page.get_by_role("button", name="Bring in the case's children and family members (3)").click()
    expect(page.get_by_text("3 people brought into the family network")).to_be_visible()
    network = page.get_by_role("table", name="The family network")
    expect(network).to_contain_text(CHILD)
    expect(network).to_contain_text(MOTHER)
    expect(page.get_by_role("button", name=re.compile("Bring in"))).to_have_count(0)
    check_page(page, f"{slug}-family-brought-in")

    # A member the case file does not hold: a mistake first, kept as typed.
    page.get_by_role("link", name="Add a family member").click()
    check_page(page, f"{slug}-family-add-member")
    page.get_by_label("Name", exact=True).fill(FATHER)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Age in years").fill("forty")
    page.get_by_role("button", name="Add the family member").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(FATHER)
    check_page(page, f"{slug}-family-add-member-errors")
    page.get_by_label("Relationship to the child").fill("Father")
    page.get_by_label("Age in years").fill("41")
    page.get_by_label("Interpreter or translation").check()
    page.get_by_label("First language (optional)").fill("Portuguese")
    page.get_by_role("button", name="Add the family member").click()
    expect(page.get_by_text("The family member is added to the network.")).to_be_visible()
    assert FATHER.split()[0] not in page.url
    check_page(page, f"{slug}-family-member")

    # The first contact (§7.3): personal contact, the letter and the leaflet (§7.3.2).
    page.get_by_label("Who made personal contact").fill("Social worker, children's services")
    fill_date(page, "Date of the personal contact", today)
    page.get_by_role("group", name="How the letter was delivered (§7.3.2)").get_by_label(
        "Hand-delivered"
    ).check()
    page.get_by_role("group", name="How the leaflet was delivered (§7.3.2)").get_by_label(
        "Posted"
    ).check()
    page.get_by_label("Their response (optional)").fill("Will think about it.")
    page.get_by_role("button", name="Save the first contact").click()
    expect(page.get_by_text("The first contact is recorded.")).to_be_visible()

    with page.expect_download() as letter:
        page.get_by_role("link", name="Download the letter to this family member (PDF)").click()
    assert FATHER.split()[0] not in letter.value.suggested_filename
    text = pdf_text(letter.value)
    assert f"Dear {FATHER}" in text
    assert partnership.name in text

    # Not taking part: the reason is required (§7.4.2).
    page.get_by_label("Not taking part", exact=True).check()
    page.get_by_role("button", name="Save whether they are taking part").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose why they are not taking part")
    check_page(page, f"{slug}-family-reason-missing")
    page.get_by_label("Their own choice").check()
    page.get_by_label("More detail").fill("Declined when the social worker called.")
    page.get_by_role("button", name="Save whether they are taking part").click()
    expect(page.get_by_text("Whether they are taking part is recorded.")).to_be_visible()
    check_page(page, f"{slug}-family-not-taking-part")

    # A conversation with the mother (§7.4.1).
    page.get_by_role("link", name="The family network").click()
    page.get_by_role("link", name="Record a conversation").click()
    check_page(page, f"{slug}-family-conversation")
    fill_date(page, "Date of the conversation", today)
    page.get_by_label(f"{MOTHER} (Mother)").check()
    page.get_by_label("Their name and role").fill("Independent Reviewer")
    page.get_by_label("Note of the conversation").fill("Talked through the review at home.")
    page.get_by_role("button", name="Record the conversation").click()
    expect(page.get_by_text("The conversation is recorded.")).to_be_visible()
    expect(page.get_by_text("Talked through the review at home.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=FATHER)
    expect(row).to_contain_text("Not taking part")
    expect(row).to_contain_text("Their own choice")
    check_page(page, f"{slug}-family-conversation-recorded")
