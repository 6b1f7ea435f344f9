import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
application = get_asgi_application()

from lcspr.startup import require_secret_key, warm_up  # noqa: E402 - needs the settings loaded

require_secret_key()
warm_up()
