"""A sender killed mid-batch (SIGKILL, out of memory) loses no email and doubles none
(issue 18's fault soak): each claimed email is leased until the mail server accepts it,
and the mail sweep sends again what a dead sender held, once its lease has run out."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases import services
from cases.models import InformationRequest, MailClaim, Reminder, Stage
from cases.selectors import working_calendar
from cases.services import reminder as reminder_service
from cases.services.mail import SharedRendering, claim, claim_batch, lease, send_each
from cases.tasks import information_request_email, mail_sweep
from tests.cases.test_sweep_batching import SWEEP_DAY, reminded_cases
from tests.factories import AgencyFactory, agency_user, open_case, staff_user, working_days_ahead


def leases_run_out():
    """The time a task can live has passed since every lease was taken."""
    MailClaim.objects.update(claimed_at=timezone.now() - lease() - timedelta(seconds=1))


def killed_after(leicester, sent: int) -> list[Reminder]:
    """A deadline sweep that claimed every reminder, sent `sent` of them and was killed:
    nothing of its own clean-up ran."""
    pending = Reminder.objects.for_partnership(leicester).filter(email_sent_at__isnull=True)
    batch = claim_batch(
        pending.select_related("deadline__case", "recipient"),
        ids=list(pending.order_by("pk").values_list("pk", flat=True)),
        stamp="email_sent_at",
        reason="Reminder emailed",
    )
    cal, rendering = working_calendar(partnership=leicester), SharedRendering()
    send_each(
        batch[:sent],
        lambda reminder, connection: reminder_service._email(
            reminder, cal, SWEEP_DAY, rendering, connection
        ),
    )
    return batch


def test_a_sender_killed_mid_batch_loses_no_email_and_doubles_none(leicester, settings):
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    lead = staff_user(leicester, username="lead-officer")
    reminded_cases(leicester, 2, lead=lead)
    mail_sweep()  # the cases' opened notices, out of the way
    mail.outbox.clear()
    services.reminders_make(partnership=leicester, today=SWEEP_DAY)
    batch = killed_after(leicester, sent=2)
    assert len(batch) == 6
    assert len(mail.outbox) == 2
    # Stamped sent, but the four it never sent are still leased: the only trace of them.
    assert not Reminder.objects.for_partnership(leicester).filter(email_sent_at=None).exists()
    assert sorted(MailClaim.objects.values_list("object_id", flat=True)) == sorted(
        r.pk for r in batch[2:]
    )

    # While the sender may still be alive, the sweep leaves its emails alone.
    assert mail_sweep() == 0
    assert len(mail.outbox) == 2

    leases_run_out()
    assert mail_sweep() == 4
    assert mail_sweep() == 0
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert len(sent) == 6  # each reminder's own email, and each once
    assert set(sent.values()) == {1}
    assert {m.subject.split(":")[0] for m in mail.outbox} == {
        f"Case {r.deadline.case.reference}" for r in batch
    }
    assert not MailClaim.objects.exists()
    assert not Reminder.objects.for_partnership(leicester).filter(email_sent_at=None).exists()


def test_the_sweep_sends_reminders_whose_deadline_sweep_was_lost(leicester, settings):
    """Redis keeps no queue over a restart: the reminders a lost sweep made but never
    sent go with the next mail sweep, after the grace period left to their own job."""
    lead = staff_user(leicester, username="lead-officer")
    reminded_cases(leicester, 1, lead=lead)
    grace, settings.MAIL_SWEEP_GRACE_MINUTES = settings.MAIL_SWEEP_GRACE_MINUTES, 0
    mail_sweep()  # the case's opened notice, out of the way
    mail.outbox.clear()
    services.reminders_make(partnership=leicester, today=SWEEP_DAY)
    settings.MAIL_SWEEP_GRACE_MINUTES = grace
    assert mail_sweep() == 0  # fresh: the deadline sweep that made them sends them
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    assert mail_sweep() == 3
    assert mail_sweep() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [lead.email] * 3


@pytest.fixture
def emailed_request(leicester):
    agency = AgencyFactory(name="Leicestershire Police", partnerships=[leicester])
    portal = agency_user(agency, username="police-portal")
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    [request] = services.information_requests_send(
        case=case, agencies=[agency], reply_due_on=working_days_ahead(5, leicester), actor=None
    )
    mail.outbox.clear()
    request.refresh_from_db()
    assert request.email_sent_at is None
    return request, portal


def test_a_task_handed_back_after_its_worker_died_sends_the_email_once(leicester, emailed_request):
    request, portal = emailed_request
    rows = InformationRequest.objects.for_partnership(leicester)
    assert claim(rows, pk=request.pk, stamp="email_sent_at", reason="Emailed") is not None
    # ... and the worker was killed before it sent. The broker hands the task back:
    send = lambda: services.information_request_email_send(  # noqa: E731
        partnership_id=leicester.pk, request_id=request.pk
    )
    assert send() == 0  # too soon: the first run may still be sending
    leases_run_out()
    assert send() == 1
    assert send() == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([portal.email], f"Information request for case {request.case.reference}")
    ]
    assert not MailClaim.objects.exists()
    reasons = [h.history_change_reason for h in request.history.order_by("history_id")]
    assert reasons[-3:] == [
        "Emailed",
        "Email not confirmed sent (its sender was stopped): left to be sent again",
        "Emailed to the agency's portal users",
    ]


def test_a_task_that_ends_alive_holds_no_claim_even_with_no_one_to_email(
    leicester, emailed_request
):
    """Its row is claimed and stamped, then there is no portal user to tell: the task's
    end ends the lease, so that the sweep does not take the stamp off again and again."""
    request, portal = emailed_request
    portal.is_active = False
    portal.save()
    information_request_email.apply(
        kwargs={"partnership_id": leicester.pk, "request_id": request.pk}
    ).get()
    request.refresh_from_db()
    assert request.email_sent_at is not None
    assert not MailClaim.objects.exists()
    leases_run_out()
    assert mail_sweep() == 0
    assert mail.outbox == []
