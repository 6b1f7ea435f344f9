"""The LCSPR's terms of reference (§5.1-§5.7, §8.1.3): versions and conflicts, the scoping
period, the CRG's agreement and significant changes going back to it (§5.1.3, §5.3.1),
issues referred to the CRG (§5.1.2), parallel processes (§5.6), what changed, the PDF,
and who may do what."""

import html
import io
import re
from datetime import timedelta

import pypdf
import pytest
from django.core import mail
from django.utils import timezone

from cases.models import Child, Role
from rapidreview.models import CrgMeeting, MeetingKind
from reviews.models import (
    AgreementOutcome,
    ParallelProcess,
    ReferredIssue,
    TermsAgreement,
    TermsVersion,
)
from reviews.services import terms as terms_services
from reviews.views import terms as terms_views
from tests.factories import appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

KLOE = "How agencies shared information.\nWhether the early help offer was timely."
CHILD_NAME = "Zebedee Quarrington"


@pytest.fixture
def case(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    return case


@pytest.fixture
def reviewer(leicester, case):
    user = staff_user(leicester, role=Role.REVIEWER, email="reviewer@example.org")
    appoint(case, user, Role.REVIEWER)
    lcspr = case.lcspr
    lcspr.key_lines_of_enquiry = KLOE
    lcspr.save()
    return user


@pytest.fixture
def office(leicester):
    return staff_user(leicester)


@pytest.fixture
def meeting(leicester):
    return CrgMeeting.unscoped.create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=14),
    )


def url(case, part=""):
    return f"/cases/{case.reference}/lcspr/{part}"


def date_parts(name, day) -> dict:
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def draft(version, **changes) -> dict:
    start = timezone.localdate() - timedelta(days=400)
    data = {
        "version": version,
        "crg_early_input": "Look at the handover between health visiting and school nursing.",
        "scrutineer_issues": "",
        **date_parts("scoping_start", start),
        **date_parts("scoping_end", start + timedelta(days=365)),
        "scoping_reason": "The year before the incident, when the family moved area.",
        "key_lines_of_enquiry": KLOE,
        "methodology": "A systems-based review (§8.1).",
        "collection_tools": ["key_events_chronology", "information_reports"],
        "other_method": "",
        "other_method_reason": "",
        "family_invitation": "Mother and father invited by letter.",
        "family_support": "An advocate offered.",
        "legal_advice": "not_expected",
        "legal_advice_from": "",
        "legal_advice_when": "",
        "change_note": "",
    }
    data.update(changes)
    return data


def text(response) -> str:
    """The page as a reader sees it (apostrophes unescaped)."""
    return html.unescape(response.content.decode())


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def once_token(client, page) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', text(client.get(page)))[1]


def agree(client, case, meeting, office, *, version=1):
    """Put `version` to the CRG, move the meeting into the past, record agreement."""
    page = url(case, "terms/put-to-crg/")
    response = client.post(
        page,
        {"number": version, "meeting": meeting.pk, "once_token": once_token(client, page)},
    )
    assert response.status_code == 302, text(response)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    sign_in(client, office)
    response = client.post(url(case, "terms/agreement/"), {"number": version, "agreed": "yes"})
    assert response.status_code == 302


# --- Versions and conflicts ---------------------------------------------------------------------


def test_the_first_draft_starts_from_the_template_and_the_rapid_reviews_kloes(
    client, case, reviewer
):
    page = sign_in(client, reviewer).get(url(case, "terms/edit/")).text
    assert "How agencies shared information." in page
    assert "Whether the early help offer was timely." in page
    assert "A systems-based review (§8.1)" in page  # the template's guidance


