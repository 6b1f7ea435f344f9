"""Playwright for Python driving Debian's Chromium (never a downloaded browser), with axe-core."""

import json
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from cases.models import Partnership
from cases.partnerships import ensure_partnerships
from lcspr.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's event loop must stop before other modules run."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make system-packages`"
    # Playwright's sync API runs an event loop in this thread while it is open; the
    # ORM calls the tests (and their database teardown) make meanwhile are ordinary
    # synchronous ones. The override ends with the module, before other tests run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """On PostgreSQL, seed_demo's rows, table by table, as it leaves them: it runs once a
    test process (its ~4,400 queries took most of a browser test's time), then the database
    is flushed as after any transactional test. `demo` copies the rows back for each test."""
    if connection.vendor != "postgresql":
        return None
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


@pytest.fixture
def partnerships(demo):
    """In a browser test the partnerships are the demo's."""
    return demo


def _seed_demo():
    ensure_partnerships(Partnership)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _copy_out(cursor, table):
    with cursor.cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
        return b"".join(bytes(block) for block in copy)


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page, name):
    """axe-core finds no WCAG 2.2 AA violation on the page as it stands."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: {json.dumps(violations, indent=2)}"
    assert result["passes"], "axe ran no checks"
