"""Issue 14 end to end in Chromium, in both partnerships: the partnership admin adds a theme
to the theme list (§8.8); the Reviewer reads the multi-agency chronology of two agencies'
submissions with a gap and a day of contact by both (§8.4.3), names a key theme coded from
the list (§8.8.1) and tags an entry with it. axe on each page; the wide table scrolls in
its own region at 375 px rather than the page overflowing."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import (
    ChronologyEntry,
    InformationRequest,
    Partnership,
    RequestPurpose,
    RequestStatus,
    Role,
    SubmissionKind,
)
from reviews.models import TermsVersion
from reviews.services import lcspr_open
from tests.browser.test_intake import sign_out
from tests.browser.test_lcspr import check_page, demo_user, sign_in_as
from tests.factories import AgencyFactory, appoint, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submission(case, agency):
    return InformationRequest.unscoped.create(
        case=case,
        agency=agency,
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.CHRONOLOGY,
        status=RequestStatus.SUBMITTED,
        reply_due_on=timezone.localdate() + timedelta(days=20),
        sent_at=timezone.now(),
    )


def entry(request, day, event):
    return ChronologyEntry.unscoped.create(
        request=request,
        happened_on=day,
        concerning="Child A",
        source="Case notes",
        event=event,
    )


@pytest.fixture
def review(request, demo):
    """An LCSPR with its Reviewer appointed, a 2025 scoping period and two agencies'
    submitted chronologies: both in contact on 3 March 2025, then nobody until 17 April."""
    slug = request.param
    partnership = Partnership.objects.get(slug=slug)
    short = "l" if slug == "leicester" else "lr"
    case = open_case(partnership)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    reviewer = demo_user(f"{short}-chron-reviewer", "Dr Jo Marsh", Role.REVIEWER, partnership)
    appoint(case, reviewer, Role.REVIEWER)
    demo_user(f"{short}-chron-admin", "Sam Patel", Role.PARTNERSHIP_ADMIN, partnership)
    TermsVersion.unscoped.create(
        lcspr=lcspr, number=1, scoping_start=date(2025, 1, 1), scoping_end=date(2025, 12, 31)
    )
    police = submission(
        case, AgencyFactory(name=f"{short.upper()} Police", partnerships=[partnership])
    )
    health = submission(
        case, AgencyFactory(name=f"{short.upper()} Health", partnerships=[partnership])
    )
    entry(police, date(2025, 3, 3), "Police attended a report of shouting")
    entry(health, date(2025, 3, 3), "Health visitor saw the baby at home")
    entry(police, date(2025, 4, 17), "Police returned to the address")
    return short, case.reference


@pytest.mark.parametrize(
    "review", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_the_chronology_shows_gap_and_overlap_and_themes_are_coded_and_tagged(page, review):
    short, reference = review

    # The partnership admin adds a theme to the list (§8.8).
    sign_in_as(page, f"{short}-chron-admin")
    page.get_by_role("link", name="Theme list").click()
    expect(page.get_by_role("heading", name="Theme list")).to_be_visible()
    expect(page.get_by_role("link", name="Neglect", exact=True)).to_be_visible()
    page.get_by_label("Theme", exact=True).fill("Fabricated or induced illness")
    page.get_by_label("Code").fill("fabricated-illness")
    page.get_by_role("button", name="Add the theme").click()
    expect(page.get_by_text("The theme is added to the list.")).to_be_visible()
    expect(page.get_by_role("link", name="Fabricated or induced illness")).to_be_visible()
    check_page(page, f"{short}-theme-list")
    sign_out(page)

    # The Reviewer reads the merged chronology: a gap and a day of two agencies (§8.4.3).
    sign_in_as(page, f"{short}-chron-reviewer")
    page.goto(f"/cases/{reference}/lcspr/")
    page.get_by_role("link", name="Merge the agencies' chronologies").click()
    expect(page.get_by_role("heading", name="The multi-agency chronology")).to_be_visible()
    table = page.get_by_role("table", name="Multi-agency chronology")
    expect(table).to_contain_text("No agency contact for 45 days: 3 March 2025 – 17 April 2025")
    expect(table.get_by_text("2 agencies on this day")).to_have_count(2)
    expect(
        table.get_by_role("link", name=re.compile(rf"^{short.upper()} Police\W+its submission$"))
    ).to_have_count(2)
    check_page(page, f"{short}-multi-agency-chronology")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})

    # The Reviewer names a key theme coded from the list (§8.8.1).
    page.goto(f"/cases/{reference}/lcspr/themes/")
    check_page(page, f"{short}-key-themes-empty")
    page.get_by_label("Title").fill("Neglect of a baby in a busy household")
    page.get_by_label("Description").fill("How agencies saw the baby's care at home.")
    page.get_by_label("Theme code").select_option(label="Neglect")
    page.get_by_role("button", name="Add the key theme").click()
    expect(page.get_by_text("The key theme is added.")).to_be_visible()
    themes = page.get_by_role("table", name="Key themes")
    expect(themes).to_contain_text("Neglect of a baby in a busy household")
    check_page(page, f"{short}-key-themes")

    # ... and tags the health visitor's entry with it.
    page.goto(f"/cases/{reference}/lcspr/chronology/")
    page.get_by_label(f"Select the entry of 3 March 2025 by {short.upper()} Health").check()
    page.get_by_label("Key theme for the selected entries").select_option(
        label="Neglect of a baby in a busy household"
    )
    page.get_by_role("button", name="Tag selected with theme").click()
    expect(page.get_by_text("1 entry tagged with")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Health visitor saw the baby at home")
    expect(row).to_contain_text("Neglect of a baby in a busy household")
    check_page(page, f"{short}-chronology-tagged")
