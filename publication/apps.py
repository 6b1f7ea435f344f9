from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication and learning"

    def ready(self):
        """Each part's dashboard items (and the publication's LCSPR task) register
        themselves when its selectors are imported; a case is refused closing while a
        decision is un-notified to the National Panel (§1.6.3)."""
        from cases.closing import register_close_check
        from publication.rules.panel_log import close_refusal
        from publication.selectors import actions, learning, plan, public  # noqa: F401

        register_close_check(close_refusal)
