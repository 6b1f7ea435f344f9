"""Information requests: sending them by the partnership's variant, the agency's email,
chasing unanswered ones, §2.1.7's escalation, and returning or accepting replies."""

import threading
from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.utils import dateformat, timezone

from cases import services
from cases.errors import ApplicationError
from cases.models import (
    AgencyKind,
    Deadline,
    DeadlineStatus,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    Referral,
    ReplyKind,
    RequestChase,
    RequestStatus,
    Role,
    Stage,
)
from cases.selectors import working_calendar
from cases.services.information_request import (
    ESCALATION_NOT_YET_DUE,
    HOLIDAY_EXCEPTION_ONLY_DIRECT,
    REFERRAL_NOT_DECIDED,
    REPLY_DUE_NOT_WORKING_DAY,
    SCHOOLS_VIA_REPRESENTATIVES,
)
from cases.tenancy import Scope
from tests.factories import AgencyFactory, agency_user, open_case, staff_user, working_days_ahead

SUMMARY = "Child A was found at home by a neighbour late on a Sunday evening."
CHILD_NAME = "Jasmine Quillfeather"


def today():
    return timezone.localdate()


def send(case, agencies, *, due=None, actor=None, **kwargs):
    return services.information_requests_send(
        case=case,
        agencies=agencies,
        reply_due_on=due or working_days_ahead(10),
        actor=actor,
        **kwargs,
    )


def requests_of(case):
    return InformationRequest.objects.for_partnership(case.partnership).filter(case=case)


def scope_of(user):
    return Scope(user=user, membership=user.memberships.get())


def complete_reply(**overrides):
    fields = {
        "reply_kind": ReplyKind.REPLY,
        "involvement": "yes",
        "involvement_summary": "Health visiting from birth.",
        "facts": "Seen at home on 3 November.",
        "records_secured": False,
        "completed_by": "A. Nurse, safeguarding lead",
        **overrides,
    }
    return services.ReplyDetails(**fields)


def submit(request, user):
    return services.reply_submit(
        scope=scope_of(user), request=request, details=complete_reply(), version=request.version
    )


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)


@pytest.fixture
def school(leicester, lr):
    return AgencyFactory(name="Braunstone Primary School", kind=AgencyKind.SCHOOL)


@pytest.fixture
def leicester_case(leicester):
    return open_case(leicester, stage=Stage.RAPID_REVIEW)


@pytest.fixture
def lr_case(lr):
    return open_case(lr, stage=Stage.RAPID_REVIEW)


# --- Sending --------------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "with_chronology"), [("leicester", True), ("lr", False)])
def test_one_request_per_agency_with_the_deadline_and_the_variants_templates(
    request, slug, with_chronology, police, health, leicester_office, lr_office
):
    case = request.getfixturevalue(f"{slug}_case")
    office = leicester_office if slug == "leicester" else lr_office
    due = working_days_ahead(7)
    made = send(case, [police, health], due=due, actor=office, letter_note="  Any A&E visits. ")
    assert len(made) == 2
    rows = list(requests_of(case).order_by("agency__name"))
    assert [r.agency for r in rows] == [health, police]
    for row in rows:
        assert row.reply_due_on == due
        assert row.includes_chronology_template is with_chronology
        assert row.status == RequestStatus.NOT_STARTED
        assert row.sent_by == office
        assert row.letter_note == "Any A&E visits."
        assert row.school_holiday_exception == ""


def test_lr_sends_no_request_to_a_school_directly(lr_case, school, police):
    with pytest.raises(ApplicationError) as refused:
        send(lr_case, [police, school])
    assert refused.value.message == SCHOOLS_VIA_REPRESENTATIVES.format(names=school.name)
    assert refused.value.field == "agencies"
    assert not requests_of(lr_case).exists()


def test_leicester_asks_schools_directly_with_a_holiday_exception(leicester_case, school, police):
    note = "Closed for the summer: the head replies on 2 September."
    send(leicester_case, [school, police], school_holiday_exception=f"  {note}  ")
    by_agency = {r.agency: r for r in requests_of(leicester_case)}
    assert by_agency[school].school_holiday_exception == note
    assert by_agency[police].school_holiday_exception == ""


def test_lr_refuses_a_school_holiday_exception(lr_case, police):
    with pytest.raises(ApplicationError) as refused:
        send(lr_case, [police], school_holiday_exception="Closed for Easter")
    assert refused.value.message == HOLIDAY_EXCEPTION_ONLY_DIRECT
    assert not requests_of(lr_case).exists()


