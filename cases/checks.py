from django.conf import settings
from django.core.checks import Error, Tags, register


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
