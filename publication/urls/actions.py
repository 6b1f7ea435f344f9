"""Action plans (§10.1.2, §11.3-11.4): the office's pages and the portal's."""

urlpatterns = []
