"""The office's side of the agencies' submissions to the LCSPR (§8.2-8.7): Safeguarding
Leads (§8.2.2), asking agencies (§8.2.1) with the letter, template and guidance (§8.4.2,
§8.5.2), the Panel's quality assurance (§8.7), the §2.1.7 escalation during the review,
and an LCSPR request never counting as the Rapid Review's (the purpose audit)."""

import html
import io
import re
from datetime import timedelta

import pypdf
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import selectors as case_selectors
from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import (
    AgencyKind,
    Attachment,
    Child,
    ChronologyEntry,
    Deadline,
    DeadlineStatus,
    EscalationCause,
    InformationRequest,
    ReplyKind,
    RequestChase,
    RequestPurpose,
    RequestStatus,
    Role,
    Stage,
    SubmissionKind,
)
from cases.selectors import working_calendar
from cases.tenancy import Scope
from rapidreview import meeting_business
from rapidreview.models import CrgMeeting, MeetingKind
from reviews import services
from reviews.models import (
    AgreementOutcome,
    CollectionTool,
    NamedPractitioner,
    QaOutcome,
    SafeguardingLead,
    SubmissionReview,
    TermsAgreement,
    TermsVersion,
)
from reviews.selectors import submissions as selectors
from reviews.services import submissions as submission_services
from reviews.services.submissions import SubmissionAsk
from reviews.workspace import tasks
from tests.factories import (
    AgencyFactory,
    agency_user,
    appoint,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

pytestmark = pytest.mark.django_db

CHILD_NAME = "Zebedee Quarrington"


def text(response) -> str:
    return html.unescape(response.content.decode())


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def agree_terms(lcspr, tools=(CollectionTool.KEY_EVENTS_CHRONOLOGY,)):
    """Terms of reference the CRG agreed today, with these collection tools (§5.1.3)."""
    today = timezone.localdate()
    version = TermsVersion.unscoped.create(
        lcspr=lcspr,
        number=1,
        collection_tools=list(tools),
        scoping_start=today - timedelta(days=400),
        scoping_end=today - timedelta(days=35),
    )
    meeting = CrgMeeting.unscoped.create(
        partnership=lcspr.case.partnership, kind=MeetingKind.MONTHLY, held_on=today
    )
    TermsAgreement.unscoped.create(
        lcspr=lcspr,
        version=version,
        meeting=meeting,
        outcome=AgreementOutcome.AGREED,
        decided_on=today,
        recorded_at=timezone.now(),
    )
    return version


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)


def review_of(partnership):
    """An LCSPR case with a named child, its Reviewer and Panel member appointed."""
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    case_services.case_stage_set(
        case=case, stage=Stage.LCSPR, actor=None, reason="The CRG decided to review"
    )
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    reviewer = staff_user(partnership, role=Role.REVIEWER, email="reviewer@example.org")
    appoint(case, reviewer, Role.REVIEWER)
    panel = staff_user(partnership, role=Role.PANEL_MEMBER, email="panel@example.org")
    appoint(case, panel, Role.PANEL_MEMBER)
    case.refresh_from_db()
    return {
        "case": case,
        "lcspr": case.lcspr,
        "office": staff_user(partnership, email="office@example.org"),
        "reviewer": reviewer,
        "panel": panel,
    }


@pytest.fixture
def review(leicester):
    return review_of(leicester)


def ask(review, *asks, due=None, note=""):
    return services.submissions_request(
        lcspr=review["lcspr"],
        asks=list(asks),
        due_on=due or working_days_ahead(20, review["case"].partnership),
        note=note,
        actor=review["office"],
    )


def scope_of(user):
    return Scope(user=user, membership=user.memberships.get())


