"""The daily sweep in batches: each batch is read, claimed and written in a few statements
(by primary key, with history), each template rendered once per distinct message and the
emails sent over one connection, and still each person gets their own email, once."""

import threading
from datetime import date
from functools import partial
from smtplib import SMTPServerDisconnected

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import MailClaim, Reminder, RequestChase, Role, Stage
from cases.selectors import working_calendar
from cases.services import information_request as request_service
from cases.services import reminder as reminder_service
from cases.timescales import Event
from tests.factories import AgencyFactory, agency_user, open_case, staff_user

NOTIFIED = date(2026, 12, 18)
# Per case: the Rapid Review and the notification of its decision due today, and the
# meeting two working days overdue (so also escalated to the CRG chair).
SWEEP_DAY = date(2027, 1, 13)
SAYS = {
    "due": "This is due today, Wednesday 13 January 2027.",
    "overdue": "is 2 working days overdue.",
    "escalation": "As CRG chair you are told when a deadline is 1 working day overdue.",
}


def reminded_cases(partnership, count, *, lead):
    cases = []
    for _ in range(count):
        case = open_case(partnership, lead_officer=lead)
        services.deadlines_schedule(
            case=case,
            event=Event.NOTIFICATION_RECEIVED,
            event_date=NOTIFIED,
            actor=None,
            reason="x",
        )
        cases.append(case)
    return cases


def sweep_reminders(partnership):
    services.reminders_make(partnership=partnership, today=SWEEP_DAY)
    return services.reminders_send(partnership=partnership, today=SWEEP_DAY)


def overdue_chases(partnership, count, *, agencies, lead):
    """`count` requests, one a case, to `agencies` in turn, each a working day overdue."""
    cal = working_calendar(partnership=partnership)
    due = cal.add(timezone.localdate(), 3)
    requests = []
    for n in range(count):
        case = open_case(partnership, stage=Stage.RAPID_REVIEW, lead_officer=lead)
        requests += services.information_requests_send(
            case=case, agencies=[agencies[n % len(agencies)]], reply_due_on=due, actor=None
        )
    day = cal.add(due, 1)
    services.request_chases_make(partnership=partnership, today=day)
    mail.outbox.clear()
    return requests, day


def references_in(message, references):
    alternatives = getattr(message, "alternatives", [])
    text = " ".join([message.subject, message.body, *(a[0] for a in alternatives)])
    return {reference for reference in references if reference in text}


