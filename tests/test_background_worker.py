"""Background jobs run on a real Celery worker, on the configured broker.

In CI the broker is Redis; without REDIS_URL it is the embedded filesystem
transport that `make run` uses.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from lcspr.celery import app as celery_app
from tests.factories import open_case, staff_user


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_opening_a_case_emails_the_business_office_through_the_worker(partnerships, real_worker):
    leicester = partnerships["leicester"]
    officer = staff_user(leicester)
    case = open_case(leicester)
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker sent no email"
    message = mail.outbox[0]
    assert message.subject == f"Case {case.reference} opened"
    assert message.to == [officer.email]
    case.refresh_from_db()
    assert case.opened_notice_sent_at is not None
