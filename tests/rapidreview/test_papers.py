"""The meeting's papers and invitations (§4.5, §4.7.1), what follows the signed-off
decision (§4.8, §1.6.3, §4.9), the portal's papers and outcomes, and the Rapid Review
Report PDF, through the pages."""

import io
from datetime import date, timedelta

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import AccessEvent, AgencyKind, ChildRole, Deadline, DeadlineStatus, Role
from rapidreview import services
from rapidreview.forms.papers import STALE_CHOICE
from rapidreview.models import Decision, Invitation, InviteeKind, OutcomeNotice, RapidReview
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user
from tests.rapidreview.flow import (
    decided,
    meeting_held,
    quorate_attendance,
    recorded,
    signed_off,
    signers,
)

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # a Monday: the 7-13 working-day window is 10-18 March
MEETING = date(2027, 3, 12)
CHILD_NAME = "Tallulah Featherstonehaugh"
SUMMARY = "Found unresponsive at the family home by a neighbour"
DRAFT = "DRAFT – not yet signed off"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _child():
    return case_services.ChildDetails(
        role=ChildRole.SUBJECT, local_authority_reference="LA-1", name=CHILD_NAME
    )


def notified_review(monkeypatch, partnership, office, notifying_authority=None):
    """A notification's Rapid Review with its meeting set; the clock at the meeting."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = case_services.notification_record(
        partnership=partnership,
        details=case_services.NotificationDetails(
            received_on=RECEIVED, summary=SUMMARY, notifying_authority=notifying_authority
        ),
        children=[_child()],
        actor=office,
        lead_officer=office,
    )
    meeting_held(monkeypatch, partnership, office, case, MEETING)
    return RapidReview.objects.for_partnership(partnership).get(case=case)


def referral_review(monkeypatch, partnership, office, referrer):
    """A referral without a notification, set for a scheduled CRG meeting (§4.9)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = case_services.referral_record(
        partnership=partnership,
        details=case_services.ReferralDetails(
            received_on=RECEIVED, summary=SUMMARY, referring_agency=referrer
        ),
        children=[_child()],
        actor=office,
        lead_officer=office,
    )
    meeting_held(monkeypatch, partnership, office, case, MEETING)
    return RapidReview.objects.for_partnership(partnership).get(case=case)


def decided_and_signed(review, office, decision=Decision.PROCEED):
    quorate_attendance(review.meeting, office)
    recorded(review, office)
    decided(review, office, decision)
    return signed_off(review, signers(review.case.partnership))


def papers_url(review):
    return reverse("rapid_review_papers", kwargs={"reference": review.case.reference})


def after_url(review):
    return reverse("rapid_review_after", kwargs={"reference": review.case.reference})


def assert_by_reference_only(message, reference):
    text = message.subject + message.body
    assert reference in text
    assert CHILD_NAME not in text
    assert SUMMARY not in text


@pytest.fixture
def review(monkeypatch, leicester, leicester_office):
    return notified_review(monkeypatch, leicester, leicester_office)


# --- Invitations and the papers ----------------------------------------------------------


def test_inviting_agencies_and_members_emails_each_once_by_reference_only(
    client, review, leicester, leicester_office, django_capture_on_commit_callbacks
):
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester])
    portal_user = agency_user(police)
    member = staff_user(leicester, Role.CRG_MEMBER)
    scrutineer = staff_user(leicester, Role.INDEPENDENT_SCRUTINEER)
    sign_in(client, leicester_office)
    page = client.get(papers_url(review))
    assert page.status_code == 200
    assert police.name in page.text
    assert scrutineer.username in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            papers_url(review), {"agencies": [police.pk], "users": [member.pk, scrutineer.pk]}
        )
    assert response.status_code == 302
    invitations = Invitation.objects.for_partnership(leicester).filter(review=review)
    assert sorted(invitations.values_list("kind", flat=True)) == sorted(
        [InviteeKind.AGENCY, InviteeKind.MEMBER, InviteeKind.SCRUTINEER]
    )
    assert all(i.email_sent_at for i in invitations)
    assert sorted(r for m in mail.outbox for r in m.to) == sorted(
        [portal_user.email, member.email, scrutineer.email]
    )
    for message in mail.outbox:
        assert_by_reference_only(message, review.case.reference)

    # The page lists them, and does not offer them again; a stale form invites nobody twice.
    page = client.get(papers_url(review))
    assert "Each invitee's access to the papers is logged" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(papers_url(review), {"agencies": [police.pk]})
        services.invitations_send(review=review, actor=leicester_office, users=[member])
    assert again.status_code == 200
    assert STALE_CHOICE.replace("'", "&#x27;") in again.text
    assert invitations.count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("role", [Role.CRG_CHAIR, Role.PARTNERSHIP_ADMIN])
