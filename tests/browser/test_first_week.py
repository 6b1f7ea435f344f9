"""What a first real week needs, in the browser with axe: agencies can identify the child
they are asked about, the office completes the restricted file, and an absent Scrutineer
is asked for written advice (issue 12)."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, Child, InformationRequest, Partnership, Stage
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_intake import sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_the_police_see_who_their_request_is_about(page, slug):
    partnership = Partnership.objects.get(slug=slug)
    request = (
        InformationRequest.objects.for_partnership(partnership)
        .filter(agency__name="Leicestershire Police", case__stage=Stage.RAPID_REVIEW)
        .select_related("case")
        .first()
    )
    child = Child.objects.for_partnership(partnership).filter(case=request.case).first()
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/")
    panel = page.get_by_role("region", name="OFFICIAL-SENSITIVE: who this request is about")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(child.name)
    expect(panel).to_contain_text(child.local_authority_reference)
    assert child.name not in page.url
    assert_accessible(page, f"portal-identities-{slug}")
    sign_out(page)


def test_the_office_adds_a_family_member_and_asks_the_absent_scrutineer(page):
    lr = Partnership.objects.get(slug="leicestershire-rutland")
    case = (
        Case.objects.for_partnership(lr)
        .filter(stage=Stage.RAPID_REVIEW, rapid_review__meeting__isnull=False)
        .order_by("-opened_on")
        .first()
    )
    sign_in(page, "lr-office")
    page.goto(f"/cases/{case.reference}/restricted/")
    page.get_by_label("Full name").last.fill("Philippa Demo")
    page.get_by_role("button", name="Add the family member").click()
    expect(page.get_by_role("alert")).to_contain_text("Say who they are to the child")
    expect(page.get_by_label("Full name").last).to_have_value("Philippa Demo")
    assert_accessible(page, "restricted-file-error")
    page.get_by_label("Who they are to the child").fill("mother")
    page.get_by_role("button", name="Add the family member").click()
    expect(page.get_by_text("The family member is added.")).to_be_visible()
    family = page.get_by_role("table", name="Family members")
    expect(family).to_contain_text("Philippa Demo")
    assert_accessible(page, "restricted-file")

    page.goto(f"/cases/{case.reference}/rapid-review/scrutineer/")
    page.get_by_label("No: ask for their written advice before the meeting").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("their written advice has not arrived")).to_be_visible()
    assert_accessible(page, "scrutineer-advice-awaited")
    page.goto(f"/cases/{case.reference}/rapid-review/")
    expect(page.get_by_text("Written advice awaited")).to_be_visible()
