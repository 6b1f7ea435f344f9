"""slippage: to come (issue 17)."""

urlpatterns = []
