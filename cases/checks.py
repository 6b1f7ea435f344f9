from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_data_is_off_in_production(app_configs, **kwargs):
    if settings.DEMO_DATA_ALLOWED and not settings.DEBUG:
        return [
            Error(
                "DEMO=1 allows demo users with known passwords.",
                hint="Unset DEMO in production.",
                id="lcspr.E001",
            )
        ]
    return []


@register(deploy=True)
def an_object_store_has_a_shared_cache_and_queue(app_configs, **kwargs):
    """Files in an object store are for more than one web host (README, More than one web
    host); those hosts must share Redis too, or each counts its own rate limits and queues
    its jobs in its own folder, where another host's worker never sees them."""
    if settings.STORAGE_BACKEND == "s3" and not settings.REDIS_URL:
        return [
            Warning(
                "Uploads are in an object store, but REDIS_URL is not set: each web host "
                "keeps its own cache and job queue.",
                hint="Set REDIS_URL to one Redis that every host and the worker share.",
                id="lcspr.W002",
            )
        ]
    return []