def test_each_save_is_a_numbered_version_with_who_and_when(client, case, reviewer):
    sign_in(client, reviewer)
    assert client.post(url(case, "terms/edit/"), draft(0)).status_code == 302
    assert (
        client.post(url(case, "terms/edit/"), draft(1, family_support="Easy read")).status_code
        == 302
    )
    versions = list(TermsVersion.unscoped.filter(lcspr=case.lcspr).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert {v.created_by for v in versions} == {reviewer}
    assert versions[0].key_lines_of_enquiry == [
        "How agencies shared information.",
        "Whether the early help offer was timely.",
    ]
    page = text(client.get(url(case, "terms/")))
    assert "Version 2" in page
    assert "Version 1" in page
    assert "Drafting: version 2" in page


def test_two_people_editing_the_same_draft_get_a_conflict_and_keep_their_text(
    client, case, reviewer, leicester
):
    panel_member = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, panel_member, Role.PANEL_MEMBER)
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    # Both open version 1; the Reviewer saves first.
    client.post(url(case, "terms/edit/"), draft(1, family_support="The reviewer's text"))
    sign_in(client, panel_member)
    response = client.post(url(case, "terms/edit/"), draft(1, family_support="The panel's text"))
    assert response.status_code == 200
    assert "Version 2 was saved by" in text(response)
    assert "The panel's text" in text(response)
    assert TermsVersion.unscoped.filter(lcspr=case.lcspr).count() == 2
    # Saved again, now at version 2, it goes through.
    assert 'name="version" value="2"' in text(response)
    assert (
        client.post(
            url(case, "terms/edit/"), draft(2, family_support="The panel's text")
        ).status_code
        == 302
    )


def test_a_scoping_period_that_ends_before_it_starts_is_refused_naming_the_field(
    client, case, reviewer
):
    start = timezone.localdate() - timedelta(days=100)
    data = draft(
        0,
        **date_parts("scoping_start", start),
        **date_parts("scoping_end", start - timedelta(days=1)),
    )
    response = sign_in(client, reviewer).post(url(case, "terms/edit/"), data)
    assert response.status_code == 200
    assert terms_services.SCOPING_END_BEFORE_START in text(response)
    assert 'href="#id_scoping_end_0"' in text(response)  # the error summary links the field
    assert not TermsVersion.unscoped.filter(lcspr=case.lcspr).exists()


def test_another_method_needs_its_reason(client, case, reviewer):
    data = draft(0, collection_tools=["other"], other_method="Appreciative inquiry")
    response = sign_in(client, reviewer).post(url(case, "terms/edit/"), data)
    assert terms_services.OTHER_METHOD_REASON_NEEDED in text(response)


# --- Agreement and significant changes ------------------------------------------------------------


def test_the_crg_agrees_a_version_and_the_review_team_is_told(
    client, case, reviewer, office, meeting, django_capture_on_commit_callbacks
):
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    page = url(case, "terms/put-to-crg/")
    token = once_token(client, page)
    for _ in range(2):  # sent twice: put once
        client.post(page, {"number": 1, "meeting": meeting.pk, "once_token": token})
    assert TermsAgreement.unscoped.filter(lcspr=case.lcspr).count() == 1
    assert "Awaiting the CRG's agreement" in text(client.get(url(case)))

    # The meeting's business lists it.
    sign_in(client, office)
    business = text(client.get(f"/meetings/{meeting.pk}/"))
    assert case.reference in business
    assert "Agree the terms of reference (version 1)" in business

    # Before the meeting the decision cannot be recorded.
    response = client.post(url(case, "terms/agreement/"), {"number": 1, "agreed": "yes"})
    assert "after its meeting" in text(response)

    CrgMeeting.unscoped.filter(pk=meeting.pk).update(
        held_on=timezone.localdate() - timedelta(days=1)
    )
    dashboard = text(client.get("/"))
    assert "Record the CRG's agreement of the terms of reference (version 1)" in dashboard

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(case, "terms/agreement/"), {"number": 1, "agreed": "yes"})
    assert response.status_code == 302
    agreement = TermsAgreement.unscoped.get(lcspr=case.lcspr)
    assert agreement.outcome == AgreementOutcome.AGREED
    assert agreement.decided_on == timezone.localdate() - timedelta(days=1)
    assert [m.to for m in mail.outbox] == [["reviewer@example.org"]]
    assert case.reference in mail.outbox[0].subject
    assert CHILD_NAME not in mail.outbox[0].body

    overview = text(client.get(url(case)))
    assert "Agreed on" in overview
    assert "Scoping period" in overview
    sign_in(client, reviewer)
    assert "The CRG agreed the terms of reference" in text(client.get("/"))


