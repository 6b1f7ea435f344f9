from django.apps import AppConfig


class RapidReviewConfig(AppConfig):
    name = "rapidreview"
    verbose_name = "Rapid Review"

    def ready(self):
        from rapidreview import (  # noqa: F401 - each registers its part of a cases page
            case_sources,
            dashboard,
        )
