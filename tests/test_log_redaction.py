"""A calendar feed's address is its key: it never appears in a log line (issue 11, item 10)."""

import io
import logging
import shlex
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.urls import reverse
from gunicorn.config import Config

from cases import services

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) prints."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    printed = io.StringIO()
    previous = handler.setStream(printed)
    yield printed
    handler.setStream(previous)


def test_the_console_log_never_shows_a_feed_address(client, leicester_office, console):
    secret = services.calendar_feed_create(user=leicester_office)
    feed = reverse("calendar_feed", kwargs={"token": secret})
    assert client.get(feed.replace(secret, "made-up-secret")).status_code == 404  # "Not Found: …"
    # The development server's request line, as django.core.servers.basehttp writes it.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {feed} HTTP/1.1", "200", "512")

    printed = console.getvalue()
    assert "Not Found: /calendar/[secret].ics" in printed
    assert '"GET /calendar/[secret].ics HTTP/1.1" 200 512' in printed
    assert secret not in printed
    assert "made-up-secret" not in printed


def test_the_console_log_never_shows_a_workshop_invitation_link(db, client, console):
    """issue 14: a workshop invitee's personal link answers for them (§8.10.3)."""
    secret = "Qv3-invitee-secret_token"
    link = reverse("workshop_invitation", kwargs={"token": secret})
    assert client.get(link).status_code == 404  # no such invitation: "Not Found: …"
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {link} HTTP/1.1", "200", "512")

    printed = console.getvalue()
    assert "Not Found: /workshop-invitation/[secret]/" in printed
    assert '"GET /workshop-invitation/[secret]/ HTTP/1.1" 200 512' in printed
    assert secret not in printed


def _gunicorn_config(command: str) -> Config:
    """gunicorn's settings from a command line, as gunicorn itself reads them."""
    arguments = shlex.split(command.split("gunicorn", 1)[1])
    config = Config()
    parsed = config.parser().parse_args(arguments)
    for name, value in vars(parsed).items():
        if value is not None and name in config.settings:
            config.set(name.lower(), value)
    return config


def test_gunicorns_access_log_never_shows_a_feed_address():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    config = _gunicorn_config(compose["services"]["web"]["command"].rstrip('"'))
    logger = config.logger_class(config)
    printed = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(printed)]

    path = "/calendar/Zx9-very-secret_key.ics"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "calendar-client",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=512)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))

    line = printed.getvalue()
    assert '"GET /calendar/[secret].ics HTTP/1.1" 200 512' in line
    assert "very-secret" not in line


def test_the_image_starts_gunicorn_with_the_same_logger():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--logger-class", "lcspr.gunicorn_logging.RedactingLogger"' in dockerfile
