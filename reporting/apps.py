from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        """Each part's measures register themselves when its selectors are imported."""
        from reporting.selectors import registry  # noqa: F401
