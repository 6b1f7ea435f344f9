"""Every model of the product keeps history (django-simple-history)."""

from django.apps import apps
from simple_history.models import registered_models

PRODUCT_APPS = {"cases", "rapidreview", "reviews", "publication"}
# The access log is append-only: each row is history already. A mail claim is a lease
# for one send (its row's stamps keep the history).
APPEND_ONLY = {"AccessEvent", "Reminder", "MailClaim"}


def test_every_product_model_keeps_history():
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in PRODUCT_APPS
        and not model.__name__.startswith("Historical")
        and not model._meta.auto_created
        and model.__name__ not in APPEND_ONLY
    ]
    assert models, "no product models found"
    missing = [model.__name__ for model in models if model not in registered_models.values()]
    assert missing == []
