"""Signing in with two factors, signing out, and resetting a password."""

import time
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from cases import selectors, services
from cases.errors import ApplicationError
from cases.forms.account import (
    QueuedPasswordResetForm,
    SignInForm,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
)
from cases.models import AccessAction
from cases.security import LAST_ACTIVITY, SIGNED_IN_AT

RECOVERY_CODES_SESSION_KEY = "recovery_codes_to_show"
SETUP_DEVICE_SESSION_KEY = "two_factor_setup_device"


def _next_url(request, default="dashboard"):
    """A `next` on this site only (a local path), else the named default."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse_lazy(default)


class SignInView(auth_views.LoginView):
    """Step one: the password. The session then reaches only the second-factor pages."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # A configuration account (staff, with no role in the product) has no
        # dashboard: without a `next`, it lands on the admin, not on a refusal.
        user = self.request.user
        if user.is_staff and not selectors.memberships_for(user).exists():
            return reverse("admin:index")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)  # new session key, as Django always does
        now = int(time.time())
        self.request.session[SIGNED_IN_AT] = now
        self.request.session[LAST_ACTIVITY] = now
        services.access_record(request=self.request, action=AccessAction.SIGN_IN)
        return response

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            return super().form_invalid(form)  # `locked_out` below logs and answers
        services.access_record(
            request=self.request,
            action=AccessAction.SIGN_IN_FAILED,
            username=self.request.POST.get("username", ""),
        )
        return super().form_invalid(form)


def locked_out(request, response, credentials, *args, **kwargs):
    """django-axes calls this instead of signing in a locked account or address."""
    username = (credentials or {}).get("username", "") or request.POST.get("username", "")
    services.access_record(request=request, action=AccessAction.LOCKED_OUT, username=username)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@login_required
@never_cache
def two_factor_verify(request):
    """Step two: a code from the authenticator app, or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not services.user_has_two_factor(request.user):
        return redirect("two_factor_setup")
    form = TwoFactorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = services.two_factor_verify(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
            services.access_record(request=request, action=AccessAction.TWO_FACTOR_FAILED)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            services.access_record(request=request, action=AccessAction.TWO_FACTOR_PASSED)
            return redirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@login_required
@never_cache
def two_factor_setup(request):
    """First sign-in: connect an authenticator app. Only for accounts without one."""
    if services.user_has_two_factor(request.user):
        # Someone with only the password must not swap in their own app.
        return redirect("two_factor_verify")
    device = services.two_factor_device_for_setup(
        user=request.user, device_id=request.session.get(SETUP_DEVICE_SESSION_KEY)
    )
    request.session[SETUP_DEVICE_SESSION_KEY] = device.pk
    form = TwoFactorSetupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            codes = services.two_factor_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            services.access_record(request=request, action=AccessAction.TWO_FACTOR_ENROLLED)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            query = urlencode({"next": str(_next_url(request))})
            return redirect(f"{reverse('recovery_codes')}?{query}")
    secret = b32encode(device.bin_key).decode()
    qr_svg = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8
    ).to_string(encoding="unicode")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg[qr_svg.index("<svg") :],
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@never_cache
def recovery_codes(request):
    """Shows the new recovery codes once, straight after setting up the app."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return render(
        request, "registration/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


def admin_login(request):
    """The admin's sign-in is the product's: two factors, lockout and the access log.

    Django's own admin sign-in form is never shown, so it cannot sign anyone in.
    """
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    if request.user.is_authenticated:
        raise PermissionDenied("This account does not have access to configuration.")
    query = urlencode({"next": request.GET.get("next", "/admin/")})
    return redirect(f"{reverse('login')}?{query}")


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only, session deleted server-side), then says it happened."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.access_record(request=request, action=AccessAction.SIGN_OUT)
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Sends a reset link (from the worker). Resetting never signs anyone in: they then
    sign in with two factors."""

    form_class = QueuedPasswordResetForm
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    post_reset_login = False
    success_url = reverse_lazy("password_reset_complete")
