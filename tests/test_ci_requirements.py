"""CI requires Redis as it requires PostgreSQL: the suite refuses to start without it."""

import os
import subprocess
import sys

import pytest

from tests.test_settings import ROOT


def _pytest_session(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only"]
        + ["tests/test_headers.py"],
        cwd=ROOT,
        env={**clean, "LCSPR_TEST_REQUIRE_BROKER": "redis", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("redis_url", "reason"),
    [
        (None, "REDIS_URL is not set"),
        ("redis://127.0.0.1:6390/0", "Redis at REDIS_URL cannot be reached"),
    ],
)
def test_the_suite_refuses_to_run_without_the_required_broker(redis_url, reason):
    started = _pytest_session(**({"REDIS_URL": redis_url} if redis_url else {}))
    assert started.returncode == pytest.ExitCode.USAGE_ERROR, started.stdout + started.stderr
    assert f"LCSPR_TEST_REQUIRE_BROKER=redis but {reason}" in started.stderr