def test_a_holiday_exception_needs_a_school_among_the_agencies(leicester_case, police):
    with pytest.raises(ApplicationError) as refused:
        send(leicester_case, [police], school_holiday_exception="Closed for Easter")
    assert refused.value.message == HOLIDAY_EXCEPTION_ONLY_DIRECT


def test_refuses_an_agency_that_does_not_serve_the_partnership(leicester_case, lr, police):
    lr_only = AgencyFactory(name="Rutland Health Trust", partnerships=[lr])
    with pytest.raises(ApplicationError, match="work with this partnership") as refused:
        send(leicester_case, [police, lr_only])
    assert refused.value.field == "agencies"
    assert not requests_of(leicester_case).exists()


def test_refuses_a_second_request_to_the_same_agency(leicester_case, police, health):
    send(leicester_case, [police])
    with pytest.raises(ApplicationError, match=police.name) as refused:
        send(leicester_case, [health, police])
    assert refused.value.field == "agencies"
    assert [r.agency for r in requests_of(leicester_case)] == [police]


@pytest.mark.parametrize("days", [0, -1, -30])
def test_refuses_a_reply_deadline_today_or_earlier(leicester_case, police, days):
    with pytest.raises(ApplicationError) as refused:
        send(leicester_case, [police], due=today() + timedelta(days=days))
    assert refused.value.field == "reply_due_on"
    assert not requests_of(leicester_case).exists()


def test_refuses_no_agencies(leicester_case):
    with pytest.raises(ApplicationError) as refused:
        send(leicester_case, [])
    assert refused.value.field == "agencies"


@pytest.mark.parametrize("stage", [None, Stage.LCSPR, Stage.CLOSED])
def test_refuses_a_case_that_is_not_at_a_request_stage(leicester, police, stage):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW if stage == Stage.LCSPR else None)
    if stage is not None:
        services.case_stage_set(case=case, stage=stage, actor=None, reason="Test set-up")
    with pytest.raises(ApplicationError, match="Rapid Review"):
        send(case, [police])
    assert not requests_of(case).exists()


def referred(partnership, actor):
    """A referral the CRG has yet to decide on (§4.9)."""
    case = services.referral_record(
        partnership=partnership,
        details=services.ReferralDetails(received_on=today(), summary=SUMMARY),
        children=[services.ChildDetails(local_authority_reference="LA-1", name=CHILD_NAME)],
        actor=actor,
    )
    return case, Referral.objects.for_partnership(partnership).get(case=case)


def crg_decides(referral, actor, *, request_information):
    return services.referral_progress_record(
        referral=referral,
        actor=actor,
        shared_with_local_authority_on=None,
        local_authority_representative="",
        first_crg_meeting_on=None,
        request_information=request_information,
        request_information_reason="The CRG wants the agencies' records first.",
        version=referral.version,
    )


def test_a_referral_asks_for_information_only_once_the_crg_wants_it(
    leicester, leicester_office, police
):
    case, referral = referred(leicester, leicester_office)
    with pytest.raises(ApplicationError) as undecided:
        send(case, [police], actor=leicester_office)
    assert undecided.value.message == REFERRAL_NOT_DECIDED
    referral = crg_decides(referral, leicester_office, request_information=False)
    with pytest.raises(ApplicationError) as declined:
        send(case, [police], actor=leicester_office)
    assert declined.value.message == REFERRAL_NOT_DECIDED
    assert not requests_of(case).exists()
    crg_decides(referral, leicester_office, request_information=True)
    (request,) = send(case, [police], actor=leicester_office)
    assert request.case == case
    assert request.agency == police


@pytest.mark.parametrize("role", [Role.CRG_CHAIR, Role.REVIEWER, Role.PARTNERSHIP_ADMIN])
def test_only_the_business_office_sends(leicester, leicester_case, police, role):
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        send(leicester_case, [police], actor=staff_user(leicester, role=role))
    assert not requests_of(leicester_case).exists()


def test_the_other_partnerships_business_office_cannot_send(leicester_case, lr_office, police):
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        send(leicester_case, [police], actor=lr_office)


def test_an_agency_user_cannot_send(leicester_case, police):
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        send(leicester_case, [police], actor=agency_user(police))


# --- §4.3.3: Leicestershire & Rutland send within 2 working days of a notification ---------


