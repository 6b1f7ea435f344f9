"""Issue 16 end to end in Chromium, on the demo, for both partnerships: Leicester publishes
the report, Leicestershire & Rutland only the improvements to be made (§10.1.1, footnote
23). On the review whose report is final, the office opens the action plan (an action
owned by the Police) and the publication plan, records the agencies' leads and the
arrangements (a form with an error first), the decision, and emails the pack to the
National Panel, Ofsted and the DfE (the email's attachment is the file whose SHA-256 the
page shows); a planned date too close is refused with the earliest date named and what was
typed kept; a valid date is set; seven working days later the publication is recorded
(§10.5.1-10.5.2). An anonymous visitor finds the document and the action plan on the public
page and in its feed, byte for byte what was recorded, with no case reference or child's
name. The Police update their action in the portal with evidence; the office records an
audit with a RAG rating and closes the action (§11.4.1). A year later the daily job
archives the report: the public page stops offering it and says reports are archived.
axe finds nothing on any page visited."""

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.dates import format_date
from cases.management.commands.seed_demo import DEMO_CHILD_NAMES
from cases.management.commands.seed_demo import Command as SeedDemo
from cases.models import Agency, Child, InformationRequest, Partnership, Stage, User
from publication.models import PlanAction, Publication
from publication.selectors.plan import earliest_allowed
from publication.services.action_plans import action_add
from publication.services.archive import publications_archive
from publication.views.actions import ACTION_CLOSED, AUDIT_RECORDED, PLAN_OPENED
from publication.views.actions_portal import UPDATE_POSTED
from publication.views.plan import DECIDED, NOTICE_EMAILED, OPENED, PUBLISHED, SAVED
from reviews.selectors.report_approval import report_is_final
from tests.browser.test_intake import fill_date, sign_out
from tests.browser.test_lcspr import check_page, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATOM = "{http://www.w3.org/2005/Atom}"
# The added review's child: invented, and in none of the demo's cases (DEMO_CHILD_NAMES).
E2E_CHILD = "Juniper Demo-Pendlebury"
EVIDENCE = b"%PDF-1.4\n% the new referral pathway, signed off\n%%EOF\n"


@dataclass(frozen=True)
class Cast:
    slug: str
    short: str
    office: str
    improvements_only: bool


CASTS = {
    "leicester": Cast("leicester", "l", "leicester-office", False),
    "leicestershire-rutland": Cast("leicestershire-rutland", "lr", "lr-office", True),
}


@contextmanager
def today_is(day):
    """Move the day the services and the live server (in this process) read: they call
    `timezone.localdate()`. `timezone.now()` is left alone, so sessions and codes hold."""
    real = timezone.localdate

    def localdate(value=None, **kwargs):
        return day if value is None else real(value, **kwargs)

    with mock.patch.object(timezone, "localdate", localdate):
        yield


@pytest.fixture
def ready(request, demo):
    """A review at publication with its report final and no publication yet, added to the
    demo by the demo's own machinery (the demo publishes all of its own), its child named
    `E2E_CHILD`, its partnership emailing the pack (to the demo's reserved addresses)."""
    cast = CASTS[request.param]
    partnership = Partnership.objects.get(slug=cast.slug)
    lcspr = SeedDemo().ready_review_add(
        partnership,
        child_name=E2E_CHILD,
        reviewer=(f"{cast.short}-e2e-reviewer", "Dr Imogen Featherstone"),
    )
    assert lcspr.case.stage == Stage.PUBLICATION
    assert report_is_final(lcspr)
    assert not Publication.objects.for_partnership(partnership).filter(lcspr=lcspr).exists()
    partnership.email_publication_pack = True
    partnership.ofsted_email = f"ofsted@{cast.slug}.example"
    partnership.dfe_email = f"dfe@{cast.slug}.example"
    partnership.save(update_fields=["email_publication_pack", "ofsted_email", "dfe_email"])
    # The demo's review at publication asked no agency for information: the Police are
    # asked here, so that an agency is involved whose leads the plan records (§10.2.1).
    InformationRequest.unscoped.get_or_create(
        case=lcspr.case,
        agency=Agency.objects.get(name="Leicestershire Police"),
        defaults={"reply_due_on": timezone.localdate(), "sent_at": timezone.now()},
    )
    return cast, lcspr


