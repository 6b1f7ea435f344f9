"""The publication app's API routes, added under /api/v1/ by lcspr/api_urls.py."""

urlpatterns = []
