"""Refuse to start without what production needs; one message for every entry point."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

NO_KEY_REFUSAL = (
    "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
    "value (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
    "or set DEBUG=1 for a local demo."
)


def require_secret_key() -> None:
    """The web app (wsgi, asgi, runserver) and the Celery worker call this as they start."""
    if settings.SECRET_KEY_MISSING:
        raise ImproperlyConfigured(NO_KEY_REFUSAL)


@register(Tags.security)
def secret_key_is_set(app_configs, **kwargs):
    """A warning for management commands, which developers run without a key."""
    if settings.SECRET_KEY_MISSING:
        return [Warning(NO_KEY_REFUSAL, id="lcspr.W001")]
    return []