def notified(partnership, received_on):
    return services.notification_record(
        partnership=partnership,
        details=services.NotificationDetails(received_on=received_on, summary=SUMMARY),
        children=[services.ChildDetails(local_authority_reference="LA-1", name=CHILD_NAME)],
        actor=None,
    )


def sent_deadline(case):
    return Deadline.objects.for_partnership(case.partnership).get(
        case=case, kind="information_request_sent"
    )


def test_requests_sent_within_two_working_days_meet_the_lr_deadline(lr, police):
    received = working_calendar(partnership=lr).subtract(today(), 1)
    case = notified(lr, received)
    assert sent_deadline(case).status == DeadlineStatus.OPEN
    assert sent_deadline(case).due_date >= today()
    send(case, [police])
    deadline = sent_deadline(case)
    assert deadline.status == DeadlineStatus.MET
    assert deadline.completed_on == today()


def test_requests_sent_late_miss_the_lr_deadline(lr, police, health):
    received = working_calendar(partnership=lr).subtract(today(), 5)
    case = notified(lr, received)
    send(case, [police])
    assert sent_deadline(case).status == DeadlineStatus.MISSED
    # A later request does not reopen or change what was recorded.
    send(case, [health])
    assert sent_deadline(case).status == DeadlineStatus.MISSED


def test_leicester_has_no_local_deadline_for_sending(leicester, police):
    case = notified(leicester, today())
    send(case, [police])
    assert not Deadline.objects.for_partnership(leicester).filter(
        case=case, kind="information_request_sent"
    )


# --- The agency's email -----------------------------------------------------------------------


def test_the_agencys_portal_users_are_emailed_a_link_and_nothing_of_the_case(
    leicester, police, health, django_capture_on_commit_callbacks
):
    case = notified(leicester, today())
    first = agency_user(police, username="p-one")
    second = agency_user(police, username="p-two")
    agency_user(health, username="h-one")  # another agency's user hears nothing
    due = working_days_ahead(6)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        (request,) = send(case, [police], due=due)
    emails = [m for m in mail.outbox if case.reference in m.subject]
    assert len(emails) == 1
    (email,) = emails
    assert sorted(email.to) == sorted([first.email, second.email])
    assert case.reference in email.body
    assert dateformat.format(due, "l j F Y") in email.body
    assert f"/portal/requests/{request.pk}/" in email.body
    for secret in (SUMMARY, CHILD_NAME, "Child A"):
        assert secret not in email.body
        assert secret not in email.subject
    request.refresh_from_db()
    assert request.email_sent_at is not None
    # The task may run again (a retry, a second worker): nothing more is sent.
    again = services.information_request_email_send(
        partnership_id=leicester.pk, request_id=request.pk
    )
    assert again == 0
    assert len([m for m in mail.outbox if case.reference in m.subject]) == 1


def test_the_email_is_sent_once_when_the_task_runs_twice(leicester_case, police):
    agency_user(police)
    (request,) = send(leicester_case, [police])
    partnership_id = leicester_case.partnership_id
    mail.outbox.clear()
    assert services.information_request_email_send(
        partnership_id=partnership_id, request_id=request.pk
    )
    services.information_request_email_send(partnership_id=partnership_id, request_id=request.pk)
    assert len(mail.outbox) == 1


def test_the_email_task_names_its_partnership(leicester_case, lr, police):
    agency_user(police)
    (request,) = send(leicester_case, [police])
    mail.outbox.clear()
    assert services.information_request_email_send(partnership_id=lr.pk, request_id=request.pk) == 0
    assert mail.outbox == []


# --- Chasing ----------------------------------------------------------------------------------


@pytest.fixture
def chased(leicester, police):
    """A Leicester request to the police, due 10 working days from now."""
    officer = staff_user(leicester, username="lead-officer")
    case = open_case(leicester, stage=Stage.RAPID_REVIEW, lead_officer=officer)
    cal = working_calendar(partnership=leicester)
    due = cal.add(today(), 10)
    (request,) = send(case, [police], due=due)
    portal = agency_user(police, username="police-portal")
    return {
        "partnership": leicester,
        "case": case,
        "request": request,
        "due": due,
        "cal": cal,
        "officer": officer,
        "portal": portal,
    }


def chases(partnership):
    return sorted(
        RequestChase.objects.for_partnership(partnership).values_list(
            "request_id", "threshold", "reply_due_on"
        )
    )