def test_only_the_business_office_sends_invitations(client, review, leicester, role):
    police = AgencyFactory(partnerships=[leicester])
    sign_in(client, staff_user(leicester, role))
    assert client.get(papers_url(review)).status_code == 200
    assert client.post(papers_url(review), {"agencies": [police.pk]}).status_code == 403
    assert not Invitation.objects.for_partnership(leicester).filter(review=review).exists()


def test_moving_the_meeting_tells_those_invited_the_new_date(
    monkeypatch, review, leicester, leicester_office, django_capture_on_commit_callbacks
):
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester])
    portal_user = agency_user(police)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_send(review=review, actor=leicester_office, agencies=[police])
    review.refresh_from_db()
    later = services.crg_meeting_create(
        partnership=leicester,
        kind="extraordinary",
        held_on=review.meeting.held_on + timedelta(days=1),
        actor=leicester_office,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.rapid_review_meeting_set(
            case=review.case,
            meeting=later,
            actor=leicester_office,
            version=review.version,
            reason="The chair is away.",
        )
    assert [m.to for m in mail.outbox] == [[portal_user.email], [portal_user.email]]
    assert f"{later.held_on:%-d %B %Y}" in mail.outbox[1].body


def test_the_papers_close_when_the_decision_is_signed_off(
    client, review, leicester, leicester_office
):
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester])
    portal_user = agency_user(police)
    (invitation,) = services.invitations_send(
        review=review, actor=leicester_office, agencies=[police]
    )
    decided_and_signed(review, leicester_office)
    sign_in(client, portal_user)
    pdf = reverse("invitation_summary_pdf", kwargs={"pk": invitation.pk})
    assert client.get(pdf).status_code == 404
    page = client.get(reverse("invitation_papers", kwargs={"pk": invitation.pk})).text
    assert "closed when its decision was signed off" in page


def test_choosing_nobody_is_refused_beside_the_form(client, review, leicester, leicester_office):
    AgencyFactory(partnerships=[leicester])
    sign_in(client, leicester_office)
    response = client.post(papers_url(review), {})
    assert response.status_code == 200
    assert "Choose who to invite." in response.text


