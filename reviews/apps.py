from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "LCSPR reviews"

    def ready(self):
        from rapidreview.signals import lcspr_commissioned
        from reviews.services import on_lcspr_commissioned

        lcspr_commissioned.connect(on_lcspr_commissioned, dispatch_uid="reviews.lcspr_open")
        # Each part of the review registers its task on the LCSPR page (reviews/workspace.py),
        # its business at CRG meetings (rapidreview/meeting_business.py) and its work on
        # the dashboard (cases/dashboard.py) from its selectors module, imported here.
        from reviews.selectors import (  # noqa: F401 - each registers its parts
            clock,
            family,  # issue 14: family engagement (§7)
            panel,
            setup,
            terms,
        )
