"""Issue 14 in Chromium with axe, in both partnerships: `police-portal` finds an LCSPR
submission listed apart from its Rapid Review requests, names a practitioner for the
learning workshop (§8.10.1), fills and submits an information report (§8.5.1), and, once the
Panel returns it for more information (§8.7.2), answers and resubmits it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import (
    Agency,
    Child,
    InformationRequest,
    Partnership,
    RequestPurpose,
    RequestStatus,
    SubmissionKind,
)
from reviews.models import NamedPractitioner, QaOutcome, SubmissionReview
from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import sign_in
from tests.factories import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUGS = ("leicester", "leicestershire-rutland")


def information_report_asked(slug) -> InformationRequest:
    """A new case's LCSPR asking the police for an information report (the office's
    sending is another part's: made here directly)."""
    partnership = Partnership.objects.get(slug=slug)
    case = open_case(partnership)
    Child.unscoped.create(case=case, pseudonym="Child A", name="Robin Example")
    return InformationRequest.unscoped.create(
        case=case,
        agency=Agency.objects.get(name="Leicestershire Police"),
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.INFORMATION_REPORT,
        reply_due_on=timezone.localdate() + timedelta(days=28),
        sent_at=timezone.now(),
    )


def test_the_police_submit_an_information_report_and_answer_the_panel(page):
    asked = {slug: information_report_asked(slug) for slug in SLUGS}
    sign_in(page, "police-portal")
    for slug, item in asked.items():
        reference = item.case.reference
        page.goto("/portal/")
        row = page.get_by_role("row").filter(has_text=reference)
        expect(row).to_contain_text("LCSPR submission: information report")
        assert_accessible(page, f"evidence-portal-home-{slug}")
        row.get_by_role("link", name=reference).click()
        expect(
            page.get_by_role("heading", name=f"LCSPR submission: case {reference}")
        ).to_be_visible()

        # Submitting with nobody named asks for confirmation instead of passing (§8.10.1).
        page.get_by_label("Completed by (name and role)").fill("DI Jones")
        page.get_by_role("button", name="Submit to the review").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "confirm that there is no one to invite to the workshop"
        )
        expect(page.get_by_label("Completed by (name and role)")).to_have_value("DI Jones")
        assert_accessible(page, f"evidence-portal-incomplete-{slug}")

        sections = page.get_by_role("navigation", name="Reply sections")
        sections.get_by_role("link", name="Named practitioners").click()
        page.get_by_label("Full name").fill("Sam Okafor")
        page.get_by_label("Job title").fill("Detective Constable")
        page.get_by_label("Work email address").fill("sam.okafor@police.example")
        page.get_by_label("Practitioner", exact=True).check()
        page.get_by_role(
            "group", name="Did they have direct operational involvement with the child and family?"
        ).get_by_label("Yes").check()
        page.get_by_label("Their involvement, in a sentence").fill("Attended the call-out.")
        page.get_by_role("group", name="Have they left your agency?").get_by_label("No").check()
        page.get_by_role("button", name="Add the name").click()
        expect(page.get_by_text("Sam Okafor is named.")).to_be_visible()
        expect(page.get_by_role("cell", name="sam.okafor@police.example")).to_be_visible()
        assert_accessible(page, f"evidence-portal-practitioners-{slug}")

        sections.get_by_role("link", name="Submission", exact=True).click()
        page.get_by_label("Your agency's involvement with the child and family").fill(
            "Two call-outs to the home in March."
        )
        page.get_by_label("Systems learning").fill("Call-outs were not shared with health.")
        page.get_by_label("Potential learning for your agency").fill("Refresh referral training.")
        page.get_by_label("Potential learning for multi-agency arrangements").fill(
            "Share domestic call-outs with health visitors."
        )
        page.get_by_label("Actions already undertaken").fill("Training booked for May.")
        page.get_by_role("button", name="Submit to the review").click()
        expect(
            page.get_by_text(f"Your reply about case {reference} has been submitted")
        ).to_be_visible()
        item.refresh_from_db()
        assert item.status == RequestStatus.SUBMITTED
        assert item.systems_learning == "Call-outs were not shared with health."
        assert NamedPractitioner.unscoped.filter(request=item, name="Sam Okafor").exists()

        # The Panel asks for more (its decision is another part's: made here directly).
        item.status = RequestStatus.RETURNED
        item.save()
        respond_by = timezone.localdate() + timedelta(days=14)
        review = SubmissionReview.unscoped.create(
            request=item,
            outcome=QaOutcome.MORE_INFORMATION,
            asked_for="Say what the second call-out found.",
            respond_by=respond_by,
        )
        page.goto(f"/portal/requests/{item.pk}/")
        banner = page.get_by_role("region", name="More information requested")
        expect(banner).to_contain_text("Say what the second call-out found.")
        expect(banner).to_contain_text(f"{respond_by.day} {respond_by:%B %Y}")
        assert_accessible(page, f"evidence-portal-returned-{slug}")
        page.get_by_label("Your agency's involvement with the child and family").fill(
            "Two call-outs to the home in March; the second found the children alone."
        )
        page.get_by_label("What you have added in answer to the Panel").fill(
            "Added what the second call-out found."
        )
        page.get_by_role("button", name="Submit to the review").click()
        expect(
            page.get_by_text(f"Your reply about case {reference} has been submitted")
        ).to_be_visible()
        review.refresh_from_db()
        assert review.agency_response == "Added what the second call-out found."
        assert review.responded_at is not None
        page.goto(f"/portal/requests/{item.pk}/")
        expect(page.get_by_text("You answered the Panel's request")).to_be_visible()
        assert_accessible(page, f"evidence-portal-answered-{slug}")