@pytest.mark.parametrize("left", [5, 2, 1, 0])
def test_a_chase_at_each_threshold_before_the_deadline(chased, left):
    partnership, due = chased["partnership"], chased["due"]
    services.request_chases_make(partnership=partnership, today=chased["cal"].subtract(due, left))
    assert chases(partnership) == [(chased["request"].pk, left, due)]


@pytest.mark.parametrize("left", [10, 6])
def test_no_chase_before_the_first_threshold(chased, left):
    partnership, due = chased["partnership"], chased["due"]
    services.request_chases_make(partnership=partnership, today=chased["cal"].subtract(due, left))
    assert chases(partnership) == []


def test_a_missed_sweep_chases_on_its_next_run_once(chased):
    """The sweep did not run 5 working days before: the next run, 3 before, chases for
    that threshold, once, saying how long is really left; 2 before is the next chase."""
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    request = chased["request"]
    three_before = cal.subtract(due, 3)
    services.request_chases_make(partnership=partnership, today=three_before)
    services.request_chases_make(partnership=partnership, today=three_before)
    assert chases(partnership) == [(request.pk, 5, due)]
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership, today=three_before) == 1
    assert "3 working days left" in mail.outbox[0].body
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 2))
    assert chases(partnership) == [(request.pk, 2, due), (request.pk, 5, due)]


def test_the_partnerships_own_thresholds_are_used(chased):
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    partnership.reminder_working_days = [3]
    partnership.save()
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 5))
    assert chases(partnership) == []
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 3))
    assert chases(partnership) == [(chased["request"].pk, 3, due)]


def test_chased_daily_once_overdue(chased):
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    pk = chased["request"].pk
    for n in (1, 2, 3):
        services.request_chases_make(partnership=partnership, today=cal.add(due, n))
    assert chases(partnership) == [(pk, -3, due), (pk, -2, due), (pk, -1, due)]


def test_making_chases_twice_makes_the_same_rows(chased):
    partnership, cal = chased["partnership"], chased["cal"]
    for day in (cal.subtract(chased["due"], 2), cal.add(chased["due"], 1)):
        services.request_chases_make(partnership=partnership, today=day)
        first = list(RequestChase.objects.for_partnership(partnership).values_list("pk", flat=True))
        services.request_chases_make(partnership=partnership, today=day)
        again = list(RequestChase.objects.for_partnership(partnership).values_list("pk", flat=True))
        assert sorted(again) == sorted(first)
    assert len(chases(partnership)) == 2


def test_no_chase_for_a_submitted_or_accepted_reply(chased, leicester_office):
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    request = submit(chased["request"], chased["portal"])
    for day in (cal.subtract(due, 0), cal.add(due, 1)):
        services.request_chases_make(partnership=partnership, today=day)
    assert chases(partnership) == []
    services.information_request_accept(request=request, actor=leicester_office)
    services.request_chases_make(partnership=partnership, today=cal.add(due, 2))
    assert chases(partnership) == []


def test_a_returned_reply_is_chased_against_its_new_deadline(chased, leicester_office):
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    request = submit(chased["request"], chased["portal"])
    new_due = cal.add(today(), 15)
    return_reply(request, leicester_office, due=new_due)
    # The first deadline no longer counts: a day after it, nothing is overdue, and any
    # chase runs against the new deadline.
    services.request_chases_make(partnership=partnership, today=cal.add(due, 1))
    assert all(threshold >= 0 and on == new_due for _, threshold, on in chases(partnership))
    services.request_chases_make(partnership=partnership, today=cal.subtract(new_due, 2))
    services.request_chases_make(partnership=partnership, today=cal.add(new_due, 1))
    assert {(request.pk, -1, new_due), (request.pk, 2, new_due)} <= set(chases(partnership))
    assert not any(on == due for _, _, on in chases(partnership))


def test_chases_stop_once_the_case_moves_on_to_an_lcspr(chased):
    partnership, due, cal = chased["partnership"], chased["due"], chased["cal"]
    services.case_stage_set(
        case=chased["case"], stage=Stage.LCSPR, actor=None, reason="The CRG recommended an LCSPR"
    )
    for day in (cal.subtract(due, 2), cal.subtract(due, 0), cal.add(due, 1)):
        services.request_chases_make(partnership=partnership, today=day)
    assert chases(partnership) == []
    assert (
        InformationRequest.objects.for_partnership(partnership).get(pk=chased["request"].pk).status
        == RequestStatus.NOT_STARTED
    )