def the_office_opens_the_action_plan(page, cast, reference):
    """The action plan, opened from the review; the Police own an action (§10.1.2)."""
    page.goto(f"/cases/{reference}/lcspr/action-plan/")
    check_page(page, f"{cast.short}-pub-open-action-plan")
    page.get_by_role("button", name="Open the action plan").click()
    expect(page.get_by_text(re.compile(r"brought into the plan|" + PLAN_OPENED))).to_be_visible()
    check_page(page, f"{cast.short}-pub-action-plan")
    plan_url = page.url
    partnership = Partnership.objects.get(slug=cast.slug)
    from publication.models import PlanRecommendation

    recommendation = (
        PlanRecommendation.objects.for_partnership(partnership)
        .filter(plan__case__reference=reference)
        .order_by("order")
        .first()
    )
    police = Agency.objects.get(name="Leicestershire Police")
    action = action_add(
        recommendation=recommendation,
        text="Set up a referral pathway from schools to health visiting",
        owner_agency=police,
        lead_name="DI Morgan",
        lead_email="",
        measure="Every school in the area uses the pathway",
        due_on=timezone.localdate() + timedelta(days=90),
        actor=User.objects.get(username=cast.office),
    )
    return plan_url, action


def the_plan(page, cast, reference):
    """The plan opens; the agencies' leads and the arrangements are recorded, a mistyped
    email refused first and what was typed kept."""
    publication_url = f"/cases/{reference}/lcspr/publication/"
    page.goto(publication_url)
    check_page(page, f"{cast.short}-pub-before")
    page.get_by_role("link", name="Open the publication plan").click()
    check_page(page, f"{cast.short}-pub-open")
    page.get_by_role("button", name="Open the publication plan").click()
    expect(page.get_by_text(OPENED)).to_be_visible()
    check_page(page, f"{cast.short}-pub-plan")

    page.get_by_role("link", name="Record the agencies' leads").click()
    page.get_by_label("Strategic lead", exact=True).first.fill("Chief Superintendent Rees")
    page.get_by_label("Media or communications lead", exact=True).first.fill("Press office")
    check_page(page, f"{cast.short}-pub-contacts")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(SAVED)).to_be_visible()

    page.get_by_role("link", name="Record the arrangements").click()
    page.get_by_label("The family's wishes about publication (§10.3.2)").fill(
        "The family asked to be told the date a week ahead."
    )
    page.get_by_label("How practitioners are told of the date and supported (§10.3.3)").fill(
        "A briefing for the teams involved, with support offered."
    )
    page.get_by_label("Central media contact's name (§10.4.1)").fill("Pat Press")
    page.get_by_label("Their email").fill("not an address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Central media contact's name (§10.4.1)")).to_have_value("Pat Press")
    check_page(page, f"{cast.short}-pub-arrangements-error")
    page.get_by_label("Their email").fill(f"press@{cast.slug}.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(SAVED)).to_be_visible()
    return publication_url


def the_decision(page, cast):
    page.get_by_role("link", name="Record the decision").click()
    check_page(page, f"{cast.short}-pub-decision")
    if cast.improvements_only:
        page.get_by_role("radio", name=re.compile("improvements", re.I)).check()
        page.get_by_role("button", name="Save").click()  # no reason: refused
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check_page(page, f"{cast.short}-pub-decision-error")
        page.get_by_label(re.compile(r"^Reason")).fill(
            "The family's wishes: the report would identify the child locally."
        )
    else:
        page.get_by_role("radio", name=re.compile("report", re.I)).first.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(DECIDED)).to_be_visible()


