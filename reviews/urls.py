"""The LCSPR's pages, under cases/<reference>/lcspr/ (lcspr/urls.py includes them)."""

urlpatterns: list = []
