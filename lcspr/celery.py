"""The Celery app. Configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")

app = Celery("lcspr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_start_without_a_secret_key(**kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from lcspr.startup import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as error:
        # Celery logs and ignores exceptions from signal handlers; this one must stop it.
        raise SystemExit(str(error)) from None


_started = {}  # task id: when this run of it started, in this process


@task_prerun.connect
def _note_the_start(task_id=None, **kwargs):
    from django.utils import timezone

    _started[task_id] = timezone.now()


@task_postrun.connect
def _end_the_tasks_mail_claims(task_id=None, **kwargs):
    """A task that ended alive has no email in flight (cases/services/mail.py)."""
    import logging

    from django.db import DatabaseError

    from cases.services.mail import task_claims_release

    since = _started.pop(task_id, None)
    if since is None:
        return
    try:
        task_claims_release(task_id=task_id, since=since)
    except DatabaseError:
        # The leases expire instead; their emails may then go twice, never not at all.
        logging.getLogger(__name__).warning("task %s: its mail claims were not ended", task_id)