def test_opening_the_papers_is_counted_and_logged(client, review, leicester, leicester_office):
    member = staff_user(leicester, Role.CRG_MEMBER)
    (invitation,) = services.invitations_send(review=review, actor=leicester_office, users=[member])
    sign_in(client, member)
    page = client.get(reverse("invitation_papers", kwargs={"pk": invitation.pk}))
    assert page.status_code == 200
    assert review.case.reference in page.text
    summary_url = reverse("invitation_summary_pdf", kwargs={"pk": invitation.pk})

    first = client.get(summary_url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert review.case.reference in pdf_text(first.content)
    assert CHILD_NAME not in pdf_text(first.content)
    invitation.refresh_from_db()
    assert invitation.opened_count == 1
    first_opened = invitation.first_opened_at
    assert first_opened is not None

    assert client.get(summary_url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.opened_count == 2
    assert invitation.first_opened_at == first_opened
    assert invitation.last_opened_at >= first_opened
    logged = AccessEvent.objects.for_partnership(leicester).filter(
        user=member, object_type="rapid_review_papers", object_reference=review.case.reference
    )
    assert logged.count() == 2

    # The office sees who opened them.
    sign_in(client, leicester_office)
    assert "2 times" in client.get(papers_url(review)).text


def test_an_agency_reads_its_papers_in_the_portal(client, review, leicester, leicester_office):
    police = AgencyFactory(partnerships=[leicester])
    portal_user = agency_user(police)
    (invitation,) = services.invitations_send(
        review=review, actor=leicester_office, agencies=[police]
    )
    sign_in(client, portal_user)
    page = client.get(reverse("portal_papers"))
    assert page.status_code == 200
    assert review.case.reference in page.text
    assert reverse("invitation_summary_pdf", kwargs={"pk": invitation.pk}) in page.text
    assert reverse("portal_papers") in client.get(reverse("portal_home")).text  # in the menu
    response = client.get(reverse("invitation_summary_pdf", kwargs={"pk": invitation.pk}))
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.opened_count == 1
    assert (
        AccessEvent.objects.for_partnership(leicester)
        .filter(user=portal_user, agency=police, object_reference=review.case.reference)
        .exists()
    )


@pytest.mark.parametrize(("slug", "shares_chronology"), [("leicester", True), ("lr", False)])
def test_the_combined_chronology_is_offered_only_where_the_variant_says(
    monkeypatch, client, partnerships, slug, shares_chronology, django_capture_on_commit_callbacks
):
    partnership = partnerships["leicestershire-rutland" if slug == "lr" else slug]
    assert partnership.uses_chronology_template is shares_chronology  # §4.5.1
    office = staff_user(partnership)
    review = notified_review(monkeypatch, partnership, office)
    member = staff_user(partnership, Role.CRG_MEMBER)
    (invitation,) = services.invitations_send(review=review, actor=office, users=[member])
    chronology_pdf = reverse(
        "combined_chronology_pdf_status", kwargs={"reference": review.case.reference}
    )
    invitation_chronology = reverse("invitation_chronology_pdf", kwargs={"pk": invitation.pk})
    # Long: prepared by the worker when asked for on its own page (issue 18).
    prepare = reverse("invitation_chronology_pdf_status", kwargs={"pk": invitation.pk})

    sign_in(client, office)
    assert (chronology_pdf in client.get(papers_url(review)).text) is shares_chronology
    sign_in(client, member)
    page = client.get(reverse("invitation_papers", kwargs={"pk": invitation.pk})).text
    assert (prepare in page) is shares_chronology
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(prepare)
    assert asked.status_code == (302 if shares_chronology else 404)
    if shares_chronology:
        assert invitation_chronology in client.get(prepare).text
    response = client.get(invitation_chronology)
    assert response.status_code == (200 if shares_chronology else 404)
    invitation.refresh_from_db()
    assert invitation.opened_count == (1 if shares_chronology else 0)


# --- Pages at any stage, for every role --------------------------------------------------


# The roles that read cases: not an agency's, nor the cross-partnership reporting role,
# which reads no case at all (tests/reporting/test_pages.py).
@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.AGENCY_USER, Role.JOINT_REPORTING)]
)
def test_the_pages_answer_every_role_before_there_is_a_rapid_review(client, leicester, role):
    case = open_case(leicester)
    person = staff_user(leicester, role)
    if role in (Role.REVIEWER, Role.PANEL_MEMBER):  # they see only the reviews they hold
        appoint(case, person, role)
    sign_in(client, person)
    for name in ("rapid_review_papers", "rapid_review_after"):
        response = client.get(reverse(name, kwargs={"reference": case.reference}))
        assert response.status_code == 200
        assert "The Rapid Review meeting is not set yet" in response.text
        assert reverse("case_rapid_review", kwargs={"reference": case.reference}) in response.text
    report = client.get(reverse("rapid_review_report", kwargs={"reference": case.reference}))
    assert report.status_code == 200
    text = pdf_text(report.content)
    assert case.reference in text
    assert DRAFT in text
    assert "Nothing is recorded" in text


