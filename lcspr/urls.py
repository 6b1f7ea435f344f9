from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import views
from cases.auth_views import SignOutView
from cases.forms import SignInForm

admin.site.site_header = "LCSPR case manager configuration"
admin.site.site_title = "LCSPR case manager"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", SignOutView.as_view(), name="logout"),
    path("organisation/", views.organisation_choose, name="organisation_choose"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/timeline/", views.case_timeline, name="case_timeline"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("lcspr.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