def submit(request, user):
    """The agency submits in the portal, through the Rapid Review's own reply service."""
    details = case_services.ReplyDetails(
        reply_kind=request.reply_kind,
        involvement="limited" if request.reply_kind == ReplyKind.FACTUAL_SUMMARY else "yes",
        involvement_summary="Seen twice at the front desk.",
        facts="Two contacts in March.",
        records_secured=False,
        completed_by="A. Officer, safeguarding lead",
    )
    if request.submission_kind == SubmissionKind.CHRONOLOGY:  # a chronology needs an event
        ChronologyEntry.unscoped.create(
            request=request,
            happened_on=timezone.localdate() - timedelta(days=90),
            concerning="Child A",
            source="Custody record",
            event="Seen at the front desk.",
        )
    request.refresh_from_db()
    return case_services.reply_submit(
        scope=scope_of(user),
        request=request,
        details=details,
        version=request.version,
        no_practitioners_confirmed=True,
    )


def own_deadline(request, suffix=""):
    return Deadline.objects.for_partnership(request.case.partnership).get(
        case=request.case, kind=f"lcspr_submission:{request.pk}{suffix}"
    )


# --- Safeguarding Leads (§8.2.2) ----------------------------------------------------------


def test_the_office_names_a_lead_and_an_agency_without_one_says_so(client, leicester, police):
    office = staff_user(leicester)
    sign_in(client, office)
    page = text(client.get("/safeguarding-leads/"))
    assert "Leicestershire Police" in page
    assert "No Safeguarding Lead named" in page
    response = client.post(
        "/safeguarding-leads/",
        {
            "agency": police.pk,
            "name": "Dana Whitlock",
            "job_title": "Detective Inspector",
            "email": "not-an-email",
            "phone": "",
            "version": 0,
        },
    )
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in text(response)
    assert 'value="Dana Whitlock"' in text(response)  # what was typed is kept
    response = client.post(
        "/safeguarding-leads/",
        {
            "agency": police.pk,
            "name": "Dana Whitlock",
            "job_title": "Detective Inspector",
            "email": "dana.whitlock@police.example",
            "phone": "0116 000 0000",
            "version": 0,
        },
    )
    assert response.status_code == 302
    lead = SafeguardingLead.objects.for_partnership(leicester).get(agency=police)
    assert (lead.name, lead.version, lead.history.count()) == ("Dana Whitlock", 1, 1)
    assert "dana.whitlock@police.example" in text(client.get("/safeguarding-leads/"))


def test_a_stale_lead_form_conflicts_and_saves_nothing(leicester, police):
    office = staff_user(leicester)
    submission_services.safeguarding_lead_save(
        partnership=leicester,
        agency=police,
        name="First Lead",
        job_title="DI",
        email="first@police.example",
        version=0,
        actor=office,
    )
    with pytest.raises(ApplicationError) as refused:
        submission_services.safeguarding_lead_save(
            partnership=leicester,
            agency=police,
            name="Second Lead",
            job_title="DI",
            email="second@police.example",
            version=0,
            actor=office,
        )
    assert refused.value.field == "version"
    assert SafeguardingLead.objects.for_partnership(leicester).get().name == "First Lead"


def test_each_partnership_keeps_its_own_lead_for_an_agency_serving_both(leicester, lr, police):
    for partnership, name in ((leicester, "City Lead"), (lr, "County Lead")):
        submission_services.safeguarding_lead_save(
            partnership=partnership,
            agency=police,
            name=name,
            job_title="DI",
            email=f"{name.split()[0].lower()}@police.example",
            version=0,
            actor=staff_user(partnership),
        )
    assert selectors.safeguarding_lead_for(partnership=leicester, agency_id=police.pk).name == (
        "City Lead"
    )
    assert selectors.safeguarding_lead_for(partnership=lr, agency_id=police.pk).name == (
        "County Lead"
    )


def test_another_partnerships_agency_is_not_found_on_the_leads_page(client, leicester, lr):
    county_only = AgencyFactory(name="Rutland Only Agency", partnerships=[lr])
    sign_in(client, staff_user(leicester))
    assert client.get(f"/safeguarding-leads/?agency={county_only.pk}").status_code == 404


