from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication and learning"

    def ready(self):
        # issue 16: plan. The publication's LCSPR task and dashboard work register here.
        from publication.selectors import plan  # noqa: F401
