"""Sign-off that cannot stall: the signers are told, the page says who is still to sign
and whether anyone can, and the chair can record a partner's sign-off after two working
days, with the reason (§4.6.1, §4.6.2)."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AgencyKind, Case, Role, Stage
from rapidreview import services
from rapidreview.models import RapidReview, SignOff, SignOffRequest
from tests.factories import sign_in, staff_user
from tests.rapidreview.flow import (
    crg_member,
    decided,
    meeting_held,
    notified,
    quorate_attendance,
    recorded,
    signers,
)

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # a Monday: the 7-13 working-day window is 10-18 March
MEETING = date(2027, 3, 12)  # a Friday: two working days later is Tuesday 16 March


@pytest.fixture
def review(monkeypatch, leicester, leicester_office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    review = RapidReview.objects.for_partnership(leicester).get(case=case)
    quorate_attendance(review.meeting, leicester_office)  # the Police and the LA
    return review


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the emails a service queues for after its commit, as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _sign_off_emails():
    return [m for m in mail.outbox if "waiting for your sign-off" in m.subject]


def test_each_signer_is_emailed_once_the_record_is_ready(review, leicester, leicester_office, sent):
    people = signers(leicester)
    with sent():
        recorded(review, leicester_office)
    assert _sign_off_emails() == []  # not before the decision: there is nothing to sign
    with sent():
        decided(review, leicester_office)
    emails = _sign_off_emails()
    assert sorted(address for m in emails for address in m.to) == sorted(
        user.email for user in people.values()
    )
    reference = review.case.reference
    for message in emails:
        assert reference in message.subject
        assert reverse("rapid_review_sign_off", kwargs={"reference": reference}) in message.body
        assert "Child A" not in message.body
    # The task is safe to run twice: a second run sends nothing more.
    request = SignOffRequest.objects.for_partnership(leicester).first()
    assert (
        services.sign_off.sign_off_request_email_send(
            partnership_id=leicester.pk, request_id=request.pk
        )
        == 0
    )
    assert len(_sign_off_emails()) == 3


def test_a_change_asks_again_only_those_whose_signature_it_voided(
    review, leicester, leicester_office, sent
):
    people = signers(leicester)
    recorded(review, leicester_office)
    with sent():
        decided(review, leicester_office)
    assert len(_sign_off_emails()) == 3
    services.decision_sign(review=review, actor=people["police"], role="police")
    mail.outbox.clear()
    review.refresh_from_db()
    with sent():  # the record changes after the Police signed
        services.record_save(
            review=review,
            actor=leicester_office,
            version=review.version,
            facts_reviewed="The facts, corrected after the meeting.",
            immediate_learning=review.immediate_learning,
            learning_sharing=review.learning_sharing,
            improvement_potential=review.improvement_potential,
        )
    assert [m.to for m in _sign_off_emails()] == [[people["police"].email]]


def _dashboard(client, user):
    sign_in(client, user)
    return client.get(reverse("dashboard")).content.decode()


def test_the_dashboard_lists_the_decisions_waiting_for_you(
    client, review, leicester, leicester_office
):
    people = signers(leicester)
    icb_member = crg_member(leicester, AgencyKind.INTEGRATED_CARE_BOARD)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    reference = review.case.reference
    page = _dashboard(client, people["police"])
    assert "Waiting for your sign-off" in page
    assert f"Case {reference}" in page
    assert "for the Police" in page
    # The ICB was not at the meeting: nothing waits for its representative.
    assert "Waiting for your sign-off" not in _dashboard(client, icb_member)
    services.decision_sign(review=review, actor=people["police"], role="police")
    assert "Waiting for your sign-off" not in _dashboard(client, people["police"])
    assert "as CRG chair" in _dashboard(client, people["chair"])


def test_a_crg_members_dashboard_does_not_talk_of_lead_officers(client, leicester):
    member = staff_user(leicester, Role.CRG_MEMBER)
    page = _dashboard(client, member)
    assert "lead officer" not in page
    assert "Nothing is waiting for you" in page


def test_the_sign_off_page_says_who_is_still_to_sign_and_when_nobody_can(
    client, review, leicester, leicester_office
):
    chair = staff_user(leicester, Role.CRG_CHAIR)
    police = crg_member(leicester, AgencyKind.POLICE)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    sign_in(client, leicester_office)
    page = client.get(
        reverse("rapid_review_sign_off", kwargs={"reference": review.case.reference})
    ).content.decode()
    assert "Still to sign" in page
    # Nobody on the product represents the Local Authority: the page says so.
    assert "Nobody can sign" in page
    assert "represents the Local Authority" in page
    assert (chair.get_full_name() or chair.username) in page
    assert (police.get_full_name() or police.username) in page


def test_the_chair_records_a_partners_sign_off_after_two_working_days(
    monkeypatch, review, leicester, leicester_office, sent
):
    people = signers(leicester)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    services.decision_sign(review=review, actor=people["chair"], role="chair")
    services.decision_sign(review=review, actor=people["police"], role="police")
    chair = people["chair"]
    with pytest.raises(ApplicationError, match="until 16 March 2027"):
        services.decision_sign_for_partner(
            review=review, actor=chair, role="local_authority", reason="On leave."
        )
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 16))
    with pytest.raises(ApplicationError, match="Say why"):
        services.decision_sign_for_partner(
            review=review, actor=chair, role="local_authority", reason="  "
        )
    with pytest.raises(ApplicationError, match="Only the CRG chair"):
        services.decision_sign_for_partner(
            review=review, actor=people["police"], role="local_authority", reason="On leave."
        )
    mail.outbox.clear()
    with sent():
        services.decision_sign_for_partner(
            review=review,
            actor=chair,
            role="local_authority",
            reason="The representative is on leave; they agreed the decision at the meeting.",
        )
    review.refresh_from_db()
    assert review.is_signed_off  # the last signature needed: the decision takes effect
    assert Case.objects.for_partnership(leicester).get(pk=review.case_id).stage == Stage.LCSPR
    recorded_for = SignOff.objects.for_partnership(leicester).get(
        review=review, role="local_authority"
    )
    assert recorded_for.user == chair
    assert "on leave" in recorded_for.on_behalf_reason
    told = [m for m in mail.outbox if "recorded your sign-off" in m.subject]
    assert [m.to for m in told] == [[people["local_authority"].email]]
    assert "on leave" not in told[0].body  # the reason is read in the product


def test_the_chair_records_a_partners_sign_off_through_the_page(
    monkeypatch, client, review, leicester, leicester_office
):
    people = signers(leicester)
    recorded(review, leicester_office)
    decided(review, leicester_office)
    services.decision_sign(review=review, actor=people["police"], role="police")
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 16))
    sign_in(client, people["chair"])
    url = reverse("rapid_review_sign_off_for_partner", kwargs={"reference": review.case.reference})
    page = client.get(url).content.decode()
    assert "Local Authority" in page
    assert 'value="local_authority" checked' in page  # the one possible answer
    refused = client.post(url, {"role": "local_authority", "reason": ""})
    assert refused.status_code == 200
    assert "Say why the partner could not sign" in refused.content.decode()
    response = client.post(url, {"role": "local_authority", "reason": "On leave all week."})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "recorded by the chair for the partner: On leave all week." in page
    # The police representative cannot use the chair's page.
    sign_in(client, people["police"])
    assert client.get(url).status_code == 403


# --- Conflicts that count (§1.5.8, §4.6.1) -------------------------------------------------


def test_someone_who_declares_a_conflict_and_takes_no_part_is_out_of_quorum_and_sign_off(
    monkeypatch, leicester, leicester_office
):
    from rapidreview import selectors
    from tests.factories import AgencyFactory

    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting = meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    review = RapidReview.objects.for_partnership(leicester).get(case=case)
    people = signers(leicester)
    police_rep = people["police"]
    trust = AgencyFactory(kind=AgencyKind.HEALTH_TRUST, partnerships=[leicester])
    la = AgencyFactory(kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester])
    services.attendance_record(
        meeting=meeting,
        actor=leicester_office,
        name="",
        user=police_rep,
        declaration="declared",
        declaration_details="Line manager of the officer involved.",
        takes_part_in_decision=False,
        confidentiality_agreed=True,
    )
    for agency in (trust, la):
        services.attendance_record(
            meeting=meeting,
            actor=leicester_office,
            name=f"Rep of {agency.name}",
            agency=agency,
            declaration="none",
            confidentiality_agreed=True,
        )
    quorum = selectors.meeting_quorum(attendances=selectors.attendance(meeting=meeting))
    assert not quorum.quorate  # the Police's only representative took no part
    assert quorum.agencies == 2
    # A second Police officer who takes part makes it quorate; the first still cannot sign.
    services.attendance_record(
        meeting=meeting,
        actor=leicester_office,
        name="DS Second Officer",
        agency=police_rep.memberships.get().represents,
        declaration="none",
        confidentiality_agreed=True,
    )
    recorded(review, leicester_office)
    decided(review, leicester_office)
    review.refresh_from_db()
    assert police_rep not in selectors.eligible_signers(review=review)["police"]
    with pytest.raises(ApplicationError, match="took no part in the decision"):
        services.decision_sign(review=review, actor=police_rep, role="police")


def test_attendance_needs_explicit_declarations_and_known_people(
    monkeypatch, leicester, leicester_office
):
    from rapidreview.services.meeting import DECLARATION_NEEDED, NOT_AN_ATTENDEE, TAKES_PART_NEEDED

    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting = meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(meeting=meeting, actor=leicester_office, name="Dr A")
    assert refused.value.message == DECLARATION_NEEDED
    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(
            meeting=meeting,
            actor=leicester_office,
            name="Dr A",
            declaration="declared",
            declaration_details="Family friend.",
        )
    assert refused.value.message == TAKES_PART_NEEDED
    # Apologies need no declaration.
    services.attendance_record(meeting=meeting, actor=leicester_office, name="Dr B", present=False)
    outsider = staff_user(leicester, Role.BUSINESS_OFFICE)
    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(
            meeting=meeting, actor=leicester_office, name="", user=outsider, declaration="none"
        )
    assert refused.value.message == NOT_AN_ATTENDEE
    member = crg_member(leicester, AgencyKind.POLICE)
    attendance = services.attendance_record(
        meeting=meeting, actor=leicester_office, name="", user=member, declaration="none"
    )
    assert attendance.name == (member.get_full_name() or member.username)
    assert attendance.agency == member.memberships.get().represents
    with pytest.raises(ApplicationError, match="already recorded"):
        services.attendance_record(
            meeting=meeting, actor=leicester_office, name="", user=member, declaration="none"
        )