# --- Asking for submissions (§8.2.1) ------------------------------------------------------


def test_requests_are_refused_before_the_terms_are_agreed_naming_who_agrees_them(review, police):
    with pytest.raises(ApplicationError) as refused:
        ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    assert "the Case Review Group agrees them (§5.1.3)" in refused.value.message
    assert not InformationRequest.objects.for_partnership(review["case"].partnership).exists()


def test_a_request_goes_to_the_portal_users_and_the_lead_with_its_own_dated_item(
    review, police, health, django_capture_on_commit_callbacks
):
    agree_terms(review["lcspr"])
    partnership = review["case"].partnership
    agency_user(police, email="desk@police.example")
    submission_services.safeguarding_lead_save(
        partnership=partnership,
        agency=police,
        name="Dana Whitlock",
        job_title="DI",
        email="lead@police.example",
        version=0,
        actor=review["office"],
    )
    due = working_days_ahead(20, partnership)
    with django_capture_on_commit_callbacks(execute=True):
        chronology, summary = ask(
            review,
            SubmissionAsk(police, SubmissionKind.CHRONOLOGY, with_analysis=True),
            SubmissionAsk(health, SubmissionKind.FACTUAL_SUMMARY, with_analysis=True),
            due=due,
        )
    assert (chronology.purpose, chronology.submission_kind) == (
        RequestPurpose.LCSPR,
        SubmissionKind.CHRONOLOGY,
    )
    assert chronology.with_analysis
    assert chronology.includes_chronology_template
    # The analysis columns belong to a chronology only.
    assert not summary.with_analysis
    assert summary.reply_kind == ReplyKind.FACTUAL_SUMMARY
    deadline = own_deadline(chronology)
    assert (deadline.due_date, deadline.status) == (due, DeadlineStatus.OPEN)
    (email,) = [m for m in mail.outbox if "lead@police.example" in m.to]
    assert sorted(email.to) == ["desk@police.example", "lead@police.example"]
    assert review["case"].reference in email.subject
    assert CHILD_NAME not in email.body
    assert CHILD_NAME not in email.subject
    assert f"/portal/requests/{chronology.pk}/" in email.body


def test_asking_the_same_agency_again_is_refused_naming_it(review, police):
    agree_terms(review["lcspr"])
    ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    with pytest.raises(ApplicationError) as refused:
        ask(review, SubmissionAsk(police, SubmissionKind.INFORMATION_REPORT))
    assert "Leicestershire Police" in refused.value.message
    assert InformationRequest.objects.for_partnership(review["case"].partnership).count() == 1


def test_a_due_date_on_a_weekend_and_a_note_naming_the_child_are_refused(review, police):
    agree_terms(review["lcspr"])
    cal = working_calendar(partnership=review["case"].partnership)
    saturday = timezone.localdate() + timedelta(days=14)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    assert not cal.is_working_day(saturday)
    with pytest.raises(ApplicationError) as refused:
        ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY), due=saturday)
    assert refused.value.field == "due_on"
    with pytest.raises(ApplicationError) as refused:
        ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY), note="About Zebedee.")
    assert refused.value.field == "note"


def test_a_rapid_review_request_to_the_same_agency_does_not_block_the_lcspr_one(review, police):
    """One request per agency and purpose: the Rapid Review's and the LCSPR's are apart."""
    case = review["case"]
    InformationRequest.unscoped.create(
        case=case,
        agency=police,
        reply_due_on=timezone.localdate(),
        sent_at=timezone.now(),
        status=RequestStatus.ACCEPTED,
    )
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    assert made.purpose == RequestPurpose.LCSPR