def test_a_referrals_request_is_chased(leicester, leicester_office, police):
    case, referral = referred(leicester, leicester_office)
    crg_decides(referral, leicester_office, request_information=True)
    cal = working_calendar(partnership=leicester)
    due = cal.add(today(), 4)
    (request,) = send(case, [police], due=due, actor=leicester_office)
    services.request_chases_make(partnership=leicester, today=cal.add(due, 1))
    assert chases(leicester) == [(request.pk, -1, due)]


def chase_emails(case):
    return [m for m in mail.outbox if case.reference in m.subject]


def portal_link(request):
    return f"/portal/requests/{request.pk}/"


def case_link(request):
    return f"/cases/{request.case.reference}/requests/{request.pk}/"


def by_recipients(emails):
    return {tuple(sorted(m.to)): m for m in emails}


def test_a_chase_before_the_deadline_emails_the_agency_only(chased):
    partnership, case = chased["partnership"], chased["case"]
    services.request_chases_make(
        partnership=partnership, today=chased["cal"].subtract(chased["due"], 2)
    )
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership) == 1
    (email,) = chase_emails(case)
    assert email.to == [chased["portal"].email]
    assert portal_link(chased["request"]) in email.body
    assert case_link(chased["request"]) not in email.body
    assert "2 working days left" in email.body


def test_an_overdue_chase_emails_the_agency_and_the_lead_officer_separately(
    chased, leicester_office
):
    partnership, case, request = chased["partnership"], chased["case"], chased["request"]
    portal, officer = chased["portal"], chased["officer"]
    services.request_chases_make(partnership=partnership, today=chased["cal"].add(chased["due"], 1))
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership) == 1
    emails = by_recipients(chase_emails(case))
    assert set(emails) == {(portal.email,), (officer.email,)}
    to_agency, to_officer = emails[(portal.email,)], emails[(officer.email,)]
    for email in (to_agency, to_officer):
        assert "overdue" in email.subject
        assert leicester_office.email not in email.to
        for secret in (SUMMARY, CHILD_NAME):
            assert secret not in email.body
    # The agency answers in the portal; the lead officer opens the case's request page,
    # from which §2.1.7's escalation is recorded.
    assert portal_link(request) in to_agency.body
    assert case_link(request) not in to_agency.body
    assert case_link(request) in to_officer.body
    assert portal_link(request) not in to_officer.body
    assert "§2.1.7" in to_officer.body
    assert "§2.1.7" not in to_agency.body


def test_an_overdue_chase_on_a_case_without_a_lead_emails_the_business_office(
    leicester, police, leicester_office
):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    cal = working_calendar(partnership=leicester)
    due = cal.add(today(), 3)
    (request,) = send(case, [police], due=due)
    portal = agency_user(police)
    services.request_chases_make(partnership=leicester, today=cal.add(due, 1))
    mail.outbox.clear()
    services.request_chases_send(partnership=leicester)
    emails = by_recipients(chase_emails(case))
    assert set(emails) == {(portal.email,), (leicester_office.email,)}
    assert case_link(request) in emails[(leicester_office.email,)].body
    assert portal_link(request) in emails[(portal.email,)].body


def test_an_overdue_chase_goes_to_the_business_office_once_the_lead_has_left(
    chased, leicester_office
):
    partnership, case, officer = chased["partnership"], chased["case"], chased["officer"]
    services.user_deactivate(user=officer, actor=None, reason="Left the partnership")
    services.request_chases_make(partnership=partnership, today=chased["cal"].add(chased["due"], 1))
    mail.outbox.clear()
    services.request_chases_send(partnership=partnership)
    emails = by_recipients(chase_emails(case))
    assert set(emails) == {(chased["portal"].email,), (leicester_office.email,)}
    assert case_link(chased["request"]) in emails[(leicester_office.email,)].body
    assert all(officer.email not in email.to for email in emails.values())


def test_an_overdue_chase_to_an_agency_without_portal_users_still_reaches_the_lead(chased):
    partnership, case = chased["partnership"], chased["case"]
    services.user_deactivate(user=chased["portal"], actor=None, reason="Left the agency")
    services.request_chases_make(partnership=partnership, today=chased["cal"].add(chased["due"], 1))
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership) == 1
    (email,) = chase_emails(case)
    assert email.to == [chased["officer"].email]
    assert case_link(chased["request"]) in email.body


