"""The publication app's pages: lcspr/urls.py adds them to the product's routes. Each part
keeps its own list, so the parts never edit one file."""

from publication.urls import actions, learning, plan, public

urlpatterns = plan.urlpatterns + public.urlpatterns + actions.urlpatterns + learning.urlpatterns
