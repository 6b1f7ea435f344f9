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


def warm_up() -> None:
    """Do as a web worker starts what Django otherwise does on the first request it serves:
    import every view (the URLconf) and compile the product's templates (the cached template
    loader keeps them). Without it the first request each gunicorn worker answered after a
    start or a deploy took about two seconds more, whatever the page (issue 18: under
    `make loadtest` those first requests were the slowest answers of pages asked for a few
    dozen times)."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - imports the URLconf and indexes it for reverse()
    resolver.resolve("/")  # compiles the patterns' regular expressions on the way
    root = settings.BASE_DIR / "templates"
    for path in sorted(root.rglob("*.html")):
        get_template(path.relative_to(root).as_posix())


def keep_prepared_statements(sender, connection, **kwargs) -> None:
    """How many prepared statements each PostgreSQL connection keeps (psycopg's
    `prepared_max`, which no connection option sets): settings.DATABASE_PREPARED_MAX."""
    keep = getattr(settings, "DATABASE_PREPARED_MAX", None)
    if keep and connection.vendor == "postgresql":
        connection.connection.prepared_max = keep
