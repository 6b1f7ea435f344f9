from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication and learning"

    def ready(self):
        # issue 16: actions. The action plans' dashboard items (cases/dashboard.py) and
        # their daily reminder task, registered by importing their modules.
        from publication import tasks_actions  # noqa: F401
        from publication.selectors import actions  # noqa: F401
