"""search: to come (issue 17)."""

urlpatterns = []
