"""Issue 17 end to end in Chromium, on the demo. In each partnership the Business Office
opens Reports from the menu: every measure is listed; a timeliness measure (§3.1.2) shows
its chart and the chart's data, whose rows add up to the headline figures; a row's link
lists the cases behind it, the partnership's own, each linking to its case; another
financial year is chosen; the CSV holds the page's headline figures. The slippage view
says in words what each colour means and sorts by reference; the annual report downloads
as a PDF; the learning search finds the demo's key themes and findings and shows the
themes that recur (§1.4.1). A cross-partnership reporting user sees both partnerships side
by side, never a case reference, is refused the cases behind a figure, and finds only
published reports in the learning search. axe finds nothing on any page visited, and the
figures, a measure and the slippage view fit a 375-pixel-wide screen."""

import csv
import io
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from cases.models import Partnership, User
from reporting.rules.measures import MEASURES, MEASURES_BY_SLUG
from reporting.selectors.base import COMPUTATIONS
from tests.browser.test_intake import sign_out
from tests.browser.test_lcspr import check_page, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMELINESS = MEASURES_BY_SLUG["rapid-review-timeliness"]
# In the demo's key themes and findings of both partnerships ("A parent's new partner",
# "The new partner's history was not shared"), and in Leicester's published report.
SEARCHED = "partner"
NOTHING_MATCHES = "zebrafish"
CASE_REFERENCE = re.compile(r"\b[A-Z]+-\d{4}-\d{4}\b")
SLIPPAGE_WORDS = {"Missed", "At risk", "Due", "Met", "Waived"}
NARROW = {"width": 375, "height": 800}
WIDE = {"width": 1280, "height": 720}


@dataclass(frozen=True)
class Cast:
    slug: str
    short: str
    office: str
    # The key themes the demo's reviews share in each partnership (two reviews or more),
    # the demo history's among them (cases/management/demo_history.py).
    recurring: tuple[str, ...]


CASTS = {
    "leicester": Cast(
        "leicester",
        "l",
        "leicester-office",
        ("Multi-agency information sharing", "Domestic abuse", "Neglect"),
    ),
    "leicestershire-rutland": Cast(
        "leicestershire-rutland",
        "lr",
        "lr-office",
        ("Neglect", "Multi-agency information sharing"),
    ),
}


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def reporting_nav(page):
    return page.get_by_role("navigation", name="Reporting")


def summary_figure(page, partnership, label) -> str:
    """A headline figure of `partnership` on a measure's page (its summary list)."""
    heading = page.get_by_role("heading", name=partnership.name, exact=True)
    summary = heading.locator("xpath=following-sibling::dl[1]")
    return summary.locator(f"xpath=.//dt[normalize-space()='{label}']/following-sibling::dd[1]")


def data_table(page, partnership):
    return page.get_by_role("table", name=f"The chart's data, {partnership.name}")


def table_rows(table) -> list[dict[str, str]]:
    """The table's body as {column heading: cell text}, the row's heading under its
    column's."""
    headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = []
    for row in table.locator("tbody tr").all():
        cells = [" ".join(c.split()) for c in row.locator("th, td").all_text_contents()]
        rows.append(dict(zip(headings, cells, strict=True)))
    return rows


def as_number(text: str) -> int:
    return 0 if text == "–" else int(text)


def fits_a_phone(page, name):
    """At 375 pixels the page itself does not scroll sideways (wide tables scroll inside
    their own region)."""
    page.set_viewport_size(NARROW)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"] + 1, f"{name}: the page is {width}px wide at 375px"
    finally:
        page.set_viewport_size(WIDE)


def the_figures(page, cast, partnership):
    """Reports, from the menu: every measure, by part, with the partnership's figure."""
    menu(page).get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    for measure in MEASURES:
        assert measure.slug in COMPUTATIONS, measure.slug
        expect(page.get_by_role("link", name=measure.title, exact=True)).to_be_visible()
    table = page.get_by_role("table", name=re.compile(r"^Timeliness"))
    expect(table.get_by_role("columnheader", name=partnership.name)).to_be_visible()
    check_page(page, f"{cast.short}-rep-figures")
    fits_a_phone(page, f"{cast.short}-rep-figures")


def the_measure(page, cast, partnership) -> dict[str, str]:
    """The timeliness measure: the chart (an image whose words are in its label), its data
    table, a row per month whose Met, Missed and Still open add up to the headline's."""
    page.get_by_role("link", name=TIMELINESS.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TIMELINESS.title)
    chart = page.locator("svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", re.compile(re.escape(partnership.name)))
    table = data_table(page, partnership)
    expect(table).to_be_visible()
    rows = table_rows(table)
    assert rows, "the chart's data has a row a month"
    # The chart draws the table's rows, by the same labels.
    labels = chart.locator("text.app-chart__label").all_text_contents()
    for row in rows:
        assert row[TIMELINESS.row_label].removesuffix(": the cases") in labels
    headline = {}
    for column in TIMELINESS.figures:
        headline[column.label] = summary_figure(page, partnership, column.label).inner_text()
    for label in ("Met", "Missed", "Still open"):
        assert sum(as_number(row[label]) for row in rows) == int(headline[label]), label
    due = sum(int(headline[label]) for label in ("Met", "Missed", "Still open", "Waived"))
    assert due == int(headline["Due in the period"])
    assert due > 0, "the demo has Rapid Reviews due this financial year"
    check_page(page, f"{cast.short}-rep-measure")
    fits_a_phone(page, f"{cast.short}-rep-measure")
    return headline