def test_the_request_page_flags_rapid_review_agencies_with_the_methodologys_kind(
    client, review, police, health
):
    case = review["case"]
    InformationRequest.unscoped.create(
        case=case,
        agency=police,
        reply_due_on=timezone.localdate(),
        sent_at=timezone.now(),
        status=RequestStatus.ACCEPTED,
    )
    agree_terms(review["lcspr"], tools=[CollectionTool.INFORMATION_REPORTS])
    sign_in(client, review["office"])
    page = text(client.get(f"/cases/{case.reference}/lcspr/submissions/request/"))
    assert "Answered the Rapid Review" in page
    checked = re.findall(r'name="kind_(\d+)" type="radio" value="(\w*)" checked', page)
    assert (str(police.pk), "information_report") in checked
    assert (str(health.pk), "") in checked


def test_the_office_sends_through_the_page_once(client, review, police):
    agree_terms(review["lcspr"])
    case = review["case"]
    sign_in(client, review["office"])
    page = f"/cases/{case.reference}/lcspr/submissions/request/"
    token = re.search(r'name="once_token" value="([^"]+)"', text(client.get(page)))[1]
    due = working_days_ahead(20, case.partnership)
    data = {
        "once_token": token,
        f"kind_{police.pk}": "chronology",
        f"options_{police.pk}": ["analysis", "organisational"],
        "due_on-day": due.day,
        "due_on-month": due.month,
        "due_on-year": due.year,
        "note": "Please include the custody records.",
    }
    assert client.post(page, data).status_code == 302
    assert client.post(page, data).status_code == 302  # the second submit replays
    (made,) = InformationRequest.objects.for_partnership(case.partnership).filter(case=case)
    assert made.with_analysis
    assert made.with_organisational_changes
    listing = text(client.get(f"/cases/{case.reference}/lcspr/submissions/"))
    assert "Leicestershire Police" in listing
    assert "Chronology of significant events" in listing


def test_a_reviewer_may_not_send_requests(client, review, police):
    agree_terms(review["lcspr"])
    sign_in(client, review["reviewer"])
    page = f"/cases/{review['case'].reference}/lcspr/submissions/request/"
    assert "The Business Office asks agencies" in text(client.get(page))
    assert client.post(page, {f"kind_{police.pk}": "chronology"}).status_code == 403


def test_the_documents_carry_the_reference_and_kind_never_the_childs_name(client, review, police):
    agree_terms(review["lcspr"])
    (made,) = ask(
        review,
        SubmissionAsk(police, SubmissionKind.CHRONOLOGY, with_organisational_changes=True),
    )
    case = review["case"]
    sign_in(client, review["office"])
    base = f"/cases/{case.reference}/lcspr/submissions/{made.pk}/"
    letter = pdf_text(client.get(base + "letter.pdf"))
    assert case.reference in letter
    assert "Chronology of significant events" in letter
    template = pdf_text(client.get(base + "template.pdf"))
    assert "Organisational changes" in template
    guidance = pdf_text(client.get(base + "guidance.pdf"))
    assert "§8.4.1" in guidance
    for document in (letter, template, guidance):
        assert CHILD_NAME not in document
        assert "Zebedee" not in document
    # The agency reaches them through the portal; another agency does not.
    sign_in(client, agency_user(police))
    assert case.reference in pdf_text(client.get(f"/portal/submissions/{made.pk}/letter.pdf"))
    sign_in(client, agency_user(AgencyFactory(name="Another Agency")))
    assert client.get(f"/portal/submissions/{made.pk}/letter.pdf").status_code == 404


def test_portal_documents_are_an_lcspr_submissions_only(client, review, police):
    rapid = InformationRequest.unscoped.create(
        case=review["case"],
        agency=police,
        reply_due_on=timezone.localdate(),
        sent_at=timezone.now(),
    )
    sign_in(client, agency_user(police))
    for document in ("letter", "template", "guidance"):
        assert client.get(f"/portal/submissions/{rapid.pk}/{document}.pdf").status_code == 404