def test_the_crg_returns_the_terms_with_what_to_change(client, case, reviewer, office, meeting):
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    page = url(case, "terms/put-to-crg/")
    client.post(page, {"number": 1, "meeting": meeting.pk, "once_token": once_token(client, page)})
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    sign_in(client, office)
    response = client.post(url(case, "terms/agreement/"), {"number": 1, "agreed": "no"})
    assert terms_services.CHANGES_NEEDED in text(response)
    client.post(
        url(case, "terms/agreement/"),
        {"number": 1, "agreed": "no", "changes_asked": "Shorten the period."},
    )
    sign_in(client, reviewer)
    assert "Revise the terms of reference" in text(client.get("/"))
    assert "Shorten the period." in text(client.get(url(case, "terms/")))


def test_a_significant_change_goes_back_to_the_crg_and_the_agreed_version_stays_in_force(
    client, case, reviewer, office, meeting, leicester
):
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    agree(client, case, meeting, office)
    sign_in(client, reviewer)
    changed = draft(1, key_lines_of_enquiry=KLOE + "\nHow the school raised concerns.")
    assert client.post(url(case, "terms/edit/"), changed).status_code == 302
    version = TermsVersion.unscoped.get(lcspr=case.lcspr, number=2)
    assert version.significant_change
    page = text(client.get(url(case, "terms/")))
    assert "an approved change is pending" in page
    assert "version 1 stays in force" in page
    # The office cannot wave it through as a minor change.
    sign_in(client, office)
    client.post(url(case, "terms/minor/"), {"number": 2})
    assert TermsVersion.unscoped.get(pk=version.pk).minor_accepted_at is None
    # It goes back to the CRG, as a change to approve.
    later = CrgMeeting.unscoped.create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=30),
    )
    sign_in(client, reviewer)
    page = url(case, "terms/put-to-crg/")
    client.post(page, {"number": 2, "meeting": later.pk, "once_token": once_token(client, page)})
    sign_in(client, office)
    assert "Approve a change to the terms of reference (version 2)" in text(
        client.get(f"/meetings/{later.pk}/")
    )


def test_a_wording_change_after_agreement_comes_into_force_when_accepted_as_minor(
    client, case, reviewer, office, meeting
):
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    agree(client, case, meeting, office)
    sign_in(client, reviewer).post(
        url(case, "terms/edit/"), draft(1, family_support="An advocate and an interpreter.")
    )
    assert not TermsVersion.unscoped.get(lcspr=case.lcspr, number=2).significant_change
    sign_in(client, office)
    assert "Accept version 2 as a minor change" in text(client.get(url(case, "terms/minor/")))
    client.post(url(case, "terms/minor/"), {"number": 2})
    page = text(client.get(url(case, "terms/")))
    assert 'In force</dt><dd class="govuk-summary-list__value">Version 2' in page


# --- What changed ---------------------------------------------------------------------------------


def test_the_changes_page_shows_added_and_removed_lines_in_words(client, case, reviewer):
    sign_in(client, reviewer)
    client.post(url(case, "terms/edit/"), draft(0))
    client.post(
        url(case, "terms/edit/"),
        draft(
            1,
            key_lines_of_enquiry="How agencies shared information.\n"
            "How the school raised concerns.",
        ),
    )
    page = text(client.get(url(case, "terms/changes/?from=1&to=2")))
    assert "<strong>Added:</strong> 2. How the school raised concerns." in page
    assert "<strong>Removed:</strong> 2. Whether the early help offer was timely." in page
    assert "No change" in page  # the sections that did not change say so


