"""The report's approval (§9.1.4-9.1.5): the Panel's QA of a finished draft (refused with
open anonymisation hits, passed only with a reason for each missing checklist point), the
CRG's approval at a quorate meeting with the chair's sign-off, the three Safeguarding
Partners' approval, a later draft needing approval again, the final PDF passing the guard
(§9.1.3, §10.5.2), the six-month clock's part, and who may do what."""

import html
import io
import re
from datetime import timedelta

import docx
import pypdf
import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.errors import ApplicationError
from cases.file_store import STORAGE_FULL
from cases.models import AccessEvent, AgencyKind, Child, Role
from rapidreview.models import Attendance, CrgMeeting, MeetingKind
from reviews.models import (
    AnonymisationHit,
    DraftSource,
    HitKind,
    HitWhere,
    ReportCrgApproval,
    ReportDraft,
    ReportFinal,
    ReportPartnerApproval,
    ReportQa,
)
from reviews.report_status import (
    ReportFacts,
    ReportStatus,
    Step,
    report_state,
)
from reviews.selectors import report_approval as selectors
from reviews.selectors import report_drafts as draft_selectors
from reviews.selectors.report import report_checklist
from reviews.services import report_approval as services
from reviews.services import report_drafts
from reviews.services.report_approval import QaAnswers
from reviews.services.report_drafts import CHECKLIST_AFTER_QA, REPORT_FINAL
from reviews.workspace import TaskState
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user
from tests.test_storage_full import FullDisk, files_under, use_storage

pytestmark = pytest.mark.django_db

CHILD_NAME = "Zebedee Quarrington"
REVIEWER_FIRST, REVIEWER_LAST = "Harriet", "Ollerenshaw"


@pytest.fixture
def case(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    return case


@pytest.fixture
def reviewer(leicester, case):
    user = staff_user(
        leicester,
        role=Role.REVIEWER,
        first_name=REVIEWER_FIRST,
        last_name=REVIEWER_LAST,
        email="reviewer@example.org",
    )
    appoint(case, user, Role.REVIEWER)
    return user


@pytest.fixture
def panel(leicester, case, reviewer):
    user = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, user, Role.PANEL_MEMBER)
    return user


@pytest.fixture
def office(leicester):
    return staff_user(leicester)


@pytest.fixture
def chair(leicester):
    return staff_user(leicester, role=Role.CRG_CHAIR)


@pytest.fixture
def meeting(leicester):
    return CrgMeeting.unscoped.create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=14),
    )


def crg_member(partnership, kind, **kwargs):
    """A CRG member who represents a Safeguarding Partner (§4.6.1)."""
    user = staff_user(partnership, Role.CRG_MEMBER, **kwargs)
    membership = user.memberships.get()
    membership.represents = AgencyFactory(kind=kind, partnerships=[partnership])
    membership.save()
    return user


def quorate(meeting):
    """Three partner agencies present, two of them Safeguarding Partners (§4.6.1)."""
    for kind in (AgencyKind.POLICE, AgencyKind.LOCAL_AUTHORITY, AgencyKind.HEALTH_TRUST):
        agency = AgencyFactory(kind=kind, partnerships=[meeting.partnership])
        Attendance.unscoped.create(
            meeting=meeting,
            name=f"Rep of {agency.name}",
            agency=agency,
            declaration="none",
            confidentiality_agreed=True,
        )


def url(case, part=""):
    return f"/cases/{case.reference}/lcspr/report/approval/{part}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def once_token(client, page) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', text(client.get(page)))[1]


def finished_draft(case, number, *, complete=True, text="Child A lived with their mother."):
    """A finished written draft; `complete`: it says where every checklist point is."""
    lcspr = case.lcspr
    checklist = {point.key: "Section 1" for point in report_checklist(lcspr)} if complete else {}
    return ReportDraft.unscoped.create(
        lcspr=lcspr,
        number=number,
        source=DraftSource.WORD,
        text=text,
        checklist=checklist,
        finished_at=timezone.now(),
    )


def hit(draft, where=HitWhere.DRAFT):
    return AnonymisationHit.unscoped.create(
        draft=draft,
        kind=HitKind.CHILD_NAME,
        where=where,
        found="Zebedee",
        context="... Zebedee went to school ...",
        location="Section 2, paragraph 3",
    )


