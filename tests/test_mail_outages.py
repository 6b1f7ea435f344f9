"""A mail server that hangs, and a broker that is down, delay email but never block, lose
or duplicate work (issue 11, items 3 and 4).

The hung server is a real listener on a free port that accepts connections and never
says a word; the broker outage is REDIS_URL's broker pointed at a closed port.
"""

import contextlib
import html
import socket
import threading
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import AgencyKind, Case, InformationRequest, Stage
from cases.tasks import case_opened_notify, information_request_email
from lcspr.celery import app as celery_app
from tests.factories import AgencyFactory, agency_user, open_case, staff_user, working_days_ahead

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
CLOSED_BROKER = "redis://127.0.0.1:6390/0"
JOIN = 60  # seconds: a bound, so that a regression fails the test instead of hanging it


class SilentSmtp:
    """Accepts every connection and never answers (not even the greeting)."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.accepted = threading.Event()
        self.stop = threading.Event()
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def hang_up(self):
        for conn in self.connections:
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(JOIN)
        self.hang_up()
        self.server.close()


@pytest.fixture
def silent_smtp(settings):
    server = SilentSmtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    # Long enough that the sender is still waiting while the test works around it.
    settings.EMAIL_TIMEOUT = JOIN
    yield server
    server.close()


def _in_thread(target, outcome):
    def run():
        try:
            outcome["result"] = target()
        except BaseException as error:  # noqa: BLE001 - the test asserts what it was
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _queued_not_sent(monkeypatch, task):
    """New jobs go to a list instead of running here (eager), where they would hang too."""
    queued = []
    monkeypatch.setattr(task, "delay", lambda **kwargs: queued.append(kwargs))
    return queued


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_hung_mail_server_does_not_stop_cases_being_opened(
    partnerships, silent_smtp, monkeypatch
):
    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    queued = _queued_not_sent(monkeypatch, case_opened_notify)
    first = open_case(leicester)
    assert queued == [{"partnership_id": leicester.pk, "case_id": first.pk}]

    sender = {}
    sending = _in_thread(
        lambda: services.case_opened_notice_send(partnership_id=leicester.pk, case_id=first.pk),
        sender,
    )
    assert silent_smtp.accepted.wait(JOIN), "the sender never reached the mail server"

    opened = {}
    opening = _in_thread(
        lambda: services.case_open(
            partnership=leicester, opened_on=timezone.localdate(), actor=office
        ),
        opened,
    )
    opening.join(JOIN)
    assert not opening.is_alive(), "opening a case waited on the hung mail server"
    assert "error" not in opened
    assert sending.is_alive(), "the sender should still be waiting on the mail server"
    assert Case.objects.for_partnership(leicester).count() == 2

    # The server hangs up: the send fails, and the case is left unsent for the retry.
    silent_smtp.hang_up()
    sending.join(JOIN)
    assert not sending.is_alive()
    assert isinstance(sender.get("error"), SMTPServerDisconnected)
    first.refresh_from_db()
    assert first.opened_notice_sent_at is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_hung_mail_server_does_not_stop_more_requests_on_the_same_case(
    partnerships, silent_smtp, monkeypatch
):
    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    health, police = AgencyFactory(name="Health"), AgencyFactory(name="Police")
    agency_user(health)
    _queued_not_sent(monkeypatch, case_opened_notify)
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    queued = _queued_not_sent(monkeypatch, information_request_email)
    [request] = services.information_requests_send(
        case=case, agencies=[health], reply_due_on=working_days_ahead(10), actor=office
    )

    sender = {}
    sending = _in_thread(
        lambda: services.information_request_email_send(
            partnership_id=leicester.pk, request_id=request.pk
        ),
        sender,
    )
    assert silent_smtp.accepted.wait(JOIN), "the sender never reached the mail server"

    sent = {}
    more = _in_thread(
        lambda: services.information_requests_send(
            case=case, agencies=[police], reply_due_on=working_days_ahead(10), actor=office
        ),
        sent,
    )
    more.join(JOIN)
    assert not more.is_alive(), "sending a request waited on the hung mail server"
    assert "error" not in sent
    assert sending.is_alive()
    assert len(queued) == 2

    silent_smtp.hang_up()
    sending.join(JOIN)
    assert not sending.is_alive()
    assert isinstance(sender.get("error"), SMTPServerDisconnected)
    request.refresh_from_db()
    assert request.email_sent_at is None
    assert InformationRequest.objects.for_partnership(leicester).filter(case=case).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_never_answers_times_out_and_the_email_waits(
    partnerships, silent_smtp, settings, monkeypatch
):
    """EMAIL_TIMEOUT reaches the connection: the send gives up, un-claims, and the retry
    (here, the same job run again once the server is back) sends it once."""
    from django.core import mail

    leicester = partnerships["leicester"]
    staff_user(leicester)
    _queued_not_sent(monkeypatch, case_opened_notify)
    case = open_case(leicester)
    settings.EMAIL_TIMEOUT = 1
    outcome = {}
    sending = _in_thread(
        lambda: services.case_opened_notice_send(partnership_id=leicester.pk, case_id=case.pk),
        outcome,
    )
    sending.join(JOIN)
    assert not sending.is_alive(), "EMAIL_TIMEOUT did not stop the send"
    assert isinstance(outcome.get("error"), OSError)
    assert "timed out" in str(outcome["error"])
    case.refresh_from_db()
    assert case.opened_notice_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert services.case_opened_notice_send(partnership_id=leicester.pk, case_id=case.pk) == 1
    assert services.case_opened_notice_send(partnership_id=leicester.pk, case_id=case.pk) == 0
    assert [m.subject for m in mail.outbox] == [f"Case {case.reference} opened"]


def test_password_reset_email_is_queued_with_the_user_id_only_and_sent_by_the_worker(
    client, leicester_office, monkeypatch, caplog
):
    from django.core import mail
    from django.urls import reverse

    from cases.tasks import password_reset_email

    queued = _queued_not_sent(monkeypatch, password_reset_email)
    response = client.post(reverse("password_reset"), {"email": leicester_office.email})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing is sent from the web request
    assert queued == [{"user_id": leicester_office.pk, "domain": "testserver", "protocol": "http"}]

    # The worker makes the link, and it works.
    assert password_reset_email(**queued[0]) == 1
    [message] = mail.outbox
    assert message.to == [leicester_office.email]
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in caplog.text
    page = client.get(link.split("testserver", 1)[1], follow=True)
    assert 'name="new_password1"' in page.content.decode()


def test_mail_waits_a_bounded_time_and_every_task_has_time_limits():
    from lcspr.celery import app
    from tests.test_settings import _manage

    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.EMAIL_TIMEOUT, s.CELERY_TASK_SOFT_TIME_LIMIT, s.CELERY_TASK_TIME_LIMIT)",
        SECRET_KEY="x",
        EMAIL_TIMEOUT="7",
        CELERY_TASK_SOFT_TIME_LIMIT="50",
        CELERY_TASK_TIME_LIMIT="60",
    )
    assert shown.stdout.split() == ["7", "50", "60"], shown.stderr
    from django.conf import settings

    ours = [
        t
        for name, t in app.tasks.items()
        if name.split(".")[0] in {"cases", "rapidreview", "reviews"}
    ]
    assert ours
    for task in ours:
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft, f"{task.name} has no soft time limit"
        assert hard, f"{task.name} has no hard time limit"
        assert settings.EMAIL_TIMEOUT < soft < hard, task.name


@contextlib.contextmanager
def broker_at_a_closed_port():
    """The Celery broker pointed at a port nobody listens on (the shared Redis keeps
    running): publishing a job fails as it does when Redis is down."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options, conf.task_always_eager

    def reconnect():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url, conf.broker_transport_options = CLOSED_BROKER, {}
    conf.task_always_eager = False
    reconnect()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        reconnect()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_notification_is_saved_once_and_its_email_follows(
    client, partnerships, settings, caplog
):
    from django.core import mail

    from cases.mail_queue import QUEUE_DOWN_NOTICE
    from cases.tasks import mail_sweep
    from tests.cases.test_intake_views import CHILDREN, SUBJECT_NAME, notification_fields
    from tests.factories import sign_in

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    sign_in(client, office)
    council = AgencyFactory(
        name="Leicester City Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester]
    )
    received = timezone.localdate() - timedelta(days=3)

    with broker_at_a_closed_port():
        response = client.post(
            "/cases/new/notification/",
            {**notification_fields(council, received=received), **CHILDREN},
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        [case] = Case.objects.for_partnership(leicester)
        assert response.url == f"/cases/{case.reference}/"
        page = client.get(response.url).content.decode()
        assert html.escape(QUEUE_DOWN_NOTICE) in page
        assert "Notification recorded" in page
    assert mail.outbox == []
    assert "not queued" in caplog.text
    assert SUBJECT_NAME.split()[1] not in caplog.text

    # The next page says nothing more about the queue.
    assert html.escape(QUEUE_DOWN_NOTICE) not in client.get(response.url).content.decode()

    # The broker is back: the sweep sends the lost email, once however often it runs.
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    assert mail_sweep() == 1
    assert mail_sweep() == 0
    assert [m.subject for m in mail.outbox] == [f"Case {case.reference} opened"]
    assert Case.objects.for_partnership(leicester).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_fresh_rows_to_their_own_job_and_sends_the_rapid_reviews_too(
    partnerships, settings, monkeypatch
):
    from django.core import mail

    from cases.tasks import mail_sweep

    leicester = partnerships["leicester"]
    staff_user(leicester)
    _queued_not_sent(monkeypatch, case_opened_notify)
    case = open_case(leicester)
    assert mail_sweep() == 0  # inside the grace period its own job is still expected
    Case.objects.for_partnership(leicester).filter(pk=case.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES + 1)
    )
    assert mail_sweep() == 1
    assert [m.subject for m in mail.outbox] == [f"Case {case.reference} opened"]


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_password_reset_says_to_try_again(client, partnerships):
    from django.urls import reverse

    from cases.mail_queue import NOT_SENT_NOTICE

    office = staff_user(partnerships["leicester"])
    with broker_at_a_closed_port():
        response = client.post(reverse("password_reset"), {"email": office.email}, follow=True)
    assert response.status_code == 200
    assert html.escape(NOT_SENT_NOTICE) in response.content.decode()