def test_the_other_partnerships_agency_and_staff_do_not_reach_the_documents(
    client, review, lr, police
):
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    sign_in(client, staff_user(lr))
    url = f"/cases/{review['case'].reference}/lcspr/submissions/{made.pk}/letter.pdf"
    assert client.get(url).status_code == 404
    # A Leicester-only agency's user, not the police, finds nothing.
    city_only = AgencyFactory(name="City Only", partnerships=[review["case"].partnership])
    sign_in(client, agency_user(city_only))
    assert client.get(f"/portal/submissions/{made.pk}/template.pdf").status_code == 404


# --- The purpose audit ----------------------------------------------------------------------


def test_an_lcspr_request_never_counts_as_the_rapid_reviews(review, police, health):
    case = review["case"]
    rapid = InformationRequest.unscoped.create(
        case=case,
        agency=health,
        reply_due_on=timezone.localdate(),
        sent_at=timezone.now(),
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    agree_terms(review["lcspr"])
    (lcspr_request,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    InformationRequest.unscoped.filter(pk=lcspr_request.pk).update(
        status=RequestStatus.SUBMITTED, submitted_at=timezone.now()
    )
    assert list(case_selectors.case_requests(case=case)) == [rapid]
    office_scope = scope_of(review["office"])
    assert (
        case_selectors.case_request_get(scope=office_scope, case=case, pk=lcspr_request.pk)
        == lcspr_request
    )
    assert case_selectors.requests_to_review(scope=office_scope) == [rapid]
    # The Rapid Review's sending check does not see the LCSPR request.
    assert not case_selectors.case_requests(case=case).filter(agency=police).exists()


def test_the_office_cannot_accept_an_lcspr_submission_as_a_rapid_review_reply(review, police):
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    submit(made, agency_user(police))
    with pytest.raises(ApplicationError) as refused:
        case_services.information_request_accept(request=made, actor=review["office"])
    assert "§8.7" in refused.value.message


def test_lcspr_requests_are_chased_while_the_case_is_an_lcspr(review, police):
    partnership = review["case"].partnership
    agree_terms(review["lcspr"])
    due = working_days_ahead(20, partnership)
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY), due=due)
    cal = working_calendar(partnership=partnership)
    assert case_services.request_chases_make(partnership=partnership, today=cal.add(due, 1)) == 1
    assert list(
        RequestChase.objects.for_partnership(partnership).values_list("request_id", "threshold")
    ) == [(made.pk, -1)]


# --- Quality assurance (§8.7) -------------------------------------------------------------


@pytest.fixture
def submitted(review, police):
    agree_terms(review["lcspr"])
    agency_user(police, email="desk@police.example")
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    made = submit(made, agency_user(police, email="other@police.example"))
    mail.outbox.clear()
    return made


def test_submitting_meets_the_due_date(submitted):
    assert own_deadline(submitted).status != DeadlineStatus.OPEN


def test_the_reviewer_returns_a_submission_for_more_information(
    client, review, submitted, django_capture_on_commit_callbacks
):
    case = review["case"]
    sign_in(client, review["reviewer"])
    page = f"/cases/{case.reference}/lcspr/submissions/{submitted.pk}/"
    assert "Record the Panel's decision" in text(client.get(page))
    respond_by = working_days_ahead(10, case.partnership)
    data = {
        "action": "review",
        "outcome": "more_information",
        "asked_for": "",
        "version": submitted.version,
        "respond_by-day": respond_by.day,
        "respond_by-month": respond_by.month,
        "respond_by-year": respond_by.year,
    }
    response = client.post(page, data)
    assert "Say what more information the agency should give." in text(response)
    data["asked_for"] = "The GP's letters of March are missing."
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page, data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.RETURNED
    assert submitted.reply_due_on == respond_by
    assert submitted.return_reason == "The GP's letters of March are missing."
    (decision,) = SubmissionReview.objects.for_partnership(case.partnership).all()
    assert (decision.outcome, decision.decided_by) == (
        QaOutcome.MORE_INFORMATION,
        review["reviewer"],
    )
    (email,) = mail.outbox
    assert sorted(email.to) == ["desk@police.example", "other@police.example"]
    assert "GP" not in email.body
    assert CHILD_NAME not in email.body
    # The first due date stays met; the new one is reminded of.
    assert own_deadline(submitted).status != DeadlineStatus.OPEN
    assert own_deadline(submitted, ":1").due_date == respond_by
    assert own_deadline(submitted, ":1").status == DeadlineStatus.OPEN
    # The agency sees it on its dashboard.
    police_user = submitted.agency
    items = selectors.submissions_work(
        scope_of(agency_user(police_user, email="third@police.example"))
    )
    assert [item.case_reference for item in items] == [case.reference]
    # A second send of the same page is a conflict, not a second decision.
    response = client.post(page, data)
    assert "Someone else changed this submission" in text(response)
    assert SubmissionReview.objects.for_partnership(case.partnership).count() == 1


