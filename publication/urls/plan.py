"""Publication (§10): cases/<reference>/lcspr/publication/..."""

urlpatterns = []