def test_before_sign_off_the_after_page_points_to_the_sign_off(
    client, review, leicester, leicester_office
):
    sign_in(client, leicester_office)
    page = client.get(after_url(review))
    assert page.status_code == 200
    assert "These steps follow the signed-off decision" in page.text
    assert reverse("rapid_review_sign_off", kwargs={"reference": review.case.reference}) in (
        page.text
    )
    response = client.post(after_url(review), {"form": "outcomes"})
    assert response.status_code == 200
    assert not OutcomeNotice.objects.for_partnership(leicester).exists()


# --- After the signed-off decision -------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_on", "status", "label"),
    [
        (date(2027, 3, 22), DeadlineStatus.MET, "Met on 22 March 2027"),
        (date(2027, 3, 23), DeadlineStatus.MISSED, "Missed: done on 23 March 2027"),
    ],
)
def test_recording_the_report_sent_meets_or_misses_the_fifteen_working_days(
    monkeypatch, client, review, leicester, leicester_office, sent_on, status, label
):
    # 15 working days from Monday 1 March 2027 is Monday 22 March (§3.1.2, §4.2.2).
    decided_and_signed(review, leicester_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 31))
    sign_in(client, leicester_office)
    page = client.get(after_url(review))
    assert "Rapid Review Report sent to the National Panel" in page.text
    response = client.post(
        after_url(review),
        {
            "form": "report",
            "sent_on-day": sent_on.day,
            "sent_on-month": sent_on.month,
            "sent_on-year": sent_on.year,
        },
    )
    assert response.status_code == 302
    deadline = Deadline.objects.for_partnership(leicester).get(
        case=review.case, kind="rapid_review_complete"
    )
    assert (deadline.status, deadline.completed_on) == (status, sent_on)
    assert label in client.get(after_url(review)).text


