from django.contrib import messages
from django.contrib.auth import views as auth_views


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only, session flushed), then says it happened."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response
