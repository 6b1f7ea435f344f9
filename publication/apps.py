from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication and learning"

    def ready(self):
        self._issue_16_learning()

    def _issue_16_learning(self):
        """issue 16: learning. The overdue briefings and the national review requests on the
        dashboard (registered by importing the selectors), and a case refused closing while
        a decision is un-notified to the National Panel (§1.6.3)."""
        from cases.closing import register_close_check
        from publication.rules_panel_log import close_refusal
        from publication.selectors import learning  # noqa: F401 - registers its dashboard part

        register_close_check(close_refusal)
