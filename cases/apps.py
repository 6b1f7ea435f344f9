from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases, partnerships and people"

    def ready(self):
        from cases import checks  # noqa: F401 - registers the system checks
        from lcspr import startup  # noqa: F401 - and the start-up ones

        connection_created.connect(startup.keep_prepared_statements)
