"""Session and request security: timeouts, the two-factor gate, the access log, headers."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from cases import services
from cases.models import AccessAction

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"
IDLE_MESSAGE = "You were signed out because you had not done anything for {minutes} minutes."
ABSOLUTE_MESSAGE = "You were signed out because you signed in more than {hours} hours ago."

# Pages a signed-in user may reach before giving the second factor.
TWO_FACTOR_EXEMPT_ROUTES = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "health",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request, message, status):
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    return None


class RejectNullCharactersMiddleware:
    """A NUL character in a URL is never meant: answer 400 before it reaches the database
    (PostgreSQL refuses NUL in text, which would otherwise surface as a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, *(v for _, vs in request.GET.lists() for v in vs)]
        if any("\x00" in value for value in values):
            if _is_api(request):
                return JsonResponse({"detail": NULL_CHARACTER_REFUSAL}, status=400)
            return HttpResponseBadRequest(NULL_CHARACTER_REFUSAL)
        return self.get_response(request)


NULL_CHARACTER_REFUSAL = "The address contains a character that is not allowed (NUL)."


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT idle seconds or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            session.setdefault(SIGNED_IN_AT, now)
            last = session.get(LAST_ACTIVITY, now)
            message = None
            if now - last > settings.SESSION_IDLE_TIMEOUT:
                message = IDLE_MESSAGE.format(minutes=settings.SESSION_IDLE_TIMEOUT // 60)
            elif now - session[SIGNED_IN_AT] > settings.SESSION_ABSOLUTE_TIMEOUT:
                message = ABSOLUTE_MESSAGE.format(hours=settings.SESSION_ABSOLUTE_TIMEOUT // 3600)
            if message:
                services.access_record(request=request, action=AccessAction.SESSION_EXPIRED)
                logout(request)
                refused = _refuse(request, message, 401)
                if refused:
                    return refused
                messages.info(request, message)
                return redirect(
                    f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
                )
            session[LAST_ACTIVITY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A password alone reaches nothing but the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            match = request.resolver_match or _resolve(request.path_info)
            exempt = match is not None and match.url_name in TWO_FACTOR_EXEMPT_ROUTES
            if not exempt and not request.path.startswith(settings.STATIC_URL):
                refused = _refuse(request, "Finish signing in with your second factor.", 403)
                if refused:
                    return refused
                target = (
                    "two_factor_verify"
                    if services.user_has_two_factor(user)
                    else "two_factor_setup"
                )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


class AccessLogMiddleware:
    """Logs every read of a case record (page or API) and every refused attempt.

    Driven by the URL configuration, so a new case page is logged without being
    listed: a route with a `reference` is a case record (tests/test_isolation.py
    holds every parameterised route to that), and every `api_` route reads case data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or request.method not in ("GET", "HEAD"):
            return response
        if getattr(request, "access_logged", False):  # the view logged it (a download)
            return response
        reference = match.kwargs.get("reference", "")
        is_api_read = (match.url_name or "").startswith("api_")
        status = response.status_code
        # After an API view, request.user is whoever its token or session named.
        if status in (401, 403, 404) and not request.user.is_authenticated:
            services.anonymous_refusal_log(route=match.url_name or "", status_code=status)
            return response
        if status in (401, 403, 404):
            action = AccessAction.DENIED
        elif status == 200 and reference:
            action = AccessAction.API_READ if is_api_read else AccessAction.VIEW
        elif status == 200 and is_api_read:
            action = AccessAction.API_READ
        else:
            return response
        services.access_record(
            request=request,
            action=action,
            scope=getattr(request, "scope", None),
            object_type="case" if reference else ("case list" if is_api_read else "page"),
            object_reference=reference,
            route=match.url_name or "",
            status_code=status,
        )
        return response


class NoStoreMiddleware:
    """No browser or shared cache keeps what a signed-in person saw, or any API answer:
    a case page must not come back from a shared computer's history after signing out.

    After authentication in MIDDLEWARE, so that it sees every later refusal and
    redirect; static files are answered before it (WhiteNoise).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # request.user is read after the view: DRF has then set a token's user on it.
        if _is_api(request) or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """Turns off browser features the product never uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
