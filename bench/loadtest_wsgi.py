"""The app as `make loadtest` serves it with gunicorn (bench/loadtest.py): the product's
WSGI application, plus Django's plain admin changelist of cases as the yardstick, as
bench/reporting.py registers it. The product registers no admin for cases (case data
changes through the services only), so this registration lives here, in the load test's
server only."""

import os
import warnings

import django


def _yardstick():
    from django.conf import settings
    from django.contrib import admin

    from cases.admin_scoping import PartnershipScopedAdmin
    from cases.models import Case

    class CaseChangelist(PartnershipScopedAdmin, admin.ModelAdmin):
        """Django's plain changelist of cases (100 a page, counted, filters by stage and
        partnership), as an admin site would offer it."""

        list_display = ["reference", "partnership", "stage", "opened_on", "lead_officer"]
        list_filter = ["stage", "partnership"]
        search_fields = ["reference"]

        def scope_queryset(self, request, queryset, partnership_ids):
            return queryset.filter(partnership_id__in=partnership_ids)

    # Before the URLs are imported (lcspr.wsgi does it as the worker starts), as they read
    # the admin's registry.
    admin.site.register(Case, CaseChangelist)
    # Static files from the source tree, unhashed, as the tests serve them (no
    # collectstatic): the load test asks for pages, not their assets.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    warnings.filterwarnings("ignore", "No directory at", UserWarning)


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
django.setup()
_yardstick()

from lcspr.wsgi import application  # noqa: E402 - what gunicorn serves, after the yardstick

__all__ = ["application"]
