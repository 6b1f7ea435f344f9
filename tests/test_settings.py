"""Settings, deployment and packaging, checked as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

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
    assert production.stdout.split() == ["60"], production.stderr


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
