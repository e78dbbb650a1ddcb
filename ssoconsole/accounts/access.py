"""Access checks for console views, built on ``roles.can`` (the one place roles are decided)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render

from ssoconsole.accounts.roles import can


def signed_in_user(request):
    """Return the signed-in, active user of ``request`` or ``None``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


def console_view(capability: str | None = None):
    """Require a signed-in user (and ``capability`` when given) for a console view.

    Anonymous visitors go to the login page with a same-origin ``next``; a
    user without the capability gets a 403 page that names what is missing.
    The view receives the user's tenant as ``request.tenant``.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = signed_in_user(request)
            if user is None:
                return HttpResponseRedirect(
                    "/login?" + urlencode({"next": request.get_full_path()})
                )
            if capability is not None and not can(user, capability):
                return render(
                    request,
                    "console/forbidden.html",
                    {"capability": capability},
                    status=403,
                )
            request.tenant = user.tenant
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorator
