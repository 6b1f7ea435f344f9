"""Settings, deployment and packaging, checked as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from cases.models import Partnership

ROOT = Path(__file__).resolve().parents[1]


def _manage(*args, timeout=120, **env):
    """`manage.py` as a deployment runs it: none of the suite's settings in its environment.
    `timeout` only stops a hung command; it is no measure of speed."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "HTTPS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DEMO",
            "STORAGE_BACKEND",
            "AWS_STORAGE_BUCKET_NAME",
            "AWS_DEFAULT_ACL",
            "MEDIA_ROOT",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_without_debug_a_missing_secret_key_stops_start_up_clearly():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    for entry_point in ["import lcspr.wsgi", "import lcspr.asgi"]:
        started = subprocess.run(
            [sys.executable, "-c", entry_point],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert started.returncode != 0, entry_point
        assert "SECRET_KEY is not set" in started.stderr
    checked = _manage("check", "--fail-level", "WARNING")
    assert checked.returncode != 0
    assert "SECRET_KEY is not set" in checked.stderr


def test_a_web_worker_is_ready_before_its_first_request():
    """Issue 18: the views imported and the product's templates compiled as the worker
    starts, not on the first request it serves (about two seconds for that person)."""
    probe = (
        "import sys, lcspr.wsgi; "
        "from django.template import engines; "
        "loader = engines['django'].engine.template_loaders[0]; "
        "print('cases.views.dashboard' in sys.modules, "
        "'cases/dashboard.html' in {k.split(':')[0] for k in loader.get_template_cache})"
    )
    env = {**os.environ, "SECRET_KEY": "x" * 50}
    started = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["True", "True"]


def test_developers_can_check_migrations_without_a_secret_key():
    assert _manage("makemigrations", "--check", "--dry-run").returncode == 0


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="lcspr.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_and_demo_data_must_be_asked_for():
    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.DEMO_DATA_ALLOWED, s.SESSION_COOKIE_SECURE, s.X_FRAME_OPTIONS)",
        SECRET_KEY="x" * 50,
    )
    assert shown.stdout.split() == ["False", "False", "True", "DENY"], shown.stderr


def test_database_connections_are_not_kept_under_the_development_server():
    """runserver starts a thread per request; kept connections would pile up (issue 11)."""
    show = "from django.conf import settings as s; print(s.DATABASES['default']['CONN_MAX_AGE'])"
    database = "postgres://lcspr@127.0.0.1:5432/lcspr"
    debug = _manage("shell", "--no-imports", "-c", show, DEBUG="1", DATABASE_URL=database)
    assert debug.stdout.split() == ["0"], debug.stderr
    debug_asked = _manage(
        "shell", "--no-imports", "-c", show, DEBUG="1", DATABASE_URL=database, CONN_MAX_AGE="600"
    )
    assert debug_asked.stdout.split() == ["0"], debug_asked.stderr
    production = _manage(
        "shell", "--no-imports", "-c", show, SECRET_KEY="x" * 50, DATABASE_URL=database
    )
    assert production.stdout.split() == ["600"], production.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
