"""Embedding the learning (§11.2-11.5, §12) and the National Panel log (§1.6.3)."""

urlpatterns = []
