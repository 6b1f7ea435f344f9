"""A Business Office officer, a scrutineer of both partnerships and an agency user, in Chromium."""

import re
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases.models import AccessAction, AccessEvent, Case, Partnership
from cases.views.case import CASES_PER_PAGE
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lcspr-demo-only"


def sign_in(page, username, password=PASSWORD, second_factor=True):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if second_factor:
        expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
        page.get_by_role("textbox", name="Code").fill(current_code(username))
        page.get_by_role("button", name="Continue").click()


def current_code(username):
    """The code the authenticator shows now, or, when this user's last sign-in already
    used this 30-second step (a used code cannot be replayed), the next step's code, which
    the one-step tolerance accepts. Its step is worked out from the device, not assumed,
    so a sign-in that falls just after a step boundary still gets a code that is accepted."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = int(time.time() - device.t0) // device.step
    drift = max(0, device.last_t + 1 - now)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def seeded_cases(slug) -> int:
    return Case.objects.for_partnership(Partnership.objects.get(slug=slug)).count()


def expect_all_cases_listed(page, slug):
    """The case list holds every case of the partnership, a page at a time."""
    seeded = seeded_cases(slug)
    expect(page.get_by_text(f"{seeded} cases. Showing 1 to")).to_be_visible()
    rows = page.get_by_role("table").get_by_role("link")
    expect(rows).to_have_count(min(seeded, CASES_PER_PAGE))


def a_case_of(slug):
    return Case.objects.for_partnership(Partnership.objects.get(slug=slug)).first()


def test_business_office_works_its_own_cases_and_cannot_open_the_others(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    assert_accessible(page, "sign-in")

    sign_in(page, "leicester-office", "not-the-password", second_factor=False)
    expect(page.get_by_text("Enter a correct username and password")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("leicester-office")
    assert_accessible(page, "sign-in-error")

    sign_in(page, "leicester-office")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".govuk-service-navigation__service-name")).to_have_text(
        "Leicester Safeguarding Children Partnership"
    )
    expect(page.get_by_role("table", name="My cases")).to_contain_text("LSCP-")
    assert "GDS Transport" not in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert_accessible(page, "dashboard")

    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    assert_accessible(page, "case-list")
    page.get_by_label("Rapid Review").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("2 cases match your filters")).to_be_visible()
    assert_accessible(page, "case-list-filtered")

    reference = page.get_by_role("table").get_by_role("link").first.inner_text()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    assert_accessible(page, "case-overview")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Case opened")).to_be_visible()
    assert_accessible(page, "case-timeline")
    page.get_by_role("link", name="Deadlines").click()
    expect(page.get_by_role("table", name="Deadlines")).to_be_visible()
    assert_accessible(page, "case-deadlines")
    page.get_by_role("link", name="Timeline and history").click()
    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("heading", name="Created by Priya Shah").first).to_be_visible()
    assert_accessible(page, "case-history")
    page.get_by_role("link", name="Who has viewed this case").click()
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    log_rows = page.get_by_role("table", name="Access log events").locator("tbody tr")
    expect(log_rows).to_have_count(5)  # overview, timeline, deadlines, timeline, history
    assert_accessible(page, "access-log")

    other = a_case_of("leicestershire-rutland")
    response = page.goto(f"/cases/{other.reference}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text(other.reference)).to_have_count(0)
    assert_accessible(page, "not-found")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/"))

    # The access log holds exactly the reads that happened, by reference only.
    reads = AccessEvent.unscoped.filter(username="leicester-office")
    assert list(reads.filter(action=AccessAction.VIEW).values_list("route", flat=True)) == [
        "case_history",
        "case_timeline",
        "case_deadlines",
        "case_timeline",
        "case_detail",
    ]
    assert list(
        reads.filter(action=AccessAction.DENIED).values_list("object_reference", flat=True)
    ) == [other.reference]


def test_scrutineer_chooses_a_partnership_and_sees_only_its_cases(page):
    sign_in(page, "scrutineer")
    expect(
        page.get_by_role("heading", name="Which organisation are you working for?")
    ).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Select the organisation you are working for")).to_have_count(2)
    assert_accessible(page, "organisation-choose-error")

    page.get_by_label(re.compile("Leicestershire & Rutland")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You are now working for Leicestershire & Rutland")).to_be_visible()
    assert_accessible(page, "dashboard-scrutineer")

    page.goto("/cases/")
    expect_all_cases_listed(page, "leicestershire-rutland")
    rows = page.get_by_role("table").get_by_role("link")
    for reference in rows.all_inner_texts():
        assert reference.startswith("LRSCP-")

    page.get_by_role("link", name="Change organisation").click()
    page.get_by_label(re.compile("^Leicester Safeguarding")).check()
    page.get_by_role("button", name="Continue").click()
    page.goto("/cases/")
    expect_all_cases_listed(page, "leicester")
    rows = page.get_by_role("table").get_by_role("link")
    for reference in rows.all_inner_texts():
        assert reference.startswith("LSCP-")


def test_agency_user_sees_the_portal_dashboard_only(page):
    sign_in(page, "police-portal")
    requests = page.get_by_role("table", name="Information requests to answer")
    expect(requests).to_contain_text("LSCP-")
    expect(requests).to_contain_text("LRSCP-")
    assert_accessible(page, "agency-dashboard")
    response = page.goto("/cases/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    assert_accessible(page, "forbidden")


def test_timescale_calculator_shows_each_partnerships_dates(page):
    sign_in(page, "lr-office")
    page.get_by_role("link", name="Timescales").click()
    expect(page.get_by_role("heading", name="Timescale calculator")).to_be_visible()
    assert_accessible(page, "timescales")
    page.get_by_role("button", name="Work out the dates").click()
    expect(page.get_by_role("link", name="Select what happened")).to_be_visible()
    assert_accessible(page, "timescales-error")

    page.get_by_label("Local Authority notification received").check()
    page.get_by_label("Day").fill("24")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Work out the dates").click()
    expect(
        page.get_by_role("heading", name="Information requests sent to agencies")
    ).to_be_visible()
    expect(page.get_by_text("Wednesday 30 December 2026")).to_be_visible()
    expect(page.get_by_text("Boxing Day (observed), Monday 28 December 2026").first).to_be_visible()
    assert_accessible(page, "timescales-lr")

    page.get_by_label("Leicester Safeguarding Children Partnership").check()
    page.get_by_role("button", name="Work out the dates").click()
    expect(page.get_by_role("heading", name="Rapid Review meeting: earliest date")).to_be_visible()
    expect(page.get_by_role("heading", name="Information requests sent to agencies")).to_have_count(
        0
    )


def test_calendar_feed_page(page):
    sign_in(page, "leicester-chair")
    page.get_by_role("link", name="Add your deadlines to your calendar").click()
    assert_accessible(page, "calendar-feed")
    page.get_by_role("button", name="Make my calendar feed").click()
    expect(page.get_by_role("heading", name="Your calendar feed is ready")).to_be_visible()
    feed_url = page.locator("#calendar-feed-url").inner_text()
    assert feed_url.endswith(".ics")
    assert_accessible(page, "calendar-feed-made")


def test_reminders_show_on_the_dashboard_and_can_be_dismissed(page, demo):
    from django.utils import timezone

    from cases import services
    from cases.selectors import working_calendar
    from cases.timescales import Event

    leicester = demo["leicester"]
    case = Case.objects.for_partnership(leicester).filter(lead_officer__isnull=False).first()
    today = timezone.localdate()
    services.deadlines_schedule(  # its Rapid Review is due on the last working day to today
        case=case,
        event=Event.NOTIFICATION_RECEIVED,
        event_date=working_calendar(partnership=leicester).subtract(today, 15),
        actor=None,
        reason="Browser test",
    )
    services.reminders_make(partnership=leicester, today=today)
    sign_in(page, "leicester-office")
    notifications = page.locator(".app-notification")
    expect(notifications.filter(has_text=case.reference).first).to_be_visible()
    count = notifications.count()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    assert_accessible(page, "dashboard-notifications")
    notifications.first.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".app-notification")).to_have_count(count - 1)
