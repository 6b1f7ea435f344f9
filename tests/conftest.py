import fcntl
import os
import pickle
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test import override_settings
from pytest_django.plugin import blocking_manager_key

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
    """In a pytest-xdist worker: hand this process's access-matrix counts to the controller.
    In the controller: drop the run's template database (django_db_modify_db_settings)."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["access_matrix"] = _access_matrix_counts()
    elif connection.vendor == "postgresql" and session.config.pluginmanager.has_plugin("xdist"):
        unblocked = session.config.stash[blocking_manager_key].unblock()
        with unblocked, connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(_template())}")


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


def _emptied_by_delete(original):
    """Django empties the database after each transactional test (and tests/browser's
    `demo` before it) with one TRUNCATE of every table: on PostgreSQL that makes ~160 new
    files a time, seconds apiece under load. A DELETE of each table (their foreign keys are
    all deferred to the commit) leaves the same empty tables in a fraction of that. A flush
    that resets sequences keeps Django's own statement."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    return sql_flush


def _commit_without_waiting_for_the_disk(sender, connection, **kwargs):
    """A test database need not survive a crash: PostgreSQL answers a commit without
    waiting for its log to reach the disk (what each commit sees is unchanged)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def pytest_configure(config):
    from django.db.backends.postgresql.operations import DatabaseOperations
    from django.db.backends.signals import connection_created

    DatabaseOperations.sql_flush = _emptied_by_delete(DatabaseOperations.sql_flush)
    connection_created.connect(_commit_without_waiting_for_the_disk)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix,
    django_db_keepdb,
    django_db_createdb,
    django_db_blocker,
    tmp_path_factory,
):
    """Under pytest-xdist each process has its own test database. The first process to get
    here migrates a template once a run, while the others wait on a lock; each then makes its
    database as a copy of it (PostgreSQL's CREATE DATABASE … TEMPLATE, through Django's
    TEST["TEMPLATE"]), where `migrate` finds nothing left to apply. Every process migrating
    its own cost ~40 s of CPU each at the start of `make test`. --reuse-db keeps each
    process's own database, as before."""
    if connection.vendor != "postgresql" or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if django_db_keepdb and not django_db_createdb:
        return
    run = tmp_path_factory.getbasetemp().parent  # new each run, shared by its processes
    with open(run / "template-database.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        ready = run / "template-database.ready"
        if not ready.exists():
            _migrated_template(django_db_blocker)
            ready.touch()
    connection.settings_dict["TEST"]["TEMPLATE"] = _template()


def _template():
    return f"{TEST_DATABASE_PREFIX}{connection.settings_dict['NAME']}_template"


def _migrated_template(django_db_blocker):
    """Django's own test database creation and migration, under the template's name."""
    db = connection.settings_dict  # the same dict as settings.DATABASES["default"]
    name, test = db["NAME"], db["TEST"]
    db["TEST"] = {**test, "NAME": _template()}
    try:
        with django_db_blocker.unblock():
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            connection.close()  # CREATE DATABASE … TEMPLATE refuses while it is connected
    finally:
        db["NAME"], db["TEST"] = name, test


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


# The demo (seed_demo) for tests that read it: tests/browser and tests/cases/test_seed_demo.
@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """On PostgreSQL, seed_demo's rows, table by table, as it leaves them: it runs once a
    test run (its ~4,400 queries took most of a browser test's time), then the database
    is flushed as after any transactional test. `demo` copies the rows back for each test.
    Under pytest-xdist the first process to need them seeds its own database while the
    others wait on a lock, then they read its rows from this run's shared temporary folder
    (pytest-xdist's documented way to run a session fixture once): every process seeding
    its own took ~100 s of CPU each, charged to whichever test came first."""
    if connection.vendor != "postgresql":
        return None
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _seeded_rows(django_db_blocker)
    shared = tmp_path_factory.getbasetemp().parent / "demo-rows.pickle"  # new each run
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if shared.exists():
            return pickle.loads(shared.read_bytes())  # noqa: S301 - this run's own file
        rows = _seeded_rows(django_db_blocker)
        partial = shared.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(rows))
        partial.rename(shared)
        return rows


def _seeded_rows(django_db_blocker):
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # as in every test (tests/conftest.py)
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)  # as a browser test finds it
        _seed_demo()
        with connection.cursor() as cursor:
            rows = {table: _copy_out(cursor, table) for table in _tables()}
        call_command("flush", interactive=False, verbosity=0)
    celery_app.conf.task_always_eager = eager
    return {table: data for table, data in rows.items() if data}


@pytest.fixture
def demo(transactional_db, demo_rows):
    """The demo data (seed_demo) in an otherwise empty database; its partnerships by slug."""
    if demo_rows is None:
        _seed_demo()
    else:
        with transaction.atomic(), connection.cursor() as cursor:  # foreign keys: at commit
            for sql in connection.ops.sql_flush(no_style(), _tables()):
                cursor.execute(sql)
            for table, data in demo_rows.items():
                with cursor.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(data)
            models = apps.get_models(include_auto_created=True)
            cursor.execute("\n".join(connection.ops.sequence_reset_sql(no_style(), models)))
        ContentType.objects.clear_cache()
    return {p.slug: p for p in Partnership.objects.all()}


def _seed_demo():
    ensure_partnerships(Partnership)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _copy_out(cursor, table):
    with cursor.cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
        return b"".join(bytes(block) for block in copy)