# --- The PDF --------------------------------------------------------------------------------------


def test_the_pdf_holds_the_reference_scoping_period_and_every_kloe_but_no_childs_name(
    client, case, reviewer
):
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    version = TermsVersion.unscoped.get(lcspr=case.lcspr)
    text = pdf_text(client.get(url(case, "terms/terms-of-reference.pdf")))
    assert case.reference in text
    from cases.dates import format_date

    assert format_date(version.scoping_start) in text
    assert format_date(version.scoping_end) in text
    assert "How agencies shared information." in text
    assert "Whether the early help offer was timely." in text
    assert CHILD_NAME not in text
    assert "DRAFT" in text


def test_the_pdf_renders_a_timetable_when_given_milestones(case, reviewer):
    from reviews.documents.terms import terms_of_reference_pdf

    day = timezone.localdate() + timedelta(days=20)
    pdf = terms_of_reference_pdf(
        case=case, lcspr=case.lcspr, milestones=[{"label": "First panel meeting", "date": day}]
    )
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[-1].extract_text().split())
    assert "First panel meeting" in text


def test_the_pdf_timetable_holds_the_reviews_planned_milestones_not_the_cancelled(
    client, case, reviewer
):
    """§5.8: the downloaded PDF's Timetable section lists the milestones still planned."""
    from cases.dates import format_date
    from reviews.models import MilestoneKind
    from reviews.services import milestone_add, milestone_cancel

    lcspr = case.lcspr
    planned = lcspr.decided_on + timedelta(days=40)
    dropped = lcspr.decided_on + timedelta(days=55)
    milestone_add(lcspr=lcspr, kind=MilestoneKind.LEARNING_EVENT, due_on=planned, actor=None)
    cancelled = milestone_add(
        lcspr=lcspr,
        kind=MilestoneKind.OTHER,
        title="Practitioner interviews",
        due_on=dropped,
        actor=None,
    )
    milestone_cancel(milestone=cancelled, reason="Merged", actor=None, on=timezone.localdate())
    sign_in(client, reviewer)
    text = pdf_text(client.get(url(case, "terms/terms-of-reference.pdf")))
    timetable = text.split("Timetable (§5.8)", 1)[1]
    assert format_date(planned) in timetable
    assert "Learning event" in timetable
    assert "not yet planned" not in timetable
    assert "Practitioner interviews" not in timetable
    assert format_date(dropped) not in timetable


# --- Referred issues ------------------------------------------------------------------------------


def test_an_issue_referred_to_the_crg_is_on_the_meetings_business_and_decided_there(
    client, case, reviewer, office, meeting
):
    page = url(case, "referred-issues/")
    sign_in(client, reviewer)
    token = once_token(client, page)
    data = {"issue": "Whether to include the adult services chronology.", "meeting": meeting.pk}
    for _ in range(2):
        client.post(page, {**data, "once_token": token})
    issue = ReferredIssue.unscoped.get(lcspr=case.lcspr)
    sign_in(client, office)
    business = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Decide an issue the Panel or the Reviewer referred" in business
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    assert "Record the CRG's decision on a referred issue" in text(client.get("/"))
    decision = url(case, f"referred-issues/{issue.pk}/")
    response = client.post(decision, {"version": issue.version, "decision": "Include it."})
    assert response.status_code == 302
    assert ReferredIssue.unscoped.get(pk=issue.pk).decision == "Include it."


def test_a_cancelled_or_past_meeting_cannot_take_an_issue(client, case, reviewer, meeting):
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(cancelled_at=timezone.now())
    page = url(case, "referred-issues/")
    response = sign_in(client, reviewer).get(page)
    assert terms_views.NO_MEETING_AHEAD in text(response)


# --- Parallel processes ---------------------------------------------------------------------------


