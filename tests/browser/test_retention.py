"""Retention, in the browser with axe (issue 18): in each partnership, with its own
retention period, a closed case past it is flagged by the daily job; the office finds it
on its dashboard and on the retention list, with the dates that make it due, and decides.
Leicester's office erases one (refused until the reference is typed); the Leicestershire
& Rutland chair keeps one for longer and archives another."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, Child, Partnership, Stage
from retention.models import RetentionDecision, RetentionReview
from retention.rules import retained_until
from retention.services.decision import CONFIRM_MISMATCH
from retention.services.review import retention_reviews_flag
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def flag_closed_cases(slug: str, years: int, count: int) -> list[Case]:
    """The partnership's retention period set to `years`; `count` of its closed cases
    closed a day more than that ago, flagged by the daily job's service."""
    partnership = Partnership.objects.get(slug=slug)
    partnership.retention_years = years
    partnership.save()
    today = timezone.localdate()
    cases = list(
        Case.objects.for_partnership(partnership)
        .filter(stage=Stage.CLOSED, withdrawn_at__isnull=True)
        .order_by("reference")[:count]
    )
    assert len(cases) == count
    for case in cases:
        case.closed_on = retained_until(today, -years) - timedelta(days=1)
        case.save()
    flagged = retention_reviews_flag(partnership=partnership, today=today)
    assert {r.case for r in flagged} >= set(cases)
    return cases


def test_leicester_office_erases_a_case_past_its_period(page):
    [case] = flag_closed_cases("leicester", 6, 1)
    names = list(Child.objects.for_partnership(case.partnership).filter(case=case))
    sign_in(page, "leicester-office")
    expect(page.get_by_role("link", name=case.reference).first).to_be_visible()
    page.get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", name="Retention", exact=True)).to_be_visible()
    assert_accessible(page, "retention-list")
    page.get_by_role("link", name=f"Decide on case {case.reference}").click()
    expect(
        page.get_by_role("heading", name=f"Retention decision: {case.reference}")
    ).to_be_visible()
    assert_accessible(page, "retention-decide")

    page.get_by_label("Erase", exact=True).check()
    page.get_by_label("Reason for the decision").fill("Six years since closing; nothing open")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text(
        CONFIRM_MISMATCH.format(reference=case.reference)
    )
    expect(page.get_by_label("Reason for the decision")).to_have_value(
        "Six years since closing; nothing open"
    )
    assert_accessible(page, "retention-decide-error")

    page.get_by_label("Erase", exact=True).check()
    page.get_by_label("If erased: type the case reference to confirm").fill(case.reference)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(f"Case {case.reference} is erased.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text("Erase")
    expect(row).to_contain_text("Six years since closing; nothing open")
    assert_accessible(page, "retention-erased")

    case.refresh_from_db()
    assert case.erased_at is not None
    for child in names:
        child.refresh_from_db()
        assert child.name == ""
    assert RetentionReview.objects.for_partnership(case.partnership).get(case=case).decision == (
        RetentionDecision.ERASE
    )


def test_lr_chair_keeps_one_case_and_archives_another(page):
    kept, archived = flag_closed_cases("leicestershire-rutland", 8, 2)
    sign_in(page, "lr-chair")
    page.goto("/retention/")
    assert_accessible(page, "retention-list-lr")

    page.get_by_role("link", name=f"Decide on case {kept.reference}").click()
    page.get_by_label("Keep for a further period", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the case is kept for longer")
    assert_accessible(page, "retention-keep-error")
    page.get_by_label("Keep for a further period", exact=True).check()
    until = timezone.localdate() + timedelta(days=365)
    page.get_by_label("Day").fill(str(until.day))
    page.get_by_label("Month").fill(str(until.month))
    page.get_by_label("Year").fill(str(until.year))
    page.get_by_label("Reason for the decision").fill("A related inquest has not concluded")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(f"Case {kept.reference} is kept until")).to_be_visible()

    page.get_by_role("link", name=f"Decide on case {archived.reference}").click()
    page.get_by_label("Archive", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(f"Case {archived.reference} is archived.")).to_be_visible()
    assert_accessible(page, "retention-archived")

    # Out of the working list, found by its reference, read only.
    page.goto("/cases/")
    expect(page.get_by_role("link", name=archived.reference)).to_have_count(0)
    page.goto(f"/cases/?reference={archived.reference}")
    expect(page.get_by_role("link", name=archived.reference).first).to_be_visible()
    page.goto(f"/cases/{archived.reference}/")
    expect(page.get_by_text("Archived on")).to_be_visible()
    assert_accessible(page, "archived-case")