def test_the_panel_accepts_and_the_history_is_kept(review, submitted):
    decision = services.submission_review_record(
        request=submitted,
        outcome=QaOutcome.ACCEPTED,
        version=submitted.version,
        actor=review["panel"],
    )
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.ACCEPTED
    assert submitted.accepted_at
    assert decision.history.count() == 1
    assert mail.outbox == []


def test_an_agency_is_invited_to_a_panel_meeting_of_the_review(
    review, submitted, django_capture_on_commit_callbacks
):
    held_on = working_days_ahead(5, review["case"].partnership)
    meeting = services.panel_meeting_schedule(
        lcspr=review["lcspr"], held_on=held_on, actor=review["office"], notes=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.submission_review_record(
            request=submitted,
            outcome=QaOutcome.INVITED_TO_MEETING,
            asked_for="To go through the custody records together.",
            panel_meeting=meeting,
            version=submitted.version,
            actor=review["reviewer"],
        )
    assert decision.panel_meeting == meeting
    (email,) = mail.outbox
    assert "invited" in email.subject
    assert "custody" not in email.body


def test_a_meeting_of_another_review_cannot_be_chosen(review, submitted, leicester):
    other = review_of(leicester)
    meeting = services.panel_meeting_schedule(
        lcspr=other["lcspr"],
        held_on=working_days_ahead(5, leicester),
        actor=other["office"],
        notes="",
    )
    with pytest.raises(ApplicationError) as refused:
        services.submission_review_record(
            request=submitted,
            outcome=QaOutcome.INVITED_TO_MEETING,
            asked_for="To meet.",
            panel_meeting=meeting,
            version=submitted.version,
            actor=review["reviewer"],
        )
    assert refused.value.field == "panel_meeting"


def test_quality_assurance_is_the_panels(review, submitted):
    crg_chair = staff_user(review["case"].partnership, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError):
        services.submission_review_record(
            request=submitted,
            outcome=QaOutcome.ACCEPTED,
            version=submitted.version,
            actor=crg_chair,
        )


def test_the_task_says_how_many_are_in_and_who_is_overdue(review, police, health):
    agree_terms(review["lcspr"])
    ask(
        review,
        SubmissionAsk(police, SubmissionKind.CHRONOLOGY),
        SubmissionAsk(health, SubmissionKind.FACTUAL_SUMMARY),
    )
    police_request = InformationRequest.objects.for_partnership(review["case"].partnership).get(
        agency=police
    )
    submit(police_request, agency_user(police))
    InformationRequest.unscoped.filter(agency=health).update(
        reply_due_on=timezone.localdate() - timedelta(days=1)
    )
    (status,) = [s for task, s in tasks(review["lcspr"]) if task.key == "submissions"]
    assert status.hint == (
        "1 of 2 received; 1 awaiting quality assurance; Leicester Health Trust overdue"
    )
    office_items = [i.text for i in selectors.submissions_work(scope_of(review["office"]))]
    assert "Chase the overdue submission from Leicester Health Trust" in office_items
    assert any("Quality-assure" in t for t in office_items)
    reviewer_items = [i.text for i in selectors.submissions_work(scope_of(review["reviewer"]))]
    assert reviewer_items == ["Quality-assure the submission from Leicestershire Police (§8.7)"]


# --- §2.1.7 during the review ---------------------------------------------------------------


def test_the_reviewer_refers_an_unanswered_submission_to_the_crg(client, review, police):
    agree_terms(review["lcspr"])
    case = review["case"]
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    InformationRequest.unscoped.filter(pk=made.pk).update(
        reply_due_on=timezone.localdate() - timedelta(days=3),
        sent_at=timezone.now() - timedelta(days=30),
    )
    sign_in(client, review["reviewer"])
    page = f"/cases/{case.reference}/lcspr/submissions/{made.pk}/"
    today = timezone.localdate()
    token = re.search(r'name="once_token" value="([^"]+)"', text(client.get(page)))[1]
    response = client.post(
        page,
        {
            "action": "escalate",
            "once_token": token,
            "cause": EscalationCause.SILENCE,
            "escalated_on-day": today.day,
            "escalated_on-month": today.month,
            "escalated_on-year": today.year,
            "note": "Chased twice by phone; no answer.",
        },
    )
    assert response.status_code == 302, text(response)
    (step,) = made.escalations.all()
    assert step.recorded_by == review["reviewer"]
    meeting = CrgMeeting.unscoped.create(
        partnership=case.partnership,
        kind=MeetingKind.MONTHLY,
        held_on=today + timedelta(days=7),
    )
    items = meeting_business.business(meeting, scope_of(review["office"]))
    assert any("Leicestershire Police" in item.title and "§2.1.7" in item.title for item in items)
    chair = staff_user(case.partnership, role=Role.CRG_CHAIR)
    chair_items = [i.text for i in selectors.submissions_work(scope_of(chair))]
    assert any("referred to the Case Review Group" in t for t in chair_items)
    # Once the review has moved on (here to publication), its submissions are nobody's
    # work any more: the referral leaves both dashboards, as the overdue chase does.
    type(case).unscoped.filter(pk=case.pk).update(stage=Stage.PUBLICATION)
    for person in (chair, review["office"]):
        work = selectors.submissions_work(scope_of(person))
        assert [i.text for i in work if "referred" in i.text] == []
        assert work.total == len(work)


def test_a_crg_member_may_not_escalate(review, police):
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    member = staff_user(review["case"].partnership, role=Role.CRG_MEMBER)
    with pytest.raises(ApplicationError):
        case_services.escalation_record(
            request=made,
            cause=EscalationCause.REFUSAL,
            note="Refused.",
            escalated_on=timezone.localdate(),
            actor=member,
        )


def test_a_reviewer_may_not_escalate_a_rapid_review_request(review, police):
    rapid = InformationRequest.unscoped.create(
        case=review["case"],
        agency=police,
        reply_due_on=timezone.localdate(),
        sent_at=timezone.now(),
    )
    with pytest.raises(ApplicationError):
        case_services.escalation_record(
            request=rapid,
            cause=EscalationCause.REFUSAL,
            note="Refused.",
            escalated_on=timezone.localdate(),
            actor=review["reviewer"],
        )


# --- An LCSPR submission is the review team's to read (§8.7.1) ------------------------------


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to a temporary directory, not var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


SYSTEMS_LEARNING = "Referrals between the ward and the front desk went unanswered."


@pytest.fixture
def report(review, police, media):
    """An information report the agency has submitted, with a document, a named
    practitioner and a chronology event."""
    agree_terms(review["lcspr"], tools=[CollectionTool.INFORMATION_REPORTS])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.INFORMATION_REPORT))
    InformationRequest.unscoped.filter(pk=made.pk).update(
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
        systems_learning=SYSTEMS_LEARNING,
        completed_by="A. Officer",
    )
    made.refresh_from_db()
    Attachment.unscoped.create(
        request=made,
        file=SimpleUploadedFile("report.pdf", b"%PDF-1.4 the report"),
        original_name="report.pdf",
        content_type="application/pdf",
        size=19,
        sha256="0" * 64,
    )
    NamedPractitioner.unscoped.create(
        request=made, name="Priya Lakhani", job_title="Ward Sister", email="p@health.example"
    )
    ChronologyEntry.unscoped.create(
        request=made,
        happened_on=timezone.localdate() - timedelta(days=60),
        concerning="Child A",
        source="Custody record",
        event="Attended the home.",
    )
    return made