def the_cases_behind_a_row(page, cast, partnership):
    """The link of the month with most cases lists them: the partnership's own, each
    linking to its case, as many met and missed as the row says."""

    def lines_of(row):
        return sum(as_number(row[label]) for label in ("Met", "Missed", "Still open"))

    row = max(table_rows(data_table(page, partnership)), key=lines_of)
    month = row[TIMELINESS.row_label].removesuffix(": the cases")
    data_table(page, partnership).get_by_role("link", name=re.compile(f"^{month}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"The cases behind “{TIMELINESS.title}”"
    )
    expect(page).to_have_url(re.compile(r"/reports/rapid-review-timeliness/cases/\?.*row="))
    cases = page.get_by_role("table", name="The cases behind the figures")
    lines = table_rows(cases)
    assert len(lines) >= lines_of(row) > 0
    assert sum(line["Met"] == "Met" for line in lines) == as_number(row["Met"])
    assert sum(line["Met"] == "Missed" for line in lines) == as_number(row["Missed"])
    prefix = f"{partnership.reference_prefix}-"
    links = cases.locator("tbody tr td:first-child a")
    expect(links).to_have_count(len(lines))
    for n in range(len(lines)):
        reference = links.nth(n).inner_text()
        assert reference.startswith(prefix), reference
        assert links.nth(n).get_attribute("href") == f"/cases/{reference}/"
    check_page(page, f"{cast.short}-rep-cases")
    first = links.first.inner_text()
    links.first.click()
    expect(page).to_have_url(re.compile(f"/cases/{first}/$"))
    expect(page.get_by_role("main")).to_contain_text(first)
    check_page(page, f"{cast.short}-rep-case")
    page.go_back()
    page.locator(".govuk-back-link").click()


def another_year(page, cast):
    """Last financial year, chosen in the filter: the address and the heading say so."""
    heading = page.get_by_role("heading", level=1)
    before = heading.inner_text()
    year = page.get_by_label("Financial year")
    chosen = year.locator("option").nth(1)  # the one before this year
    label, value = chosen.inner_text(), chosen.get_attribute("value")
    year.select_option(value)
    page.get_by_role("button", name="Show figures").click()
    expect(page).to_have_url(re.compile(f"[?&]year={value}(&|$)"))
    first, _, last = label.removeprefix("April ").partition(" to March ")
    expect(heading).to_contain_text(f"{first} to {last}")
    assert heading.inner_text() != before
    check_page(page, f"{cast.short}-rep-measure-last-year")
    page.get_by_role("link", name="This financial year").click()
    expect(heading).to_have_text(before)


def the_csv(page, partnership, headline):
    """The figures as CSV: its line "All" holds the page's headline figures."""
    with page.expect_download() as download:
        page.get_by_role("link", name="The figures as a spreadsheet (CSV)").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    lines = list(csv.DictReader(io.StringIO(text)))
    [whole] = [
        line
        for line in lines
        if line["Partnership"] == partnership.name and line[TIMELINESS.row_label] == "All"
    ]
    for label in ("Due in the period", "Met", "Missed", "Still open", "Waived"):
        assert whole[label] == headline[label], label
    rate = whole["Met on time"]
    shown = headline["Met on time"]
    assert (f"{float(rate):.0%}" if rate else "–") == shown


def the_slippage(page, cast, partnership):
    """Every milestone cell says in words what its colour shows; the case column sorts
    by reference, up then down, through its link."""
    menu(page).get_by_role("link", name="Reports").click()
    reporting_nav(page).get_by_role("link", name="Slippage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Slippage against statutory milestones"
    )
    table = page.get_by_role("table", name=re.compile("^Open cases"))
    expect(table).to_be_visible()
    tags = table.locator(".govuk-tag")
    assert tags.count() > 0
    assert {t.strip() for t in tags.all_inner_texts()} <= SLIPPAGE_WORDS
    for cell in table.locator("tbody td").all():
        assert cell.text_content().strip(), "a cell without words"
    check_page(page, f"{cast.short}-rep-slippage")
    fits_a_phone(page, f"{cast.short}-rep-slippage")

    def references():
        shown = table.locator("tbody th[scope=row]").all_inner_texts()
        assert all(r.startswith(f"{partnership.reference_prefix}-") for r in shown)
        return shown

    def order(reference):
        _, year, number = reference.rsplit("-", 2)
        return int(year), int(number)

    header = table.get_by_role("columnheader", name="Case")
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"\?sort=reference$"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert references() == sorted(references(), key=order)
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"\?sort=-reference$"))
    expect(header).to_have_attribute("aria-sort", "descending")
    assert references() == sorted(references(), key=order, reverse=True)
    check_page(page, f"{cast.short}-rep-slippage-sorted")