def test_parallel_processes_are_added_once_changed_with_history_and_ended(client, case, reviewer):
    page = url(case, "parallel-processes/")
    sign_in(client, reviewer)
    token = once_token(client, page)
    data = {
        "kind": "criminal",
        "lead": "Leicestershire Police",
        "contact": "The SIO",
        "status": "under_way",
        "effect_on_timing": "Practitioners interviewed after charging decisions.",
        "effect_on_family": "Family contact through the family liaison officer only.",
    }
    for _ in range(2):
        client.post(page, {**data, "once_token": token})
    process = ParallelProcess.unscoped.get(lcspr=case.lcspr)
    edit = url(case, f"parallel-processes/{process.pk}/")
    response = client.post(edit, {**data, "version": process.version, "status": "concluded"})
    assert "Enter the date it concluded." in text(response)
    ended = {**data, "status": "concluded", **date_parts("ended_on", timezone.localdate())}
    assert client.post(edit, {**ended, "version": process.version}).status_code == 302
    # The same form sent again, from the old page, is a conflict, not an overwrite.
    stale = client.post(edit, {**ended, "version": process.version, "lead": "Someone else"})
    assert terms_services.STALE in text(stale)
    process.refresh_from_db()
    assert process.status == "concluded"
    assert process.lead == "Leicestershire Police"
    assert process.history.count() == 2
    assert "Parallel process concluded" in text(client.get(edit))


def test_another_kind_of_process_needs_its_description(client, case, reviewer):
    page = url(case, "parallel-processes/")
    response = sign_in(client, reviewer).post(
        page, {"kind": "other", "lead": "NHS England", "status": "planned"}
    )
    assert terms_services.OTHER_KIND_NEEDED in text(response)


# --- Who may do what ------------------------------------------------------------------------------


def test_a_crg_member_reads_but_cannot_draft(client, case, reviewer, leicester):
    member = staff_user(leicester, role=Role.CRG_MEMBER)
    sign_in(client, member)
    assert client.get(url(case, "terms/")).status_code == 200
    assert client.get(url(case, "terms/edit/")).status_code == 403
    assert client.post(url(case, "terms/edit/"), draft(0)).status_code == 403
    assert client.post(url(case, "referred-issues/"), {"issue": "x"}).status_code == 403
    assert not TermsVersion.unscoped.filter(lcspr=case.lcspr).exists()


def test_a_reviewer_cannot_record_the_crgs_agreement(client, case, reviewer):
    sign_in(client, reviewer)
    assert client.get(url(case, "terms/agreement/")).status_code == 403
    assert client.post(url(case, "terms/minor/"), {"number": 1}).status_code == 403


def test_a_reviewer_appointed_elsewhere_gets_not_found(client, case, reviewer, leicester):
    page = url(case, "parallel-processes/")
    sign_in(client, reviewer)
    client.post(page, {"kind": "coroner", "lead": "HM Coroner", "status": "planned"})
    process = ParallelProcess.unscoped.get(lcspr=case.lcspr)
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    other_reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other_reviewer, Role.REVIEWER)
    sign_in(client, other_reviewer)
    for part in (
        "terms/",
        "terms/edit/",
        "terms/changes/",
        "terms/terms-of-reference.pdf",
        f"parallel-processes/{process.pk}/",
    ):
        response = client.get(url(case, part))
        assert response.status_code == 404, part
        assert "How agencies shared information." not in response.content.decode(errors="replace")


def test_the_other_partnership_cannot_reach_a_process_or_issue_by_id(
    client, case, reviewer, meeting, lr
):
    sign_in(client, reviewer)
    client.post(
        url(case, "parallel-processes/"),
        {"kind": "sar", "lead": "Adult services", "status": "planned"},
    )
    client.post(url(case, "referred-issues/"), {"issue": "Scope", "meeting": meeting.pk})
    process = ParallelProcess.unscoped.get(lcspr=case.lcspr)
    issue = ReferredIssue.unscoped.get(lcspr=case.lcspr)
    other_office = staff_user(lr)
    other_case = open_case(lr)
    appoint(other_case, staff_user(lr, role=Role.REVIEWER))
    sign_in(client, other_office)
    for part in (f"parallel-processes/{process.pk}/", f"referred-issues/{issue.pk}/"):
        assert client.get(url(case, part)).status_code == 404
        # Its own case's address with the other partnership's row: not found either.
        assert client.get(url(other_case, part)).status_code == 404
    response = client.post(
        url(other_case, f"referred-issues/{issue.pk}/"), {"version": 1, "decision": "x"}
    )
    assert response.status_code == 404
    assert ReferredIssue.unscoped.get(pk=issue.pk).decision == ""