def test_each_chase_is_sent_once_however_often_send_runs(chased):
    partnership, cal, due = chased["partnership"], chased["cal"], chased["due"]
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 1))
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 0))
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership) == 2
    assert services.request_chases_send(partnership=partnership) == 0
    assert len(chase_emails(chased["case"])) == 2
    assert not RequestChase.objects.for_partnership(partnership).filter(email_sent_at__isnull=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_sweeps_at_once_send_each_chase_once(partnerships):
    leicester = partnerships["leicester"]
    cal = working_calendar(partnership=leicester)
    due = cal.add(today(), 3)
    agencies = [AgencyFactory(name=f"Agency at once {n}") for n in range(12)]
    for agency in agencies:
        agency_user(agency)
        send(open_case(leicester, stage=Stage.RAPID_REVIEW), [agency], due=due)
    services.request_chases_make(partnership=leicester, today=cal.add(due, 1))
    mail.outbox.clear()
    errors, sent = [], []

    def run():
        try:
            sent.append(services.request_chases_send(partnership=leicester, limit=5))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == len(agencies)
    overdue = [m for m in mail.outbox if m.subject.endswith("reply overdue")]
    assert len(overdue) == len(agencies)
    assert len({m.subject for m in overdue}) == len(agencies)


def test_a_chase_for_a_reply_submitted_before_the_send_is_not_emailed(chased):
    partnership = chased["partnership"]
    services.request_chases_make(partnership=partnership, today=chased["cal"].add(chased["due"], 1))
    submit(chased["request"], chased["portal"])
    mail.outbox.clear()
    services.request_chases_send(partnership=partnership)
    assert chase_emails(chased["case"]) == []


class RefusingBackend(locmem.EmailBackend):
    """The test mailbox behind a mail server that refuses any "refused@" address."""

    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.recipients() if a.startswith("refused@")]
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"no such mailbox")))
        return super().send_messages(messages)


def test_one_refused_address_holds_up_no_other_chase(chased, settings):
    partnership, cal, due = chased["partnership"], chased["cal"], chased["due"]
    other_agency = AgencyFactory(name="Leicester Probation", kind=AgencyKind.PROBATION)
    other_case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    send(other_case, [other_agency], due=due)
    refused = agency_user(other_agency, username="refused")
    services.request_chases_make(partnership=partnership, today=cal.subtract(due, 0))
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    mail.outbox.clear()
    assert services.request_chases_send(partnership=partnership) == 1
    assert len(chase_emails(chased["case"])) == 1
    assert chase_emails(other_case) == []
    pending = RequestChase.objects.for_partnership(partnership).filter(email_sent_at__isnull=True)
    assert [c.request.case for c in pending] == [other_case]
    # Once the address is mended, the next run sends the one left over, and nothing twice.
    refused.email = "mended@example.org"
    refused.save()
    assert services.request_chases_send(partnership=partnership) == 1
    assert len(chase_emails(chased["case"])) == 1
    (mended,) = chase_emails(other_case)
    assert mended.to == ["mended@example.org"]


# --- Escalation (§2.1.7) ------------------------------------------------------------------------


def escalate(request, actor, **kwargs):
    fields = {
        "cause": EscalationCause.REFUSAL,
        "note": "The safeguarding lead declined to share the records.",
        "escalated_on": today(),
        **kwargs,
    }
    return services.escalation_record(request=request, actor=actor, **fields)


def sent_earlier(request, *, sent_days_ago=10, due_days_ago=5):
    """As if the request went out days ago, and its deadline has passed (no service moves
    a deadline into the past, so the test sets the row directly)."""
    InformationRequest.objects.for_partnership(request.case.partnership).filter(
        pk=request.pk
    ).update(
        sent_at=timezone.now() - timedelta(days=sent_days_ago),
        reply_due_on=today() - timedelta(days=due_days_ago),
    )
    request.refresh_from_db()
    return request


def escalations_of(request):
    return list(
        Escalation.objects.for_partnership(request.case.partnership)
        .filter(request=request)
        .order_by("step")
    )


def test_escalation_goes_through_the_three_steps_in_order_then_stops(
    leicester_case, police, leicester_office
):
    (request,) = send(leicester_case, [police])
    steps = [escalate(request, leicester_office).step for _ in range(3)]
    assert steps == [
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationStep.STRATEGIC_LEAD,
        EscalationStep.SAFEGUARDING_PARTNERS,
    ]
    with pytest.raises(ApplicationError, match="Safeguarding Partners"):
        escalate(request, leicester_office)
    assert [e.step for e in escalations_of(request)] == steps


