"""Issue 12, statutory gaps 2 and 3, in Chromium: the referral path's one-month steps,
each with its date met on the page (§4.9), the first discussion chosen from the CRG
calendar; and after a decision not to proceed, the Rapid Review Report kept as the file
sent (§4.8.1) and the decision notified to the National Panel before the case closes
(§1.6.3)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.meetings import scheduled_after
from cases.models import AgencyKind, Case, ChildRole, Partnership, Stage, User
from rapidreview import services
from rapidreview.models import CrgMeeting, Decision, MeetingKind, RapidReview
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.browser.test_intake import fill_date
from tests.browser.test_rapid_review_decision import received_for_a_meeting_today
from tests.factories import AgencyFactory
from tests.rapidreview.flow import decided, quorate_attendance, recorded, signed_off, signers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def long_date(day) -> str:
    return f"{day:%-d %B %Y}"


def test_lr_referral_steps_are_met_on_the_page(page):
    lr = Partnership.objects.get(slug="leicestershire-rutland")
    office = User.objects.get(username="lr-office")
    today = timezone.localdate()
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[lr])
    case = case_services.referral_record(
        partnership=lr,
        details=case_services.ReferralDetails(
            received_on=today, summary="Child B.", referring_agency=school
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )
    weeks = 1
    while len(scheduled_after(lr, today)) < 2:  # two scheduled meetings ahead, at least
        services.crg_meeting_create(
            partnership=lr,
            kind=MeetingKind.MONTHLY,
            held_on=today + timedelta(weeks=weeks),
            actor=office,
        )
        weeks += 4
    first, second = scheduled_after(lr, today)[:2]

    sign_in(page, "lr-office")
    page.goto(f"/cases/{case.reference}/referral/")
    meetings = page.get_by_role("group", name="CRG meeting where the referral is first discussed")
    expect(meetings.get_by_label(f"{first.label} (the first after receipt)")).to_be_checked()
    expect(
        page.get_by_text(f"after the first discussion: {second.label}", exact=False)
    ).to_be_visible()
    steps = page.get_by_role("table", name="The referral's steps and their dates (§4.9)")
    expect(steps).to_contain_text("Referral shared with the Local Authority's CRG representative")
    expect(steps).to_contain_text("Information Request Letter sent to agencies")
    steps.get_by_text("How this date was worked out").nth(3).click()  # the decision's
    expect(steps).to_contain_text("(currently within 15 working days)")
    assert_accessible(page, "statutory-referral-progress")

    fill_date(page, "Date shared with the Local Authority's CRG representative", today)
    page.get_by_label("Local Authority CRG representative").fill("LA CRG representative")
    page.get_by_role("group", name="Does the CRG want agencies' information?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Reason for the decision").fill("It might meet the criteria.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("The referral's progress is saved.")).to_be_visible()
    shared = steps.get_by_role("row").filter(has_text="Referral shared with the Local Authority")
    expect(shared).to_contain_text(f"Met on {long_date(today)}")
    assert_accessible(page, "statutory-referral-saved")

    AgencyFactory(kind=AgencyKind.POLICE, partnerships=[lr], name="Statutory Steps Police")
    page.goto(f"/cases/{case.reference}/requests/send/")
    page.get_by_label("Statutory Steps Police").check()
    assert_accessible(page, "statutory-requests-send")
    page.get_by_role("button", name="Send the requests").click()
    page.goto(f"/cases/{case.reference}/referral/")
    letter = steps.get_by_role("row").filter(has_text="Information Request Letter sent")
    expect(letter).to_contain_text(f"Met on {long_date(today)}")
    assert_accessible(page, "statutory-referral-letter-sent")


def test_leicester_referral_with_no_meeting_says_who_must_add_one(page):
    leicester = Partnership.objects.get(slug="leicester")
    office = User.objects.get(username="leicester-office")
    today = timezone.localdate()
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[leicester])
    case = case_services.referral_record(
        partnership=leicester,
        details=case_services.ReferralDetails(
            received_on=today, summary="Child B.", referring_agency=school
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )
    # The demo calendar's scheduled meetings ahead are called off: none is left.
    CrgMeeting.objects.for_partnership(leicester).filter(held_on__gt=today).update(
        cancelled_at=timezone.now(), cancel_reason="Test"
    )
    sign_in(page, "leicester-office")
    page.goto(f"/cases/{case.reference}/referral/")
    expect(
        page.get_by_text("the Business Office must add the next monthly CRG meeting")
    ).to_be_visible()
    expect(page.get_by_role("link", name="meeting calendar")).to_be_visible()
    assert_accessible(page, "statutory-referral-no-meeting")


def test_leicester_report_kept_as_sent_and_the_decision_notified_before_closing(page):
    leicester = Partnership.objects.get(slug="leicester")
    office = User.objects.get(username="leicester-office")
    today = timezone.localdate()
    case = case_services.notification_record(
        partnership=leicester,
        details=case_services.NotificationDetails(
            received_on=received_for_a_meeting_today(leicester), summary="Child A."
        ),
        children=[case_services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )
    meeting = services.crg_meeting_create(
        partnership=leicester, kind=MeetingKind.EXTRAORDINARY, held_on=today, actor=office
    )
    review = services.rapid_review_for(case=case)
    services.rapid_review_meeting_set(
        case=case, meeting=meeting, actor=office, version=review.version, reason=""
    )
    review = RapidReview.objects.for_partnership(leicester).get(case=case)
    quorate_attendance(meeting, office)
    recorded(review, office)
    decided(review, office, Decision.NOT_PROCEED)
    signed_off(review, signers(leicester))

    sign_in(page, "leicester-office")
    page.goto(f"/cases/{case.reference}/rapid-review/after/")
    expect(page.get_by_text("The case closes once the decision is notified")).to_be_visible()
    assert_accessible(page, "statutory-after-signed-off")

    fill_date(page, "Date the Rapid Review Report was sent to the National Panel", today)
    page.get_by_role("button", name="Record the sending").click()
    expect(page.get_by_text("This is the exact file sent to the National Panel")).to_be_visible()
    assert_accessible(page, "statutory-report-sent")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Rapid Review Report (PDF)").click()
    review.refresh_from_db()
    with open(download.value.path(), "rb") as got, review.report_file.open("rb") as kept:
        assert got.read() == kept.read()

    fill_date(page, "Date the decision was notified to the National Panel", today)
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_text(f"Notified on {today:%A %-d %B %Y}.")).to_be_visible()
    assert_accessible(page, "statutory-decision-notified")
    page.goto(f"/cases/{case.reference}/deadlines/")
    deadlines = page.get_by_role("table", name="Deadlines")
    notified = deadlines.get_by_role("row").filter(has_text="Decision notified to the National")
    expect(notified).to_contain_text(f"Met on {long_date(today)}")
    assert_accessible(page, "statutory-deadlines")
    assert Case.objects.for_partnership(leicester).get(pk=case.pk).stage == Stage.CLOSED