def test_a_future_date_is_refused_beside_its_field(monkeypatch, client, review, leicester_office):
    decided_and_signed(review, leicester_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 31))
    sign_in(client, leicester_office)
    response = client.post(
        after_url(review),
        {
            "form": "notified",
            "notified_on-day": 1,
            "notified_on-month": 4,
            "notified_on-year": 2027,
        },
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.text
    with_date = client.post(
        after_url(review),
        {
            "form": "notified",
            "notified_on-day": 15,
            "notified_on-month": 3,
            "notified_on-year": 2027,
        },
    )
    assert with_date.status_code == 302
    review.refresh_from_db()
    assert review.decision_notified_on == date(2027, 3, 15)  # §1.6.3


@pytest.mark.parametrize("role", [Role.CRG_CHAIR, Role.PARTNERSHIP_ADMIN])
def test_only_the_business_office_records_what_follows(
    client, review, leicester, leicester_office, role
):
    decided_and_signed(review, leicester_office)
    sign_in(client, staff_user(leicester, role))
    assert client.get(after_url(review)).status_code == 200
    assert client.post(after_url(review), {"form": "outcomes"}).status_code == 403


def test_on_the_referral_path_the_completed_summary_goes_and_the_referrer_hears(
    monkeypatch, client, leicester, leicester_office, django_capture_on_commit_callbacks
):
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[leicester])
    police = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester])
    school_user, police_user = agency_user(school), agency_user(police)
    review = referral_review(monkeypatch, leicester, leicester_office, referrer=school)
    services.invitations_send(review=review, actor=leicester_office, agencies=[police])
    decided_and_signed(review, leicester_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 31))
    mail.outbox.clear()
    sign_in(client, leicester_office)

    page = client.get(after_url(review))
    assert "Completed Combined Summary sent to the National Panel" in page.text
    assert "Referrer" in page.text
    assert "notify their own inspectorates" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(after_url(review), {"form": "outcomes"})
    assert response.status_code == 302
    notices = OutcomeNotice.objects.for_partnership(leicester).filter(review=review)
    assert {(n.agency, n.is_referrer) for n in notices} == {(school, True), (police, False)}
    assert sorted(r for m in mail.outbox for r in m.to) == sorted(
        [school_user.email, police_user.email]
    )
    for message in mail.outbox:
        assert_by_reference_only(message, review.case.reference)

    # Sending again sends nobody anything new.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(after_url(review), {"form": "outcomes"})
    assert again.status_code == 302
    assert notices.count() == 2
    assert len(mail.outbox) == 2

    response = client.post(
        after_url(review),
        {"form": "report", "sent_on-day": 15, "sent_on-month": 3, "sent_on-year": 2027},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.report_sent_on == date(2027, 3, 15)


def test_a_referral_not_taken_further_is_not_sent_to_the_national_panel(
    monkeypatch, client, leicester, leicester_office
):
    school = AgencyFactory(kind=AgencyKind.SCHOOL, partnerships=[leicester])
    review = referral_review(monkeypatch, leicester, leicester_office, referrer=school)
    decided_and_signed(review, leicester_office, Decision.NOT_PROCEED)
    sign_in(client, leicester_office)
    page = client.get(after_url(review))
    assert "is not sent to the National Panel (§4.9)" in page.text
    assert 'value="report"' not in page.text


# --- The portal's outcome letter ---------------------------------------------------------


def test_the_portal_outcome_shows_the_decision_and_the_inspectorate_reminder(
    monkeypatch, client, leicester, leicester_office
):
    authority = AgencyFactory(kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester])
    portal_user = agency_user(authority)
    review = notified_review(monkeypatch, leicester, leicester_office, authority)
    decided_and_signed(review, leicester_office, Decision.NOT_PROCEED)
    (notice,) = services.outcomes_send(review=review, actor=leicester_office)
    assert notice.agency == authority  # the notifying Local Authority is involved

    sign_in(client, portal_user)
    listing = client.get(reverse("portal_papers"))
    assert reverse("portal_outcome", kwargs={"pk": notice.pk}) in listing.text
    page = client.get(reverse("portal_outcome", kwargs={"pk": notice.pk}))
    assert page.status_code == 200
    assert review.case.reference in page.text
    assert Decision.NOT_PROCEED.label in page.text
    assert "A 7-minute briefing to all agencies." in page.text  # the dissemination
    assert "notify your own inspectorate" in page.text  # §4.8.3
    notice.refresh_from_db()
    first_read = notice.read_at
    assert first_read is not None
    assert notice.history.first().history_user == portal_user
    assert (
        AccessEvent.objects.for_partnership(leicester)
        .filter(
            user=portal_user,
            object_type="rapid review outcome",
            object_reference=review.case.reference,
        )
        .exists()
    )

    client.get(reverse("portal_outcome", kwargs={"pk": notice.pk}))
    notice.refresh_from_db()
    assert notice.read_at == first_read


# --- The Rapid Review Report (§4.8.1) ----------------------------------------------------


def test_the_report_holds_the_decision_and_each_line_of_enquiry(client, review, leicester_office):
    sign_in(client, leicester_office)
    url = reverse("rapid_review_report", kwargs={"reference": review.case.reference})
    draft = pdf_text(client.get(url).content)
    assert DRAFT in draft

    decided_and_signed(review, leicester_office)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'filename="{review.case.reference}-rapid-review-report.pdf"'
    )
    text = pdf_text(response.content)
    assert review.case.reference in text
    assert Decision.PROCEED.label in text
    review.refresh_from_db()
    assert len(review.kloe_list) == 2
    for line in review.kloe_list:
        assert line in text
    assert "Quorate: 3 partner agencies" in text
    assert DRAFT not in text
    assert CHILD_NAME not in text
    assert "Child A" in text  # by pseudonym
    assert (
        AccessEvent.objects.for_partnership(review.case.partnership)
        .filter(object_type="rapid review report", object_reference=review.case.reference)
        .exists()
    )
