"""The agency portal in everyday use, in the browser with axe (issue 12): chronology entries
changed, removed with confirmation and not doubled by Back; requests by due date with their
tags; the case summary; the meeting's time and place; character counts; and a paste too
large to send that keeps the draft."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import ChronologyEntry, InformationRequest, Notification, Partnership
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.factories import working_days_ahead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPEN = ("not_started", "in_progress", "returned")


def open_police_request(slug) -> InformationRequest:
    partnership = Partnership.objects.get(slug=slug)
    return (
        InformationRequest.objects.for_partnership(partnership)
        .filter(agency__name="Leicestershire Police", status__in=OPEN)
        .select_related("case")
        .first()
    )


def entries(request):
    return ChronologyEntry.objects.for_partnership(request.case.partnership).filter(request=request)


def test_a_chronology_entry_is_changed_removed_with_confirmation_and_not_doubled(page):
    request = open_police_request("leicester")
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/chronology/")
    day = timezone.localdate() - timedelta(days=5)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Source").fill("Police incident log")
    page.get_by_label("Event", exact=True).fill("Officers attended a report of shouting.")
    # Back and send again: the browser sends the very form, token and all, a second time.
    form = page.locator("form", has=page.get_by_role("button", name="Add the entry"))
    sent_twice = form.evaluate("f => new URLSearchParams(new FormData(f)).toString()")
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("Chronology entry added.")).to_be_visible()
    page.go_back()
    page.request.post(
        page.url,
        data=sent_twice,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    page.goto(f"/portal/requests/{request.pk}/chronology/")
    expect(page.get_by_text("Officers attended a report of shouting.")).to_have_count(1)
    assert entries(request).filter(source="Police incident log").count() == 1
    assert_accessible(page, "portal-chronology")

    entry = entries(request).get(source="Police incident log")
    page.get_by_role("link", name=f"Change the entry of {day.day} {day:%B %Y}").first.click()
    expect(
        page.get_by_role("heading", name=f"Change the entry of {day.day} {day:%B %Y}")
    ).to_be_visible()
    expect(page.get_by_label("Source")).to_have_value("Police incident log")
    assert_accessible(page, "portal-chronology-edit")
    page.get_by_label("Event", exact=True).fill("Officers attended twice that evening.")
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_text("Chronology entry changed.")).to_be_visible()
    expect(page.get_by_text("Officers attended twice that evening.")).to_be_visible()

    page.goto(f"/portal/chronology/{entry.pk}/remove/")
    expect(
        page.get_by_role("heading", name="Are you sure you want to remove this entry?")
    ).to_be_visible()
    expect(page.get_by_text("Officers attended twice that evening.")).to_be_visible()
    assert_accessible(page, "portal-chronology-remove")
    page.get_by_role("link", name="No, keep it").click()
    expect(page.get_by_text("Officers attended twice that evening.")).to_be_visible()
    page.goto(f"/portal/chronology/{entry.pk}/remove/")
    page.get_by_role("button", name="Yes, remove the entry").click()
    expect(page.get_by_text("Chronology entry removed.")).to_be_visible()
    expect(page.get_by_text("Officers attended twice that evening.")).to_have_count(0)
    assert not entries(request).filter(pk=entry.pk).exists()


def test_requests_are_listed_by_due_date_with_their_tags(page):
    overdue, soon = open_police_request("leicester"), open_police_request("leicestershire-rutland")
    InformationRequest.objects.for_partnership(overdue.case.partnership).filter(
        pk=overdue.pk
    ).update(reply_due_on=timezone.localdate() - timedelta(days=1))
    InformationRequest.objects.for_partnership(soon.case.partnership).filter(pk=soon.pk).update(
        reply_due_on=working_days_ahead(2, soon.case.partnership)
    )
    sign_in(page, "police-portal")
    page.goto("/portal/")
    rows = page.get_by_role("table", name="Requests to answer").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text(overdue.case.reference)
    expect(rows.nth(0)).to_contain_text("Overdue")
    expect(rows.nth(1)).to_contain_text(soon.case.reference)
    expect(rows.nth(1)).to_contain_text("Due soon")
    assert_accessible(page, "portal-home-by-due-date")


def test_the_request_page_shows_the_case_summary(page):
    request = open_police_request("leicestershire-rutland")
    notification = Notification.objects.for_partnership(request.case.partnership).get(
        case=request.case
    )
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/")
    expect(page.get_by_role("heading", name="The notification in brief")).to_be_visible()
    expect(page.locator("#case-summary")).to_contain_text(notification.summary.splitlines()[0])
    assert_accessible(page, "portal-request-summary")


def test_invitations_show_the_meetings_time_and_place(page):
    sign_in(page, "police-portal")
    page.goto("/portal/papers/")
    table = page.get_by_role("table", name="Invitations to Rapid Review meetings")
    expect(table).to_contain_text("10am")
    expect(table).to_contain_text("Online (demo)")
    assert_accessible(page, "portal-papers-time-and-place")
    table.get_by_role("link").first.click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("10am")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Online (demo)")
    assert_accessible(page, "portal-invitation-time-and-place")


def test_text_areas_count_characters_and_a_value_too_long_names_its_field(page):
    request = open_police_request("leicester")
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/chronology/")
    expect(page.get_by_text("You have 5,000 characters remaining").first).to_be_visible()
    day = timezone.localdate() - timedelta(days=2)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Source").fill("Police incident log")
    page.get_by_label("Event", exact=True).fill("e" * 5003)
    expect(page.get_by_text("You have 3 characters too many")).to_be_visible()
    page.get_by_role("button", name="Add the entry").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Event must be 5,000 characters or fewer.")
    expect(page.get_by_label("Event", exact=True)).to_have_value("e" * 5003)
    assert_accessible(page, "portal-text-too-long")


def test_a_paste_too_large_to_send_is_explained_and_the_draft_kept(page, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    request = open_police_request("leicestershire-rutland")
    pasted = "A whole document pasted by mistake. " * 2000  # 72,000 characters
    sign_in(page, "police-portal")
    page.goto(f"/portal/requests/{request.pk}/")
    page.get_by_label("Concerns").fill("Repeat incidents at the address.")
    page.get_by_label("Facts").fill(pasted)
    page.get_by_role("button", name="Save draft").click()
    expect(
        page.get_by_role("heading", name="The text you sent is too long to save")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"A form can send up to 48\.8.KB of text at once"))
    ).to_be_visible()
    assert_accessible(page, "form-too-large")
    page.get_by_role("link", name="Go back to the form").click()
    expect(page.get_by_label("Facts")).to_have_value(pasted)
    expect(page.get_by_label("Concerns")).to_have_value("Repeat incidents at the address.")
    expect(page.get_by_text("characters too many").first).to_be_visible()
    assert_accessible(page, "form-too-large-draft-kept")
    # The draft stays in the tab only until the form is sent: a later visit starts clean.
    page.goto(f"/portal/requests/{request.pk}/")
    expect(page.get_by_label("Facts")).to_have_value("")