def test_silence_is_not_escalated_before_the_reply_deadline_has_passed(
    leicester_case, police, leicester_office
):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, cause=EscalationCause.SILENCE)
    assert refused.value.message == ESCALATION_NOT_YET_DUE.format(
        due=dateformat.format(request.reply_due_on, "j F Y")
    )
    assert refused.value.field == "cause"
    # Due today: the agency still has today to reply.
    request = sent_earlier(request, due_days_ago=0)
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, cause=EscalationCause.SILENCE)
    assert refused.value.field == "cause"
    assert escalations_of(request) == []
    # Once the deadline has passed, silence goes to the Case Review Group.
    request = sent_earlier(request, due_days_ago=1)
    escalation = escalate(request, leicester_office, cause=EscalationCause.SILENCE)
    assert (escalation.step, escalation.cause) == (
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationCause.SILENCE,
    )


def test_a_refusal_is_escalated_before_the_deadline(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    assert request.reply_due_on > today()
    assert escalate(request, leicester_office).step == EscalationStep.CASE_REVIEW_GROUP


def test_an_escalation_cannot_predate_the_request(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, escalated_on=today() - timedelta(days=1))
    assert refused.value.field == "escalated_on"
    assert escalations_of(request) == []


def test_a_step_cannot_predate_the_previous_step(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    request = sent_earlier(request, sent_days_ago=10, due_days_ago=5)
    cause = EscalationCause.SILENCE
    escalate(request, leicester_office, cause=cause, escalated_on=today() - timedelta(days=3))
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, cause=cause, escalated_on=today() - timedelta(days=4))
    assert refused.value.field == "escalated_on"
    assert [e.step for e in escalations_of(request)] == [EscalationStep.CASE_REVIEW_GROUP]
    # The same day as the previous step is fine.
    second = escalate(
        request, leicester_office, cause=cause, escalated_on=today() - timedelta(days=3)
    )
    assert second.step == EscalationStep.STRATEGIC_LEAD


def test_a_resolved_escalation_goes_no_further(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError):
        services.escalation_resolve(request=request, actor=leicester_office)
    escalate(request, leicester_office)
    escalate(request, leicester_office)
    resolved = services.escalation_resolve(request=request, actor=leicester_office)
    assert resolved.step == EscalationStep.STRATEGIC_LEAD
    assert [e.resolved for e in escalations_of(request)] == [False, True]
    with pytest.raises(ApplicationError, match="resolved"):
        escalate(request, leicester_office)
    with pytest.raises(ApplicationError):
        services.escalation_resolve(request=request, actor=leicester_office)
    assert [e.step for e in escalations_of(request)] == [
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationStep.STRATEGIC_LEAD,
    ]


def test_only_the_business_office_resolves_an_escalation(leicester, leicester_case, police):
    (request,) = send(leicester_case, [police])
    escalate(request, None)
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        services.escalation_resolve(
            request=request, actor=staff_user(leicester, role=Role.CRG_CHAIR)
        )
    assert [e.resolved for e in escalations_of(request)] == [False]


def test_an_accepted_reply_is_not_escalated(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    services.information_request_accept(request=request, actor=leicester_office)
    with pytest.raises(ApplicationError, match="nothing to escalate"):
        escalate(request, leicester_office)


def test_escalation_refuses_a_future_date(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, escalated_on=today() + timedelta(days=1))
    assert refused.value.field == "escalated_on"
    assert not Escalation.objects.for_partnership(leicester_case.partnership).exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_escalation_needs_a_note(leicester_case, police, leicester_office, note):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError) as refused:
        escalate(request, leicester_office, note=note)
    assert refused.value.field == "note"
    assert not Escalation.objects.for_partnership(leicester_case.partnership).exists()


def test_only_the_business_office_escalates(leicester, leicester_case, police):
    (request,) = send(leicester_case, [police])
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        escalate(request, staff_user(leicester, role=Role.CRG_MEMBER))


# --- Returning and accepting a reply ---------------------------------------------------------


def return_reply(request, actor, *, reason="Add the GP's contacts.", due=None):
    return services.information_request_return(
        request=request,
        actor=actor,
        reason=reason,
        reply_due_on=due or working_days_ahead(5, request.case.partnership),
    )


@pytest.mark.parametrize("status", [RequestStatus.NOT_STARTED, RequestStatus.IN_PROGRESS])
def test_only_a_submitted_reply_is_returned_or_accepted(
    leicester_case, police, leicester_office, status
):
    (request,) = send(leicester_case, [police])
    if status == RequestStatus.IN_PROGRESS:
        request = services.reply_save(
            scope=scope_of(agency_user(police)),
            request=request,
            details=complete_reply(),
            version=request.version,
        )
    with pytest.raises(ApplicationError, match="submitted"):
        services.information_request_accept(request=request, actor=leicester_office)
    with pytest.raises(ApplicationError, match="submitted"):
        return_reply(request, leicester_office, reason="More, please.")
    request.refresh_from_db()
    assert request.status == status


def test_an_accepted_reply_cannot_be_returned_or_accepted_again(
    leicester_case, police, leicester_office
):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    services.information_request_accept(request=request, actor=leicester_office)
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert request.accepted_at is not None
    with pytest.raises(ApplicationError):
        services.information_request_accept(request=request, actor=leicester_office)
    with pytest.raises(ApplicationError):
        return_reply(request, leicester_office, reason="More, please.")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED


def test_a_reply_accepted_since_the_page_was_opened_is_not_returned(
    leicester_case, police, leicester_office
):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    opened = requests_of(leicester_case).get(pk=request.pk)  # as one colleague's page has it
    services.information_request_accept(request=request, actor=leicester_office)
    assert opened.status == RequestStatus.SUBMITTED
    with pytest.raises(ApplicationError, match="submitted"):
        return_reply(opened, leicester_office)
    with pytest.raises(ApplicationError, match="submitted"):
        services.information_request_accept(request=opened, actor=leicester_office)
    opened.refresh_from_db()
    assert opened.status == RequestStatus.ACCEPTED
    assert opened.return_reason == ""


def test_a_returned_reply_has_a_new_deadline_and_can_be_changed_and_submitted_again(
    leicester_case, police, leicester_office
):
    (request,) = send(leicester_case, [police])
    portal = agency_user(police)
    request = submit(request, portal)
    before = request.version
    new_due = working_days_ahead(12, leicester_case.partnership)
    return_reply(request, leicester_office, reason="  Add the GP's contacts.  ", due=new_due)
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    assert request.return_reason == "Add the GP's contacts."
    assert request.reply_due_on == new_due
    assert request.version > before
    assert request.is_open_for_agency
    # What is asked for is case content: the audit trail does not repeat it.
    latest = request.history.order_by("-history_date").first()
    assert latest.history_user == leicester_office
    assert latest.return_reason == "Add the GP's contacts."
    assert all("GP" not in (h.history_change_reason or "") for h in request.history.all())
    request = services.reply_save(
        scope=scope_of(portal),
        request=request,
        details=complete_reply(dates_and_contacts="GP: Dr Patel, 0116 000 0000"),
        version=request.version,
    )
    assert request.dates_and_contacts == "GP: Dr Patel, 0116 000 0000"
    request = submit(request, portal)
    assert request.status == RequestStatus.SUBMITTED


def test_a_return_needs_a_reason(leicester_case, police, leicester_office):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    with pytest.raises(ApplicationError) as refused:
        return_reply(request, leicester_office, reason=" ")
    assert refused.value.field == "reason"
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def next_non_working_day(partnership):
    cal = working_calendar(partnership=partnership)
    day = today() + timedelta(days=1)
    while cal.is_working_day(day):
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("when", ["today", "yesterday", "non-working day"])
def test_a_return_needs_a_new_deadline_on_a_later_working_day(
    leicester_case, police, leicester_office, when
):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    due = {
        "today": today(),
        "yesterday": today() - timedelta(days=1),
        "non-working day": next_non_working_day(leicester_case.partnership),
    }[when]
    with pytest.raises(ApplicationError) as refused:
        return_reply(request, leicester_office, due=due)
    assert refused.value.field == "reply_due_on"
    if when == "non-working day":
        assert refused.value.message == REPLY_DUE_NOT_WORKING_DAY
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.reply_due_on != due


def test_only_the_business_office_returns_or_accepts(leicester, leicester_case, police):
    (request,) = send(leicester_case, [police])
    request = submit(request, agency_user(police))
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        services.information_request_accept(request=request, actor=chair)
    with pytest.raises(ApplicationError, match="Only the Business Office"):
        return_reply(request, chair, reason="More.")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
