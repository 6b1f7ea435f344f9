"""An agency's LCSPR submission in the portal (issue 14, §8.4-8.7, §8.10.1), and the
office entering one on the agency's behalf: the form of the kind asked for, the chronology
with whom each event concerns and its organisational changes, the named practitioners,
the Panel's request for more information answered, isolation and conflicts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.errors import ApplicationError
from cases.models import (
    Child,
    ChronologyEntry,
    FamilyMember,
    InformationRequest,
    RequestPurpose,
    RequestStatus,
    SubmissionKind,
)
from cases.services.information_request import (
    CHRONOLOGY_EMPTY,
    CONCERNING_UNKNOWN,
    CONFLICT,
    NO_PRACTITIONERS_UNCONFIRMED,
    QA_RESPONSE_REQUIRED,
    SUBMISSION_REQUIRED,
)
from cases.services.token import api_token_create
from reviews.models import NamedPractitioner, QaOutcome, SubmissionReview
from reviews.selectors.practitioners import named_practitioners, qa_latest
from reviews.services import lcspr_open, panel_meeting_schedule
from reviews.services.practitioners import ALREADY_NAMED, NOT_AN_LCSPR_SUBMISSION
from tests.cases.test_portal import (  # noqa: F401 - `media` keeps uploads out of var/
    date_parts,
    field_errors,
    media,
    reload,
    request_to,
    scope_of,
    textarea,
)
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", partnerships=[leicester, lr])


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", partnerships=[leicester, lr])


@pytest.fixture
def police_user(police):
    return agency_user(police, username="police-portal")


@pytest.fixture
def health_user(health):
    return agency_user(health, username="health-portal")


@pytest.fixture
def lcspr_case(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name="Jamie Tindall")
    FamilyMember.unscoped.create(case=case, relationship="Mother", name="Rowan Tindall")
    return case


def submission(case, agency, kind, **fields) -> InformationRequest:
    """An LCSPR request, made directly (the office's sending is another part's)."""
    return InformationRequest.unscoped.create(
        case=case,
        agency=agency,
        purpose=RequestPurpose.LCSPR,
        submission_kind=kind,
        reply_due_on=working_days_ahead(15),
        sent_at=timezone.now(),
        **fields,
    )


def page(item, part=""):
    return f"/portal/requests/{item.pk}/{part}"


def post_submission(client, item, *, submit=True, **fields):
    data = {"version": reload(item).version, **fields}
    if submit:
        data["submit"] = ""
    return client.post(page(item), data, follow=True)


def add_practitioner(item, user, **kwargs):
    from reviews.services import practitioner_add

    values = {
        "name": "Sam Okafor",
        "job_title": "Detective Constable",
        "email": "sam.okafor@police.example",
        "involvement": "Attended the call-out in March.",
        **kwargs,
    }
    return practitioner_add(scope=scope_of(user), request=item, **values)


def add_event(item, user, **kwargs):
    values = {
        "happened_on": timezone.localdate() - timedelta(days=30),
        "source": "Incident log",
        "event": "Call-out to the family home.",
        "concerning": "Child A",
        **kwargs,
    }
    return services.chronology_entry_add(scope=scope_of(user), request=item, **values)


# --- The list and the API -------------------------------------------------------------------


def test_the_portal_lists_lcspr_submissions_apart_from_rapid_review_requests(
    client, leicester, police, police_user, lcspr_case
):
    rapid = request_to(leicester, police)
    lcspr = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY)
    sign_in(client, police_user)
    home = client.get("/portal/").text
    assert "LCSPR submission: chronology" in home
    assert "Rapid Review information request" in home
    assert rapid.case.reference in home
    assert lcspr.case.reference in home
    request_page = client.get(page(lcspr)).text
    assert f"LCSPR submission: case {lcspr_case.reference}" in request_page
    # The Rapid Review's letter and template are not this request's.
    assert f"/requests/{lcspr.pk}/letter.pdf" not in request_page


def test_the_api_lists_the_agencys_lcspr_requests_with_purpose_and_kind(
    leicester, police, health, police_user, lcspr_case
):
    own = submission(lcspr_case, police, SubmissionKind.INFORMATION_REPORT)
    submission(lcspr_case, health, SubmissionKind.CHRONOLOGY)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=police_user.memberships.get())}"
    )
    body = api.get("/api/v1/information-requests/").json()
    assert [(r["id"], r["purpose"], r["submission_kind"]) for r in body["results"]] == [
        (own.pk, "lcspr", "information_report")
    ]


# --- The form of the kind asked for ---------------------------------------------------------


def test_an_information_report_asks_for_each_learning_section(
    client, police, police_user, lcspr_case
):
    item = submission(lcspr_case, police, SubmissionKind.INFORMATION_REPORT)
    sign_in(client, police_user)
    response = post_submission(client, item, systems_learning="Thresholds were unclear.")
    required = SUBMISSION_REQUIRED[SubmissionKind.INFORMATION_REPORT]
    for field in ("involvement_summary", "agency_learning", "multi_agency_learning"):
        assert field_errors(response, field) == [required[field]]
    assert field_errors(response, "actions_taken") == [required["actions_taken"]]
    assert NO_PRACTITIONERS_UNCONFIRMED in response.text
    # What was typed is kept, saved as a draft.
    assert textarea(response, "systems_learning") == "Thresholds were unclear."
    assert reload(item).status == RequestStatus.IN_PROGRESS
    assert reload(item).systems_learning == "Thresholds were unclear."

    add_practitioner(item, police_user)
    response = post_submission(
        client,
        item,
        involvement_summary="Two call-outs.",
        systems_learning="Thresholds were unclear.",
        agency_learning="Refresh the referral training.",
        multi_agency_learning="Share call-outs with health visitors.",
        actions_taken="Training booked for May.",
        completed_by="DI Jones, safeguarding lead",
    )
    assert "has been submitted" in response.text
    item = reload(item)
    assert item.status == RequestStatus.SUBMITTED
    assert item.multi_agency_learning == "Share call-outs with health visitors."


def test_a_chronology_needs_an_event_and_practitioners_or_a_confirmation(
    client, police, police_user, lcspr_case
):
    item = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY)
    sign_in(client, police_user)
    response = post_submission(client, item, completed_by="DS Patel")
    assert CHRONOLOGY_EMPTY in response.text
    assert field_errors(response, "no_practitioners") == [NO_PRACTITIONERS_UNCONFIRMED]
    assert reload(item).status == RequestStatus.IN_PROGRESS
    # The organisational-changes rows alone are not the chronology of events.
    add_event(item, police_user, is_organisational_change=True, concerning="")
    response = post_submission(client, item, completed_by="DS Patel")
    assert CHRONOLOGY_EMPTY in response.text

    add_event(item, police_user)
    response = post_submission(client, item, completed_by="DS Patel", no_practitioners="on")
    assert reload(item).status == RequestStatus.SUBMITTED
    last = reload(item).history.first()
    assert last.history_change_reason == (
        "Submission submitted: the agency confirmed no one to invite to the workshop"
    )


def test_a_factual_summary_needs_its_involvement_and_no_practitioners(
    client, police, police_user, lcspr_case
):
    item = submission(lcspr_case, police, SubmissionKind.FACTUAL_SUMMARY)
    sign_in(client, police_user)
    form = client.get(page(item)).text
    assert 'name="systems_learning"' not in form  # no analysis asked (§8.6.1)
    assert 'name="no_practitioners"' not in form
    response = post_submission(client, item, completed_by="PC Hall")
    assert field_errors(response, "involvement_summary") == [
        SUBMISSION_REQUIRED[SubmissionKind.FACTUAL_SUMMARY]["involvement_summary"]
    ]
    post_submission(
        client, item, involvement_summary="One welfare check in 2025.", completed_by="PC Hall"
    )
    item = reload(item)
    assert item.status == RequestStatus.SUBMITTED
    assert item.reply_kind == "factual_summary"


def test_two_people_saving_one_submission_conflict_visibly(client, police, police_user, lcspr_case):
    item = submission(lcspr_case, police, SubmissionKind.INFORMATION_REPORT)
    opened_at = item.version
    colleague = agency_user(police)
    other = client.__class__()
    sign_in(other, colleague)
    other.post(
        page(item), {"version": opened_at, "save": "", "systems_learning": "Colleague's text."}
    )
    sign_in(client, police_user)
    response = client.post(
        page(item), {"version": opened_at, "save": "", "systems_learning": "My text."}
    )
    assert CONFLICT in response.text
    assert textarea(response, "systems_learning") == "My text."
    assert reload(item).systems_learning == "Colleague's text."


# --- The chronology -------------------------------------------------------------------------


def test_the_chronology_names_whom_an_event_concerns_never_by_name(
    client, police, police_user, lcspr_case
):
    item = submission(
        lcspr_case, police, SubmissionKind.CHRONOLOGY, with_organisational_changes=True
    )
    sign_in(client, police_user)
    chronology = client.get(page(item, "chronology/")).text
    for option in ("Child A", "Mother", "The family"):
        assert f'<option value="{option}">' in chronology
    assert "Jamie Tindall" not in chronology
    assert "Rowan Tindall" not in chronology
    # No analysis columns unless asked for (§8.4.1).
    assert 'name="analysis"' not in chronology
    assert "Chronology of organisational changes" in chronology

    day = timezone.localdate() - timedelta(days=10)
    date = date_parts("happened_on", day)
    refused = client.post(
        page(item, "chronology/"),
        {**date, "source": "Log", "event": "Visit", "concerning": "Jamie Tindall"},
    )
    assert field_errors(refused, "concerning")  # not one of the choices
    client.post(
        page(item, "chronology/"),
        {**date, "source": "Log", "event": "Visit", "concerning": "Mother"},
    )
    client.post(
        page(item, "chronology/"),
        {
            "section": "organisational",
            **date_parts("change-happened_on", day),
            "change-source": "Board paper",
            "change-event": "Two teams merged.",
        },
    )
    rows = ChronologyEntry.unscoped.filter(request=item).order_by("id")
    assert [(r.concerning, r.is_organisational_change) for r in rows] == [
        ("Mother", False),
        ("", True),
    ]
    with pytest.raises(ApplicationError) as refused_by_service:
        add_event(item, police_user, concerning="Rowan Tindall")
    assert refused_by_service.value.message == CONCERNING_UNKNOWN


def test_the_analysis_columns_show_when_asked_for(client, police, police_user, lcspr_case):
    item = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY, with_analysis=True)
    sign_in(client, police_user)
    chronology = client.get(page(item, "chronology/")).text
    assert 'name="analysis"' in chronology
    assert 'name="expected_practice"' in chronology
    assert "Chronology of organisational changes" not in chronology


def test_an_edit_keeps_whom_it_concerns_and_conflicts_with_a_colleagues(
    client, police, police_user, lcspr_case
):
    item = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY)
    entry = add_event(item, police_user)
    sign_in(client, police_user)
    form = client.get(f"/portal/chronology/{entry.pk}/edit/").text
    assert '<option value="Child A" selected>' in form
    day = entry.happened_on
    data = {
        **date_parts("happened_on", day),
        "source": "Incident log",
        "event": "Changed.",
        "concerning": "The family",
        "version": entry.version,
    }
    client.post(f"/portal/chronology/{entry.pk}/edit/", data)
    entry.refresh_from_db()
    assert (entry.concerning, entry.event) == ("The family", "Changed.")
    stale = client.post(f"/portal/chronology/{entry.pk}/edit/", {**data, "event": "Stale."})
    assert "Someone else changed this entry" in stale.text
    entry.refresh_from_db()
    assert entry.event == "Changed."


# --- Named practitioners --------------------------------------------------------------------


def test_the_agency_names_and_removes_practitioners(client, police, police_user, lcspr_case):
    item = submission(lcspr_case, police, SubmissionKind.INFORMATION_REPORT)
    sign_in(client, police_user)
    form = {
        "name": "Sam Okafor",
        "job_title": "Detective Constable",
        "email": "sam.okafor@police.example",
        "role": "practitioner",
        "direct_involvement": "yes",
        "involvement": "Attended the call-out.",
        "has_left_agency": "no",
    }
    response = client.post(page(item, "practitioners/"), form, follow=True)
    assert "Sam Okafor is named." in response.text
    again = client.post(page(item, "practitioners/"), {**form, "name": "Samuel Okafor"})
    assert field_errors(again, "email") == [ALREADY_NAMED.format(email=form["email"])]
    (named,) = NamedPractitioner.unscoped.filter(request=item)
    assert (named.created_by, named.direct_involvement, named.is_line_manager) == (
        police_user,
        True,
        False,
    )
    confirm = client.get(f"/portal/practitioners/{named.pk}/remove/").text
    assert "Are you sure you want to remove Sam Okafor?" in confirm
    client.post(f"/portal/practitioners/{named.pk}/remove/")
    assert not NamedPractitioner.unscoped.filter(request=item).exists()
    assert NamedPractitioner.history.filter(id=named.pk, history_type="-").exists()


def test_practitioners_belong_to_an_lcspr_submission_only(leicester, police, police_user):
    rapid = request_to(leicester, police)
    with pytest.raises(ApplicationError) as refused:
        add_practitioner(rapid, police_user)
    assert refused.value.message == NOT_AN_LCSPR_SUBMISSION


def test_named_practitioners_gathers_every_agencys_for_the_review(
    leicester, police, health, police_user, health_user, lcspr_case
):
    lcspr = lcspr_open(
        case=lcspr_case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    add_practitioner(submission(lcspr_case, police, SubmissionKind.CHRONOLOGY), police_user)
    add_practitioner(
        submission(lcspr_case, health, SubmissionKind.INFORMATION_REPORT),
        health_user,
        name="Dr Ada Lee",
        email="ada.lee@health.example",
    )
    elsewhere = open_case(leicester)
    add_practitioner(submission(elsewhere, police, SubmissionKind.CHRONOLOGY), police_user)
    # The review reads an agency's named practitioners once it has submitted (§8.10.1).
    assert list(named_practitioners(lcspr=lcspr)) == []
    InformationRequest.unscoped.filter(purpose=RequestPurpose.LCSPR).update(
        status=RequestStatus.SUBMITTED, submitted_at=timezone.now()
    )
    assert [(p.request.agency.name, p.name) for p in named_practitioners(lcspr=lcspr)] == [
        ("Leicester Health Trust", "Dr Ada Lee"),
        ("Leicestershire Police", "Sam Okafor"),
    ]


# --- Isolation ------------------------------------------------------------------------------


def test_an_agency_sees_only_its_own_lcspr_requests_and_qa(
    client, police, health, police_user, lcspr_case
):
    own = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY)
    other = submission(lcspr_case, health, SubmissionKind.INFORMATION_REPORT)
    SubmissionReview.unscoped.create(
        request=other, outcome=QaOutcome.MORE_INFORMATION, asked_for="Osprey detail"
    )
    other_named = NamedPractitioner.unscoped.create(
        request=other, name="Dr Ada Lee", job_title="GP", email="ada@health.example"
    )
    sign_in(client, police_user)
    assert f'href="/portal/requests/{other.pk}/"' not in client.get("/portal/").text
    for url in (
        page(other),
        page(other, "chronology/"),
        page(other, "practitioners/"),
        f"/portal/practitioners/{other_named.pk}/remove/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Osprey" not in response.text
        assert "Ada Lee" not in response.text
    assert client.post(f"/portal/practitioners/{other_named.pk}/remove/").status_code == 404
    assert NamedPractitioner.unscoped.filter(pk=other_named.pk).exists()
    assert qa_latest(scope=scope_of(police_user), request=other) is None
    assert not SubmissionReview.objects.visible_to(scope_of(police_user)).exists()
    assert "Osprey" not in client.get(page(own)).text


# --- The Panel's quality assurance (§8.7) ---------------------------------------------------


def returned(item, user, **review):
    """Submitted, then returned by the Panel with `review` (the QA part is another's)."""
    item.status = RequestStatus.RETURNED
    item.submitted_by = user
    item.save()
    return SubmissionReview.unscoped.create(request=item, **review)


def test_the_agency_answers_a_request_for_more_information(client, police, police_user, lcspr_case):
    item = submission(
        lcspr_case,
        police,
        SubmissionKind.FACTUAL_SUMMARY,
        involvement_summary="One welfare check.",
        completed_by="PC Hall",
    )
    respond_by = working_days_ahead(5)
    review = returned(
        item,
        police_user,
        outcome=QaOutcome.MORE_INFORMATION,
        asked_for="Say who attended the welfare check.",
        respond_by=respond_by,
    )
    sign_in(client, police_user)
    shown = client.get(page(item)).text
    assert "More information requested" in shown
    assert "Say who attended the welfare check." in shown
    assert f"{respond_by.day} {respond_by:%B %Y}" in shown
    response = post_submission(
        client, item, involvement_summary="One welfare check by PC Hall.", completed_by="PC Hall"
    )
    assert field_errors(response, "response_note") == [QA_RESPONSE_REQUIRED]
    assert reload(item).status == RequestStatus.RETURNED
    post_submission(
        client,
        item,
        involvement_summary="One welfare check by PC Hall.",
        completed_by="PC Hall",
        response_note="Added who attended.",
    )
    assert reload(item).status == RequestStatus.SUBMITTED
    review.refresh_from_db()
    assert review.agency_response == "Added who attended."
    assert review.responded_by == police_user
    assert review.responded_at is not None
    assert "You answered the Panel's request" in client.get(page(item)).text


def test_an_agency_invited_to_a_panel_meeting_sees_its_date(
    client, police, police_user, lcspr_case
):
    lcspr = lcspr_open(
        case=lcspr_case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    day = working_days_ahead(10)
    meeting = panel_meeting_schedule(lcspr=lcspr, held_on=day, actor=None)
    item = submission(lcspr_case, police, SubmissionKind.CHRONOLOGY, status="submitted")
    SubmissionReview.unscoped.create(
        request=item, outcome=QaOutcome.INVITED_TO_MEETING, panel_meeting=meeting
    )
    sign_in(client, police_user)
    shown = client.get(page(item)).text
    assert "invited your agency to a panel meeting" in shown
    assert f"{day.day} {day:%B %Y}" in shown


# --- On the agency's behalf -----------------------------------------------------------------


def test_the_office_enters_a_submission_on_the_agencys_behalf(
    client, leicester, police, lcspr_case
):
    item = submission(lcspr_case, police, SubmissionKind.INFORMATION_REPORT)
    office = staff_user(leicester)
    sign_in(client, office)
    # Before the original is attached, the office cannot enter anything.
    assert "The Business Office is not entering this reply" in (
        client.get(f"/requests/{item.pk}/on-behalf/practitioners/").text
    )
    services.reply_on_behalf_start(
        scope=scope_of(office),
        request=item,
        original=SimpleUploadedFile("letter.txt", b"Our report.", content_type="text/plain"),
    )
    client.post(
        f"/requests/{item.pk}/on-behalf/practitioners/",
        {
            "name": "Sam Okafor",
            "job_title": "Detective Constable",
            "email": "sam.okafor@police.example",
            "role": "line_manager",
            "direct_involvement": "yes",
            "involvement": "Supervised the response.",
            "has_left_agency": "no",
        },
    )
    response = client.post(
        f"/requests/{item.pk}/on-behalf/",
        {
            "version": reload(item).version,
            "submit": "",
            "involvement_summary": "Two call-outs.",
            "systems_learning": "Thresholds unclear.",
            "agency_learning": "Training.",
            "multi_agency_learning": "Sharing call-outs.",
            "actions_taken": "Training booked.",
            "completed_by": "DI Jones",
        },
        follow=True,
    )
    assert "entered on its behalf" in response.text
    item = reload(item)
    assert item.status == RequestStatus.SUBMITTED
    assert item.entered_on_behalf_by == office
    (named,) = NamedPractitioner.unscoped.filter(request=item)
    assert named.created_by == office
    assert named.is_line_manager
    assert "on the agency's behalf" in named.history.first().history_change_reason