def the_annual_report(page, name):
    reporting_nav(page).get_by_role("link", name="Annual report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual report figures")
    check_page(page, name)
    with page.expect_download() as download:
        page.get_by_role("link", name="These figures as a PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def search_for(page, words):
    page.get_by_label("Search the learning").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()


def results_of(page) -> list:
    return page.locator("ol.app-search-results > li").all()


def the_learning_search(page, cast, partnership):
    """Learning → Search the learning: the recurring themes first; a word of the demo's
    key themes and findings found in the partnership's own reviews; nothing for a word
    in none."""
    menu(page).get_by_role("link", name="Learning").click()
    page.get_by_role("navigation", name="Learning").get_by_role(
        "link", name="Search the learning"
    ).click()
    expect(page.get_by_role("heading", name="Search the learning", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Recurring themes")).to_be_visible()
    themes = page.get_by_role("table", name="Recurring key themes")
    for theme in cast.recurring:
        expect(themes.get_by_role("rowheader", name=re.compile(theme))).to_contain_text("Recurs")
    check_page(page, f"{cast.short}-rep-search")

    search_for(page, SEARCHED)
    expect(page.get_by_role("status")).to_contain_text(f"for “{SEARCHED}”")
    found = results_of(page)
    assert found
    kinds = {item.locator(".govuk-tag").first.inner_text().strip() for item in found}
    assert {"Key theme", "Finding"} <= kinds, kinds
    for item in found:
        expect(item.locator("mark").first).to_have_text(re.compile(SEARCHED, re.I))
    references = page.locator("ol.app-search-results a[href^='/cases/']").all_inner_texts()
    assert references
    assert all(r.startswith(f"{partnership.reference_prefix}-") for r in references)
    check_page(page, f"{cast.short}-rep-search-results")

    search_for(page, NOTHING_MATCHES)
    expect(page.get_by_role("status")).to_have_text(
        f"Nothing you may see matches “{NOTHING_MATCHES}”."
    )
    check_page(page, f"{cast.short}-rep-search-nothing")


@pytest.mark.parametrize("slug", list(CASTS), ids=["leicester", "lr"])
def test_the_business_office_reports_on_its_partnership(page, slug):
    cast = CASTS[slug]
    partnership = Partnership.objects.get(slug=cast.slug)
    sign_in_as(page, cast.office)
    the_figures(page, cast, partnership)
    headline = the_measure(page, cast, partnership)
    measure_url = page.url
    the_cases_behind_a_row(page, cast, partnership)
    expect(page).to_have_url(measure_url)
    another_year(page, cast)
    the_csv(page, partnership, headline)
    the_slippage(page, cast, partnership)
    the_annual_report(page, f"{cast.short}-rep-annual")
    the_learning_search(page, cast, partnership)
    sign_out(page)


def no_case_reference(page):
    assert not CASE_REFERENCE.search(page.get_by_role("main").inner_text())
    assert page.locator("main a[href^='/cases/']").count() == 0


def test_a_cross_partnership_reporting_user_sees_figures_side_by_side_and_no_case(page):
    leicester = Partnership.objects.get(slug="leicester")
    lr = Partnership.objects.get(slug="leicestershire-rutland")
    # The demo's own account (seed_demo's REPORTS_ON): Leicester's, reporting on L&R too.
    user = User.objects.get(username="llr-reporting")
    both = sorted([leicester, lr], key=lambda p: p.name)

    sign_in_as(page, user.username)
    menu(page).get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    table = page.get_by_role("table", name=re.compile(r"^Timeliness"))
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Measure", *[p.name for p in both]]
    no_case_reference(page)
    check_page(page, "joint-rep-figures")

    page.get_by_role("link", name=TIMELINESS.title, exact=True).click()
    expect(page.locator("svg[role=img]")).to_have_count(2)
    for partnership in both:
        table = data_table(page, partnership)
        expect(table).to_be_visible()
        expect(table.get_by_role("link")).to_have_count(0)
        expect(summary_figure(page, partnership, "Met")).to_have_text(re.compile(r"^\d+$"))
    expect(page.get_by_role("link", name="The cases behind these figures")).to_have_count(0)
    no_case_reference(page)
    check_page(page, "joint-rep-measure")

    response = page.goto(f"/reports/{TIMELINESS.slug}/cases/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    no_case_reference(page)
    check_page(page, "joint-rep-cases-refused")

    page.goto("/reports/")
    the_annual_report(page, "joint-rep-annual")
    no_case_reference(page)

    reporting_nav(page).get_by_role("link", name="Search the learning").click()
    expect(page.get_by_role("heading", name="Search the learning", level=1)).to_be_visible()
    no_case_reference(page)
    check_page(page, "joint-rep-search")
    search_for(page, SEARCHED)
    found = results_of(page)
    assert found
    for item in found:
        expect(item.locator(".govuk-tag").first).to_have_text("Published report")
    no_case_reference(page)
    check_page(page, "joint-rep-search-results")
    sign_out(page)
