"""Keeps the calendar feed's secret, and a workshop invitee's personal link, out of every
log line.

A feed's address is its only key (cases/views/calendar.py), as an invitation link is its
invitee's (reviews/views/workshop.py): request lines and "Not
Found" warnings would otherwise write it into logs that many people can read. The
console handler (settings.LOGGING) and gunicorn's access log
(lcspr/gunicorn_logging.py) both pass their lines through `redact`.
"""

import logging
import re

FEED_ADDRESS = re.compile(r"/calendar/[^/\s\"'?#]+\.ics")
REDACTED_FEED_ADDRESS = "/calendar/[secret].ics"
# A workshop invitee's personal link is theirs alone to answer with (reviews/views/workshop.py).
INVITATION_ADDRESS = re.compile(r"/workshop-invitation/[^/\s\"'?#]+")
REDACTED_INVITATION_ADDRESS = "/workshop-invitation/[secret]"


def redact(text: str) -> str:
    text = FEED_ADDRESS.sub(REDACTED_FEED_ADDRESS, text)
    return INVITATION_ADDRESS.sub(REDACTED_INVITATION_ADDRESS, text)


class RedactSecretsFilter(logging.Filter):
    """On a handler, so that it sees the records of every logger (django.server's
    request lines, django.request's warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
