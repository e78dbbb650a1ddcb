"""Who may reach the dev IdP at all, and who may administer it.

Two gates. First, every dev IdP view answers 404 unless
``SSOCONSOLE_DEVIDP_ENABLED`` is set *at request time*, in addition to the URLs
being mounted only then: a configuration mistake in one place is not enough
to expose it. Second, the admin pages (the imitation of the Entra admin
center) need the dev IdP's own admin password. It is generated once per data
directory, kept there with mode 0600 (never a fixed password in the code), and
printed by ``django-admin devidp_admin_password`` and by the demo command.
A password rather than an automatic sign-in, because ``serve --host 0.0.0.0``
would otherwise hand every machine on the network the power to mint
assertions for any user. The SAML endpoints and My Apps are for end users and
need no admin password, as in Entra.
"""

from __future__ import annotations

import functools
import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ssoconsole.config import load_or_create_secret

SESSION_FLAG = "devidp_admin"


def enabled_only(view):
    """Answer 404 from ``view`` unless the dev IdP is enabled."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SSOCONSOLE_DEVIDP_ENABLED:
            raise Http404("The development identity provider is not enabled.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_password() -> str:
    """Return the dev IdP's admin password, generating it on first use."""
    return load_or_create_secret(
        settings.SSOCONSOLE_DATA_DIR, name="devidp_admin_password", nbytes=12
    )


def password_matches(candidate: str) -> bool:
    return hmac.compare_digest(candidate.encode(), admin_password().encode())


def is_admin(request) -> bool:
    return request.session.get(SESSION_FLAG) is True


def sign_in(request) -> None:
    request.session.cycle_key()  # a new session key, so a planted cookie gains nothing
    request.session[SESSION_FLAG] = True


def sign_out(request) -> None:
    request.session.pop(SESSION_FLAG, None)


def safe_next(request, candidate: str | None) -> str:
    """Return ``candidate`` when it is a local dev IdP path, else the admin home."""
    if (
        candidate
        and candidate.startswith("/devidp/")
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None)
    ):
        return candidate
    return reverse("devidp:home")


def admin_required(view):
    """Send a visitor without the admin password to the admin sign-in page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_admin(request):
            return redirect(
                reverse("devidp:admin_signin") + "?" + urlencode({"next": request.get_full_path()})
            )
        return view(request, *args, **kwargs)

    return wrapper
