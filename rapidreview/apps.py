from django.apps import AppConfig


class RapidReviewConfig(AppConfig):
    name = "rapidreview"
    verbose_name = "Rapid Review"

    def ready(self):
        from cases import meetings
        from rapidreview import (  # noqa: F401 - each registers its part of a cases page
            case_sources,
            dashboard,
        )
        from rapidreview.selectors import scheduled_meetings_after

        meetings.register(scheduled_meetings_after)  # the referral path reads it (§4.9)
