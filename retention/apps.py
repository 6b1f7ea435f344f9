from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self):
        """The office's dashboard item for cases flagged for a retention decision registers
        itself when the selectors are imported."""
        from retention import selectors  # noqa: F401
