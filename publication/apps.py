from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication and learning"

    def ready(self):
        # issue 16: public. A report archived, on the Business Office's dashboard.
        from publication.selectors import public  # noqa: F401 - registers its work
