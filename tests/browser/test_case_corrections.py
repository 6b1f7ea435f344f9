"""Cases can be corrected, in the browser with axe: the office corrects a notification's
received date and the deadlines tab shows each move and why; a duplicate case is
withdrawn and leaves the case list (issue 12)."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, Deadline, DeadlineStatus, Partnership, Stage
from cases.selectors import working_calendar
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, day):
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


def test_the_office_corrects_the_date_received_and_sees_the_deadlines_move(page):
    lr = Partnership.objects.get(slug="leicestershire-rutland")
    cal = working_calendar(partnership=lr)
    open_deadline = (
        Deadline.objects.for_partnership(lr)
        .filter(
            kind="rapid_review_complete",
            status=DeadlineStatus.OPEN,
            case__stage=Stage.RAPID_REVIEW,
            case__withdrawn_at__isnull=True,
        )
        .select_related("case__notification")
        .order_by("event_date")
        .first()
    )
    case = open_deadline.case
    received = case.notification.received_on
    corrected = cal.add(received, 1)

    sign_in(page, "lr-office")
    page.goto(f"/cases/{case.reference}/")
    page.get_by_role("link", name="Correct the date received").click()
    expect(page.get_by_role("heading", name="Correct the date received")).to_be_visible()
    assert_accessible(page, "correct-received-date")

    fill_date(page, corrected)
    page.get_by_role("button", name="Correct the date received").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why this is corrected")
    expect(page.get_by_label("Day")).to_have_value(str(corrected.day))
    assert_accessible(page, "correct-received-date-error")

    page.get_by_label("Why this is corrected").fill("The council's email arrived the next day")
    page.get_by_role("button", name="Correct the date received").click()
    expect(page.get_by_text("The date received is corrected.")).to_be_visible()
    assert_accessible(page, "received-date-corrected")

    page.get_by_role("link", name="Deadlines").click()
    row = page.get_by_role("row").filter(
        has_text="Rapid Review complete and sent to the National Panel"
    )
    expect(row).to_contain_text(f"Moved from {open_deadline.due_date:%-d %B %Y}")
    expect(row).to_contain_text(
        f"Received date corrected from {received:%-d %B %Y} to {corrected:%-d %B %Y}: "
        "The council's email arrived the next day"
    )
    assert_accessible(page, "deadlines-moved")

    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("The council's email arrived the next day").first).to_be_visible()
    assert_accessible(page, "history-received-date-corrected")


def test_the_office_withdraws_a_duplicate_and_it_leaves_the_case_list(page):
    leicester = Partnership.objects.get(slug="leicester")
    original, duplicate = Case.objects.for_partnership(leicester).order_by("-opened_on")[:2]

    sign_in(page, "leicester-office")
    page.goto("/cases/")
    expect(page.get_by_role("link", name=duplicate.reference)).to_be_visible()
    page.goto(f"/cases/{duplicate.reference}/")
    page.get_by_role("link", name="Withdraw this case as a duplicate").click()
    page.get_by_label("Reference of the case it duplicates").fill(original.reference)
    page.get_by_role("button", name="Withdraw the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the case is withdrawn")
    expect(page.get_by_label("Reference of the case it duplicates")).to_have_value(
        original.reference
    )
    assert_accessible(page, "withdraw-error")

    page.get_by_label("Why the case is withdrawn").fill("The same notification, entered twice")
    page.get_by_role("button", name="Withdraw the case").click()
    expect(page.get_by_text("The case is withdrawn as a duplicate.")).to_be_visible()
    expect(page.get_by_text(f"Withdrawn as a duplicate of {original.reference}")).to_be_visible()
    assert_accessible(page, "case-withdrawn")

    page.goto("/cases/")
    expect(page.get_by_role("link", name=original.reference)).to_be_visible()
    expect(page.get_by_role("link", name=duplicate.reference)).to_have_count(0)
    assert_accessible(page, "case-list-without-the-duplicate")
