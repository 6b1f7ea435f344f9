import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings

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


MATRIX_FROM_WORKERS = pytest.StashKey[list[int]]()


def _access_matrix_counts():
    matrix = sys.modules.get("tests.test_access_matrix")
    return matrix.counts() if matrix is not None else (0, 0)


def pytest_sessionfinish(session):
    """In a pytest-xdist worker: hand this process's access-matrix counts to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["access_matrix"] = _access_matrix_counts()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """In the pytest-xdist controller: add up the workers' access-matrix counts."""
    total = node.config.stash.setdefault(MATRIX_FROM_WORKERS, [0, 0])
    for i, count in enumerate(node.workeroutput.get("access_matrix", (0, 0))):
        total[i] += count


def pytest_terminal_summary(terminalreporter):
    tried, unexpected = _access_matrix_counts()
    from_workers = terminalreporter.config.stash.get(MATRIX_FROM_WORKERS, [0, 0])
    tried, unexpected = tried + from_workers[0], unexpected + from_workers[1]
    if tried:
        terminalreporter.write_line(
            f"access matrix: {tried} role x partnership x route requests tried, "
            f"{unexpected} unexpected"
        )


# Module-scoped fixtures that start something slow: Chromium, a Celery worker.
STARTED_ONCE_A_MODULE = {"browser", "shared_worker"}


def pytest_collection_modifyitems(items):
    """Under `--dist loadgroup` (make test), a module whose tests share its Chromium or its
    Celery worker runs in one process, which starts that browser or worker once."""
    for item in items:
        if STARTED_ONCE_A_MODULE & set(item.fixturenames):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


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


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Argon2 at its lowest cost (tests/hashers.py): hashing dominated the suite's time."""
    production = django_settings.PASSWORD_HASHERS
    argon2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
    cheap = [h if h != argon2 else "tests.hashers.CheapArgon2PasswordHasher" for h in production]
    with override_settings(PASSWORD_HASHERS=cheap):
        yield


@pytest.fixture(scope="session", autouse=True)
def _broker_and_cache_per_xdist_worker():
    """`make test` runs the suite in parallel processes (pytest-xdist). pytest-django gives
    each its own test database; here each gets its own Redis database (REDIS_URL's number
    plus the worker's, gw0 keeping REDIS_URL's) or queue folder, so that one process's
    cache.clear() (a FLUSHDB), queue purge, throttle counts or Celery worker never meet
    another's jobs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...; unset when serial
    if not worker:
        yield
        return
    index = int(worker.removeprefix("gw"))
    if django_settings.REDIS_URL:
        url = urlsplit(django_settings.REDIS_URL)
        number = int(url.path.strip("/") or 0) + index
        redis_url = url._replace(path=f"/{number}").geturl()
        _check_redis_database(redis_url, number)
        changed = {
            "REDIS_URL": redis_url,
            "CACHES": {"default": {**django_settings.CACHES["default"], "LOCATION": redis_url}},
            "CELERY_BROKER_URL": redis_url,
        }
    else:
        folder = Path(django_settings.CELERY_QUEUE_DIR) / worker
        options = {
            **django_settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
        for name in ("queue", "control"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        changed = {"CELERY_QUEUE_DIR": folder, "CELERY_BROKER_TRANSPORT_OPTIONS": options}
    with override_settings(**changed):
        conf = celery_app.conf
        saved = conf.broker_url, conf.broker_transport_options
        conf.broker_url = django_settings.CELERY_BROKER_URL
        conf.broker_transport_options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
        _celery_reconnect()
        yield
        conf.broker_url, conf.broker_transport_options = saved
        _celery_reconnect()


def _check_redis_database(redis_url, number):
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.ResponseError as error:  # "DB index is out of range"
        pytest.exit(
            f"This pytest-xdist worker needs Redis database {number}: {error}. Lower "
            "REDIS_URL's database number or the number of workers (-n).",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def _celery_reconnect():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


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