def qa_pass(case, actor, number):
    return services.report_qa_record(
        lcspr=case.lcspr,
        actor=actor,
        number=number,
        answers=QaAnswers(meets_terms=True, succinct=True, focused=True, passed=True),
    )


def crg_approve(case, office, chair, meeting, number):
    services.report_put_to_crg(lcspr=case.lcspr, actor=office, number=number, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    meeting.refresh_from_db()
    if not Attendance.unscoped.filter(meeting=meeting).exists():
        quorate(meeting)
    approval = ReportCrgApproval.unscoped.get(lcspr=case.lcspr, outcome="pending")
    return services.report_crg_outcome_record(
        lcspr=case.lcspr, actor=chair, number=number, version=approval.version, approved=True
    )


def partners_approve(case, office, number):
    for partner in ("local_authority", "icb", "police"):
        services.report_partner_confirm(
            lcspr=case.lcspr, actor=office, number=number, partner=partner, name=f"{partner} rep"
        )


def status(case):
    return selectors.approval_state(case.lcspr)


# --- QA (§9.1.4) ---------------------------------------------------------------------------------


def test_qa_is_refused_while_anonymisation_hits_are_open_and_the_page_names_who_acts(
    client, case, reviewer, panel
):
    draft = finished_draft(case, 1)
    hit(draft)
    with pytest.raises(services.ApplicationError) as refused:
        qa_pass(case, panel, 1)
    assert "anonymisation hit" in refused.value.message
    page = text(sign_in(client, panel).get(url(case, "qa/")))
    assert "cannot go to QA" in page
    assert "the CRG chair must accept each with a reason" in page
    assert "Zebedee" not in page  # the page names the hit's kind and place, not the name
    assert not ReportQa.unscoped.exists()
    assert status(case).step == Step.CLEAR_HITS


def test_qa_pass_needs_a_reason_for_each_missing_point_and_is_recorded_with_them(
    client, case, reviewer, panel
):
    finished_draft(case, 1, complete=False)
    missing = selectors.missing_points(ReportDraft.unscoped.get(number=1))
    assert missing
    sign_in(client, panel)
    page = url(case, "qa/")
    shown = text(client.get(page))
    assert missing[0].title in shown
    answers = {
        "number": 1,
        "meets_terms": "yes",
        "succinct": "yes",
        "focused": "yes",
        "passed": "yes",
        "panel_meeting": "",
    }
    response = client.post(page, {**answers, "once_token": once_token(client, page)})
    assert response.status_code == 200
    assert "Give the reason this point is not addressed" in text(response)
    assert not ReportQa.unscoped.exists()

    reasons = {f"missing_{p.key}": f"Not relevant: {p.key}" for p in missing}
    response = client.post(page, {**answers, **reasons, "once_token": once_token(client, page)})
    assert response.status_code == 302
    qa = ReportQa.unscoped.get()
    assert qa.outcome == "passed"
    assert qa.recorded_by == panel
    assert set(qa.missing_reasons) == {p.key for p in missing}
    assert status(case).status == ReportStatus.CRG_APPROVAL


def test_the_same_qa_form_sent_twice_records_once(client, case, reviewer, panel):
    finished_draft(case, 1)
    sign_in(client, panel)
    page = url(case, "qa/")
    data = {
        "number": 1,
        "meets_terms": "yes",
        "succinct": "yes",
        "focused": "yes",
        "passed": "yes",
        "once_token": once_token(client, page),
    }
    assert client.post(page, data).status_code == 302
    assert client.post(page, data).status_code == 302
    assert ReportQa.unscoped.count() == 1


def test_a_draft_that_is_not_succinct_cannot_pass(case, reviewer, panel):
    finished_draft(case, 1)
    with pytest.raises(services.ApplicationError) as refused:
        services.report_qa_record(
            lcspr=case.lcspr,
            actor=panel,
            number=1,
            answers=QaAnswers(meets_terms=True, succinct=False, focused=True, passed=True),
        )
    assert refused.value.message == services.QA_ALL_THREE_NEEDED


# --- The CRG's approval (§9.1.5) -----------------------------------------------------------------


def test_the_crg_approves_the_qa_passed_draft_at_a_meeting_with_the_chairs_sign_off(
    client, case, reviewer, panel, office, chair, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    sign_in(client, office)
    page = url(case, "put-to-crg/")
    response = client.post(
        page, {"number": 1, "meeting": meeting.pk, "once_token": once_token(client, page)}
    )
    assert response.status_code == 302, text(response)
    assert status(case).step == Step.CRG_OUTCOME
    # On the meeting's business, by case reference and draft number.
    business = text(client.get(f"/meetings/{meeting.pk}/"))
    assert case.reference in business
    assert "Approve the LCSPR report (draft 1" in business

    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    approval = ReportCrgApproval.unscoped.get()
    outcome = {"number": 1, "version": approval.version, "approved": "yes"}
    response = client.post(url(case, "crg-decision/"), outcome)
    assert "Record who attended the CRG meeting" in text(response)  # no attendance yet
    quorate(meeting)
    assert client.post(url(case, "crg-decision/"), outcome).status_code == 302
    assert status(case).step == Step.CHAIR_SIGN

    sign_in(client, chair)
    assert client.post(url(case, "crg-sign-off/"), {"number": 1}).status_code == 302
    approval.refresh_from_db()
    assert approval.approved
    assert approval.chair_signed_by == chair
    assert status(case).status == ReportStatus.PARTNERSHIP_APPROVAL


def test_the_crg_cannot_approve_a_draft_the_guard_has_found_hits_in_since_its_qa(
    case, reviewer, panel, office, chair, meeting
):
    draft = finished_draft(case, 1)
    qa_pass(case, panel, 1)
    hit(draft)  # the guard ran again
    with pytest.raises(services.ApplicationError) as refused:
        services.report_put_to_crg(lcspr=case.lcspr, actor=office, number=1, meeting=meeting)
    assert "anonymisation hit" in refused.value.message


def test_a_chair_who_withdrew_from_the_decision_cannot_sign_it_off(
    case, reviewer, panel, office, chair, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    services.report_put_to_crg(lcspr=case.lcspr, actor=office, number=1, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    quorate(meeting)
    Attendance.unscoped.create(
        meeting=meeting,
        user=chair,
        name="The chair",
        declaration="declared",
        takes_part_in_decision=False,
    )
    approval = services.report_crg_outcome_record(
        lcspr=case.lcspr, actor=chair, number=1, version=1, approved=True
    )
    assert approval.chair_signed_at is None  # a withdrawn chair does not sign (§1.5.8)
    with pytest.raises(services.ApplicationError) as refused:
        services.report_crg_sign(lcspr=case.lcspr, actor=chair, number=1)
    assert refused.value.message == services.WITHDRAWN


def test_the_crg_not_approving_needs_a_reason_and_sends_the_report_back(
    case, reviewer, panel, office, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    services.report_put_to_crg(lcspr=case.lcspr, actor=office, number=1, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    quorate(meeting)
    with pytest.raises(services.ApplicationError):
        services.report_crg_outcome_record(
            lcspr=case.lcspr, actor=office, number=1, version=1, approved=False
        )
    services.report_crg_outcome_record(
        lcspr=case.lcspr, actor=office, number=1, version=1, approved=False, reason="Too long."
    )
    assert status(case).state.step == Step.NEW_DRAFT


# --- The partnership's approval (§9.1.5) ---------------------------------------------------------


def test_the_partnership_approves_only_when_all_three_partners_have_confirmed(
    client,
    case,
    reviewer,
    panel,
    office,
    chair,
    meeting,
    leicester,
    django_capture_on_commit_callbacks,
):
    police = crg_member(leicester, AgencyKind.POLICE, email="police@example.org")
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        crg_approve(case, office, chair, meeting, 1)
    # The police's representative is told, by case reference and draft number only.
    [email] = [m for m in mail.outbox if "police@example.org" in m.to]
    assert case.reference in email.subject
    assert CHILD_NAME not in email.body
    assert "Child A lived" not in email.body

    sign_in(client, police)
    assert "Approve the LCSPR report for the partnership (draft 1" in text(client.get("/"))
    page = url(case, "partner/")
    response = client.post(
        page, {"number": 1, "partner": "police", "once_token": once_token(client, page)}
    )
    assert response.status_code == 302, text(response)
    confirmation = ReportPartnerApproval.unscoped.get()
    assert confirmation.user == police
    assert confirmation.recorded_by == police
    # The police's representative cannot confirm for the Local Authority.
    with pytest.raises(services.ApplicationError):
        services.report_partner_confirm(
            lcspr=case.lcspr, actor=police, number=1, partner="local_authority"
        )

    services.report_partner_confirm(
        lcspr=case.lcspr, actor=office, number=1, partner="local_authority", name="A. Director"
    )
    assert status(case).step == Step.PARTNERS
    services.report_partner_confirm(
        lcspr=case.lcspr, actor=office, number=1, partner="icb", name="B. Nurse"
    )
    assert status(case).step == Step.MARK_FINAL
    page = text(sign_in(client, office).get(url(case)))
    assert "Approved by A. Director" in page
    assert "Mark the report final" in page
    assert "Mark the approved report final (draft 1)" in text(client.get("/"))


def test_the_office_is_asked_to_record_partners_without_an_account(
    client, case, reviewer, panel, office, chair, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    crg_approve(case, office, chair, meeting, 1)
    dashboard = text(sign_in(client, office).get("/"))
    assert "Record the partners' approval of the report (draft 1)" in dashboard


# --- A later draft needs approval again -------------------------------------------------------


def test_a_draft_finished_after_an_approval_needs_approving_again(
    case, reviewer, panel, office, chair, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    crg_approve(case, office, chair, meeting, 1)
    assert status(case).status == ReportStatus.PARTNERSHIP_APPROVAL
    # A draft started but not finished changes nothing.
    ReportDraft.unscoped.create(lcspr=case.lcspr, number=2, source=DraftSource.WRITTEN)
    assert status(case).status == ReportStatus.PARTNERSHIP_APPROVAL
    ReportDraft.unscoped.filter(number=2).update(
        finished_at=timezone.now(),
        checklist={p.key: "Section 1" for p in report_checklist(case.lcspr)},
    )
    assert status(case).status == ReportStatus.QA
    # A page about draft 1 is refused as stale rather than confirm the wrong draft.
    with pytest.raises(services.ApplicationError) as refused:
        services.report_partner_confirm(
            lcspr=case.lcspr, actor=office, number=1, partner="icb", name="B. Nurse"
        )
    assert "Draft 2 is now the latest" in refused.value.message


# --- Final (§9.1.5, §10.5.2, §9.1.3) -------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def approved(case, panel, office, chair, meeting):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    crg_approve(case, office, chair, meeting, 1)
    partners_approve(case, office, 1)


def test_the_final_pdf_names_the_child_by_pseudonym_and_the_reviewer_and_is_frozen(
    client, case, reviewer, panel, office, chair, meeting
):
    approved(case, panel, office, chair, meeting)
    sign_in(client, office)
    page = url(case, "final/")
    response = client.post(page, {"number": 1, "once_token": once_token(client, page)})
    assert response.status_code == 302, text(response)
    final = ReportFinal.unscoped.get()
    assert len(final.sha256) == 64
    assert selectors.report_is_final(case.lcspr)
    assert status(case).status == ReportStatus.FINAL

    response = client.get(f"/cases/{case.reference}/lcspr/report/final.pdf")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    shown = pdf_text(content)
    assert "Local Child Safeguarding Practice Review" in shown
    assert "Child A" in shown
    assert f"{REVIEWER_FIRST} {REVIEWER_LAST}" in shown
    assert CHILD_NAME not in shown
    assert "Zebedee" not in shown
    # Written to be published: nothing links it to the internal case (§10).
    assert case.reference not in shown
    assert "OFFICIAL" not in shown
    assert case.reference in response["Content-Disposition"]
    assert AccessEvent.unscoped.filter(
        object_reference=case.reference, object_type="final report"
    ).exists()
    with pytest.raises(services.ApplicationError):
        qa_pass(case, panel, 1)  # frozen


def test_marking_final_on_a_full_disk_says_so_and_the_report_is_not_final(
    client, case, reviewer, panel, office, chair, meeting, settings, tmp_path
):
    """Issue 18: the final PDF cannot be stored, so nothing is marked final; the page says
    why, and marking it again once there is room works."""
    approved(case, panel, office, chair, meeting)
    location = tmp_path / "filling-up"
    use_storage(settings, location, FullDisk)
    sign_in(client, office)
    page = url(case, "final/")
    token = once_token(client, page)
    response = client.post(page, {"number": 1, "once_token": token})
    assert response.status_code == 200
    assert STORAGE_FULL in html.unescape(text(response))
    assert "govuk-error-summary" in text(response)
    assert not ReportFinal.unscoped.exists()
    assert not selectors.report_is_final(case.lcspr)
    assert files_under(location) == []
    use_storage(settings, location, FileSystemStorage)
    assert client.post(page, {"number": 1, "once_token": token}).status_code == 302
    assert selectors.report_is_final(case.lcspr)


def test_the_reviewer_may_be_left_off_the_final_pdf(case, reviewer, panel, office, chair, meeting):
    approved(case, panel, office, chair, meeting)
    result = services.report_mark_final(
        lcspr=case.lcspr, actor=office, number=1, anonymous_reviewer=True
    )
    with result.final.file.open("rb") as stored:
        shown = pdf_text(stored.read())
    assert REVIEWER_LAST not in shown
    assert "Child A" in shown


def test_the_report_is_not_final_when_the_guard_finds_hits_in_its_pdf(
    client, case, reviewer, panel, office, chair, meeting, monkeypatch
):
    approved(case, panel, office, chair, meeting)

    def guard(*, draft, pdf):
        assert pdf.startswith(b"%PDF")
        return [hit(draft, where=HitWhere.PDF)]

    monkeypatch.setattr(services, "report_guard_run_pdf", guard)
    sign_in(client, office)
    page = url(case, "final/")
    response = client.post(page, {"number": 1, "once_token": once_token(client, page)})
    assert response.status_code == 200
    shown = text(response)
    assert "is not final" in shown
    assert "Section 2, paragraph 3" in shown
    assert not ReportFinal.unscoped.exists()
    assert not selectors.report_is_final(case.lcspr)
    assert status(case).step == Step.CLEAR_HITS


# --- The status rules -------------------------------------------------------------------------


ALL = frozenset({"local_authority", "icb", "police"})


@pytest.mark.parametrize(
    ("facts", "expected_status", "expected_step"),
    [
        (ReportFacts(), ReportStatus.DRAFTING, Step.FINISH_DRAFT),
        (ReportFacts(draft=1), ReportStatus.QA, Step.QA),
        (ReportFacts(draft=1, open_hits=2), ReportStatus.QA, Step.CLEAR_HITS),
        (ReportFacts(draft=1, qa_not_passed=True), ReportStatus.DRAFTING, Step.NEW_DRAFT),
        (ReportFacts(draft=1, qa_passed=True), ReportStatus.CRG_APPROVAL, Step.PUT_TO_CRG),
        (
            ReportFacts(draft=1, qa_passed=True, open_hits=1),
            ReportStatus.CRG_APPROVAL,
            Step.CLEAR_HITS,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_pending=True),
            ReportStatus.CRG_APPROVAL,
            Step.CRG_OUTCOME,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_recorded_unsigned=True),
            ReportStatus.CRG_APPROVAL,
            Step.CHAIR_SIGN,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_not_approved=True),
            ReportStatus.DRAFTING,
            Step.NEW_DRAFT,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_approved=True),
            ReportStatus.PARTNERSHIP_APPROVAL,
            Step.PARTNERS,
        ),
        (
            ReportFacts(
                draft=1, qa_passed=True, crg_approved=True, partners=frozenset({"icb", "police"})
            ),
            ReportStatus.PARTNERSHIP_APPROVAL,
            Step.PARTNERS,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_approved=True, partners=ALL),
            ReportStatus.PARTNERSHIP_APPROVAL,
            Step.MARK_FINAL,
        ),
        (
            ReportFacts(draft=1, qa_passed=True, crg_approved=True, partners=ALL, open_hits=1),
            ReportStatus.PARTNERSHIP_APPROVAL,
            Step.CLEAR_HITS,
        ),
        (ReportFacts(draft=1, final=True), ReportStatus.FINAL, Step.DONE),
    ],
)
def test_the_status_rules(facts, expected_status, expected_step):
    state = report_state(facts)
    assert (state.status, state.step) == (expected_status, expected_step)
    assert state.who_acts


# --- The six-month clock's part (§3.1.3, §10.5.1) ----------------------------------------------


def test_the_clock_counts_the_remaining_stages_and_says_whether_they_fit(
    client, case, reviewer, panel, office, monkeypatch
):
    finished_draft(case, 1)
    today = timezone.localdate()
    monkeypatch.setattr(selectors, "six_month_date", lambda lcspr: today + timedelta(days=365))
    clock = selectors.report_clock(case.lcspr)
    assert clock.no_crg_meeting
    assert clock.fits is False
    CrgMeeting.unscoped.create(
        partnership=case.partnership,
        kind=MeetingKind.MONTHLY,
        held_on=today + timedelta(days=40),
    )
    clock = selectors.report_clock(case.lcspr)
    assert clock.fits is True
    assert clock.working_days_left > 200
    monkeypatch.setattr(selectors, "six_month_date", lambda lcspr: today + timedelta(days=30))
    assert selectors.report_clock(case.lcspr).fits is False
    page = text(sign_in(client, office).get(url(case)))
    assert "At risk" in page
    assert "publication does (§3.1.3)" in page


# --- Who may do what ------------------------------------------------------------------------------


def test_a_panel_member_cannot_mark_the_report_final(
    client, case, reviewer, panel, office, chair, meeting
):
    approved(case, panel, office, chair, meeting)
    sign_in(client, panel)
    assert client.get(url(case, "final/")).status_code == 403
    assert client.post(url(case, "final/"), {"number": 1}).status_code == 403
    with pytest.raises(services.ApplicationError):
        services.report_mark_final(lcspr=case.lcspr, actor=panel, number=1)
    assert not ReportFinal.unscoped.exists()


def test_a_reviewer_cannot_record_the_crgs_decision(client, case, reviewer):
    sign_in(client, reviewer)
    assert client.get(url(case, "crg-decision/")).status_code == 403


def test_the_other_partnership_gets_not_found(client, case, reviewer, lr):
    finished_draft(case, 1)
    sign_in(client, staff_user(lr))
    for part in ("", "qa/", "put-to-crg/", "final/", "partner/"):
        assert client.get(url(case, part)).status_code == 404
    assert client.get(f"/cases/{case.reference}/lcspr/report/final.pdf").status_code == 404


def test_the_final_pdf_is_the_review_teams_only(client, case, reviewer, leicester):
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert client.get(f"/cases/{case.reference}/lcspr/report/final.pdf").status_code == 403


def test_the_lcspr_page_lists_the_approval_task(client, case, reviewer, panel):
    finished_draft(case, 1)
    page = text(sign_in(client, panel).get(f"/cases/{case.reference}/lcspr/"))
    assert "Approve the report" in page
    assert "Draft 1: Panel quality assurance" in page


def test_the_approval_page_names_the_reviewer_who_must_fix_the_hits(client, case, reviewer, panel):
    hit(finished_draft(case, 1))
    page = text(sign_in(client, panel).get(url(case)))
    assert f"The Reviewer is {REVIEWER_FIRST} {REVIEWER_LAST}." in page
    assert "Section 2, paragraph 3" in page


def test_a_stale_crg_decision_is_a_conflict_and_records_nothing(
    client, case, reviewer, panel, office, meeting
):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    services.report_put_to_crg(lcspr=case.lcspr, actor=office, number=1, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    quorate(meeting)
    ReportCrgApproval.unscoped.update(version=2)  # someone else recorded something meanwhile
    sign_in(client, office)
    response = client.post(
        url(case, "crg-decision/"),
        {"number": 1, "version": 1, "approved": "no", "reason": "Shorten section 4."},
    )
    assert response.status_code == 200
    shown = text(response)
    assert services.CONFLICT in shown
    assert "Shorten section 4." in shown  # what was typed is kept
    assert ReportCrgApproval.unscoped.get().outcome == "pending"


def test_the_final_pdf_holds_the_anonymised_genogram_when_the_draft_attaches_it(
    case, reviewer, panel, office, chair, meeting
):
    approved(case, panel, office, chair, meeting)
    ReportDraft.unscoped.filter(number=1).update(anonymised_genogram=True)
    result = services.report_mark_final(lcspr=case.lcspr, actor=office, number=1)
    with result.final.file.open("rb") as stored:
        shown = pdf_text(stored.read())
    assert "Genogram (anonymised)" in shown
    assert CHILD_NAME not in shown


# --- Where the drafts hand over to the approval (issue 15) ----------------------------------


def word() -> SimpleUploadedFile:
    document = docx.Document()
    document.add_paragraph("Child A lived with Mother.")
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("draft.docx", out.getvalue())


def test_a_final_report_takes_no_new_draft(case, reviewer, panel, office, chair, meeting):
    approved(case, panel, office, chair, meeting)
    services.report_mark_final(lcspr=case.lcspr, actor=office, number=1)
    with pytest.raises(ApplicationError) as refused:
        report_drafts.report_draft_start(lcspr=case.lcspr, actor=reviewer)
    assert refused.value.message == REPORT_FINAL.format(number=1)
    with pytest.raises(ApplicationError) as refused:
        report_drafts.report_draft_upload(lcspr=case.lcspr, upload=word(), actor=reviewer)
    assert refused.value.message == REPORT_FINAL.format(number=1)
    assert case.lcspr.report_drafts.count() == 1


def test_the_checklist_the_panel_passed_is_kept(case, reviewer, panel):
    draft = finished_draft(case, 1)
    qa_pass(case, panel, 1)
    draft.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        report_drafts.report_checklist_save(
            draft=draft, locations={"overview": "Page 9"}, version=draft.version, actor=reviewer
        )
    assert refused.value.message == CHECKLIST_AFTER_QA.format(number=1)
    draft.refresh_from_db()
    assert draft.checklist["overview"] == "Section 1"


def test_before_qa_the_checklist_can_still_be_corrected(case, reviewer):
    draft = finished_draft(case, 1, complete=False)
    saved = report_drafts.report_checklist_save(
        draft=draft, locations={"overview": "Page 2"}, version=draft.version, actor=reviewer
    )
    assert saved.checklist == {"overview": "Page 2"}


def test_once_qa_passes_the_writing_task_is_done_and_says_what_comes_next(case, reviewer, panel):
    finished_draft(case, 1)
    assert draft_selectors.report_next_step(case.lcspr).state != TaskState.COMPLETED
    qa_pass(case, panel, 1)
    step = draft_selectors.report_next_step(case.lcspr)
    assert step.state == TaskState.COMPLETED
    assert step.text == draft_selectors.QA_PASSED.format(number=1)


def test_the_lcspr_page_shows_the_reports_status_and_clock(client, case, reviewer, panel):
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    sign_in(client, reviewer)
    page = client.get(f"/cases/{case.reference}/lcspr/").content.decode()
    assert "The report (§9)" in page
    assert "CRG approval" in page
    assert "to the six-month date" in page


def test_after_final_the_pages_offer_no_new_draft(
    client, case, reviewer, panel, office, chair, meeting
):
    approved(case, panel, office, chair, meeting)
    services.report_mark_final(lcspr=case.lcspr, actor=office, number=1)
    sign_in(client, reviewer)
    for page in ("", "upload/"):
        shown = text(client.get(f"/cases/{case.reference}/lcspr/report/{page}"))
        assert "The report is final: draft 1 was approved and marked final" in shown
        assert "Start draft 2" not in shown
        assert 'type="file"' not in shown


def test_the_checklist_passed_by_the_panel_is_shown_not_offered_for_editing(
    client, case, reviewer, panel
):
    draft = finished_draft(case, 1)
    sign_in(client, reviewer)
    page = f"/cases/{case.reference}/lcspr/report/drafts/{draft.pk}/checklist/"
    assert "Save where the draft addresses them" in text(client.get(page))
    qa_pass(case, panel, 1)
    shown = text(client.get(page))
    assert CHECKLIST_AFTER_QA.format(number=1) in shown
    assert "Save where the draft addresses them" not in shown


def test_the_upload_form_sends_the_note_before_the_file(client, case, reviewer):
    """A file over the upload limit stops the server reading the form at the file: the
    note, sent first, still arrives and is kept."""
    sign_in(client, reviewer)
    shown = text(client.get(f"/cases/{case.reference}/lcspr/report/upload/"))
    assert shown.index('name="note"') < shown.index('name="file"')
