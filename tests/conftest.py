import os

import pytest
from django.db import connection

from cases.models import Partnership
from cases.partnerships import ensure_partnerships
from lcspr.celery import app as celery_app
from tests.factories import staff_user


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = "Redis" if settings.REDIS_URL else "embedded filesystem transport"
    where = f"{db.get('HOST') or 'local file'}:{db.get('PORT') or ''}/{db['NAME']}"
    return [f"database: {connection.vendor} ({where}); Celery broker: {broker}"]


def pytest_terminal_summary(terminalreporter):
    import sys

    matrix = sys.modules.get("tests.test_access_matrix")
    if matrix is not None and matrix.RESULTS["tried"]:
        terminalreporter.write_line(matrix.summary_line())


def pytest_sessionstart(session):
    required = os.environ.get("LCSPR_TEST_REQUIRE_DATABASE")
    if required and connection.vendor != required:
        raise pytest.UsageError(
            f"LCSPR_TEST_REQUIRE_DATABASE={required} but the suite would run on "
            f"{connection.vendor}: set DATABASE_URL."
        )
    broker = os.environ.get("LCSPR_TEST_REQUIRE_BROKER")
    if broker:
        problem = _broker_problem(broker)
        if problem:
            raise pytest.UsageError(f"LCSPR_TEST_REQUIRE_BROKER={broker} but {problem}")


def _broker_problem(required: str) -> str:
    """Why the jobs would not run through the required broker (CI requires Redis, as it
    requires PostgreSQL), or "" if they will."""
    from django.conf import settings

    if required != "redis":
        return "only redis is known."
    if not settings.REDIS_URL or not settings.CELERY_BROKER_URL.startswith("redis"):
        return "REDIS_URL is not set: the suite would use the embedded filesystem broker."
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis at REDIS_URL cannot be reached ({error})."
    return ""


@pytest.fixture(autouse=True)
def _static_files_from_the_source_tree(settings):
    """Tests serve static files unhashed; test_settings checks the production manifest build."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _celery_runs_tasks_inline():
    """Tasks queued by services run in-process unless a test starts a real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def partnerships(db):
    # Transactional tests flush the data migration's rows: make sure both exist.
    ensure_partnerships(Partnership)
    return {p.slug: p for p in Partnership.objects.all()}


@pytest.fixture
def leicester(partnerships):
    return partnerships["leicester"]


@pytest.fixture
def lr(partnerships):
    return partnerships["leicestershire-rutland"]


@pytest.fixture
def leicester_office(leicester):
    return staff_user(leicester, username="t-leicester-office")


@pytest.fixture
def lr_office(lr):
    return staff_user(lr, username="t-lr-office")
