"""The public page of each partnership, /published/<slug>/, with its Atom feed (§10.5.2)."""

urlpatterns = []
