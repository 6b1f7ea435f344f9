"""Issue 15, the report's drafts (§9.1), in Chromium for both partnerships: the Business
Office starts the first draft, writes a section with its preview, finishes the draft,
reads its checklist (§9.1.2), comments on it, uploads the next draft from Word and compares
the two; axe finds nothing on any page."""

import io

import docx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Partnership, Stage
from cases.services import case_stage_set
from reviews.services import lcspr_open
from reviews.services.report_drafts import DEFAULT_HEADINGS
from tests.browser.test_intake import sign_out
from tests.browser.test_lcspr import check_page, sign_in_as
from tests.factories import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICES = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}


@pytest.fixture
def review(request, demo):
    partnership = Partnership.objects.get(slug=request.param)
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_stage_set(case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review")
    lcspr_open(case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None)
    return OFFICES[request.param], case.reference


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_office_writes_finishes_comments_uploads_and_compares(page, review, tmp_path):
    office, reference = review
    slug = "l" if office.startswith("leicester") else "lr"
    overview = next(iter(DEFAULT_HEADINGS.values()))
    sign_in_as(page, office)
    page.goto(f"/cases/{reference}/lcspr/report/")
    expect(page.get_by_text("No draft yet.")).to_be_visible()
    check_page(page, f"{slug}-report-none")
    page.get_by_role("button", name="Start the first draft in the product").click()
    expect(page.get_by_text("Draft 1 is started.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"1. {overview}")).to_be_visible()
    check_page(page, f"{slug}-report-draft-writing")

    page.get_by_role("link", name="Change section 1", exact=True).click()
    page.get_by_label("Text", exact=True).fill(
        "Child A lived with her mother.\n\nShe went to nursery."
    )
    # The preview follows the typing, before any button is pressed.
    expect(page.get_by_role("heading", name="Preview as you type")).to_be_visible()
    preview = page.locator("[data-preview-body] p")
    expect(preview).to_have_text(["Child A lived with her mother.", "She went to nursery."])
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview of what you typed")).to_be_visible()
    expect(page.get_by_text("She went to nursery.").last).to_be_visible()
    check_page(page, f"{slug}-report-section-preview")
    page.get_by_role("button", name="Save the section").click()
    expect(page.get_by_text("The section is saved.")).to_be_visible()

    page.get_by_label("Note on this draft").fill("First draft")
    page.get_by_role("button", name="Finish draft 1").click()
    expect(page.get_by_text("Draft 1 is finished and checked.")).to_be_visible()

    page.get_by_label("Which part of the draft is it about?").select_option(label=overview)
    page.get_by_label("Comment", exact=True).fill("Say more about the nursery.")
    page.get_by_role("button", name="Add the comment").click()
    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    check_page(page, f"{slug}-report-draft-finished")

    page.get_by_role("link", name="The checklist of draft 1").click()
    expect(page.locator("#missing-points")).to_contain_text("points of the minimum content")
    check_page(page, f"{slug}-report-checklist")
    page.get_by_label("An overview of what happened").fill(overview)
    page.get_by_role("button", name="Save where the draft addresses them").click()
    expect(
        page.get_by_text("Where the draft addresses the minimum content is saved.")
    ).to_be_visible()

    document = docx.Document()
    document.add_heading(overview, level=1)
    document.add_paragraph("Child A lived with her mother and her grandmother.")
    buffer = io.BytesIO()
    document.save(buffer)
    word = tmp_path / "draft-2.docx"
    word.write_bytes(buffer.getvalue())
    page.goto(f"/cases/{reference}/lcspr/report/upload/")
    check_page(page, f"{slug}-report-upload")
    page.get_by_label("The Word draft").set_input_files(str(word))
    page.get_by_label("Note on this draft").fill("After the Panel's comments")
    page.get_by_role("button", name="Upload the draft").click()
    expect(page.get_by_text("Draft 2 is uploaded from Word and checked.")).to_be_visible()

    page.goto(f"/cases/{reference}/lcspr/report/compare/?from=1&to=2")
    expect(
        page.get_by_text("Added: Child A lived with her mother and her grandmother.")
    ).to_be_visible()
    check_page(page, f"{slug}-report-compare")
    page.goto(f"/cases/{reference}/lcspr/report/")
    expect(page.get_by_role("table", name="Drafts", exact=True)).to_contain_text("After the Panel")
    check_page(page, f"{slug}-report-drafts")
    sign_out(page)
