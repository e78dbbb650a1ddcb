"""The sign-in and sign-out pages (``/login``, ``/logout``, ``/signed-out``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ssoconsole.accounts import known_devices, sessions, signin, throttle
from ssoconsole.accounts.access import signed_in_user
from ssoconsole.accounts.browser_marker import clear_marker, set_marker
from ssoconsole.accounts.cross_site import from_another_site
from ssoconsole.accounts.redirects import safe_next
from ssoconsole.core.errors import ValidationFailed


def _expired_message(reason: str | None) -> str | None:
    if reason == sessions.IDLE:
        minutes = settings.SSOCONSOLE_SESSION_IDLE_SECONDS // 60
        return f"You were signed out after {minutes} minutes without activity. Sign in again to continue."
    if reason == sessions.ABSOLUTE:
        return "Your session reached its maximum length and ended. Sign in again to continue."
    return None


def _username_page(
    request,
    next_url: str,
    *,
    username: str = "",
    error: str | None = None,
    message=None,
    status=200,
):
    return render(
        request,
        "accounts/login.html",
        {
            "step": "username",
            "username": username,
            "next": next_url,
            "username_error": error,
            "message": message,
        },
        status=status,
    )


def _password_page(
    request, next_url: str, username: str, *, error=None, password_error=None, status=200
):
    change = "/login?" + urlencode({"next": next_url})
    return render(
        request,
        "accounts/login.html",
        {
            "step": "password",
            "username": username,
            "next": next_url,
            "error": error,
            "password_error": password_error,
            "change_username_url": change,
        },
        status=status,
    )


def _continue_after_username(request, username: str, next_url: str):
    try:
        step = signin.next_step_for(username)
    except ValidationFailed as exc:
        return _username_page(
            request, next_url, username=username[:254], error=exc.message, status=400
        )
    if isinstance(step, (signin.PasswordStep, signin.Unknown)):
        return _password_page(request, next_url, step.username)
    flow = signin.sso_flow()
    if flow is None:
        return render(
            request, "accounts/sso_unavailable.html", {"username": step.username, "next": next_url}
        )
    return flow.start(request, step, next_url=next_url)


def _sign_in_with_password(request, next_url: str):
    username = request.POST.get("username", "")
    password = request.POST.get("password", "")
    if not password:
        return _password_page(
            request,
            next_url,
            username.strip()[:254],
            password_error="Enter your password.",
            status=400,
        )
    try:
        user = signin.password_sign_in(request, username, password)
    except ValidationFailed as exc:
        return _username_page(
            request, next_url, username=username[:254], error=exc.message, status=400
        )
    except throttle.Throttled as exc:
        response = _password_page(
            request, next_url, username.strip(), error=exc.message, status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    except signin.SignInRefused as exc:
        if isinstance(exc, signin.PasswordNotAllowed):
            return _continue_after_username(request, username, next_url)
        return _password_page(
            request, next_url, username.strip(), error=exc.message, status=exc.status
        )
    sessions.start_session(request, user, method="password")
    response = HttpResponseRedirect(next_url)
    known_devices.remember(response, request, user.username)
    set_marker(response, user)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    """Username first; then a password field, the SSO flow, or a provider list."""
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        if request.POST.get("step") == "password":
            return _sign_in_with_password(request, next_url)
        return _continue_after_username(request, request.POST.get("username", ""), next_url)
    username = request.GET.get("username")
    if username is not None:
        if from_another_site(request):
            # A link or an image on another site must not start a sign-in (or spend the address's
            # rate) on its own: the person confirms the username with a click on this site.
            return _username_page(
                request,
                next_url,
                username=username.strip()[:254],
                message="Check the username, then select Continue to sign in.",
            )
        return _continue_after_username(request, username, next_url)
    if signed_in_user(request) is not None:
        return HttpResponseRedirect(next_url)
    return _username_page(request, next_url, message=_expired_message(request.GET.get("expired")))


@never_cache
@require_http_methods(["GET", "POST"])
def logout(request):
    """GET asks for confirmation (a link cannot sign anyone out); POST signs out."""
    if request.method == "POST":
        sessions.sign_out(request)
        response = HttpResponseRedirect("/signed-out")
        clear_marker(response)
        return response
    user = signed_in_user(request)
    if user is None:
        return HttpResponseRedirect("/login")
    return render(request, "accounts/logout.html", {"user": user})


@never_cache
@require_http_methods(["GET"])
def signed_out(request):
    return render(request, "accounts/signed_out.html")