def the_notice(page, cast, reference):
    """The pack emailed: one message to the three bodies, its attachment the file whose
    checksum the page shows."""
    mail.outbox.clear()
    page.get_by_role("link", name="Send the pack by email").click()
    check_page(page, f"{cast.short}-pub-notice")
    page.get_by_role("button", name="Send the pack by email").click()
    publication = Publication.unscoped.get(lcspr__case__reference=reference)
    earliest = earliest_allowed(publication)
    expect(page.get_by_text(NOTICE_EMAILED.format(earliest=format_date(earliest)))).to_be_visible()
    check_page(page, f"{cast.short}-pub-noticed")
    shown = re.search(r"SHA-256 ([0-9a-f]{64}), (\d+) bytes", page.locator("main").inner_text())
    assert shown, "the page shows the pack's checksum"
    [message] = [m for m in mail.outbox if "publication pack" in m.subject]
    assert reference in message.subject
    partnership = Partnership.objects.get(slug=cast.slug)
    assert sorted(message.to) == sorted(
        [partnership.national_panel_email, partnership.ofsted_email, partnership.dfe_email]
    )
    [(name, content, kind)] = message.attachments
    assert kind == "application/pdf"
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == shown.group(1)
    assert len(content) == int(shown.group(2))
    return earliest, content


def the_planned_date(page, cast, earliest):
    """A date before the earliest is refused, naming it; what was typed stays."""
    too_close = earliest - timedelta(days=1)
    page.get_by_role("link", name="Set the planned date").click()
    fill_date(page, "Planned publication date", too_close)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(format_date(earliest))
    group = page.get_by_role("group", name="Planned publication date")
    expect(group.get_by_label("Day")).to_have_value(str(too_close.day))
    expect(group.get_by_label("Month")).to_have_value(str(too_close.month))
    check_page(page, f"{cast.short}-pub-date-too-close")
    fill_date(page, "Planned publication date", earliest)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(SAVED)).to_be_visible()


def the_record(page, cast, earliest):
    """On the day, the publication is recorded (the form proposes that date)."""
    page.reload()
    page.get_by_role("link", name="Record the publication").click()
    page.get_by_label("Address of the report on the partnership's website").fill(
        f"https://{cast.slug}.example/lcspr/child-a"
    )
    check_page(page, f"{cast.short}-pub-record")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(PUBLISHED)).to_be_visible()
    expect(page.get_by_text("Download the action plan as published (PDF)")).to_be_visible()
    check_page(page, f"{cast.short}-pub-published")


