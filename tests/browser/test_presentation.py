"""How pages look on paper, on a phone and on a desktop (issue 12, "Print and small
screens" and the case tabs), with axe on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import (
    RECEIVED_STATUSES,
    Case,
    ChronologyEntry,
    InformationRequest,
    Partnership,
)
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SLUGS = ["leicester", "leicestershire-rutland"]
OFFICE = {"leicester": "leicester-office", "leicestershire-rutland": "lr-office"}
CHAIR = {"leicester": "leicester-chair", "leicestershire-rutland": "lr-chair"}


def rich_case(slug) -> Case:
    """The partnership's demo case with the most to show: a Rapid Review, then requests."""
    cases = Case.objects.for_partnership(Partnership.objects.get(slug=slug))
    return (
        cases.filter(rapid_review__meeting__isnull=False).order_by("-opened_on").first()
        or cases.filter(rapid_review__isnull=False).first()
    )


def case_pages(case) -> list[str]:
    base = f"/cases/{case.reference}"
    request = InformationRequest.objects.for_partnership(case.partnership).filter(case=case).first()
    pages = [
        f"{base}/",
        f"{base}/requests/",
        f"{base}/combined-summary/",
        f"{base}/combined-chronology/",
        f"{base}/deadlines/",
        f"{base}/timeline/",
        f"{base}/history/",
        f"{base}/rapid-review/",
        f"{base}/rapid-review/papers/",
        f"{base}/rapid-review/record/",
        f"{base}/rapid-review/actions/",
        f"{base}/rapid-review/scrutineer/",
        f"{base}/rapid-review/decision/",
        f"{base}/rapid-review/sign-off/",
        f"{base}/rapid-review/after/",
    ]
    if request:
        pages.append(f"{base}/requests/{request.pk}/")
    return pages


def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=PHONE)
    return context, context.new_page()


WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))"""


def overflow(page, path) -> str | None:
    """Why the page is wider than the phone (its widest elements), or None if it fits."""
    response = page.goto(path)
    assert response.status == 200, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert_accessible(page, "375-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-"))
    if width <= PHONE["width"]:
        return None
    return f"{path} is {width}px wide: {page.evaluate(WIDER_THAN_THE_SCREEN, PHONE['width'])}"


@pytest.mark.parametrize("slug", SLUGS)
def test_the_office_and_chair_pages_fit_a_phone(browser, live_server, demo, slug):
    case = rich_case(slug)
    context, page = phone(browser, live_server)
    sign_in(page, OFFICE[slug])
    paths = ["/", "/cases/", "/meetings/", "/timescales/", *case_pages(case)]
    paths.append(f"/cases/{case.reference}/restricted/")
    # The widest table: every column of an agency's chronology (Leicester's variant).
    entries = ChronologyEntry.objects.for_partnership(case.partnership).filter(
        request__status__in=RECEIVED_STATUSES
    )
    entries.update(analysis="Information was not shared with the school nurse. " * 3)
    if entries.exists():
        paths.append(f"/cases/{entries.first().request.case.reference}/combined-chronology/")
    too_wide = [overflow(page, path) for path in paths]
    context.close()

    context, page = phone(browser, live_server)
    sign_in(page, CHAIR[slug])
    too_wide += [
        overflow(page, path) for path in ("/", f"/cases/{case.reference}/rapid-review/sign-off/")
    ]
    context.close()
    assert [why for why in too_wide if why] == []


def test_the_portal_fits_a_phone(browser, live_server, demo):
    context, page = phone(browser, live_server)
    sign_in(page, "police-portal")
    paths = ["/portal/", "/portal/papers/"]
    for slug in SLUGS:
        partnership = Partnership.objects.get(slug=slug)
        request = (
            InformationRequest.objects.for_partnership(partnership)
            .filter(agency__name="Leicestershire Police")
            .first()
        )
        paths += [
            f"/portal/requests/{request.pk}/",
            f"/portal/requests/{request.pk}/chronology/",
            f"/portal/requests/{request.pk}/documents/",
        ]
    too_wide = [overflow(page, path) for path in paths]
    context.close()
    assert [why for why in too_wide if why] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_a_printed_case_page_is_marked_and_has_no_navigation(page, slug):
    case = rich_case(slug)
    sign_in(page, OFFICE[slug])
    page.goto(f"/cases/{case.reference}/requests/")
    marking = page.get_by_text("OFFICIAL-SENSITIVE", exact=True)
    expect(marking).to_be_hidden()  # on screen the page says it in its footer
    assert_accessible(page, f"print-{slug}-screen")

    page.emulate_media(media="print")
    expect(marking).to_be_visible()
    top = page.evaluate("document.querySelector('.app-print-marking').getBoundingClientRect().top")
    main = page.evaluate("document.querySelector('main').getBoundingClientRect().top")
    assert top < main  # above the case's heading
    for hidden in (
        page.get_by_role("navigation", name="Menu"),
        page.get_by_role("navigation", name="Case sections"),
        page.get_by_role("button", name="Sign out"),
        page.get_by_role("link", name="All cases"),
        page.get_by_role("contentinfo"),
    ):
        expect(hidden).to_be_hidden()
    # Links print their address after them, in black.
    link = page.locator("main a.govuk-link[href^='/']").first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert link.get_attribute("href") in after
    assert link.evaluate("a => getComputedStyle(a).color") in ("rgb(0, 0, 0)", "rgb(11, 12, 12)")
    assert_accessible(page, f"print-{slug}")


@pytest.mark.parametrize("slug", SLUGS)
def test_the_case_tabs_fit_one_line_at_1280_pixels(browser, live_server, demo, slug):
    case = rich_case(slug)
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, OFFICE[slug])
    for path, current, section in [
        ("/", "Overview", None),
        ("/requests/", "Information requests", None),
        ("/combined-summary/", "Combined summary", "Information requests"),
        ("/history/", "History of changes", "Timeline and history"),
        ("/restricted/", "Restricted file", "Overview"),
    ]:
        page.goto(f"/cases/{case.reference}{path}")
        tabs = page.get_by_role("navigation", name="Case sections").get_by_role("listitem")
        expect(tabs).to_have_count(5)  # Rapid Review included
        rows = {round(tab.bounding_box()["y"]) for tab in tabs.all()}
        assert len(rows) == 1, f"the case tabs wrap onto {len(rows)} lines on {path}"
        expect(page.locator('[aria-current="page"]', has_text=current)).to_have_count(1)
        if section:
            expect(
                page.get_by_role("navigation", name="Case sections").get_by_role(
                    "link", name=section, exact=True
                )
            ).to_have_attribute("aria-current", "true")
        assert_accessible(page, f"tabs-1280-{slug}-{path.strip('/') or 'overview'}")
    context.close()