def test_each_reminder_email_names_its_own_case_and_goes_to_its_own_person(leicester):
    """Rendered once for all the reminders of the same kind and date, each email still
    carries its own case reference, in the subject, the text and the HTML, and no other."""
    first = staff_user(leicester, username="first-officer")
    second = staff_user(leicester, username="second-officer")
    staff_user(leicester, role=Role.CRG_CHAIR, username="chair")
    cases = reminded_cases(leicester, 3, lead=first) + reminded_cases(leicester, 2, lead=second)
    mail.outbox.clear()
    assert sweep_reminders(leicester) == 20
    references = {case.reference for case in cases}
    expected = sorted(
        Reminder.objects.for_partnership(leicester).values_list(
            "recipient__email", "deadline__case__reference", "kind"
        )
    )
    sent = []
    for message in mail.outbox:
        (reference,) = references_in(message, references)
        (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
        assert f"<strong>Case {reference}</strong>" in html
        kind = "escalation" if message.subject.startswith("Escalation") else None
        kind = kind or ("overdue" if "overdue" in message.subject else "due")
        # The shared text is the one for its own kind and date.
        assert SAYS[kind] in message.body
        assert SAYS[kind] in html
        (to,) = message.to
        sent.append((to, reference, kind))
    assert sorted(sent) == expected


def test_each_chase_email_names_its_own_case_and_links_its_own_request(leicester):
    lead = staff_user(leicester, username="lead-officer")
    agencies = [AgencyFactory(name=f"Chased agency {n}") for n in range(2)]
    portal = {agency.pk: agency_user(agency).email for agency in agencies}
    requests, day = overdue_chases(leicester, 4, agencies=agencies, lead=lead)
    assert services.request_chases_send(partnership=leicester, today=day) == 4
    references = {request.case.reference for request in requests}
    for request in requests:
        mine = [m for m in mail.outbox if references_in(m, references) == {request.case.reference}]
        to_agency = [m for m in mine if m.to == [portal[request.agency_id]]]
        to_lead = [m for m in mine if m.to == [lead.email]]
        assert len(mine) == 2
        assert len(to_agency) == 1
        assert len(to_lead) == 1
        assert f"/portal/requests/{request.pk}/" in to_agency[0].body
        assert f"information request to {request.agency.name}" in to_agency[0].body
        assert f"/cases/{request.case.reference}/requests/{request.pk}/" in to_lead[0].body
    assert len(mail.outbox) == 8


def statements(run):
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


def test_the_sweeps_statements_do_not_grow_with_its_rows(partnerships):
    """Two partnerships, one with three times the other's deadlines and requests (all
    within one batch): each phase of the sweep sends the database as many statements, but
    one a message: the lease on each email ends as soon as the mail server has accepted it
    (cases/services/mail.py), so that a sender killed mid-batch re-sends none it sent."""
    counts = {}
    for model in (Reminder, RequestChase):  # a process reads each content type once
        ContentType.objects.get_for_model(model)
    for slug, cases in (("leicester", 2), ("leicestershire-rutland", 6)):
        p = partnerships[slug]
        lead = staff_user(p, username=f"{slug}-lead")
        staff_user(p, role=Role.CRG_CHAIR, username=f"{slug}-chair")
        agencies = [AgencyFactory(name=f"{slug} agency {n}") for n in range(cases)]
        for agency in agencies:
            agency_user(agency)
        reminded_cases(p, cases, lead=lead)
        _, day = overdue_chases(p, cases, agencies=agencies, lead=lead)
        phases = [
            partial(services.reminders_make, partnership=p, today=SWEEP_DAY),
            partial(services.reminders_send, partnership=p, today=SWEEP_DAY),
            partial(services.request_chases_send, partnership=p, today=day),
        ]
        sql = [statements(phase) for phase in phases]
        ended = [
            [q for q in phase if q.startswith('DELETE FROM "cases_mailclaim"')] for phase in sql
        ]
        counts[slug] = [len(phase) - len(leases) for phase, leases in zip(sql, ended, strict=True)]
        # Every reminder was sent, and each overdue chase to the agency and the lead.
        reminders = Reminder.objects.for_partnership(p).filter(email_sent_at__isnull=False)
        assert reminders.count() >= cases * 3
        assert len(mail.outbox) == reminders.count() + cases * 2
        assert [len(leases) for leases in ended] == [0, reminders.count(), cases]
        assert not MailClaim.objects.exists()
        mail.outbox.clear()
    assert counts["leicester"] == counts["leicestershire-rutland"]


def test_a_batchs_stamps_are_written_by_primary_key_with_history(leicester):
    lead = staff_user(leicester, username="lead-officer")
    agency = AgencyFactory(name="Chased agency")
    agency_user(agency)
    reminded_cases(leicester, 2, lead=lead)
    _, day = overdue_chases(leicester, 3, agencies=[agency], lead=lead)
    services.reminders_make(partnership=leicester, today=SWEEP_DAY)
    sql = statements(lambda: services.reminders_send(partnership=leicester, today=SWEEP_DAY))
    sql += statements(lambda: services.request_chases_send(partnership=leicester, today=day))
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert {s.split()[1] for s in updates} == {'"cases_reminder"', '"cases_requestchase"'}
    assert len(updates) == 2  # one a batch
    # Never the tenant-scoped UPDATE ... WHERE id IN (SELECT ... JOIN ...).
    assert not any("SELECT" in s or "JOIN" in s for s in updates)
    for chase in RequestChase.objects.for_partnership(leicester):
        assert [
            (h.history_type, h.history_change_reason, h.email_sent_at is not None)
            for h in chase.history.order_by("history_id")
        ] == [("+", "Chase made by the daily sweep", False), ("~", "Chase emailed", True)]


def test_a_second_run_of_the_partnerships_job_sends_nothing(leicester):
    from cases.tasks import partnership_reminders

    lead = staff_user(leicester, username="lead-officer")
    agency = AgencyFactory(name="Chased agency")
    agency_user(agency)
    reminded_cases(leicester, 2, lead=lead)
    overdue_chases(leicester, 2, agencies=[agency], lead=lead)
    first = partnership_reminders(partnership_id=leicester.pk)
    sent = len(mail.outbox)
    assert first > 0
    assert sent > 0
    assert partnership_reminders(partnership_id=leicester.pk) == 0
    assert len(mail.outbox) == sent


class CountingBackend(locmem.EmailBackend):
    """The test outbox, counting the connections opened and which one sent each message.
    A message to a "hangs-up@" address fails as a server hanging up would, once; the
    connection is then dead until opened again."""

    made = 0
    opened: list[int] = []
    used: list[int] = []
    hung_up = False
    dead: set[int] = set()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CountingBackend.made += 1
        self.number = CountingBackend.made

    def open(self):
        CountingBackend.opened.append(self.number)
        CountingBackend.dead.discard(self.number)
        return True

    def send_messages(self, messages):
        if self.number in CountingBackend.dead:
            raise SMTPServerDisconnected("test: the connection is closed")
        for message in messages:
            if not CountingBackend.hung_up and any(
                a.startswith("hangs-up@") for a in message.recipients()
            ):
                CountingBackend.hung_up = True
                CountingBackend.dead.add(self.number)
                raise SMTPServerDisconnected("test: the mail server hung up")
            CountingBackend.used.append(self.number)
        return super().send_messages(messages)


@pytest.fixture
def counting_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened, CountingBackend.used = [], []
    CountingBackend.hung_up, CountingBackend.dead = False, set()
    return CountingBackend


def test_each_batch_goes_over_one_connection(leicester, counting_backend, monkeypatch):
    monkeypatch.setattr(reminder_service, "SEND_BATCH", 4)
    lead = staff_user(leicester, username="lead-officer")
    reminded_cases(leicester, 3, lead=lead)  # 9 reminders: batches of 4, 4 and 1
    mail.outbox.clear()
    assert sweep_reminders(leicester) == 9
    assert len(mail.outbox) == 9
    assert len(counting_backend.opened) == 3
    assert len(set(counting_backend.used)) == 3
    assert [counting_backend.used.count(c) for c in dict.fromkeys(counting_backend.used)] == [
        4,
        4,
        1,
    ]


def test_a_server_that_hangs_up_mid_batch_loses_one_email_to_the_next_run(
    leicester, counting_backend
):
    """The failed reminder is left unsent; the connection is opened again for the rest."""
    lead = staff_user(leicester, username="lead-officer")
    hangs_up = staff_user(leicester, role=Role.CRG_CHAIR, username="hangs-up")
    reminded_cases(leicester, 3, lead=lead)
    mail.outbox.clear()
    assert sweep_reminders(leicester) == 11  # three a case to the lead, one to the chair
    pending = Reminder.objects.for_partnership(leicester).filter(email_sent_at__isnull=True)
    assert [r.recipient for r in pending] == [hangs_up]
    assert len(counting_backend.opened) == 2
    assert services.reminders_send(partnership=leicester, today=SWEEP_DAY) == 1
    assert len(mail.outbox) == 12
    assert sorted(m.to[0] for m in mail.outbox).count(hangs_up.email) == 3


class UnreachableBackend(locmem.EmailBackend):
    def open(self):
        raise ConnectionRefusedError("test: no mail server")


def test_an_unreachable_mail_server_leaves_the_batch_unsent_for_the_retry(leicester, settings):
    """Rather than wait out the timeout once per reminder, the job gives up the batch,
    un-claimed, and its retry sends it."""
    lead = staff_user(leicester, username="lead-officer")
    reminded_cases(leicester, 2, lead=lead)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    with pytest.raises(ConnectionRefusedError):
        sweep_reminders(leicester)
    reminders = Reminder.objects.for_partnership(leicester)
    assert reminders.count() == 6
    assert not reminders.filter(email_sent_at__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep_reminders(leicester) == 6
    assert len(mail.outbox) == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two connections")
def test_chases_another_sweep_made_first_are_made_once(partnerships, monkeypatch):
    """Another sweep commits one of the same chases between this one's read and its
    INSERT: the unique constraint refuses it, and this one reads again and makes the rest,
    so each chase exists once, with one history row saying it was made."""
    leicester = partnerships["leicester"]
    lead = staff_user(leicester, username="lead-officer")
    agency = AgencyFactory(name="Chased agency")
    agency_user(agency)
    cal = working_calendar(partnership=leicester)
    due = cal.add(timezone.localdate(), 3)
    for _ in range(3):
        case = open_case(leicester, stage=Stage.RAPID_REVIEW, lead_officer=lead)
        services.information_requests_send(
            case=case, agencies=[agency], reply_due_on=due, actor=None
        )
    real = request_service.bulk_create_with_history
    calls = []

    def another_sweep_first(objs, model, **kwargs):
        if not calls:
            first = objs[0]

            def other():
                try:
                    RequestChase(
                        request_id=first.request_id,
                        reply_due_on=first.reply_due_on,
                        threshold=first.threshold,
                    ).save()
                finally:
                    connection.close()

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        calls.append(len(objs))
        return real(objs, model, **kwargs)

    monkeypatch.setattr(request_service, "bulk_create_with_history", another_sweep_first)
    made = services.request_chases_make(partnership=leicester, today=cal.add(due, 1))
    assert calls == [3, 2]
    assert made == 2
    chases = RequestChase.objects.for_partnership(leicester)
    assert chases.count() == 3
    for chase in chases:
        assert chase.history.filter(history_type="+").count() == 1