def test_the_lcspr_page_lists_the_task_with_its_status(client, case, reviewer):
    sign_in(client, reviewer)
    page = text(client.get(url(case)))
    assert "Agree the terms of reference" in page
    assert "Not yet started" in page
    assert "Terms of reference" in page
    assert "Not yet drafted" in page


def test_what_counts_as_a_significant_change_after_agreement():
    from reviews.rules import terms_significant_change

    day = timezone.localdate()
    fields = {
        "scoping_start": day - timedelta(days=365),
        "scoping_end": day,
        "scoping_reason": "The year before.",
        "key_lines_of_enquiry": ["How agencies shared information."],
        "methodology": "Systems review",
        "collection_tools": ["information_reports"],
    }
    agreed = TermsVersion(**fields)

    def changed(**changes):
        return terms_significant_change(agreed, TermsVersion(**{**fields, **changes}))

    assert changed(scoping_start=day - timedelta(days=200))
    assert changed(key_lines_of_enquiry=["Something else."])
    assert changed(collection_tools=["factual_summaries"])
    assert not changed(scoping_reason="The twelve months before.")
    assert not changed(family_support="An advocate.")
    assert not terms_significant_change(None, agreed)  # nothing agreed yet


def test_a_decision_sent_from_a_page_about_another_version_is_refused(
    client, case, reviewer, office, meeting, leicester
):
    """The agreement form carries the version it shows: a page opened when version 1 was
    before the CRG cannot record a decision on version 2, put to it since (§5.1.3)."""
    sign_in(client, reviewer).post(url(case, "terms/edit/"), draft(0))
    page = url(case, "terms/put-to-crg/")
    client.post(page, {"number": 1, "meeting": meeting.pk, "once_token": once_token(client, page)})
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    sign_in(client, office)
    assert 'name="number" value="1"' in text(client.get(url(case, "terms/agreement/")))
    client.post(
        url(case, "terms/agreement/"),
        {"number": 1, "agreed": "no", "changes_asked": "Shorten the period."},
    )
    sign_in(client, reviewer)
    revised = draft(1, scoping_reason="The six months before the incident.")
    assert client.post(url(case, "terms/edit/"), revised).status_code == 302
    later = CrgMeeting.unscoped.create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=30),
    )
    client.post(page, {"number": 2, "meeting": later.pk, "once_token": once_token(client, page)})
    CrgMeeting.unscoped.filter(pk=later.pk).update(held_on=timezone.localdate())
    pending = TermsAgreement.unscoped.get(lcspr=case.lcspr, outcome=AgreementOutcome.PENDING)
    assert pending.version.number == 2

    sign_in(client, office)
    response = client.post(url(case, "terms/agreement/"), {"number": 1, "agreed": "yes"})
    assert response.status_code == 200
    shown = text(response)
    assert terms_services.STALE in shown
    assert 'name="number" value="2"' in shown  # now about version 2, to check and send again
    pending.refresh_from_db()
    assert pending.outcome == AgreementOutcome.PENDING
    # A form without the version is refused too, not taken for whatever is pending.
    client.post(url(case, "terms/agreement/"), {"agreed": "yes"})
    pending.refresh_from_db()
    assert pending.outcome == AgreementOutcome.PENDING
    response = client.post(url(case, "terms/agreement/"), {"number": 2, "agreed": "yes"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.outcome == AgreementOutcome.AGREED