@pytest.mark.parametrize("role", [Role.CRG_MEMBER, Role.PARTNERSHIP_ADMIN])
def test_others_of_the_partnership_do_not_read_a_submission(client, review, report, role):
    case = review["case"]
    sign_in(client, staff_user(case.partnership, role=role))
    attachment = Attachment.objects.for_partnership(case.partnership).get(request=report)
    assert client.get(f"/cases/{case.reference}/requests/{report.pk}/").status_code == 404
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404
    assert client.get(f"/requests/{report.pk}/reply.pdf").status_code == 404
    page = text(client.get(f"/cases/{case.reference}/lcspr/submissions/{report.pk}/"))
    assert SYSTEMS_LEARNING not in page
    assert "Priya Lakhani" not in page
    assert "Only the review team reads the agency's submission." in page


@pytest.mark.parametrize("who", ["office", "reviewer"])
def test_the_review_team_reads_a_submission(client, review, report, who):
    case = review["case"]
    sign_in(client, review[who])
    attachment = Attachment.objects.for_partnership(case.partnership).get(request=report)
    assert client.get(f"/cases/{case.reference}/requests/{report.pk}/").status_code == 200
    download = client.get(f"/documents/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 the report"


def test_the_reviewer_sees_the_submission_itself(client, review, report):
    case = review["case"]
    sign_in(client, review["reviewer"])
    page = text(client.get(f"/cases/{case.reference}/lcspr/submissions/{report.pk}/"))
    assert SYSTEMS_LEARNING in page
    assert "Priya Lakhani, Ward Sister" in page
    assert "Attended the home." in page
    assert "Child A" in page  # whom the event concerns
    attachment = Attachment.objects.for_partnership(case.partnership).get(request=report)
    assert f'href="/documents/{attachment.pk}/"' in page
    # The reviewer's way to the reply is this page, not the office's request page.
    assert f"/cases/{case.reference}/requests/{report.pk}/" not in page
    assert "Not yet submitted" not in page


def test_a_draft_stays_the_agencys(client, review, police, media):
    case = review["case"]
    agree_terms(review["lcspr"], tools=[CollectionTool.INFORMATION_REPORTS])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.INFORMATION_REPORT))
    InformationRequest.unscoped.filter(pk=made.pk).update(
        status=RequestStatus.IN_PROGRESS, systems_learning=SYSTEMS_LEARNING
    )
    NamedPractitioner.unscoped.create(
        request=made, name="Priya Lakhani", job_title="Ward Sister", email="p@health.example"
    )
    sign_in(client, review["reviewer"])
    page = text(client.get(f"/cases/{case.reference}/lcspr/submissions/{made.pk}/"))
    assert "Not yet submitted: the submission stays with the agency" in page
    assert SYSTEMS_LEARNING not in page
    assert "Priya Lakhani" not in page


def test_the_spreadsheet_import_is_the_submissions_own(client, review, police):
    agree_terms(review["lcspr"])
    (made,) = ask(review, SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    sign_in(client, agency_user(police))
    chronology = text(client.get(f"/portal/requests/{made.pk}/chronology/"))
    assert f'href="/portal/requests/{made.pk}/chronology/import/"' in chronology
    page = text(client.get(f"/portal/requests/{made.pk}/chronology/import/"))
    assert "LCSPR submission: case" in page
    assert "Named practitioners" in page
    assert "Information Request Letter" not in page
    assert f"/requests/{made.pk}/letter.pdf" not in page
