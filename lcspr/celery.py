"""The Celery app. Configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init

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