@pytest.mark.django_db
def test_a_query_a_connection_runs_again_and_again_is_planned_once():
    """Issue 18: the dashboards' scoped queries keep their plans on a kept connection, rather
    than being planned again on every request."""
    for slug in ["leicester", "leicestershire-rutland"] * 3:
        list(Partnership.objects.filter(slug=slug).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert [s for s in prepared if '"cases_partnership"."slug" = $1' in s], prepared
    # psycopg would keep only its default 100: fewer than one web worker's pages run.
    assert connection.connection.prepared_max == settings.DATABASE_PREPARED_MAX > 100


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    show = (
        "from django.conf import settings as s; o = s.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'), "
        "getattr(s, 'DATABASE_PREPARED_MAX', None))"
    )
    database = "postgres://lcspr@127.0.0.1:5432/lcspr"

    def shown(**environment):
        return _manage(
            "shell",
            "--no-imports",
            "-c",
            show,
            SECRET_KEY="x" * 50,
            DATABASE_URL=database,
            **environment,
        )

    on = shown()
    assert on.stdout.split() == ["True", "1", "1000"], on.stderr
    fewer = shown(DATABASE_PREPARED_MAX="300")
    assert fewer.stdout.split() == ["True", "1", "300"], fewer.stderr
    off = shown(DATABASE_PREPARED_STATEMENTS="0")
    assert off.stdout.split() == ["None", "None", "None"], off.stderr


def test_the_deploy_check_refuses_demo_data():
    result = _manage(
        "check", "--deploy", SECRET_KEY="x" * 64, ALLOWED_HOSTS="lcspr.example.org", DEMO="1"
    )
    assert result.returncode != 0
    assert "lcspr.E001" in result.stderr


def test_seed_demo_refuses_without_demo_mode():
    result = _manage("seed_demo", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "only loaded with DEBUG=1 or DEMO=1" in result.stderr


def test_docker_compose_names_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")


def test_docker_compose_scales_web_behind_a_load_balancer_without_sticky_sessions():
    """`docker compose up --scale web=3` (README, More than one web host)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    # A replica has no host port of its own (three could not share one); only the load
    # balancer is published, on loopback, for the TLS proxy.
    assert "ports" not in services["web"]
    assert services["lb"]["ports"] == ["127.0.0.1:8000:80"]
    [mounted] = services["lb"]["volumes"]
    text = (ROOT / mounted.split(":")[0]).read_text()
    config = "\n".join(line.split("#", 1)[0] for line in text.splitlines())  # no comments
    assert "set $web http://web:8000;" in config
    assert "proxy_pass $web;" in config
    assert "resolver 127.0.0.11" in config  # replicas added later are found
    for sticky in ("ip_hash", "sticky", "hash $cookie"):
        assert sticky not in config
    # The TLS proxy's headers pass on unchanged: the client stays the rightmost entry.
    assert "proxy_set_header X-Forwarded-For $http_x_forwarded_for;" in config
    assert "proxy_add_x_forwarded_for" not in config
    # Migrations run once, before any replica starts, not in each replica.
    assert "migrate" in services["migrate"]["command"]
    assert "migrate" not in services["web"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # The object store is configuration: the same variables reach every app container.
    for name in ("web", "worker", "beat", "backup"):
        environment = services[name]["environment"]
        assert {"STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"} <= set(
            environment
        )
    assert services["minio"]["profiles"] == ["objectstore"]


def test_static_files_collect_with_hashed_names(tmp_path):
    """The production storage resolves every url() in the built CSS (missing images fail)."""
    result = _manage(
        "collectstatic",
        "--no-input",
        "-v0",
        # Compressing the API docs' bundles takes a minute of one core; more when the
        # suite's other workers share the machine.
        timeout=600,
        SECRET_KEY="collectstatic-check",
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "dist/app.css" in manifest
    assert "js/app.mjs" in manifest


SHOW_STORAGE = (
    "from django.core.files.storage import storages; from django.conf import settings as s; "
    "print(type(storages['default']).__name__); "
    "o = s.STORAGES['default']['OPTIONS']; "
    "print(*[o.get(k) for k in ('bucket_name', 'endpoint_url', 'region_name', 'access_key', "
    "'addressing_style', 'default_acl', 'querystring_auth', 'file_overwrite', 'location')])"
)


def test_uploads_go_to_a_folder_on_this_host_by_default(tmp_path):
    shown = _manage(
        "shell", "--no-imports", "-c", SHOW_STORAGE, SECRET_KEY="x" * 50, MEDIA_ROOT=str(tmp_path)
    )
    assert shown.returncode == 0, shown.stderr
    kind, options = shown.stdout.splitlines()
    assert kind == "FileSystemStorage"
    assert options.split()[-1] == str(tmp_path)


def test_an_s3_compatible_object_store_is_chosen_by_the_environment_alone():
    """As docker-compose's MinIO or a cloud's bucket is configured (README, More than one
    web host): private objects, signed URLs, never an overwrite."""
    s3 = {
        "SECRET_KEY": "x" * 50,
        "AWS_STORAGE_BUCKET_NAME": "lcspr-uploads",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_S3_REGION_NAME": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "lcspr",
        "AWS_SECRET_ACCESS_KEY": "a-long-secret",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    for chosen in ({"STORAGE_BACKEND": "s3"}, {}):  # a bucket name alone chooses it too
        shown = _manage("shell", "--no-imports", "-c", SHOW_STORAGE, **s3, **chosen)
        assert shown.returncode == 0, shown.stderr
        kind, options = shown.stdout.splitlines()
        assert kind == "S3Storage"
        assert options.split() == [
            "lcspr-uploads",
            "http://minio:9000",
            "eu-west-2",
            "lcspr",
            "path",
            "private",
            "True",
            "False",
            "None",
        ]


def test_an_object_store_without_its_bucket_a_public_acl_or_an_unknown_storage_stops_start_up():
    missing = _manage("check", SECRET_KEY="x" * 50, STORAGE_BACKEND="s3")
    assert missing.returncode != 0
    assert "Set the AWS_STORAGE_BUCKET_NAME environment variable" in missing.stderr
    unknown = _manage("check", SECRET_KEY="x" * 50, STORAGE_BACKEND="nfs")
    assert unknown.returncode != 0
    assert "STORAGE_BACKEND is 'nfs': it must be one of filesystem, s3." in unknown.stderr
    public = _manage(
        "check", SECRET_KEY="x" * 50, AWS_STORAGE_BUCKET_NAME="b", AWS_DEFAULT_ACL="public-read"
    )
    assert public.returncode != 0
    assert "AWS_DEFAULT_ACL is 'public-read': uploaded files are about children" in public.stderr


def test_an_object_store_passes_the_deploy_check_only_with_a_shared_redis():
    production = {
        "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret",
        "ALLOWED_HOSTS": "lcspr.example.org",
        "AWS_STORAGE_BUCKET_NAME": "lcspr-uploads",
    }
    alone = _manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert alone.returncode != 0
    assert "lcspr.W002" in alone.stderr
    shared = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        REDIS_URL="redis://redis:6379/0",
        **production,
    )
    assert shared.returncode == 0, shared.stderr
    assert "System check identified no issues (0 silenced)." in shared.stdout


def test_sessions_lockouts_and_the_shared_cache_assume_no_one_host():
    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_ENGINE, s.AXES_HANDLER, s.CACHES['default']['BACKEND'], "
        "s.CSRF_USE_SESSIONS)",
        SECRET_KEY="x" * 50,
        REDIS_URL="redis://redis:6379/0",
    )
    assert shown.stdout.split() == [
        "django.contrib.sessions.backends.db",
        "axes.handlers.database.AxesDatabaseHandler",
        "lcspr.cache.TolerantRedisCache",
        "False",
    ], shown.stderr
