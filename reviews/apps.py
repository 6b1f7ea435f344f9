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
            findings,  # issue 15: findings and recommendations (§9.2)
            genogram,  # issue 14: the lead agency's genogram asked for (§7.2.1)
            panel,
            report_drafts,  # issue 15: drafts: the report's task and comments to answer
            report_guard,  # issue 15: guard. The chair's open anonymisation hits (§9.1.3)
            setup,
            terms,
            workshop,  # noqa: F401 - issue 14: the workshop
        )

        self._issue_14_submissions()
        # issue 15: the report's approval registers its task, CRG business and work.
        from reviews.selectors import report_approval  # noqa: F401

    def _issue_14_submissions(self):
        """Issue 14, agency submissions: the task, dashboard and CRG business (registered
        by importing the selectors), and a submitted LCSPR submission meeting its due date
        (its own dated item)."""
        from django.db.models.signals import post_save

        from cases.models import InformationRequest
        from reviews.selectors import submissions  # noqa: F401 - registers its parts
        from reviews.services.submissions import on_request_saved

        post_save.connect(
            on_request_saved, sender=InformationRequest, dispatch_uid="reviews.submission_saved"
        )
        from reviews.services.themes import chron_ready  # issue 14: chron

        chron_ready()
