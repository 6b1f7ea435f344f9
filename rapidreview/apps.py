from django.apps import AppConfig


class RapidReviewConfig(AppConfig):
    name = "rapidreview"
    verbose_name = "Rapid Review"

    def ready(self):
        from rapidreview import dashboard  # noqa: F401 - registers its dashboard section
