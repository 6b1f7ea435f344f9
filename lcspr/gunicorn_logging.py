"""gunicorn's logger, with the calendar feed's secret taken out of its access log lines.

docker-compose.yml and the Dockerfile start gunicorn with
`--logger-class lcspr.gunicorn_logging.RedactingLogger`.
"""

from gunicorn.glogging import Logger

from lcspr.redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        # Every atom: the request line, the path, the referrer, headers and environ.
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