def the_public_page(browser, live_server, cast, reference, child_name, pack):
    """An anonymous visitor: the document and the action plan, exactly as recorded; no
    case reference and no child's name anywhere; the feed lists the same files."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    visitor = context.new_page()
    visitor.goto(f"/published/{cast.slug}/")
    check_page(visitor, f"{cast.short}-pub-public")
    html = visitor.content()
    for secret in (reference, child_name, child_name.split()[0]):
        assert secret not in html
    publication = Publication.unscoped.get(lcspr__case__reference=reference)
    main = "improvements" if cast.improvements_only else "report"
    recorded = {
        main: pack,
        "action-plan": publication.action_plan_file.open("rb").read(),
    }
    # The demo's own publications are listed too: this review's section is read.
    section = visitor.locator(f"main section#review-{publication.public_id}")
    if cast.improvements_only:
        expect(section.get_by_text("Only the information about the improvements")).to_be_visible()
    links = section.locator("a[download]")
    expect(links).to_have_count(2)
    for n in range(2):
        href = links.nth(n).get_attribute("href")
        kind = href.rsplit("/", 1)[1].removesuffix(".pdf")
        response = visitor.request.get(href)
        assert response.ok, href
        assert response.body() == recorded[kind], kind
        assert hashlib.sha256(response.body()).hexdigest() in html
    feed = visitor.request.get(f"/published/{cast.slug}/feed.atom")
    assert feed.ok
    assert reference not in feed.text()
    assert child_name not in feed.text()
    root = ElementTree.fromstring(feed.body())  # noqa: S314 (the product's own feed)
    [entry] = [
        entry
        for entry in root.findall(f"{ATOM}entry")
        if entry.findtext(f"{ATOM}id") == f"urn:uuid:{publication.public_id}"
    ]
    enclosures = [
        link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"
    ]
    assert len(enclosures) == 2
    for href in enclosures:
        kind = href.rsplit("/", 1)[1].removesuffix(".pdf")
        assert visitor.request.get(href).body() == recorded[kind]
    context.close()
    return recorded


def the_police_update_their_action(page, cast, action):
    sign_in_as(page, "police-portal")
    page.goto("/portal/actions/")
    check_page(page, f"{cast.short}-pub-portal-actions")
    page.get_by_role("link", name=re.compile("Set up a referral pathway")).click()
    check_page(page, f"{cast.short}-pub-portal-action")
    page.get_by_role("button", name="Post the update").click()  # no progress: refused
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, f"{cast.short}-pub-portal-action-error")
    page.get_by_label("Progress").fill("The pathway is live in twelve schools.")
    page.get_by_label("What the evidence shows (optional)").fill("The signed-off pathway")
    page.get_by_label("Evidence (optional)").set_input_files(
        {"name": "pathway.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}
    )
    page.get_by_role("button", name="Post the update").click()
    expect(page.get_by_text(UPDATE_POSTED)).to_be_visible()
    check_page(page, f"{cast.short}-pub-portal-updated")
    sign_out(page)


def the_office_audits_and_closes(page, cast, plan_url, action):
    page.goto(plan_url)
    check_page(page, f"{cast.short}-pub-plan-with-update")
    page.get_by_role("link", name="Record an audit").click()
    check_page(page, f"{cast.short}-pub-audit")
    page.get_by_role("button", name="Record the audit").click()  # no rating: refused
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, f"{cast.short}-pub-audit-error")
    fill_date(page, "Date of the audit", timezone.localdate())
    page.get_by_label("Green").check()
    page.get_by_role("button", name="Record the audit").click()
    expect(
        page.get_by_text(AUDIT_RECORDED.format(date=format_date(timezone.localdate())))
    ).to_be_visible()
    page.goto(f"/action-plans/actions/{action.pk}/")
    check_page(page, f"{cast.short}-pub-action")
    page.get_by_label("How the evidence shows it done (optional)").fill(
        "The pathway is in use in every school."
    )
    page.get_by_role("button", name="Close the action").click()
    expect(page.get_by_text(ACTION_CLOSED)).to_be_visible()
    check_page(page, f"{cast.short}-pub-action-closed")
    assert PlanAction.unscoped.get(pk=action.pk).status == "closed"


def the_office_reads_learning(page, cast):
    for url, name in (
        ("/action-plans/", "action-plans"),
        ("/learning/", "learning"),
        ("/learning/national-reviews/", "national-reviews"),
        ("/national-panel-log/", "panel-log"),
    ):
        page.goto(url)
        check_page(page, f"{cast.short}-pub-{name}")


@pytest.mark.parametrize(
    "ready", ["leicester", "leicestershire-rutland"], indirect=True, ids=["leicester", "lr"]
)
def test_a_final_report_published_followed_up_and_archived(browser, live_server, page, ready):
    cast, lcspr = ready
    reference = lcspr.case.reference
    child_name = Child.unscoped.get(case=lcspr.case).name
    assert child_name == E2E_CHILD
    assert all(E2E_CHILD not in names for names in DEMO_CHILD_NAMES)

    sign_in_as(page, cast.office)
    plan_url, action = the_office_opens_the_action_plan(page, cast, reference)
    publication_url = the_plan(page, cast, reference)
    the_decision(page, cast)
    earliest, pack = the_notice(page, cast, reference)
    the_planned_date(page, cast, earliest)
    with today_is(earliest):
        page.goto(publication_url)
        the_record(page, cast, earliest)
        the_office_reads_learning(page, cast)
        sign_out(page)
        the_public_page(browser, live_server, cast, reference, child_name, pack)

        the_police_update_their_action(page, cast, action)
        sign_in_as(page, cast.office)
        the_office_audits_and_closes(page, cast, plan_url, action)
        sign_out(page)

    # A year later the daily job archives it; the public page no longer offers it.
    year_on = earliest + timedelta(days=400)
    with today_is(year_on):
        partnership = Partnership.objects.get(slug=cast.slug)
        assert [p.lcspr_id for p in publications_archive(partnership=partnership, today=year_on)]
        context = page.context.browser.new_context(base_url=live_server.url, bypass_csp=True)
        visitor = context.new_page()
        visitor.goto(f"/published/{cast.slug}/")
        public_id = str(Publication.unscoped.get(lcspr=lcspr).public_id)
        archived = "Some of this partnership's reports are archived."
        expect(visitor.get_by_text(archived)).to_be_visible()
        assert public_id not in visitor.content()
        check_page(visitor, f"{cast.short}-pub-public-archived")
        context.close()
