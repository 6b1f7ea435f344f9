"""Playwright for Python driving Debian's Chromium (never a downloaded browser), with axe-core."""

import json
import os
from pathlib import Path

import pytest

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


@pytest.fixture
def partnerships(demo):
    """In a browser test the partnerships are the demo's."""
    return demo


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


# What Chromium says when a navigation a click started replaces the document while
# axe is being added or run: the check is then made again on the page that arrived.
_NAVIGATED = ("Execution context was destroyed", "reading 'appendChild'", "axe is not defined")


def _run_axe(page):
    from playwright.sync_api import Error

    for _ in range(2):
        try:
            return _axe(page)
        except Error as error:
            if not any(message in str(error) for message in _NAVIGATED):
                raise
    return _axe(page)


def _axe(page):
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )


def assert_accessible(page, name):
    """axe-core finds no WCAG 2.2 AA violation on the page as it stands. The page is kept
    as a screenshot in test-artifacts/ when it has one, or always with
    LCSPR_SCREENSHOTS=1 (to look over every page the tests visit)."""
    result = _run_axe(page)
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    if violations or os.environ.get("LCSPR_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert violations == [], f"{name}: {json.dumps(violations, indent=2)}"
    assert result["passes"], "axe ran no checks"
