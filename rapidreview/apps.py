from django.apps import AppConfig


class RapidReviewConfig(AppConfig):
    name = "rapidreview"
    verbose_name = "Rapid Review"
